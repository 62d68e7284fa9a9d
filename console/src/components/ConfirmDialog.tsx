// A modal confirmation (the native <dialog>: focus moves in and stays, Escape cancels). It states what
// will happen; the confirming button names the action.

import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export interface ConfirmProps {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

export function ConfirmDialog(p: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); p.onCancel(); }}>
      <form method="dialog" onSubmit={(e) => { e.preventDefault(); p.onConfirm(); }}>
        <h2 id="confirm-title">{p.title}</h2>
        <div class="dialog-body">{p.children}</div>
        <div class="dialog-actions">
          <button type="button" onClick={p.onCancel}>
            Cancel
          </button>
          <button type="submit" class={p.danger ? "danger" : "primary"} disabled={p.busy}>
            {p.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
