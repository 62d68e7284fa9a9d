// Webhooks: created (the secret is shown once), enabled or disabled, deleted; and each one's
// deliveries with every attempt, a delivered or failed one sent again on request.

import { useState } from "preact/hooks";
import { api, enc, query } from "../api/client.js";
import { Field } from "../components/Field.js";
import { tableState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { dateTime } from "../format.js";
import { useApi } from "../useApi.js";
import type { Delivery, Webhook } from "./types.js";
import { Outcome, useAction } from "./useAction.js";

export function Webhooks() {
  const list = useApi((signal) => api.get<{ webhooks: Webhook[] }>("/api/webhooks", { signal }), []);
  const rows = list.data?.webhooks ?? [];
  const action = useAction();
  const [form, setForm] = useState({ name: "", url: "", events: "", filter: "" });
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<Webhook | null>(null);
  return (
    <section aria-labelledby="webhooks-title" data-loaded={list.data ? "true" : undefined}>
      <h2 id="webhooks-title">Webhooks</h2>
      <Table
        caption="Webhooks"
        rowKey={(h) => h.id}
        rows={rows}
        placeholder={tableState(list, rows.length, "No webhooks.")}
        columns={[
          { key: "n", header: "Name", cell: (h) => h.name },
          { key: "u", header: "URL", className: "mono", cell: (h) => h.url },
          { key: "e", header: "Events", cell: (h) => (h.events.length ? h.events.join(", ") : "all") },
          { key: "f", header: "Devices", className: "mono", cell: (h) => h.filter ?? "all" },
          {
            key: "a",
            header: "Actions",
            cell: (h) => (
              <div class="row">
                <button type="button" aria-pressed={open?.id === h.id} onClick={() => setOpen(open?.id === h.id ? null : h)} aria-label={`Deliveries of ${h.name}`}>
                  Deliveries
                </button>
                <button
                  type="button"
                  onClick={() =>
                    void action.run(async () => {
                      await api.patch(`/api/webhooks/${enc(h.id)}`, { enabled: !h.enabled });
                      list.reload();
                      return `${h.name}: ${h.enabled ? "disabled" : "enabled"}.`;
                    })
                  }
                >
                  {h.enabled ? "Disable" : "Enable"}
                </button>
                {action.dangerButton(`Delete webhook ${h.name}`, {
                  title: `Delete webhook ${h.name}?`,
                  text: "Nothing more is delivered to it.",
                  label: "Delete",
                  what: async () => {
                    await api.del(`/api/webhooks/${enc(h.id)}`);
                    if (open?.id === h.id) setOpen(null);
                    list.reload();
                    return `Webhook ${h.name} deleted.`;
                  },
                })}
              </div>
            ),
          },
        ]}
      />
      <Outcome error={action.error} done={action.done} />
      {action.dialog}
      {secret && (
        <div class="notice" role="status">
          <p>The webhook's signing secret, shown this once (copy it now):</p>
          <p class="mono secret">{secret}</p>
        </div>
      )}
      {open && <Deliveries key={open.id} hook={open} />}
      <form
        class="card admin-form"
        aria-labelledby="new-hook-title"
        onSubmit={(e) => {
          e.preventDefault();
          setSecret(null);
          void action
            .run(async () => {
              const events = form.events.split(",").map((s) => s.trim()).filter(Boolean);
              const h = await api.post<Webhook>("/api/webhooks", { name: form.name, url: form.url, events, ...(form.filter ? { filter: form.filter } : {}) });
              list.reload();
              setSecret(h.secret ?? null);
              return `Webhook ${h.name} created.`;
            })
            .then((ok) => ok && setForm({ name: "", url: "", events: "", filter: "" }));
        }}
      >
        <h3 id="new-hook-title">New webhook</h3>
        <Field id="hook-name" label="Webhook name">
          <input id="hook-name" value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </Field>
        <Field id="hook-url" label="URL" hint="Loopback and private addresses are refused unless webhooks.allowTargets lists them">
          <input id="hook-url" type="url" value={form.url} onInput={(e) => setForm({ ...form, url: e.currentTarget.value })} aria-describedby="hook-url-hint" />
        </Field>
        <Field id="hook-events" label="Event types (comma-separated; empty: all)">
          <input id="hook-events" value={form.events} onInput={(e) => setForm({ ...form, events: e.currentTarget.value })} />
        </Field>
        <Field id="hook-filter" label="Devices (filter, optional)">
          <input id="hook-filter" class="mono" value={form.filter} onInput={(e) => setForm({ ...form, filter: e.currentTarget.value })} />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          Create webhook
        </button>
      </form>
    </section>
  );
}

function Deliveries({ hook }: { hook: Webhook }) {
  const [status, setStatus] = useState("");
  const list = useApi((signal) => api.get<{ deliveries: Delivery[] }>(`/api/webhooks/${enc(hook.id)}/deliveries${query({ status, limit: 50 })}`, { signal }), [hook.id, status]);
  const rows = list.data?.deliveries ?? [];
  const action = useAction();
  const redeliver = (d: Delivery) =>
    void action.run(async () => {
      await api.post<Delivery>(`/api/webhooks/${enc(hook.id)}/deliveries/${enc(d.id)}/redeliver`, {});
      list.reload();
      return `${d.eventType} #${d.eventId}: queued again.`;
    });
  return (
    <section aria-labelledby="deliveries-title" class="deliveries">
      <div class="row">
        <h3 id="deliveries-title">Deliveries of {hook.name}</h3>
        <label for="delivery-status">Show</label>
        <select id="delivery-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">all</option>
          <option value="pending">pending</option>
          <option value="delivered">delivered</option>
          <option value="failed">failed</option>
        </select>
        <button type="button" onClick={list.reload}>
          Reload
        </button>
      </div>
      <Table
        caption={`Deliveries of ${hook.name}, newest first`}
        rowKey={(d) => d.id}
        rows={rows}
        placeholder={tableState(list, rows.length, "No deliveries.")}
        columns={[
          { key: "at", header: "Created", cell: (d) => dateTime(d.createdAt) },
          { key: "e", header: "Event", cell: (d) => `${d.eventType} #${d.eventId}` },
          { key: "dev", header: "Device", className: "mono", cell: (d) => d.deviceId ?? "" },
          { key: "s", header: "Status", cell: (d) => `${d.status === "pending" && d.nextAttemptAt ? `pending, next try ${dateTime(d.nextAttemptAt)}` : d.status}${d.redeliveredAt ? ` (redelivered ${dateTime(d.redeliveredAt)})` : ""}` },
          {
            key: "log",
            header: "Attempts",
            cell: (d) => (
              <ol class="attempts">
                {d.attemptLog.map((a) => (
                  <li key={a.attempt}>{`${dateTime(a.at)}: ${a.ok ? "ok" : "failed"}${a.statusCode !== null ? ` (HTTP ${a.statusCode})` : ""}, ${a.durationMs} ms${a.error ? `: ${a.error}` : ""}`}</li>
                ))}
              </ol>
            ),
          },
          {
            key: "r",
            header: "Actions",
            // A pending delivery is still being tried: the API refuses to queue it twice.
            cell: (d) =>
              d.status === "pending" ? null : (
                <button type="button" disabled={action.busy} onClick={() => redeliver(d)} aria-label={`Redeliver ${d.eventType} #${d.eventId}`}>
                  Redeliver
                </button>
              ),
          },
        ]}
      />
      <Outcome error={action.error} done={action.done} />
      <p class="muted">Redeliver sends a delivered or failed delivery again (same event and delivery id), with a new round of attempts.</p>
    </section>
  );
}
