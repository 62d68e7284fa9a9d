// The login page: username and password to POST /api/session. It also takes over the screen when a
// login expires, saying so.

import { useState } from "preact/hooks";
import { ApiError } from "../api/client.js";
import { logIn } from "../api/session.js";
import type { Principal } from "../api/types.js";
import { describedBy, Field } from "../components/Field.js";
import { describe } from "../components/States.js";

export function LoginPage({ expired, onLoggedIn }: { expired: boolean; onLoggedIn(p: Principal): void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await logIn(username, password);
      onLoggedIn(s.principal);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? "Wrong username or password." : describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Provisio</h1>
        {expired && (
          <p class="notice" role="status">
            Your login expired. Log in again to continue where you were.
          </p>
        )}
        <Field id="login-username" label="Username">
          <input id="login-username" name="username" autocomplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} aria-describedby={describedBy("login-username", false, false)} />
        </Field>
        <Field id="login-password" label="Password" error={error}>
          <input id="login-password" name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} aria-invalid={error ? true : undefined} aria-describedby={describedBy("login-password", false, Boolean(error))} />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
