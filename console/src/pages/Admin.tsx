// Administration (admins): users, tenants, API keys, webhooks, the running configuration and the
// audit trail, one tab each (the tab is in the address). Other roles are told the page is not theirs;
// the API refuses them anyway.

import type { ComponentType } from "preact";
import { useCan } from "../auth.js";
import { ApiKeys } from "../admin/ApiKeys.js";
import { AuditTrail } from "../admin/AuditTrail.js";
import { ConfigView } from "../admin/ConfigView.js";
import { Tenants } from "../admin/Tenants.js";
import { Users } from "../admin/Users.js";
import { Webhooks } from "../admin/Webhooks.js";
import { setSearch, useLocation } from "../router.js";
import "../admin/admin.css";

const TABS: [string, string, ComponentType][] = [
  ["users", "Users", Users],
  ["tenants", "Tenants", Tenants],
  ["keys", "API keys", ApiKeys],
  ["webhooks", "Webhooks", Webhooks],
  ["config", "Configuration", ConfigView],
  ["audit", "Audit trail", AuditTrail],
];

export function AdminPage() {
  const isAdmin = useCan("admin");
  const { search } = useLocation();
  const tab = TABS.find(([k]) => k === search.get("tab")) ?? TABS[0]!;
  if (!isAdmin)
    return (
      <>
        <h1>Administration</h1>
        <p class="notice" role="status">
          Administration is for admins: your role may see the devices, provisioning, files and campaigns, but not users, keys, webhooks, the configuration or the audit trail.
        </p>
      </>
    );
  const Tab = tab[2];
  const move = (e: KeyboardEvent, i: number) => {
    const next = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : null;
    if (next === null) return;
    const [k] = TABS[(next + TABS.length) % TABS.length]!;
    setSearch({ tab: k });
    requestAnimationFrame(() => document.getElementById(`admin-tab-${k}`)?.focus());
  };
  return (
    <>
      <h1>Administration</h1>
      <div class="tabs" role="tablist" aria-label="Administration">
        {TABS.map(([k, label], i) => (
          <button key={k} id={`admin-tab-${k}`} type="button" role="tab" aria-selected={k === tab[0]} aria-controls="admin-panel" tabIndex={k === tab[0] ? 0 : -1} onClick={() => setSearch({ tab: k })} onKeyDown={(e) => move(e, i)}>
            {label}
          </button>
        ))}
      </div>
      <div id="admin-panel" role="tabpanel" aria-labelledby={`admin-tab-${tab[0]}`}>
        <Tab key={tab[0]} />
      </div>
    </>
  );
}
