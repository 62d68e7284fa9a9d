// `npm run bench:pg-grouping -- --pg URL`: what PostgreSQL and its client spend on a session's writes
// when each session has transactions of its own, as Provisio's sessions do, against several sessions'
// writes made together, each statement carrying the rows of K sessions (issue 18, point 2: "several
// sessions' writes in one statement"). It measures what such a design could save before it is built.
//
//   npm run bench:pg-grouping -- --pg URL [--seconds 15] [--groups 1,4p,16p,4,16] [--devices 1500] [--concurrency 48]
//
// Work: a database of its own (dropped at the end) with tables shaped as the session's hot ones (devices,
// their last Inform, their events, small parameter trees as jsonb, sessions, tasks, the event outbox),
// --devices devices with a tree of 20 records. A session is the statements of the ACS's periodic session
// on PostgreSQL, in its two transactions of two round trips each (BEGIN and the reads with the Inform's
// writes; the outbox, the session row and COMMIT; then the response's values with the tasks' read; the
// outbox, the session row's end and COMMIT): 14 statements. --concurrency sessions are under way at
// any time, on a pool of 10 pipelined connections (the ACS's default). With a group of K, each
// transaction is K sessions' (same statements, each one over K sessions' rows with unnest); K = 1 is
// today's design. "Kp": K sessions a transaction, but each session's statements its own, sent in the
// same round trips (what sharing transactions and round trips saves without merging statements). Each mode runs --seconds, in the order given; reported: sessions a second, the
// client's and PostgreSQL's CPU a session (the backends of the database, read from /proc), the
// statements and round trips a session, and a session's latency. After each mode the benchmark checks
// that the database holds exactly the rows of the sessions it counted (it fails otherwise).
import pg from "pg";
import { loadavg } from "node:os";
import { createTestDatabase } from "../test/support/pg.js";
import { option, pgServerOption } from "./support/args.js";
import { exitOnHelp } from "./support/help.js";
import { markPg, sincePg } from "./support/pg-stats.js";
import { runIfScript } from "./support/run-main.js";
import { percentile } from "./support/timing.js";

exitOnHelp(import.meta.url);

const RECORDS = 20;
/** The values a session writes: its Inform's, then its response's. */
const WRITTEN = 8;

const SCHEMA = `
  CREATE TABLE devices (id text PRIMARY KEY, manufacturer text NOT NULL, address text, cwmp_version text, informs bigint NOT NULL DEFAULT 0);
  CREATE TABLE device_informs (device_id text PRIMARY KEY, last_inform_at timestamptz NOT NULL);
  CREATE TABLE device_events (id bigserial PRIMARY KEY, device_id text NOT NULL, at timestamptz NOT NULL, code text NOT NULL);
  CREATE INDEX ON device_events (device_id, at);
  CREATE TABLE device_trees (device_id text PRIMARY KEY, tree jsonb NOT NULL);
  CREATE TABLE sessions (id text PRIMARY KEY, device_id text NOT NULL UNIQUE, state jsonb NOT NULL, expires_at timestamptz NOT NULL);
  CREATE TABLE tasks (id bigserial PRIMARY KEY, device_id text NOT NULL, status text NOT NULL);
  CREATE INDEX ON tasks (device_id) WHERE status = 'pending';
  CREATE TABLE event_outbox (seq bigserial PRIMARY KEY, type text NOT NULL, device_id text NOT NULL, at timestamptz NOT NULL, payload jsonb NOT NULL);
  CREATE INDEX ON event_outbox (at);
`;

interface Counts {
  statements: number;
  roundTrips: number;
}

