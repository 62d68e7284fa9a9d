// The app: find out who is logged in, show the login page or the shell with the current page. A 401
// from any call means the login expired: the login page comes back over the same URL, so that logging
// in again returns the user to where they were.

import { useEffect, useState } from "preact/hooks";
import { onUnauthorized } from "./api/client.js";
import { currentSession } from "./api/session.js";
import type { Principal } from "./api/types.js";
import { AuthContext } from "./auth.js";
import { ErrorState, Loading } from "./components/States.js";
import { LoginPage } from "./pages/Login.js";
import { Shell } from "./Shell.js";

type State = { kind: "checking" } | { kind: "anonymous"; expired: boolean } | { kind: "in"; principal: Principal } | { kind: "error"; error: unknown };

export function App() {
  const [state, setState] = useState<State>({ kind: "checking" });
  const check = () => {
    setState({ kind: "checking" });
    currentSession().then(
      (s) => setState(s ? { kind: "in", principal: s.principal } : { kind: "anonymous", expired: false }),
      (error: unknown) => setState({ kind: "error", error }),
    );
  };
  useEffect(check, []);
  useEffect(() => onUnauthorized(() => setState((s) => (s.kind === "in" ? { kind: "anonymous", expired: true } : s))), []);

  switch (state.kind) {
    case "checking":
      return (
        <main class="centered">
          <Loading what="Starting the console" />
        </main>
      );
    case "error":
      return (
        <main class="centered">
          <ErrorState error={state.error} retry={check} />
        </main>
      );
    case "anonymous":
      return <LoginPage expired={state.expired} onLoggedIn={(principal) => setState({ kind: "in", principal })} />;
    case "in":
      return (
        <AuthContext.Provider value={state.principal}>
          <Shell onLoggedOut={() => setState({ kind: "anonymous", expired: false })} />
        </AuthContext.Provider>
      );
  }
}
