// Files devices download and the campaigns that give them out: the catalogue (upload and delete for
// admins), the campaigns newest first, and a form to start one (operators).

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import { useCan } from "../auth.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { describe, tableState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { CampaignForm } from "../files/CampaignForm.js";
import { settled, type Campaign, type StoredFile } from "../files/types.js";
import { UploadForm } from "../files/UploadForm.js";
import { bytes, dateTime } from "../format.js";
import { Link } from "../router.js";
import { useApi } from "../useApi.js";
import "../files/files.css";

export function FilesPage() {
  const canUpload = useCan("admin");
  const canRun = useCan("operator");
  const files = useApi((signal) => api.get<{ files: StoredFile[]; total: number }>("/api/files?limit=500", { signal }), []);
  const campaigns = useApi((signal) => api.get<{ campaigns: Campaign[] }>("/api/campaigns", { signal }), []);
  const [deleting, setDeleting] = useState<StoredFile | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fileRows = files.data?.files ?? [];
  const campaignRows = campaigns.data?.campaigns ?? [];
  const fileName = (id: string) => fileRows.find((f) => f.id === id)?.name ?? id;

  const remove = async (f: StoredFile) => {
    setError(null);
    try {
      await api.del(`/api/files/${enc(f.id)}`);
      files.reload();
    } catch (err) {
      setError(describe(err));
    } finally {
      setDeleting(null);
    }
  };

  return (
    <>
      <h1>Files and campaigns</h1>
      <section aria-labelledby="files-title" data-loaded={files.data ? "true" : undefined}>
        <h2 id="files-title">Files</h2>
        <Table
          caption="Files devices can download"
          rowKey={(f) => f.id}
          rows={fileRows}
          placeholder={tableState(files, fileRows.length, "No file uploaded yet.")}
          columns={[
            { key: "name", header: "Name", className: "mono", cell: (f) => <a href={`/api/files/${enc(f.id)}/content`} download={f.name}>{f.name}</a> },
            { key: "type", header: "Type", cell: (f) => f.fileType },
            { key: "version", header: "Version", cell: (f) => f.version || "—" },
            { key: "class", header: "Product class", cell: (f) => f.productClass || "any" },
            { key: "size", header: "Size", cell: (f) => bytes(f.size) },
            { key: "sha", header: "SHA-256", className: "mono sha", cell: (f) => <span title={f.sha256}>{f.sha256.slice(0, 16)}…</span> },
            { key: "at", header: "Uploaded", cell: (f) => dateTime(f.createdAt) },
            ...(canUpload
              ? [{ key: "del", header: "Actions", cell: (f: StoredFile) => <button type="button" class="danger-outline" aria-label={`Delete ${f.name}`} onClick={() => setDeleting(f)}>Delete</button> }]
              : []),
          ]}
        />
        {error && (
          <p class="error-text" role="alert">
            {error}
          </p>
        )}
      </section>

      <section aria-labelledby="campaigns-title" data-loaded={campaigns.data ? "true" : undefined}>
        <h2 id="campaigns-title">Campaigns</h2>
        <Table
          caption="Campaigns, newest first"
          rowKey={(c) => c.id}
          rows={campaignRows}
          placeholder={tableState(campaigns, campaignRows.length, "No campaign yet.")}
          columns={[
            { key: "name", header: "Name", cell: (c) => <Link href={`/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</Link> },
            { key: "status", header: "Status", cell: (c) => <span class={`badge status-${c.status}`}>{c.status}</span> },
            { key: "file", header: "File", className: "mono", cell: (c) => fileName(c.fileId) },
            { key: "progress", header: "Settled", cell: (c) => `${settled(c)} of ${c.total}${c.enumerated ? "" : "+"}` },
            { key: "failed", header: "Failed", cell: (c) => String(c.counts.failed) },
            { key: "at", header: "Created", cell: (c) => dateTime(c.createdAt) },
          ]}
        />
      </section>

      <div class="columns-even">
        {canUpload && <UploadForm onUploaded={() => files.reload()} />}
        {canRun && files.data && <CampaignForm files={fileRows.filter((f) => f.fileType === "1 Firmware Upgrade Image")} />}
      </div>

      {deleting && (
        <ConfirmDialog title={`Delete ${deleting.name}?`} confirmLabel="Delete" danger onConfirm={() => void remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>Devices can no longer download it. A file a running or paused campaign gives out cannot be deleted.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
