// The device's recent sessions (GET /api/devices/:id/sessions): events, the RPCs in order, the outcome
// and duration; each session's envelopes on demand: a CWMP device's XML, a USP device's Msgs as JSON.
// Both are what a device wrote: they are shown as text, never parsed into the page.

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import type { SessionSummary } from "../api/types.js";
import { Empty, ErrorState, Loading } from "../components/States.js";
import { Table } from "../components/Table.js";
import { dateTime } from "../format.js";
import { useApi } from "../useApi.js";
import { ScrollText } from "../components/ScrollText.js";

type Envelope =
  | { protocol: "cwmp"; direction: "received" | "sent"; at: string; xml: string; truncated: boolean }
  | { protocol: "usp"; direction: "received" | "sent"; at: string; mtp: string; msgId: string; msgType: string; msg: string; truncated: boolean };

const MTP_NAMES: Record<string, string> = { websocket: "WebSocket", mqtt: "MQTT" };

export function SessionLog({ deviceId, version }: { deviceId: string; version: number }) {
  const list = useApi((signal) => api.get<{ sessions: SessionSummary[] }>(`/api/devices/${enc(deviceId)}/sessions`, { signal }), [deviceId, version]);
  const [open, setOpen] = useState<string | null>(null);
  const rows = list.data?.sessions ?? [];
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Recent sessions</h2>
      <Table
        caption="Recent sessions of this device, newest first"
        rowKey={(s) => s.sessionId}
        rows={rows}
        placeholder={list.error ? <ErrorState error={list.error} retry={list.reload} /> : !list.data ? <Loading what="Loading the sessions" /> : rows.length === 0 ? <Empty>No session recorded yet.</Empty> : undefined}
        columns={[
          { key: "at", header: "Started", cell: (s) => <time dateTime={s.startedAt}>{dateTime(s.startedAt)}</time> },
          { key: "events", header: "Events", className: "mono", cell: (s) => s.events.join(", ") },
          { key: "rpcs", header: "RPCs, in order", className: "mono", cell: (s) => [...s.cpeRequests, ...s.rpcs].join(" → ") || "none" },
          { key: "outcome", header: "Outcome", cell: (s) => `${s.outcome}${s.faults.length > 0 ? ` (faults ${s.faults.join(", ")})` : ""}` },
          { key: "duration", header: "Duration", cell: (s) => `${(s.durationMs / 1000).toFixed(s.durationMs < 10_000 ? 2 : 0)} s` },
          {
            key: "envelopes",
            header: "Envelopes",
            cell: (s) => (
              <button type="button" aria-expanded={open === s.sessionId} aria-controls="session-envelopes" aria-label={`${open === s.sessionId ? "Hide" : "Show"} the envelopes of the session started ${dateTime(s.startedAt)}`} onClick={() => setOpen(open === s.sessionId ? null : s.sessionId)}>
                {open === s.sessionId ? "Hide" : "Show"}
              </button>
            ),
          },
        ]}
      />
      {open && <Envelopes deviceId={deviceId} sessionId={open} />}
    </section>
  );
}

function Envelopes({ deviceId, sessionId }: { deviceId: string; sessionId: string }) {
  const one = useApi((signal) => api.get<SessionSummary & { envelopes: Envelope[] | null }>(`/api/devices/${enc(deviceId)}/sessions/${enc(sessionId)}`, { signal }), [deviceId, sessionId]);
  if (one.error) return <ErrorState error={one.error} retry={one.reload} />;
  if (!one.data) return <Loading what="Loading the envelopes" />;
  const envelopes = one.data.envelopes;
  const usp = envelopes !== null && envelopes.length > 0 && envelopes.every((e) => e.protocol === "usp");
  return (
    <section id="session-envelopes" aria-labelledby="envelopes-title">
      <h3 id="envelopes-title">{usp ? "USP messages" : "Envelopes"} of the session started {dateTime(one.data.startedAt)}</h3>
      {envelopes === null ? (
        <Empty>Envelopes are not kept (sessionHistory.envelopes is off).</Empty>
      ) : (
        <ol class="plain envelopes">
          {envelopes.map((e, i) => (e.protocol === "usp" ? <UspMessage key={i} n={i + 1} m={e} /> : (
            <li key={i}>
              <div class="muted">
                {e.direction === "received" ? "From the device" : "To the device"}, {dateTime(e.at)}
                {e.truncated ? " (cut: longer than sessionHistory.maxEnvelopeBytes)" : ""}
              </div>
              <ScrollText class="result mono" testId="envelope" label={`Envelope ${i + 1}, ${e.direction === "received" ? "from" : "to"} the device`}>
                {e.xml}
              </ScrollText>
            </li>
          )))}
          {one.data.envelopesDropped > 0 && <li class="muted">{one.data.envelopesDropped} more envelopes were not kept (sessionHistory.maxSessionBytes).</li>}
        </ol>
      )}
    </section>
  );
}

/** One USP Msg: which, its id, which way and over which MTP, then its JSON. */
function UspMessage({ n, m }: { n: number; m: Extract<Envelope, { protocol: "usp" }> }) {
  const way = m.direction === "received" ? "from" : "to";
  return (
    <li>
      <div class="muted">
        <span class="mono" data-testid="usp-msg-type">{m.msgType}</span> {way} the agent over {MTP_NAMES[m.mtp] ?? m.mtp}, {dateTime(m.at)}, msg_id <span class="mono">{m.msgId}</span>
        {m.truncated ? " (cut: longer than sessionHistory.maxEnvelopeBytes)" : ""}
      </div>
      <ScrollText class="result mono" testId="usp-msg" label={`USP message ${n}, ${m.msgType} ${way} the agent`}>
        {m.msg}
      </ScrollText>
    </li>
  );
}
