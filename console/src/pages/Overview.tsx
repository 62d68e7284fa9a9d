// The fleet at a glance: online, offline and never seen, by product class and software version;
// sessions per minute; faults by code; running campaigns. Live: the event stream reloads the figures
// (at most every few seconds) and counts sessions as they end.

import { useEffect, useRef, useState } from "preact/hooks";
import { subscribe } from "../api/events.js";
import { loadOverview, type Breakdown } from "../api/overview.js";
import { Empty, ErrorState, Loading } from "../components/States.js";
import { Table } from "../components/Table.js";
import { filterString } from "../format.js";
import { Link, type Params } from "../router.js";
import { useApi } from "../useApi.js";

// Counting a big fleet is not free: at most one reload per this many ms, however busy the stream.
const RELOAD_MS = 10_000;

export function OverviewPage(_p: { params: Params }) {
  const [version, setVersion] = useState(0);
  const overview = useApi((signal) => loadOverview(signal), [version]);
  const [sessions, setSessions] = useState<number[]>([]);
  const [live, setLive] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    const stop = subscribe({
      types: ["device.registered", "device.inform", "device.deleted", "session.ended", "fault.raised", "fault.cleared", "campaign.started", "campaign.paused", "campaign.resumed", "campaign.completed", "campaign.aborted"],
      onState: setLive,
      onEvent: (e) => {
        if (e.type === "session.ended") setSessions((s) => [...s.filter((t) => t > Date.now() - 60_000), Date.parse(e.at) || Date.now()]);
        if (timer.current) return;
        timer.current = setTimeout(() => {
          timer.current = null;
          setVersion((v) => v + 1);
        }, RELOAD_MS);
      },
    });
    const tick = setInterval(() => setNow(Date.now()), 5000);
    return () => {
      stop();
      clearInterval(tick);
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  const o = overview.data;
  const perMinute = sessions.filter((t) => t > now - 60_000).length;
  return (
    <section aria-labelledby="overview-title">
      <div class="row">
        <h1 id="overview-title" class="grow">
          Overview
        </h1>
        <span class="live" aria-live="polite">
          {live ? "Live" : "Connecting to live updates…"}
        </span>
      </div>
      {!o && overview.error !== undefined && <ErrorState error={overview.error} retry={overview.reload} />}
      {/* The figures keep their places while they load, so that nothing moves when they arrive. */}
      <div class="grid stats" aria-busy={!o}>
        <Stat label="Devices" value={o?.total} href="/devices" />
        <Stat label="Online" value={o?.online} href={`/devices?filter=${encodeURIComponent("online")}`} />
        <Stat label="Offline" value={o?.offline} href={`/devices?filter=${encodeURIComponent("NOT online AND lastInform EXISTS")}`} />
        <Stat label="Never seen" value={o?.never} href={`/devices?filter=${encodeURIComponent("lastInform NOT EXISTS")}`} />
        <Stat label="Sessions in the last minute" value={perMinute} />
      </div>
      {!o && overview.error === undefined && <Loading what="Loading the overview" />}
      {o && (
        <>
          {o.breakdownOf < o.total && (
            <p class="muted">
              The breakdowns below count the first {o.breakdownOf.toLocaleString()} of {o.total.toLocaleString()} devices.
            </p>
          )}
          <div class="grid">
            <BreakdownTable title="By product class" field="productClass" rows={o.byProductClass} />
            <BreakdownTable title="By software version" rows={o.bySoftwareVersion} />
          </div>
          <div class="grid">
            <section aria-labelledby="faults-title">
              <h2 id="faults-title">Faults by code</h2>
              <Table
                caption="Faults by code"
                rowKey={(f) => f.code}
                rows={o.faultsByCode}
                placeholder={o.faultsByCode.length === 0 ? <Empty>No faults.</Empty> : undefined}
                columns={[
                  { key: "code", header: "Code", className: "mono", cell: (f) => f.code },
                  { key: "count", header: "Faults", cell: (f) => f.count.toLocaleString() },
                ]}
              />
            </section>
            <section aria-labelledby="campaigns-title">
              <h2 id="campaigns-title">Running campaigns</h2>
              <Table
                caption="Running and paused campaigns"
                rowKey={(c) => c.id}
                rows={o.campaigns}
                placeholder={o.campaigns.length === 0 ? <Empty>No campaign is running.</Empty> : undefined}
                columns={[
                  { key: "name", header: "Campaign", cell: (c) => c.name },
                  { key: "status", header: "Status", cell: (c) => c.status },
                  { key: "progress", header: "Progress", cell: (c) => `${(c.counts.succeeded ?? 0).toLocaleString()} done, ${(c.counts.failed ?? 0).toLocaleString()} failed of ${c.total.toLocaleString()}` },
                ]}
              />
            </section>
          </div>
        </>
      )}
    </section>
  );
}

function Stat({ label, value, href }: { label: string; value: number | undefined; href?: string }) {
  return (
    <div class="card stat-card">
      <div class="stat">{value === undefined ? "—" : value.toLocaleString()}</div>
      <div>{href ? <Link href={href}>{label}</Link> : label}</div>
    </div>
  );
}

function BreakdownTable({ title, rows, field }: { title: string; rows: Breakdown[]; field?: string }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      <Table
        caption={title}
        rowKey={(b) => b.key}
        rows={rows}
        placeholder={rows.length === 0 ? <Empty>No devices.</Empty> : undefined}
        columns={[
          { key: "key", header: title.replace(/^By /, "").replace(/^./, (c) => c.toUpperCase()), cell: (b) => (field ? <Link href={`/devices?filter=${encodeURIComponent(`${field} = ${filterString(b.key)}`)}`}>{b.key}</Link> : b.key) },
          { key: "online", header: "Online", cell: (b) => b.online.toLocaleString() },
          { key: "offline", header: "Offline", cell: (b) => b.offline.toLocaleString() },
          { key: "never", header: "Never seen", cell: (b) => b.never.toLocaleString() },
        ]}
      />
    </section>
  );
}
