// API keys: created with a role and optionally a tenant; the key is shown once, when created, and
// never again (the server keeps its hash). Revoked keys stay listed.

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import { roleLabel } from "../api/session.js";
import type { Role } from "../api/types.js";
import { Field } from "../components/Field.js";
import { tableState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { ago } from "../format.js";
import { useApi } from "../useApi.js";
import type { ApiKey, Tenant } from "./types.js";
import { Outcome, useAction } from "./useAction.js";
import { RoleOptions, TenantOptions } from "./options.js";

export function ApiKeys() {
  const list = useApi((signal) => api.get<{ apiKeys: ApiKey[] }>("/api/apikeys", { signal }), []);
  const tenants = useApi((signal) => api.get<{ tenants: Tenant[] }>("/api/tenants", { signal }), []);
  const rows = list.data?.apiKeys ?? [];
  const action = useAction();
  const [form, setForm] = useState({ name: "", role: "read-only" as Role, tenant: "" });
  const [created, setCreated] = useState<string | null>(null);
  return (
    <section aria-labelledby="keys-title" data-loaded={list.data ? "true" : undefined}>
      <h2 id="keys-title">API keys</h2>
      <Table
        caption="API keys"
        rowKey={(k) => k.id}
        rows={rows}
        placeholder={tableState(list, rows.length, "No API keys.")}
        columns={[
          { key: "n", header: "Name", cell: (k) => k.name },
          { key: "id", header: "Id", className: "mono", cell: (k) => k.id },
          { key: "r", header: "Role", cell: (k) => roleLabel(k.role) },
          { key: "t", header: "Tenant", cell: (k) => k.tenant ?? "all devices" },
          { key: "u", header: "Last used", cell: (k) => ago(k.lastUsedAt) },
          {
            key: "a",
            header: "State",
            cell: (k) =>
              k.revokedAt ? (
                `revoked ${ago(k.revokedAt)}`
              ) : (
                action.dangerButton(`Revoke key ${k.name}`, {
                      title: `Revoke key ${k.name}?`,
                      text: "Programs using it are refused from their next request. This cannot be undone.",
                      label: "Revoke",
                      what: async () => {
                        await api.del(`/api/apikeys/${enc(k.id)}`);
                        list.reload();
                        return `Key ${k.name} revoked.`;
                      },
                    })
              ),
          },
        ]}
      />
      <Outcome error={action.error} done={action.done} />
      {action.dialog}
      {created && (
        <div class="notice" role="status">
          <p>The new key, shown this once (copy it now):</p>
          <p class="mono secret" data-testid="new-key">
            {created}
          </p>
        </div>
      )}
      <form
        class="card admin-form"
        aria-labelledby="new-key-title"
        onSubmit={(e) => {
          e.preventDefault();
          setCreated(null);
          void action
            .run(async () => {
              const k = await api.post<ApiKey & { key: string }>("/api/apikeys", { name: form.name, role: form.role, ...(form.tenant ? { tenant: form.tenant } : {}) });
              list.reload();
              setCreated(k.key);
              return `Key ${k.name} created.`;
            })
            .then((ok) => ok && setForm({ name: "", role: "read-only", tenant: "" }));
        }}
      >
        <h3 id="new-key-title">New API key</h3>
        <Field id="key-name" label="Key name">
          <input id="key-name" value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </Field>
        <Field id="key-role" label="Key role">
          <select id="key-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
            <RoleOptions />
          </select>
        </Field>
        <Field id="key-tenant" label="Tenant">
          <select id="key-tenant" value={form.tenant} onChange={(e) => setForm({ ...form, tenant: e.currentTarget.value })}>
            <TenantOptions names={(tenants.data?.tenants ?? []).map((t) => t.name)} />
          </select>
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          Create key
        </button>
      </form>
    </section>
  );
}
