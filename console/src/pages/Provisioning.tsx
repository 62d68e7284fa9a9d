// Presets and provisions: both lists, a way to create one, and links to each document's page; a dry
// run of everything that matches a device.

import { useState } from "preact/hooks";
import { api } from "../api/client.js";
import { useCan } from "../auth.js";
import { Field } from "../components/Field.js";
import { tableState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { dateTime } from "../format.js";
import { DryRunPanel } from "../provisioning/DryRunPanel.js";
import { KIND_LABEL, type DocKind, type StoredDoc } from "../provisioning/types.js";
import { Link, navigate } from "../router.js";
import { useApi } from "../useApi.js";
import "../provisioning/provisioning.css";

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

export function ProvisioningPage() {
  const canRun = useCan("operator");
  return (
    <>
      <h1>Provisioning</h1>
      <div class="columns-even">
        <DocList kind="presets" />
        <DocList kind="provisions" />
      </div>
      {canRun && <DryRunPanel />}
    </>
  );
}

function DocList({ kind }: { kind: DocKind }) {
  const canEdit = useCan("admin");
  const list = useApi((signal) => api.get<Record<string, StoredDoc[]>>(`/api/${kind}`, { signal }), [kind]);
  const rows = list.data?.[kind] ?? [];
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const label = KIND_LABEL[kind];
  const summary = (d: StoredDoc) => {
    const doc = d.document;
    if (kind === "presets") return `${doc.enabled === false ? "disabled; " : ""}${typeof doc.filter === "string" && doc.filter !== "" ? doc.filter : "every device"}`;
    return String(doc.kind ?? "");
  };
  return (
    <section aria-labelledby={`${kind}-title`} data-loaded={list.data ? "true" : undefined}>
      <h2 id={`${kind}-title`}>{label.many}</h2>
      <Table
        caption={label.many}
        rowKey={(d) => d.name}
        rows={rows}
        placeholder={tableState(list, rows.length, `No ${label.one} yet.`)}
        columns={[
          { key: "name", header: "Name", className: "mono", cell: (d) => <Link href={`/provisioning/${kind}/${encodeURIComponent(d.name)}`}>{d.name}</Link> },
          { key: "what", header: kind === "presets" ? "Applies to" : "Kind", className: kind === "presets" ? "mono" : undefined, cell: summary },
          { key: "v", header: "Version", cell: (d) => String(d.version) },
          { key: "at", header: "Changed", cell: (d) => dateTime(d.updatedAt) },
        ]}
      />
      {canEdit && (
        <form
          class="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            if (!NAME.test(name)) setError("A name is 1 to 128 letters, digits and . _ : -");
            else navigate(`/provisioning/${kind}/${encodeURIComponent(name)}`);
          }}
        >
          <Field id={`new-${kind}`} label={`New ${label.one}`} error={error}>
            <input id={`new-${kind}`} value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="name" />
          </Field>
          <button type="submit">Create</button>
        </form>
      )}
    </section>
  );
}
