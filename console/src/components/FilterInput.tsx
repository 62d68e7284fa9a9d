// The filter language's input (docs/filters.md): applied on Enter or the button; the API's syntax
// error is shown under it with its column, and the caret is put there. Fields and paths complete.

import { useEffect, useRef, useState } from "preact/hooks";
import { describedBy } from "./Field.js";
import { usePathCompletion } from "./PathCompletion.js";

export interface FilterError {
  message: string;
  column?: number;
}

export function FilterInput({ value, error, onApply }: { value: string; error: FilterError | null; onApply(filter: string): void }) {
  const [text, setText] = useState(value);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    const el = input.current;
    if (el && error?.column !== undefined && document.activeElement === el) {
      const at = Math.min(error.column - 1, el.value.length);
      el.setSelectionRange(at, at);
    }
  }, [error]);
  const id = "device-filter";
  const completion = usePathCompletion({ id, input, text, setText, withFields: true });
  return (
    <form
      class="grow filter"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(text.trim());
      }}
    >
      <label for={id}>Filter</label>
      <div class="row">
        <div class="grow completing">
        <input
          ref={input}
          id={id}
          class="mono"
          type="text"
          spellcheck={false}
          autocomplete="off"
          placeholder='productClass = "HGW" AND online'
          value={text}
          {...completion.inputProps}
          onInput={(e) => {
            setText(e.currentTarget.value);
            completion.typed(e);
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, true, Boolean(error))}
        />
        {completion.list}
        </div>
        <button type="submit">Apply</button>
      </div>
      <div class="hint" id={`${id}-hint`}>
        Device fields, parameter paths, tags, online; AND, OR, NOT (docs/filters.md). Empty: every device. Arrow down completes a field or path.
      </div>
      {error && (
        <div class="error-text" id={`${id}-error`} role="alert">
          {error.column !== undefined ? `Column ${error.column}: ` : ""}
          {error.message}
          {error.column !== undefined && (
            <pre class="mono pointer" aria-hidden="true">
              {text}
              {"\n"}
              {" ".repeat(Math.max(0, error.column - 1))}^
            </pre>
          )}
        </div>
      )}
    </form>
  );
}
