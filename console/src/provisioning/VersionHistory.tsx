// A document's versions, newest first: pick one to see what changed from the version before it (or
// against the current one), and revert to it (admins). A deleted document keeps its history, so that
// it can be restored from here.

import { useState } from "preact/hooks";
import { api, ApiError, enc } from "../api/client.js";
import { useCan } from "../auth.js";
import { describe, Empty, ErrorState, tableState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { dateTime } from "../format.js";
import { useApi } from "../useApi.js";
import { diffLines, pretty } from "./diff.js";
import type { DocKind, StoredDoc, Versions } from "./types.js";

type Against = "previous" | "current";

export function VersionHistory({ kind, name, stored, onReverted }: { kind: DocKind; name: string; stored: StoredDoc | null; onReverted(doc: StoredDoc): void }) {
  const canRevert = useCan("admin");
  const base = `/api/${kind}/${enc(name)}`;
  const list = useApi((signal) => api.get<Versions>(`${base}/versions`, { signal }).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }), [base, stored?.version]);
  const [picked, setPicked] = useState<number | null>(null);
  const [against, setAgainst] = useState<Against>("previous");
  const [message, setMessage] = useState<string | null>(null);
  const versions = list.data?.versions ?? [];
  const pickedIndex = versions.findIndex((v) => v.version === picked);
  const otherVersion = against === "current" ? (list.data?.current ?? null) : (versions[pickedIndex + 1]?.version ?? null);

  const texts = useApi(async (signal) => {
    if (picked === null) return null;
    const get = (v: number | null) => (v === null ? Promise.resolve("") : api.get<{ document: unknown }>(`${base}/versions/${v}`, { signal }).then((r) => pretty(r.document)));
    const [mine, other] = await Promise.all([get(picked), get(otherVersion)]);
    return { mine, other };
  }, [base, picked, otherVersion]);

  const revert = async (version: number) => {
    setMessage(null);
    try {
      const saved = await api.post<StoredDoc>(`${base}/revert`, { version }, { headers: { "if-match": `"${list.data?.current ?? 0}"` } });
      setMessage(`Reverted to version ${version}: stored as version ${saved.version}.`);
      onReverted(saved);
    } catch (err) {
      setMessage(describe(err));
    }
  };

  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">Version history</h2>
      <Table
        caption={`Versions of ${name}`}
        rowKey={(v) => String(v.version)}
        rows={versions}
        placeholder={tableState(list, versions.length, "No versions yet.")}
        columns={[
          { key: "v", header: "Version", cell: (v) => (v.version === list.data?.current ? `${v.version} (current)` : String(v.version)) },
          { key: "at", header: "Stored", cell: (v) => dateTime(v.updatedAt) },
          { key: "by", header: "By", cell: (v) => v.by ?? "—" },
          { key: "what", header: "Change", cell: (v) => (v.deleted ? "deleted" : "stored") },
          {
            key: "actions",
            header: "Actions",
            cell: (v) => (
              <div class="row">
                <button type="button" aria-pressed={picked === v.version} onClick={() => setPicked(v.version)} aria-label={`Show changes of version ${v.version}`}>
                  Changes
                </button>
                {canRevert && !v.deleted && v.version !== list.data?.current && (
                  <button type="button" onClick={() => void revert(v.version)} aria-label={`Revert to version ${v.version}`}>
                    Revert
                  </button>
                )}
              </div>
            ),
          },
        ]}
      />
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      {picked !== null && (
        <div class="diff-box">
          <div class="row">
            <h3 id="diff-title">
              Version {picked} against {otherVersion === null ? "nothing" : `version ${otherVersion}`}
            </h3>
            <label for="diff-against">Compare with</label>
            <select id="diff-against" value={against} onChange={(e) => setAgainst(e.currentTarget.value as Against)}>
              <option value="previous">the version before it</option>
              <option value="current">the current version</option>
            </select>
          </div>
          {texts.error ? <ErrorState error={texts.error} retry={texts.reload} /> : texts.data ? <Diff before={texts.data.other} after={texts.data.mine} /> : <Empty>Loading…</Empty>}
        </div>
      )}
    </section>
  );
}

function Diff({ before, after }: { before: string; after: string }) {
  const lines = diffLines(before, after);
  return (
    <pre class="diff" tabIndex={0} role="region" aria-labelledby="diff-title">
      {lines.map((l, i) => (
        <div key={i} class={l.op === "+" ? "diff-add" : l.op === "-" ? "diff-del" : "diff-same"}>
          <span class="diff-op">{l.op === " " ? " " : l.op}</span>
          {l.op === "+" && <span class="sr-only">added: </span>}
          {l.op === "-" && <span class="sr-only">removed: </span>}
          {l.text}
        </div>
      ))}
    </pre>
  );
}
