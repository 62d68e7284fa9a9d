// One preset or provision: its editor, a dry run of it (presets), its version history with diffs and
// reverts, and deletion. A name with nothing stored is a new document (or a deleted one, whose history
// can restore it).

import { useState } from "preact/hooks";
import { api, ApiError, enc } from "../api/client.js";
import { useCan } from "../auth.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { describe, ErrorState, Loading } from "../components/States.js";
import { DocumentEditor } from "../provisioning/DocumentEditor.js";
import { DryRunPanel } from "../provisioning/DryRunPanel.js";
import { KIND_LABEL, type DocKind, type StoredDoc } from "../provisioning/types.js";
import { VersionHistory } from "../provisioning/VersionHistory.js";
import { Link, type Params } from "../router.js";
import { useApi } from "../useApi.js";
import "../provisioning/provisioning.css";

export function ProvisioningDocumentPage({ params }: { params: Params }) {
  const kind: DocKind = params.kind === "provisions" ? "provisions" : "presets";
  const name = params.name ?? "";
  const canEdit = useCan("admin");
  const canRun = useCan("operator");
  const [round, setRound] = useState(0);
  const doc = useApi(
    (signal) =>
      api.get<StoredDoc>(`/api/${kind}/${enc(name)}`, { signal }).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
    [kind, name, round],
  );
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const label = KIND_LABEL[kind];

  const remove = async () => {
    setError(null);
    try {
      await api.del(`/api/${kind}/${enc(name)}`);
      setRound((n) => n + 1);
    } catch (err) {
      setError(describe(err));
    } finally {
      setDeleting(false);
    }
  };

  return (
    <>
      <p class="breadcrumb">
        <Link href="/provisioning">Provisioning</Link> / {label.many}
      </p>
      <h1>
        {label.one[0]!.toUpperCase() + label.one.slice(1)} <span class="mono">{name}</span>
      </h1>
      {doc.error ? (
        <ErrorState error={doc.error} retry={doc.reload} />
      ) : doc.data === undefined ? (
        <Loading what={`Loading the ${label.one}`} />
      ) : (
        <div data-loaded="true">
          {doc.data === null && <p class="notice">Nothing is stored under this name{canEdit ? ": save to create it, or restore a version below." : "."}</p>}
          <DocumentEditor key={`${kind}/${name}`} kind={kind} name={name} stored={doc.data} onSaved={(d) => doc.set(d)} />
          {canEdit && doc.data !== null && (
            <p>
              <button type="button" class="danger-outline" onClick={() => setDeleting(true)}>
                Delete {label.one}
              </button>
            </p>
          )}
          {error && (
            <p class="error-text" role="alert">
              {error}
            </p>
          )}
          {canRun && kind === "presets" && doc.data !== null && <DryRunPanel preset={name} />}
          <VersionHistory kind={kind} name={name} stored={doc.data} onReverted={(d) => doc.set(d)} />
        </div>
      )}
      {deleting && (
        <ConfirmDialog title={`Delete ${label.one} ${name}?`} confirmLabel="Delete" danger onConfirm={() => void remove()} onCancel={() => setDeleting(false)}>
          <p>It stops applying to sessions that start after this. Its history stays: it can be restored from there.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
