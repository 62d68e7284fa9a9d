// The fleet at a glance (GET /api/overview): online, offline and never seen, by product class and
// software version; sessions per minute; faults by code; running campaigns. Live: the event stream
// reloads the figures, at most every few seconds however busy it is.

import { useEffect, useRef, useState } from "preact/hooks";
import { subscribe } from "../api/events.js";
import { loadOverview, OTHER, SESSION_MINUTES, type Group } from "../api/overview.js";
import { Empty, ErrorState, Loading } from "../components/States.js";
import { Table } from "../components/Table.js";
import { filterString } from "../format.js";
import { Link, type Params } from "../router.js";
import { useApi } from "../useApi.js";

// The server counts with index scans, so a reload is cheap; this only bounds a busy stream's reloads.
const RELOAD_MS = 5_000;
const VERSION_PATHS = ["Device.DeviceInfo.SoftwareVersion", "InternetGatewayDevice.DeviceInfo.SoftwareVersion"];
const MINUTES_SHOWN = 10;
// Each ACS process adds its sessions to the shared counts at most every 10 s: a last reload this long
// after the last session ended shows them, though no event follows to say so.
const SESSIONS_SETTLE_MS = 11_000;

const devicesWhere = (filter: string) => `/devices?filter=${encodeURIComponent(filter)}`;

export function OverviewPage(_p: { params: Params }) {
  const [version, setVersion] = useState(0);
  const overview = useApi((signal) => loadOverview(signal), [version]);
  const [live, setLive] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const settle = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    const stop = subscribe({
      types: ["device.registered", "device.inform", "device.deleted", "session.ended", "fault.raised", "fault.cleared", "campaign.started", "campaign.paused", "campaign.resumed", "campaign.completed", "campaign.aborted"],
      onState: setLive,
      onEvent: (e) => {
        if (e.type === "session.ended") {
          if (settle.current) clearTimeout(settle.current);
          settle.current = setTimeout(() => setVersion((v) => v + 1), SESSIONS_SETTLE_MS);
        }
        if (timer.current) return;
        timer.current = setTimeout(() => {
          timer.current = null;
          setVersion((v) => v + 1);
        }, RELOAD_MS);
      },
    });
    return () => {
      stop();
      if (timer.current) clearTimeout(timer.current);
      if (settle.current) clearTimeout(settle.current);
    };
  }, []);

  const o = overview.data;
  // A tenant's overview has no session counts: the server counts sessions per process, for every tenant.
  const counted = o?.sessionsPerMinute ?? null;
  const lastHour = counted?.reduce((n, m) => n + m.sessions, 0);
  const minutes = counted ? [...counted].reverse().slice(0, MINUTES_SHOWN) : [];
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
        <Stat label="Devices" value={o?.devices.total} href="/devices" />
        <Stat label="Online" value={o?.devices.online} href={devicesWhere("online")} />
        <Stat label="Offline" value={o?.devices.offline} href={devicesWhere("NOT online AND lastInform EXISTS")} />
        <Stat label="Never seen" value={o?.devices.neverSeen} href={devicesWhere("lastInform NOT EXISTS")} />
        <Stat label={`Sessions in the last ${SESSION_MINUTES} minutes`} value={lastHour} />
      </div>
      {!o && overview.error === undefined && <Loading what="Loading the overview" />}
      {o && (
        <>
          <div class="grid">
            <GroupTable title="By product class" header="Product class" rows={o.productClasses} filter={(v) => `productClass = ${filterString(v)}`} />
            <GroupTable title="By software version" header="Software version" rows={o.softwareVersions} filter={(v) => VERSION_PATHS.map((p) => `${p} = ${filterString(v)}`).join(" OR ")} />
          </div>
          <div class="grid">
            <section aria-labelledby="sessions-title">
              <h2 id="sessions-title">Sessions per minute</h2>
              <Table
                caption="Sessions ended per minute, newest first"
                rowKey={(m) => m.minute}
                rows={minutes}
                placeholder={
                  counted === null ? <Empty>Sessions are counted for the whole fleet, which a login scoped to a tenant does not see.</Empty>
                    : minutes.length === 0 ? <Empty>No session in the last {SESSION_MINUTES} minutes.</Empty> : undefined
                }
                columns={[
                  { key: "minute", header: "Minute", cell: (m) => <time dateTime={m.minute}>{new Date(m.minute).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}</time> },
                  { key: "sessions", header: "Sessions", cell: (m) => m.sessions.toLocaleString() },
                ]}
              />
            </section>
            <section aria-labelledby="faults-title">
              <h2 id="faults-title">Faults by code</h2>
              <Table
                caption="Open faults by code"
                rowKey={(f) => f.code}
                rows={o.faultsByCode}
                placeholder={o.faultsByCode.length === 0 ? <Empty>No faults.</Empty> : undefined}
                columns={[
                  { key: "code", header: "Code", className: "mono", cell: (f) => f.code },
                  { key: "count", header: "Faults", cell: (f) => f.faults.toLocaleString() },
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
                  { key: "progress", header: "Progress", cell: (c) => `${(c.counts.succeeded ?? 0).toLocaleString()} done, ${(c.counts.failed ?? 0).toLocaleString()} failed, ${c.finished.toLocaleString()} finished of ${c.devices.toLocaleString()}` },
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

function GroupTable({ title, header, rows, filter }: { title: string; header: string; rows: Group[]; filter(value: string): string }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      <Table
        caption={title}
        rowKey={(g) => g.value}
        rows={rows}
        placeholder={rows.length === 0 ? <Empty>No devices.</Empty> : undefined}
        columns={[
          // "other" sums the smaller groups: it has no filter to link to.
          { key: "value", header, cell: (g) => (g.value === OTHER && g === rows[rows.length - 1] ? <span class="muted">{OTHER}</span> : <Link href={devicesWhere(filter(g.value))}>{g.value}</Link>) },
          { key: "devices", header: "Devices", cell: (g) => g.devices.toLocaleString() },
        ]}
      />
    </section>
  );
}
