// Diagnostics of one device: run a ping (operators) and watch its result arrive, and the device's
// earlier runs. A run settles sessions after it is requested (the device reports 8 DIAGNOSTICS
// COMPLETE later): the page's event stream reloads the list when it does. A USP device runs each
// diagnostic as its TR-181 command, which the page names, so an operator knows what the agent is sent.

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import type { Protocol } from "../api/types.js";
import { useCan } from "../auth.js";
import { describedBy, Field } from "../components/Field.js";
import { Empty, ErrorState, Loading } from "../components/States.js";
import { Table } from "../components/Table.js";
import { dateTime } from "../format.js";
import { useAction } from "../useAction.js";
import { useApi } from "../useApi.js";

interface Run {
  id: string;
  kind: string;
  status: string;
  state: string | null;
  args: Record<string, unknown>;
  results: { results: Record<string, unknown>; tables: Record<string, unknown> } | null;
  fault: { code: string; message: string } | null;
  createdAt: string;
  completedAt: string | null;
}

const SETTLED = new Set(["complete", "error", "cancelled", "failed", "timeout"]);

export function Diagnostics({ deviceId, version, protocol }: { deviceId: string; version: number; protocol: Protocol }) {
  const canRun = useCan("operator");
  const list = useApi((signal) => api.get<{ diagnostics: Run[] }>(`/api/devices/${enc(deviceId)}/diagnostics?limit=20`, { signal }), [deviceId, version]);
  const rows = list.data?.diagnostics ?? [];
  const latest = rows[0];
  return (
    <section aria-labelledby="diagnostics-title">
      <h2 id="diagnostics-title">Diagnostics</h2>
      {protocol === "usp" && (
        <p class="muted" data-testid="usp-diagnostics-note">
          A USP device runs each diagnostic as an asynchronous command (a ping is Device.IP.Diagnostics.IPPing()); every kind of the diagnostics API is supported, and its results arrive with the command&apos;s completion.
        </p>
      )}
      <div class="columns">
        <div>
          <Table
            caption="Diagnostics of this device, newest first"
            rowKey={(r) => r.id}
            rows={rows}
            placeholder={list.error ? <ErrorState error={list.error} retry={list.reload} /> : !list.data ? <Loading what="Loading the diagnostics" /> : rows.length === 0 ? <Empty>No diagnostic has run on this device.</Empty> : undefined}
            columns={[
              { key: "kind", header: "Kind", className: "mono", cell: (r) => r.kind },
              { key: "target", header: "Target", className: "mono", cell: (r) => String(r.args.Host ?? r.args.HostName ?? "") },
              { key: "status", header: "Status", cell: (r) => (SETTLED.has(r.status) ? r.status : `${r.status}…`) },
              { key: "at", header: "Started", cell: (r) => dateTime(r.createdAt) },
            ]}
          />
          {latest && <Result run={latest} />}
        </div>
        {canRun && <PingForm deviceId={deviceId} onStarted={list.reload} />}
      </div>
    </section>
  );
}

function Result({ run }: { run: Run }) {
  return (
    <section aria-labelledby="diagnostic-result-title" data-testid="diagnostic-result" aria-live="polite">
      <h3 id="diagnostic-result-title">
        Latest: {run.kind}, {run.status}
        {run.state ? ` (${run.state})` : ""}
      </h3>
      {!SETTLED.has(run.status) && <p class="muted">Waiting for the device to report the result.</p>}
      {run.fault && <p class="error-text">{`${run.fault.code}: ${run.fault.message}`}</p>}
      {run.results && (
        <dl class="kv">
          {Object.entries(run.results.results).map(([k, v]) => (
            <>
              <dt key={`${k}-t`}>{k}</dt>
              <dd key={`${k}-d`} class="mono">
                {typeof v === "string" ? v : JSON.stringify(v)}
              </dd>
            </>
          ))}
        </dl>
      )}
    </section>
  );
}

function PingForm({ deviceId, onStarted }: { deviceId: string; onStarted(): void }) {
  const [host, setHost] = useState("");
  const [count, setCount] = useState("4");
  const { busy, error, submit } = useAction(async () => {
    await api.post(`/api/devices/${enc(deviceId)}/diagnostics`, { kind: "ipPing", args: { Host: host.trim(), NumberOfRepetitions: Number(count) }, connectionRequest: true });
    onStarted();
  });
  return (
    <form class="card dialog-body" onSubmit={(e) => void submit(e)} aria-labelledby="ping-title">
      <h3 id="ping-title">Ping from the device</h3>
      <Field id="ping-host" label="Host" error={error}>
        <input id="ping-host" class="mono" required value={host} placeholder="example.net" onInput={(e) => setHost(e.currentTarget.value)} aria-invalid={error ? true : undefined} aria-describedby={describedBy("ping-host", false, Boolean(error))} />
      </Field>
      <Field id="ping-count" label="Repetitions">
        <input id="ping-count" type="number" min={1} max={100} required value={count} onInput={(e) => setCount(e.currentTarget.value)} aria-describedby={describedBy("ping-count", false, false)} />
      </Field>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Starting…" : "Run ping"}
      </button>
    </form>
  );
}
