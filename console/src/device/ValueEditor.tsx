// Edits one writable value in place: typed input, checked before sending, then a setParameterValues
// task with a connection request; the result is shown where the value is.

import { useState } from "preact/hooks";
import type { ParamRecord } from "../api/types.js";
import { describe } from "../components/States.js";
import { runDeviceTask, taskOutcome } from "./run-task.js";
import { checkValue } from "./values.js";

export function ValueEditor({ deviceId, path, record, onDone }: { deviceId: string; path: string; record: ParamRecord; onDone(message: string): void }) {
  const [text, setText] = useState(record.value ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = `edit-${path}`;
  const save = async (e: Event) => {
    e.preventDefault();
    const checked = checkValue(record.type, text);
    if (!checked.ok) {
      setError(checked.error ?? "invalid");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const t = await runDeviceTask(deviceId, "setParameterValues", { parameterValues: [{ name: path, value: checked.value!, ...(record.type ? { type: record.type } : {}) }] });
      onDone(`${path}: ${taskOutcome(t)}`);
    } catch (err) {
      setError(describe(err));
      setBusy(false);
    }
  };
  const boolean = record.type === "xsd:boolean";
  return (
    <form class="row editor" onSubmit={(e) => void save(e)} onKeyDown={(e) => e.key === "Escape" && onDone("")}>
      <label class="sr-only" for={id}>
        New value of {path} ({record.type ?? "xsd:string"})
      </label>
      {boolean ? (
        <select id={id} value={text === "1" ? "true" : text === "0" ? "false" : text} onChange={(e) => setText(e.currentTarget.value)}>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      ) : (
        <input id={id} class="mono" autoFocus value={text} inputMode={/int|long/i.test(record.type ?? "") ? "numeric" : undefined} onInput={(e) => setText(e.currentTarget.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Setting…" : "Set"}
      </button>
      <button type="button" onClick={() => onDone("")}>
        Cancel
      </button>
      {error && (
        <span class="error-text" id={`${id}-error`} role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
