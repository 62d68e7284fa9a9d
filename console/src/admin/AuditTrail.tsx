// The audit trail, newest first, filtered by principal, action or target, paged with `before`.

import { useState } from "preact/hooks";
import { api, query } from "../api/client.js";
import { tableState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { dateTime } from "../format.js";
import { useApi } from "../useApi.js";
import type { AuditEntry } from "./types.js";

export function AuditTrail() {
  const [filter, setFilter] = useState({ principal: "", action: "", targetType: "", targetId: "" });
  const [applied, setApplied] = useState(filter);
  const [pages, setPages] = useState<number[]>([]);
  const list = useApi((signal) => api.get<{ entries: AuditEntry[]; next: number | null }>(`/api/audit${query({ ...applied, limit: 50, before: pages.at(-1) })}`, { signal }), [applied, pages.at(-1)]);
  const rows = list.data?.entries ?? [];
  const input = (k: keyof typeof filter, label: string) => (
    <div class="field">
      <label for={`audit-${k}`}>{label}</label>
      <input id={`audit-${k}`} value={filter[k]} onInput={(e) => setFilter({ ...filter, [k]: e.currentTarget.value })} />
    </div>
  );
  return (
    <section aria-labelledby="audit-title" data-loaded={list.data ? "true" : undefined}>
      <h2 id="audit-title">Audit trail</h2>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setPages([]);
          setApplied(filter);
        }}
      >
        {input("principal", "Who (id)")}
        {input("action", "Action")}
        {input("targetType", "Target type")}
        {input("targetId", "Target id")}
        <button type="submit">Apply</button>
      </form>
      <Table
        caption="Audit entries, newest first"
        rowKey={(e) => String(e.id)}
        rows={rows}
        placeholder={tableState(list, rows.length, "No entries.")}
        columns={[
          { key: "at", header: "When", cell: (e) => dateTime(e.at) },
          { key: "who", header: "Who", cell: (e) => `${e.principal.name ?? e.principal.id ?? ""} (${e.principal.kind})` },
          { key: "from", header: "From", className: "mono", cell: (e) => e.address ?? "" },
          { key: "what", header: "Action", className: "mono", cell: (e) => e.action },
          { key: "target", header: "Target", className: "mono", cell: (e) => (e.target ? `${e.target.type} ${e.target.id}` : "") },
          { key: "out", header: "Outcome", cell: (e) => String(e.outcome) },
          { key: "sum", header: "Summary", cell: (e) => e.summary },
        ]}
      />
      <div class="pager">
        <button type="button" disabled={pages.length === 0} onClick={() => setPages(pages.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!list.data?.next} onClick={() => setPages([...pages, list.data!.next!])}>
          Older
        </button>
      </div>
    </section>
  );
}
