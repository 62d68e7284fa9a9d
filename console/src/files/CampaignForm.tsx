// Starts a firmware campaign (operators): a file, the devices a filter matches, batch size and
// concurrency; optionally created paused. The API's refusals (a bad filter, a number out of range)
// are shown as it words them.

import { useState } from "preact/hooks";
import { api } from "../api/client.js";
import { Field } from "../components/Field.js";
import { describe } from "../components/States.js";
import { navigate } from "../router.js";
import type { Campaign, StoredFile } from "./types.js";

export function CampaignForm({ files }: { files: StoredFile[] }) {
  const [name, setName] = useState("");
  const [fileId, setFileId] = useState("");
  const [filter, setFilter] = useState("");
  const [batchSize, setBatchSize] = useState("100");
  const [concurrency, setConcurrency] = useState("10");
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = fileId || files[0]?.id || "";

  const create = async () => {
    setError(null);
    if (!name.trim()) return setError("Name the campaign.");
    if (!chosen) return setError("Upload a firmware image first.");
    setBusy(true);
    try {
      const c = await api.post<Campaign>("/api/campaigns", { name: name.trim(), fileId: chosen, filter, batchSize: Number(batchSize), concurrency: Number(concurrency), ...(paused ? { start: false } : {}) });
      navigate(`/campaigns/${encodeURIComponent(c.id)}`);
    } catch (err) {
      setError(describe(err));
      setBusy(false);
    }
  };

  return (
    <form
      class="card campaign-form"
      aria-labelledby="campaign-form-title"
      onSubmit={(e) => {
        e.preventDefault();
        void create();
      }}
    >
      <h2 id="campaign-form-title">New campaign</h2>
      <Field id="campaign-name" label="Campaign name">
        <input id="campaign-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field id="campaign-file" label="File to give out">
        <select id="campaign-file" value={chosen} onChange={(e) => setFileId(e.currentTarget.value)}>
          {files.map((f) => (
            <option key={f.id} value={f.id}>
              {`${f.name}${f.version ? ` (${f.version})` : ""}`}
            </option>
          ))}
        </select>
      </Field>
      <Field id="campaign-filter" label="Devices (filter)" hint='e.g. productClass = "HGW"; empty: every device'>
        <input id="campaign-filter" class="mono" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} aria-describedby="campaign-filter-hint" />
      </Field>
      <div class="row">
        <Field id="campaign-batch" label="Batch size">
          <input id="campaign-batch" type="number" min={1} value={batchSize} onInput={(e) => setBatchSize(e.currentTarget.value)} />
        </Field>
        <Field id="campaign-concurrency" label="At once">
          <input id="campaign-concurrency" type="number" min={1} value={concurrency} onInput={(e) => setConcurrency(e.currentTarget.value)} />
        </Field>
      </div>
      <label class="row">
        <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.currentTarget.checked)} /> Create it paused
      </label>
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        Start campaign
      </button>
    </form>
  );
}
