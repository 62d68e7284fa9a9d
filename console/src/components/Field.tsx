// A labelled form field with its hint and error, tied together for screen readers.

import type { ComponentChildren } from "preact";

let counter = 0;
/** A document-unique id for tying labels, hints and errors to inputs. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

export interface FieldProps {
  id: string;
  label: string;
  hint?: ComponentChildren;
  error?: string | null;
  children: ComponentChildren;
}

/** Wraps an input whose id is `id` and which sets aria-describedby={describedBy(id, ...)}. */
export function Field({ id, label, hint, error, children }: FieldProps) {
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <div class="hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {error && (
        <div class="error-text" id={`${id}-error`} role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export function describedBy(id: string, hint: boolean, error: boolean): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}
