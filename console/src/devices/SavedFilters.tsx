// Saved filters (GET/POST/DELETE /api/filters), shared by everyone: pick one to apply it, save the
// filter shown under a name, delete the one picked (operators).

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import { useCan, usePrincipal } from "../auth.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { describedBy, Field } from "../components/Field.js";
import { describe } from "../components/States.js";
import { useAction } from "../useAction.js";
import { useApi } from "../useApi.js";

interface SavedFilter {
  name: string;
  filter: string;
  description: string;
  createdBy: string;
}

export function SavedFilters({ filter, onApply }: { filter: string; onApply(filter: string): void }) {
  // Saved filters are global configuration: changed by unscoped operators only.
  const canWrite = useCan("operator") && !usePrincipal().tenant;
  const list = useApi((signal) => api.get<{ filters: SavedFilter[] }>("/api/filters", { signal }), []);
  const saved = list.data?.filters ?? [];
  // The saved filter the list shows as chosen: the one whose text is the filter applied, if any.
  const current = saved.find((s) => s.filter === filter)?.name ?? "";
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState("");
  const [deleting, setDeleting] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const { error, submit: save } = useAction(async () => {
    await api.post("/api/filters", { name: name.trim(), filter });
    setMessage(`Saved the filter as ${name.trim()}.`);
    setSaving(false);
    setName("");
    list.reload();
  });
  const remove = async () => {
    try {
      await api.del(`/api/filters/${enc(current)}`);
      setMessage(`Deleted the saved filter ${current}.`);
    } catch (err) {
      setMessage(describe(err));
    } finally {
      setDeleting(false);
      list.reload();
    }
  };

  return (
    <div class="saved-filters">
      <div class="field">
        <label for="saved-filter">Saved filters</label>
        <select id="saved-filter" value={current} onChange={(e) => onApply(saved.find((s) => s.name === e.currentTarget.value)?.filter ?? "")} disabled={!list.data}>
          <option value="">{list.error ? "(could not load them)" : saved.length === 0 ? "(none saved yet)" : "Choose one…"}</option>
          {saved.map((s) => (
            <option key={s.name} value={s.name} title={s.filter}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      {canWrite && !saving && (
        <button type="button" disabled={filter === ""} onClick={() => setSaving(true)}>
          Save filter…
        </button>
      )}
      {canWrite && current !== "" && (
        <button type="button" class="danger-outline" onClick={() => setDeleting(true)}>
          Delete saved filter
        </button>
      )}
      {saving && (
        <form class="row" onSubmit={(e) => void save(e)} aria-label="Save the filter">
          <Field id="saved-filter-name" label="Name for this filter" error={error}>
            <input id="saved-filter-name" required pattern="[A-Za-z0-9_.:\-]+" maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} aria-invalid={error ? true : undefined} aria-describedby={describedBy("saved-filter-name", false, Boolean(error))} />
          </Field>
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" onClick={() => setSaving(false)}>
            Cancel
          </button>
        </form>
      )}
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      {deleting && (
        <ConfirmDialog title="Delete the saved filter" confirmLabel={`Delete ${current}`} danger onConfirm={() => void remove()} onCancel={() => setDeleting(false)}>
          <p>It is deleted for everyone: {current} ({filter}).</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
