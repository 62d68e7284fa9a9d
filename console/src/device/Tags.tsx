// A device's tags: shown to all, added and removed by operators.

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import { useCan } from "../auth.js";
import { describe } from "../components/States.js";
import { validTag } from "../devices/BulkActions.js";

export function Tags({ deviceId, tags, onChange }: { deviceId: string; tags: string[]; onChange(tags: string[]): void }) {
  const canWrite = useCan("operator");
  const [tag, setTag] = useState("");
  const [error, setError] = useState<string | null>(null);
  const call = async (method: "put" | "del", t: string) => {
    setError(null);
    try {
      const path = `/api/devices/${enc(deviceId)}/tags/${enc(t)}`;
      const r = method === "put" ? await api.put<{ tags: string[] }>(path) : await api.del<{ tags: string[] }>(path);
      onChange(r.tags);
      setTag("");
    } catch (err) {
      setError(describe(err));
    }
  };
  return (
    <section aria-labelledby="tags-title" class="tags">
      <h2 id="tags-title">Tags</h2>
      <ul class="row plain">
        {tags.length === 0 && <li class="muted">No tags.</li>}
        {tags.map((t) => (
          <li key={t} class="badge">
            {t}
            {canWrite && (
              <button type="button" class="link" aria-label={`Remove tag ${t}`} onClick={() => void call("del", t)}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {canWrite && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (!validTag(tag.trim())) setError("A tag is 1 to 128 characters, without commas or control characters.");
            else void call("put", tag.trim());
          }}
        >
          <label for="new-tag">Add a tag</label>
          <input id="new-tag" value={tag} onInput={(e) => setTag(e.currentTarget.value)} />
          <button type="submit">Add</button>
        </form>
      )}
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
