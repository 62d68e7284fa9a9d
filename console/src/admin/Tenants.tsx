// Tenants: named device filters that API keys can be scoped to. One in use by a key cannot go.

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import { Field } from "../components/Field.js";
import { tableState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { useApi } from "../useApi.js";
import type { Tenant } from "./types.js";
import { Outcome, useAction } from "./useAction.js";

export function Tenants() {
  const list = useApi((signal) => api.get<{ tenants: Tenant[] }>("/api/tenants", { signal }), []);
  const rows = list.data?.tenants ?? [];
  const action = useAction();
  const [form, setForm] = useState({ name: "", filter: "", description: "" });
  return (
    <section aria-labelledby="tenants-title" data-loaded={list.data ? "true" : undefined}>
      <h2 id="tenants-title">Tenants</h2>
      <Table
        caption="Tenants"
        rowKey={(t) => t.name}
        rows={rows}
        placeholder={tableState(list, rows.length, "No tenants: every key reaches every device.")}
        columns={[
          { key: "n", header: "Name", className: "mono", cell: (t) => t.name },
          { key: "f", header: "Devices (filter)", className: "mono", cell: (t) => t.filter },
          { key: "d", header: "Description", cell: (t) => t.description ?? "" },
          {
            key: "a",
            header: "Actions",
            cell: (t) => (
              action.dangerButton(`Delete tenant ${t.name}`, {
                    title: `Delete tenant ${t.name}?`,
                    text: "Refused while API keys that are not revoked are scoped to it.",
                    label: "Delete",
                    what: async () => {
                      await api.del(`/api/tenants/${enc(t.name)}`);
                      list.reload();
                      return `Tenant ${t.name} deleted.`;
                    },
                  })
            ),
          },
        ]}
      />
      <Outcome error={action.error} done={action.done} />
      {action.dialog}
      <form
        class="card admin-form"
        aria-labelledby="new-tenant-title"
        onSubmit={(e) => {
          e.preventDefault();
          void action
            .run(async () => {
              await api.post("/api/tenants", { name: form.name, filter: form.filter, ...(form.description ? { description: form.description } : {}) });
              list.reload();
              return `Tenant ${form.name} created.`;
            })
            .then((ok) => ok && setForm({ name: "", filter: "", description: "" }));
        }}
      >
        <h3 id="new-tenant-title">New tenant</h3>
        <Field id="tenant-name" label="Tenant name">
          <input id="tenant-name" value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </Field>
        <Field id="tenant-filter" label="Its devices (filter)" hint='e.g. tag = "acme"'>
          <input id="tenant-filter" class="mono" value={form.filter} onInput={(e) => setForm({ ...form, filter: e.currentTarget.value })} aria-describedby="tenant-filter-hint" />
        </Field>
        <Field id="tenant-description" label="Description (optional)">
          <input id="tenant-description" value={form.description} onInput={(e) => setForm({ ...form, description: e.currentTarget.value })} />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          Create tenant
        </button>
      </form>
    </section>
  );
}
