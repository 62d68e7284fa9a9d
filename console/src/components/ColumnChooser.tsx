// Which parameters the device table shows as columns: any path, added by typing it (paths complete),
// removed one by one.

import { useRef, useState } from "preact/hooks";
import { usePathCompletion } from "./PathCompletion.js";

export function ColumnChooser({ columns, onChange }: { columns: string[]; onChange(columns: string[]): void }) {
  const [open, setOpen] = useState(false);
  const [path, setPath] = useState("");
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const completion = usePathCompletion({ id: "column-path", input, text: path, setText: setPath, withFields: false });
  const add = (e: Event) => {
    e.preventDefault();
    const p = path.trim();
    if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*\.?$/.test(p)) {
      setError("A parameter path, such as Device.DeviceInfo.SoftwareVersion.");
      return;
    }
    if (columns.includes(p)) setError("That column is shown already.");
    else if (columns.length >= 20) setError("At most 20 parameter columns.");
    else {
      onChange([...columns, p]);
      setPath("");
      setError(null);
    }
  };
  return (
    <div class="columns-chooser">
      <button type="button" id="column-chooser-toggle" aria-expanded={open} aria-controls="column-chooser" onClick={() => setOpen(!open)}>
        Columns ({columns.length})
      </button>
      {open && (
        <div
          id="column-chooser"
          class="card popover"
          onKeyDown={(e) => {
            if (e.key !== "Escape") return;
            setOpen(false);
            document.getElementById("column-chooser-toggle")?.focus();
          }}
        >
          <form onSubmit={add} class="row">
            <label for="column-path" class="sr-only">
              Parameter path to show as a column
            </label>
            <div class="grow completing">
              <input
                ref={input}
                id="column-path"
                type="text"
                class="mono"
                autocomplete="off"
                placeholder="Device.DeviceInfo.SoftwareVersion"
                value={path}
                {...completion.inputProps}
                onInput={(e) => {
                  setPath(e.currentTarget.value);
                  completion.typed(e);
                }}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? "column-path-error" : undefined}
              />
              {completion.list}
            </div>
            <button type="submit">Add column</button>
          </form>
          {error && (
            <div id="column-path-error" class="error-text" role="alert">
              {error}
            </div>
          )}
          <ul class="chosen">
            {columns.map((c) => (
              <li key={c} class="row">
                <span class="mono grow">{c}</span>
                <button type="button" aria-label={`Remove column ${c}`} onClick={() => onChange(columns.filter((x) => x !== c))}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
