// One campaign, watched device by device: counts per state, its devices with their attempts, faults
// and, for those nobody can wake, since when they wait for their own Inform. It reloads every few
// seconds while it is running; operators pause, resume (optionally retrying the failed) and abort it.

import { useEffect, useState } from "preact/hooks";
import { api, enc, query } from "../api/client.js";
import { useCan } from "../auth.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { describe, ErrorState, Loading, tableState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { STATES, settled, type Campaign, type CampaignDevice, type DeviceState } from "../files/types.js";
import { ago, dateTime } from "../format.js";
import { Link, type Params } from "../router.js";
import { useApi } from "../useApi.js";
import "../files/files.css";

const REFRESH_MS = 2000;

export function CampaignPage({ params }: { params: Params }) {
  const id = params.id ?? "";
  const canSteer = useCan("operator");
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<DeviceState | "">("");
  const [after, setAfter] = useState<string[]>([]);
  const campaign = useApi((signal) => api.get<Campaign>(`/api/campaigns/${enc(id)}`, { signal }), [id, tick]);
  const devices = useApi(
    (signal) => api.get<{ devices: CampaignDevice[]; next: string | null }>(`/api/campaigns/${enc(id)}/devices${query({ state, limit: 100, after: after.at(-1) })}`, { signal }),
    [id, tick, state, after.at(-1)],
  );
  const [error, setError] = useState<string | null>(null);
  const [aborting, setAborting] = useState(false);
  const c = campaign.data;
  const active = c?.status === "running" || c?.status === "paused";

  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(t);
  }, [active]);

  const act = async (what: "pause" | "resume" | "resume?retryFailed=true" | "abort") => {
    setError(null);
    try {
      campaign.set(await api.post<Campaign>(`/api/campaigns/${enc(id)}/${what}`));
      setTick((n) => n + 1);
    } catch (err) {
      setError(describe(err));
    }
  };

  if (campaign.error && !c) return <ErrorState error={campaign.error} retry={campaign.reload} />;
  if (!c) return <Loading what="Loading the campaign" />;
  const rows = devices.data?.devices ?? [];
  return (
    <>
      <p class="breadcrumb">
        <Link href="/files">Files and campaigns</Link>
      </p>
      <h1>Campaign {c.name}</h1>
      <div class="row campaign-head" data-loaded="true">
        <span class={`badge status-${c.status}`} data-testid="campaign-status">
          {c.status}
        </span>
        {c.pauseReason && <span class="muted">({c.pauseReason})</span>}
        <span>
          {settled(c)} of {c.total} settled{c.enumerated ? "" : " (devices still being taken in)"}
        </span>
        {canSteer && c.status === "running" && (
          <button type="button" onClick={() => void act("pause")}>
            Pause
          </button>
        )}
        {canSteer && c.status === "paused" && (
          <>
            <button type="button" class="primary" onClick={() => void act("resume")}>
              Resume
            </button>
            {c.counts.failed > 0 && (
              <button type="button" onClick={() => void act("resume?retryFailed=true")}>
                Resume and retry the failed
              </button>
            )}
          </>
        )}
        {canSteer && active && (
          <button type="button" class="danger-outline" onClick={() => setAborting(true)}>
            Abort
          </button>
        )}
        {active && <span class="live">Refreshes every {REFRESH_MS / 1000} s</span>}
      </div>
      <progress class="progress" max={Math.max(c.total, 1)} value={settled(c)} aria-label="Devices settled" />
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      <dl class="kv campaign-meta">
        <dt>Devices</dt>
        <dd class="mono">{c.filter || "every device"}</dd>
        <dt>Batches</dt>
        <dd>{`batch ${c.batch}, ${c.batchSize} devices each, ${c.concurrency} at once`}</dd>
        <dt>Created</dt>
        <dd>{dateTime(c.createdAt)}</dd>
      </dl>
      <ul class="row plain counts" aria-label="Devices per state">
        {STATES.map(([s, label]) => (
          <li key={s}>
            <button type="button" aria-pressed={state === s} onClick={() => { setState(state === s ? "" : s); setAfter([]); }}>
              {label}: <strong data-count={s}>{c.counts[s]}</strong>
            </button>
          </li>
        ))}
      </ul>
      <Table
        caption={`Devices of campaign ${c.name}${state ? `, ${state}` : ""}`}
        rowKey={(d) => d.deviceId}
        rows={rows}
        placeholder={tableState(devices, rows.length, `No device ${state ? "in this state" : "taken in yet"}.`)}
        columns={[
          { key: "id", header: "Device", className: "mono", cell: (d) => <Link href={`/devices/${encodeURIComponent(d.deviceId)}`}>{d.deviceId}</Link> },
          { key: "state", header: "State", cell: (d) => <span data-state={d.state}>{STATES.find(([s]) => s === d.state)?.[1] ?? d.state}</span> },
          { key: "batch", header: "Batch", cell: (d) => String(d.batch) },
          { key: "attempts", header: "Attempts", cell: (d) => String(d.attempts) },
          { key: "waiting", header: "Waiting", cell: (d) => waiting(d) },
          { key: "fault", header: "Fault", cell: (d) => (d.fault ? `${d.fault.code}: ${d.fault.message}` : "") },
          { key: "at", header: "Changed", cell: (d) => ago(d.updatedAt) },
        ]}
      />
      <div class="pager">
        <button type="button" disabled={after.length === 0} onClick={() => setAfter(after.slice(0, -1))}>
          Previous
        </button>
        <button type="button" disabled={!devices.data?.next} onClick={() => setAfter([...after, devices.data!.next!])}>
          Next
        </button>
      </div>
      {aborting && (
        <ConfirmDialog title={`Abort campaign ${c.name}?`} confirmLabel="Abort" danger onConfirm={() => { setAborting(false); void act("abort"); }} onCancel={() => setAborting(false)}>
          <p>Its pending devices are cancelled and it cannot be resumed. Downloads already sent to devices may still finish.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function waiting(d: CampaignDevice): string {
  if (d.waitingForInformSince) return `for its Inform since ${dateTime(d.waitingForInformSince)} (${ago(d.waitingForInformSince)})`;
  if (d.nextAttemptAt) return `retry at ${dateTime(d.nextAttemptAt)}`;
  return "";
}