/** One transaction on a pooled connection: `steps` are its round trips, each a list of statements sent together. */
async function transaction(pool: pg.Pool, counts: Counts, steps: ((c: pg.PoolClient) => Promise<unknown>[])[]): Promise<void> {
  const c = await pool.connect();
  // A round trip's statements leave in one write, as the ACS's driver sends them (corked for the turn).
  const stream = (c as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
  try {
    stream.cork();
    const begun = c.query("BEGIN");
    for (let i = 0; i < steps.length; i++) {
      if (i > 0) stream.cork();
      const sent = steps[i]!(c);
      const last = i === steps.length - 1;
      const commit = last ? c.query("COMMIT") : null;
      stream.uncork();
      counts.statements += sent.length + (i === 0 ? 1 : 0) + (last ? 1 : 0);
      counts.roundTrips++;
      await Promise.all([...(i === 0 ? [begun] : []), ...sent, ...(commit === null ? [] : [commit])]);
    }
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

function patch(n: number, at: number): string {
  const p: Record<string, unknown> = {};
  for (let i = 0; i < WRITTEN; i++) p[String((n + i) % RECORDS)] = { v: String(at + i), t: "xsd:string", tv: at };
  return JSON.stringify(p);
}

/**
 * A session of each of `ids` (K devices), its two transactions. `merged`: each statement carries the K
 * sessions' rows; else each session's statements are its own, sent with the others' in the same round
 * trips of the same transaction (what grouping saves without rewriting a statement).
 */
async function sessions(pool: pg.Pool, counts: Counts, ids: string[], n: number, merged: boolean): Promise<void> {
  const now = new Date();
  const at = now.getTime();
  const state = JSON.stringify({ step: "planned", rpc: "GetParameterValues", names: ["Device.DeviceInfo.UpTime"] });
  const expires = new Date(at + 60_000);
  const payload = (type: string, id: string) => JSON.stringify({ type, deviceId: id, at: now.toISOString() });
  // Each statement as one over the given devices' rows (their indexes in `ids`): all of them when
  // merged, one at a time otherwise.
  const each = (c: pg.PoolClient, name: string, text: string, values: (d: string[], i: number[]) => unknown[]): Promise<unknown>[] => {
    const sets = merged ? [ids.map((_, i) => i)] : ids.map((_, i) => [i]);
    return sets.map((set) => c.query({ name, text, values: values(set.map((i) => ids[i]!), set) }));
  };
  const treePatch = "UPDATE device_trees t SET tree = t.tree || u.p FROM unnest($1::text[], $2::jsonb[]) AS u(id, p) WHERE t.device_id = u.id RETURNING t.device_id, t.tree";
  const tasks = "SELECT id FROM tasks WHERE device_id = ANY($1::text[]) AND status = 'pending'";
  const outbox = "INSERT INTO event_outbox (type, device_id, at, payload) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[])";
  // The Inform's transaction.
  await transaction(pool, counts, [
    (c) => [
      ...each(c, "sessions_read", "SELECT id, state FROM sessions WHERE device_id = ANY($1::text[])", (d) => [d]),
      ...each(c, "tasks_read", tasks, (d) => [d]),
      ...each(c, "device_write", `WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, m, a)),
          upd AS (UPDATE devices d SET manufacturer = u.m, address = u.a, informs = d.informs + 1 FROM u WHERE d.id = u.id RETURNING d.id),
          inf AS (UPDATE device_informs i SET last_inform_at = $4 FROM u WHERE i.device_id = u.id RETURNING i.device_id),
          ev AS (INSERT INTO device_events (device_id, at, code) SELECT device_id, $4, '2 PERIODIC' FROM inf)
          SELECT upd.id FROM upd`, (d) => [d, d.map(() => "Provisio"), d.map(() => "127.0.0.1"), now]),
      ...each(c, "tree_patch", treePatch, (d, i) => [d, i.map((k) => patch(n + k, at))]),
    ],
    (c) => [
      // The device's Inform and its periodic event: two rows a session.
      ...each(c, "outbox", outbox, (d) => [[...d, ...d].map((_, k) => (k < d.length ? "device.inform" : "device.periodic")), [...d, ...d], [...d, ...d].map(() => now),
        [...d, ...d].map((id, k) => payload(k < d.length ? "device.inform" : "device.periodic", id))]),
      ...each(c, "session_write", "INSERT INTO sessions (id, device_id, state, expires_at) SELECT u.d || '-' || $3::text, u.d, $4::jsonb, $5 FROM unnest($1::text[], $2::text[]) AS u(x, d)",
        (d) => [d, d, String(n), state, expires]),
    ],
  ]);
  // The response's transaction.
  await transaction(pool, counts, [
    (c) => [
      ...each(c, "tree_patch", treePatch, (d, i) => [d, i.map((k) => patch(n + k + 3, at))]),
      ...each(c, "tasks_read", tasks, (d) => [d]),
    ],
    (c) => [
      ...each(c, "outbox", outbox, (d) => [d.map(() => "session.ended"), d, d.map(() => now), d.map((id) => payload("session.ended", id))]),
      ...each(c, "session_end", "DELETE FROM sessions WHERE device_id = ANY($1::text[]) AND id LIKE '%-' || $2::text", (d) => [d, String(n)]),
    ],
  ]);
}

/** K sessions a transaction; `merged`: a statement carries their rows (else one statement each, sent together). */
interface Mode {
  group: number;
  merged: boolean;
}

function parseModes(text: string): Mode[] {
  return text.split(",").map((t) => {
    const m = /^(\d+)(p?)$/.exec(t.trim());
    if (m === null || Number(m[1]) < 1) throw new Error(`--groups: "${t}" is not K or Kp (K sessions a transaction; p: their statements not merged)`);
    return { group: Number(m[1]), merged: m[2] !== "p" };
  });
}

/** What the sessions write, counted: each one adds an Inform, an event, three outbox rows, and ends its session row. */
async function tally(pool: pg.Pool): Promise<{ informs: number; events: number; outbox: number; sessions: number }> {
  const { rows } = await pool.query(`SELECT (SELECT sum(informs) FROM devices)::int AS informs, (SELECT count(*) FROM device_events)::int AS events,
    (SELECT count(*) FROM event_outbox)::int AS outbox, (SELECT count(*) FROM sessions)::int AS sessions`);
  const r = rows[0] as Record<string, number>;
  return { informs: r.informs!, events: r.events!, outbox: r.outbox!, sessions: r.sessions! };
}

interface ModeResult extends Mode {
  sessionsPerSecond: number;
  clientCpuMs: number;
  pgCpuMs: number;
  statements: number;
  roundTrips: number;
  p50: number;
  p99: number;
}

async function runMode(url: string, mode: Mode, o: { seconds: number; devices: number; concurrency: number }): Promise<ModeResult> {
  const pool = new pg.Pool({ connectionString: url, max: 10, pipeline: true } as pg.PoolConfig);
  // An idle connection the server ends (the database dropped after a failure) must not end the process.
  pool.on("error", () => undefined);
  try {
    // Every connection made and its statements prepared before the window.
    const warm = Array.from({ length: 10 }, (_, i) => sessions(pool, { statements: 0, roundTrips: 0 }, [`w${i}`], 0, true));
    await Promise.all(warm);
    const group = mode.group;
    const workers = Math.max(1, Math.floor(o.concurrency / group));
    if (Math.floor(o.devices / workers) < group) throw new Error(`--devices ${o.devices}: too few for ${workers} groups of ${group} devices each`);
    const before = await tally(pool);
    const counts: Counts = { statements: 0, roundTrips: 0 };
    const latencies: number[] = [];
    let done = 0;
    const mark = await markPg(url);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + o.seconds * 1000;
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      // Each worker has devices of its own: no two transactions wait on one row.
      const mine = Array.from({ length: Math.floor(o.devices / workers) }, (_, i) => `d${w + i * workers}`);
      for (let n = 1; performance.now() < end; n++) {
        const ids = Array.from({ length: group }, (_, i) => mine[(n * group + i) % mine.length]!);
        const t = performance.now();
        await sessions(pool, counts, ids, n, mode.merged);
        const ms = performance.now() - t;
        for (let i = 0; i < group; i++) latencies.push(ms);
        done += group;
      }
    }));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const server = await sincePg(url, mark);
    // Every session counted did all its writes, once: what the figures are per session of.
    const after = await tally(pool);
    const expected = { informs: before.informs + done, events: before.events + done, outbox: before.outbox + 3 * done, sessions: 0 };
    if (JSON.stringify(after) !== JSON.stringify(expected)) throw new Error(`K=${group}: the database holds ${JSON.stringify(after)}, not ${JSON.stringify(expected)}`);
    latencies.sort((a, b) => a - b);
    return {
      ...mode, sessionsPerSecond: done / elapsed, clientCpuMs: (cpu.user + cpu.system) / 1000 / done, pgCpuMs: server.cpuMs / done,
      statements: counts.statements / done, roundTrips: counts.roundTrips / done, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99),
    };
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const serverUrl = pgServerOption(process.argv);
  const seconds = Number(option(process.argv, "seconds") ?? 15);
  const devices = Number(option(process.argv, "devices") ?? 1500);
  const concurrency = Number(option(process.argv, "concurrency") ?? 48);
  const modes = parseModes(option(process.argv, "groups") ?? "1,4p,16p,4,16");
  const db = await createTestDatabase(serverUrl);
  try {
    const setup = new pg.Client({ connectionString: db.url });
    await setup.connect();
    try {
      await setup.query(SCHEMA);
      const tree = JSON.stringify(Object.fromEntries(Array.from({ length: RECORDS }, (_, i) => [String(i), { v: "x", t: "xsd:string", tv: 0 }])));
      await setup.query(`INSERT INTO devices (id, manufacturer) SELECT 'd' || i, 'Provisio' FROM generate_series(0, $1 - 1) i
        UNION ALL SELECT 'w' || i, 'Provisio' FROM generate_series(0, 9) i`, [devices]);
      await setup.query("INSERT INTO device_informs SELECT id, now() FROM devices");
      await setup.query("INSERT INTO device_trees SELECT id, $1::jsonb FROM devices", [tree]);
      await setup.query("VACUUM ANALYZE");
    } finally {
      await setup.end();
    }
    console.log(`PostgreSQL sessions' writes, one session a transaction against K sessions' rows in each statement (node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
    console.log(`${devices} devices, ${concurrency} sessions under way, ${seconds} s a mode, 14 statements in 4 round trips a group of sessions\n`);
    console.log("| sessions a transaction (K) | their statements | sessions/s | client CPU a session | PostgreSQL CPU a session | statements a session | round trips a session | p50 ms | p99 ms |");
    console.log("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const mode of modes) {
      const r = await runMode(db.url, mode, { seconds, devices, concurrency });
      const shape = r.group === 1 ? "each its own (today)" : r.merged ? "merged: one carries all K" : "each its own, sent together";
      console.log(`| ${r.group} | ${shape} | ${r.sessionsPerSecond.toFixed(0)} | ${r.clientCpuMs.toFixed(3)} ms | ${r.pgCpuMs.toFixed(3)} ms | ${r.statements.toFixed(2)} | ${r.roundTrips.toFixed(2)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);
    }
  } finally {
    await db.drop();
  }
}

runIfScript(import.meta.url, main);
