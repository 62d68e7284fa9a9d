// The console's users: create (with a first password), change role and tenant, disable or enable, delete.

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import { roleLabel } from "../api/session.js";
import type { Role } from "../api/types.js";
import { usePrincipal } from "../auth.js";
import { Field } from "../components/Field.js";
import { tableState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { ago } from "../format.js";
import { useApi } from "../useApi.js";
import { RoleOptions, TenantOptions } from "./options.js";
import type { Tenant, User } from "./types.js";
import { Outcome, useAction } from "./useAction.js";

export function Users() {
  const me = usePrincipal();
  const list = useApi((signal) => api.get<{ users: User[] }>("/api/users", { signal }), []);
  const rows = list.data?.users ?? [];
  const tenants = useApi((signal) => api.get<{ tenants: Tenant[] }>("/api/tenants", { signal }), []);
  const tenantNames = (tenants.data?.tenants ?? []).map((t) => t.name);
  const action = useAction();
  const blank = { username: "", displayName: "", role: "read-only" as Role, password: "", tenant: "" };
  const [form, setForm] = useState(blank);
  const change = (u: User, body: Record<string, unknown>, what: string) =>
    void action.run(async () => {
      await api.patch(`/api/users/${enc(u.username)}`, body);
      list.reload();
      return `${u.username}: ${what}.`;
    });

  return (
    <section aria-labelledby="users-title" data-loaded={list.data ? "true" : undefined}>
      <h2 id="users-title">Users</h2>
      <Table
        caption="Console users"
        rowKey={(u) => u.username}
        rows={rows}
        placeholder={tableState(list, rows.length, "No users: provisio user add creates the first.")}
        columns={[
          { key: "u", header: "Username", className: "mono", cell: (u) => u.username },
          { key: "n", header: "Name", cell: (u) => u.displayName ?? "" },
          {
            key: "r",
            header: "Role",
            cell: (u) => (
              <select aria-label={`Role of ${u.username}`} value={u.role} disabled={me.kind === "user" && me.id === u.username} onChange={(e) => change(u, { role: e.currentTarget.value }, `now ${roleLabel(e.currentTarget.value as Role)}`)}>
                <RoleOptions />
              </select>
            ),
          },
          {
            key: "t",
            header: "Tenant",
            cell: (u) => (
              <select
                aria-label={`Tenant of ${u.username}`}
                value={u.tenant ?? ""}
                disabled={me.kind === "user" && me.id === u.username}
                onChange={(e) => change(u, { tenant: e.currentTarget.value || null }, e.currentTarget.value ? `now in tenant ${e.currentTarget.value}` : "now sees every device")}
              >
                <TenantOptions names={tenantNames} />
              </select>
            ),
          },
          { key: "l", header: "Last login", cell: (u) => ago(u.lastLoginAt) },
          { key: "s", header: "State", cell: (u) => (u.disabledAt ? "disabled" : "active") },
          {
            key: "a",
            header: "Actions",
            cell: (u) => (
              <div class="row">
                <button type="button" onClick={() => change(u, { disabled: !u.disabledAt }, u.disabledAt ? "enabled" : "disabled, logged out")}>
                  {u.disabledAt ? "Enable" : "Disable"}
                </button>
                {action.dangerButton(`Delete user ${u.username}`, {
                  title: `Delete user ${u.username}?`,
                  text: "Their logins end at once. The audit trail keeps what they did.",
                  label: "Delete",
                  what: async () => {
                    await api.del(`/api/users/${enc(u.username)}`);
                    list.reload();
                    return `${u.username}: deleted.`;
                  },
                })}
              </div>
            ),
          },
        ]}
      />
      <Outcome error={action.error} done={action.done} />
      {action.dialog}
      <form
        class="card admin-form"
        aria-labelledby="new-user-title"
        onSubmit={(e) => {
          e.preventDefault();
          void action
            .run(async () => {
              const u = await api.post<User>("/api/users", {
                username: form.username,
                role: form.role,
                password: form.password,
                ...(form.displayName ? { displayName: form.displayName } : {}),
                ...(form.tenant ? { tenant: form.tenant } : {}),
              });
              list.reload();
              return `Created ${u.username} (${roleLabel(u.role)}).`;
            })
            .then((ok) => ok && setForm(blank));
        }}
      >
        <h3 id="new-user-title">New user</h3>
        <Field id="user-username" label="Username">
          <input id="user-username" autoComplete="off" value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} />
        </Field>
        <Field id="user-display" label="Display name (optional)">
          <input id="user-display" value={form.displayName} onInput={(e) => setForm({ ...form, displayName: e.currentTarget.value })} />
        </Field>
        <Field id="user-role" label="Role">
          <select id="user-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
            <RoleOptions />
          </select>
        </Field>
        <Field id="user-tenant" label="Tenant">
          <select id="user-tenant" value={form.tenant} onChange={(e) => setForm({ ...form, tenant: e.currentTarget.value })}>
            <TenantOptions names={tenantNames} />
          </select>
        </Field>
        <Field id="user-password" label="Password" hint="At least 12 characters, not the username">
          <input id="user-password" type="password" autoComplete="new-password" value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} aria-describedby="user-password-hint" />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          Create user
        </button>
      </form>
    </section>
  );
}
