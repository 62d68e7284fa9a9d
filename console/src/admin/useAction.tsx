// Runs a change for an admin form or row: busy while it runs, the API's refusal in words, and what it
// did said in a status line.

import { useState } from "preact/hooks";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { describe } from "../components/States.js";

interface Ask {
  title: string;
  text: string;
  label: string;
  what(): Promise<string>;
}

export function useAction() {
  const [asking, setAsking] = useState<Ask | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await what());
      return true;
    } catch (err) {
      setError(describe(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  /** Runs `what` once the user confirms, in a dialog that says what it will do. */
  const confirm = (a: Ask) => setAsking(a);
  const dialog = asking && (
    <ConfirmDialog title={asking.title} confirmLabel={asking.label} danger onCancel={() => setAsking(null)} onConfirm={() => { const a = asking; setAsking(null); void run(a.what); }}>
      <p>{asking.text}</p>
    </ConfirmDialog>
  );
  /** A button that asks first (`a.label` names it and the dialog's confirming button). */
  const dangerButton = (ariaLabel: string, a: Ask) => (
    <button type="button" class="danger-outline" aria-label={ariaLabel} onClick={() => confirm(a)}>
      {a.label}
    </button>
  );
  return { busy, error, done, run, confirm, dialog, dangerButton };
}

export function Outcome({ error, done }: { error: string | null; done: string | null }) {
  if (error)
    return (
      <p class="error-text" role="alert">
        {error}
      </p>
    );
  if (done)
    return (
      <p class="notice" role="status">
        {done}
      </p>
    );
  return null;
}
