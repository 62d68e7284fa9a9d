// `npm run fuzz`: mutated CWMP messages through the HTTP endpoint of a real `provisio serve` process
// (issue 12.12). Not part of `npm test`; test/server/fuzz-http.test.ts runs it at 2,000 messages.
//
//   npm run fuzz -- [--messages 1000000] [--seconds 0] [--seed 1] [--connections 32]
//                   [--check-every 5000] [--findings FILE] [--json]
//
// Seeds are the corpus, the codec fixtures and the simulator's messages (benchmarks/support/
// fuzz-requests.ts); each message is damaged in its body, headers, encoding or framing, sent with the
// bootstrap credentials (Basic), wrong ones or none, on kept-alive connections, in a session (opened
// with a real Inform, its cookie sent back) or outside one. Message i is drawn from --seed and i alone.
//
// A finding is: the server process ending, a request without an HTTP answer, a 5xx that the protocol
// does not define (a 500 must carry a SOAP Fault; a 503 must say Retry-After), an error the server logs,
// or a health check failing (every --check-every messages a real device's session: Inform, InformResponse,
// empty POST, 204). Findings go to --findings as JSON lines with the request, and make the exit code 1.

import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { serializeEnvelope } from "../src/cwmp/index.js";
import { TestCpe } from "../test/support/test-cpe.js";
import { generator } from "../test/support/cwmp-mutators.js";
import { allSeeds, fuzzRequest, sessionInform, type Credentials, type FuzzRequest } from "./support/fuzz-requests.js";
import { rssMb, SERVE_READY, serveArgs, startProcess, stopProcess } from "./support/processes.js";
import { KeptAliveConnection, type Outcome } from "./support/raw-client.js";
import { StallDetector } from "../src/server/loop-watchdog.js";
import { option } from "./support/args.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

interface Options {
  messages: number;
  /** 0: no bound on time. */
  seconds: number;
  seed: number;
  connections: number;
  checkEvery: number;
  findings: string;
  json: boolean;
}

function options(argv: string[]): Options {
  const get = (name: string) => option(argv, name);
  const o = {
    messages: Number(get("messages") ?? 1_000_000),
    seconds: Number(get("seconds") ?? 0),
    seed: Number(get("seed") ?? 1),
    connections: Number(get("connections") ?? 32),
    checkEvery: Number(get("check-every") ?? 5000),
    findings: get("findings") ?? "fuzz-findings.jsonl",
    json: argv.includes("--json"),
  };
  for (const k of ["messages", "seconds", "seed", "connections", "checkEvery"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new Error(`--${k} must be a non-negative integer`);
  }
  return o;
}

const CREDS: Credentials = { username: "fuzz", password: "fuzz-password-0123456789" };
const ANSWER_TIMEOUT_MS = 30_000;
/** Findings written out in full; more are only counted. */
const FINDINGS_KEPT = 200;
const PROGRESS_EVERY = 25_000;
/** Answers slower than this are written to the findings file, not counted as findings. */
const SLOW_MS = 10_000;
/** Blocks of an event loop (the server's, log.stallWarn; the run's own) at least this long are noted. */
const STALL_MS = 1000;

interface Finding {
  kind: string;
  detail: string;
  index?: number;
  strategy?: string;
  from?: string;
  auth?: string;
  /** The request as sent, base64. */
  request?: string;
}

class Tally {
  readonly statuses = new Map<string, number>();
  readonly latencies: number[] = [];
  findings = 0;
  notes = 0;
  sent = 0;
  inSession = 0;
  sessionsOpened = 0;
  checks = 0;
  /** Event loops held for STALL_MS or more: the server's (its log) and the run's own. */
  readonly stalls = { server: { count: 0, longestMs: 0 }, run: { count: 0, longestMs: 0 } };

  constructor(private readonly file: string) {
    writeFileSync(file, "");
  }

  count(outcome: string): void {
    this.statuses.set(outcome, (this.statuses.get(outcome) ?? 0) + 1);
  }

  find(f: Finding): void {
    if (++this.findings <= FINDINGS_KEPT) appendFileSync(this.file, JSON.stringify(f) + "\n");
  }

  /** A loop held: the server's blocks every request, the run's own makes answers look late. */
  stall(whose: "server" | "run", ms: number): void {
    const s = this.stalls[whose];
    s.count++;
    s.longestMs = Math.max(s.longestMs, Math.round(ms));
    const detail = `${whose === "server" ? "the server's" : "the run's own"} event loop was held for ${Math.round(ms)} ms`;
    this.note({ kind: `${whose} loop blocked (not a finding)`, detail, index: this.sent });
  }

  /** Written beside the findings without being one: a slow answer, to tell which request held a stall. */
  note(f: Finding): void {
    if (++this.notes <= FINDINGS_KEPT) appendFileSync(this.file, JSON.stringify(f) + "\n");
  }
}

/** Why an outcome is a finding, or null. */
function problemOf(outcome: Outcome, req: FuzzRequest): string | null {
  if (outcome.kind === "timeout") return `no answer in ${ANSWER_TIMEOUT_MS / 1000} s`;
  if (outcome.kind === "closed") return req.mayBeReset ? null : "the connection closed without an answer";
  const { status, headers, body } = outcome.answer;
  if (status === 0) return "an answer that is not HTTP/1.x";
  if (status === 500 && /<([\w-]+:)?Fault[\s>]/.test(body.toString("latin1"))) return null;
  if (status === 503 && headers["retry-after"] !== undefined) return null;
  if (status >= 500) return `${status} ${body.toString("latin1").slice(0, 200)}`;
  return null;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const seeds = allSeeds();
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-fuzz-"));
  const tally = new Tally(o.findings);
  const { child, url } = await startProcess(
    serveArgs({
      db: `sqlite:${join(dataDir, "fuzz.db")}`,
      dataDir,
      username: CREDS.username,
      password: CREDS.password,
      // At warn, the server says when its event loop was held (log.stallWarn); its other warnings (every
      // unreadable message has one) are dropped here.
      logLevel: "warn",
      extra: [`log.stallWarn=${STALL_MS / 1000}`, "cwmp.basicOverHttp=true", "cwmp.authSourceFailures=0", "cwmp.authUsernameFailures=0", "provisioning.defaultPresets=false"].flatMap((s) => ["--set", s]),
    }),
    SERVE_READY,
  ).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const port = Number(new URL(url).port);
  // Set from the child's exit: an object, since the compiler does not follow assignments in callbacks.
  const server = { exited: null as string | null, stopping: false };
  child.once("exit", (code, signal) => {
    if (!server.stopping) server.exited = `the server exited (code ${code}, signal ${signal})`;
  });
  // Interrupted, the run takes its server down with it rather than leave it running.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      server.stopping = true;
      child.kill("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  }
  // Errors are findings; a held event loop is noted; other warnings are dropped.
  let logged = "";
  child.stdout!.on("data", (d: Buffer) => {
    logged += d.toString();
    for (let nl = logged.indexOf("\n"); nl >= 0; nl = logged.indexOf("\n")) {
      const line = logged.slice(0, nl).trim();
      logged = logged.slice(nl + 1);
      if (!line.startsWith("{")) continue;
      const level = Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 60);
      if (line.includes('"msg":"event loop blocked')) tally.stall("server", Number(/"blockedMs":(\d+)/.exec(line)?.[1] ?? 0));
      else if (level >= 50) tally.find({ kind: "server error log", detail: line.slice(0, 4000) });
    }
  });
  // The run's own loop: when it is held, answers already in its sockets look late, even lost.
  const ownLoop = new StallDetector(100, STALL_MS, performance.now());
  const ownWatch = setInterval(() => {
    const blocked = ownLoop.tick(performance.now());
    if (blocked !== null) tally.stall("run", blocked);
  }, 100);
  const rss = { start: rssMb(child.pid!), peak: 0, end: 0 };
  rss.peak = rss.start;
  const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, rssMb(child.pid!))), 250);
  const deadline = o.seconds > 0 ? Date.now() + o.seconds * 1000 : Infinity;
  let next = 0;
  const take = (): number | null => (server.exited === null && next < o.messages && Date.now() < deadline ? next++ : null);
  const started = performance.now();
  let health: Promise<void> = Promise.resolve();
  let nextCheck = o.checkEvery;
  const maybeCheck = () => {
    // A long run says how far it is, on stderr (stdout is the report's).
    if (tally.sent % PROGRESS_EVERY === 0) process.stderr.write(`${tally.sent} messages, ${Math.round(tally.sent / ((performance.now() - started) / 1000))}/s, ${tally.findings} findings, server RSS ${Math.round(rssMb(child.pid!))} MB, load average ${loadavg()[0]!.toFixed(1)}\n`);
    if (o.checkEvery === 0 || tally.sent < nextCheck) return;
    nextCheck += o.checkEvery;
    health = health.then(() => check(url, tally, server.exited));
  };
  try {
    await Promise.all(Array.from({ length: o.connections }, (_, w) => worker(w, port, o, seeds, tally, take, maybeCheck)));
    await health;
    await check(url, tally, server.exited);
  } finally {
    clearInterval(sampler);
    clearInterval(ownWatch);
    rss.end = rssMb(child.pid!);
    rss.peak = Math.max(rss.peak, rss.end);
    server.stopping = server.exited === null;
    await stopProcess(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (server.exited !== null) tally.find({ kind: "server exited", detail: server.exited });
  else if (child.exitCode !== 0) tally.find({ kind: "server stop", detail: `SIGTERM ended the server with code ${child.exitCode}, signal ${child.signalCode}` });
  report(o, tally, rss, (performance.now() - started) / 1000);
  process.exitCode = tally.findings > 0 ? 1 : 0;
}

/** One kept-alive connection's loop: sessions of a few messages, and messages outside any. */
async function worker(w: number, port: number, o: Options, seeds: ReturnType<typeof allSeeds>, tally: Tally, take: () => number | null, maybeCheck: () => void): Promise<void> {
  const inform = serializeEnvelope(sessionInform(w));
  const opener = Buffer.from(
    `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset="utf-8"\r\nAuthorization: Basic ${Buffer.from(`${CREDS.username}:${CREDS.password}`).toString("base64")}\r\nContent-Length: ${Buffer.byteLength(inform)}\r\n\r\n${inform}`,
  );
  const choice = generator(o.seed * 7919 + w);
  let conn: KeptAliveConnection | null = null;
  let cookie: string | null = null;
  let left = 0;
  try {
    for (let index = take(); index !== null; index = take()) {
      if (conn === null || !conn.usable) {
        conn?.close();
        conn = await KeptAliveConnection.open(port);
        cookie = null;
        left = 0;
      }
      if (left === 0 && choice.chance(0.3)) {
        // A session: a real Inform, then a few mutated messages with its cookie, then the connection goes.
        const opened = await conn.exchange(opener, ANSWER_TIMEOUT_MS);
        const setCookie = opened.kind === "answer" ? opened.answer.headers["set-cookie"] : undefined;
        if (opened.kind === "answer" && opened.answer.status === 200 && setCookie !== undefined) {
          tally.sessionsOpened++;
          cookie = setCookie.split(";")[0]!;
          left = 1 + choice.int(6);
        } else {
          tally.find({ kind: "session not opened", detail: opened.kind === "answer" ? `${opened.answer.status} ${opened.answer.body.toString("latin1").slice(0, 200)}` : opened.kind, index });
          conn.close();
        }
      }
      const req = fuzzRequest(generator(mix(o.seed, index)), seeds, CREDS, cookie);
      const t0 = performance.now();
      const outcome = await conn.exchange(req.bytes, ANSWER_TIMEOUT_MS, req.head);
      tally.latencies.push(performance.now() - t0);
      tally.sent++;
      if (cookie !== null) tally.inSession++;
      tally.count(outcome.kind === "answer" ? String(outcome.answer.status) : outcome.kind === "closed" && req.mayBeReset ? "reset after a refusal" : outcome.kind);
      const problem = problemOf(outcome, req);
      const record = { index, strategy: req.strategy, from: req.from, auth: req.auth, request: req.bytes.toString("base64") };
      if (problem !== null) tally.find({ kind: "bad answer", detail: problem, ...record });
      else if (tally.latencies[tally.latencies.length - 1]! > SLOW_MS) tally.note({ kind: "slow answer (not a finding)", detail: `answered in ${Math.round(tally.latencies[tally.latencies.length - 1]!)} ms`, ...record });
      const closing = outcome.kind !== "answer" || outcome.answer.headers.connection?.toLowerCase() === "close";
      if (req.framingBroken || closing || (cookie !== null && --left === 0)) {
        conn.close();
        conn = null;
      }
      maybeCheck();
    }
  } finally {
    conn?.close();
  }
}

/** A per-message seed from the run's seed and the message's index. */
function mix(seed: number, index: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/** A real device's session, start to end: the ACS still does its work. */
async function check(url: string, tally: Tally, exited: string | null): Promise<void> {
  if (exited !== null) return;
  tally.checks++;
  const cpe = new TestCpe({ url, username: CREDS.username, password: CREDS.password, preferBasic: true, identity: { serialNumber: `CHECK${tally.checks}` } });
  try {
    const informed = await cpe.inform(tally.checks === 1 ? ["0 BOOTSTRAP"] : ["1 BOOT"]);
    if (informed.status !== 200 || informed.envelope?.body?.method !== "InformResponse") throw new Error(`the Inform got ${informed.status}: ${informed.text.slice(0, 200)}`);
    const ended = await cpe.send(null);
    if (ended.status !== 204) throw new Error(`the empty POST got ${ended.status}: ${ended.text.slice(0, 200)}`);
  } catch (err) {
    tally.find({ kind: "health check failed", detail: err instanceof Error ? err.message : String(err), index: tally.sent });
  } finally {
    cpe.close();
  }
}

function report(o: Options, t: Tally, rss: { start: number; peak: number; end: number }, seconds: number): void {
  const lat = Float64Array.from(t.latencies).sort();
  const pct = (p: number) => (lat.length === 0 ? 0 : lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!);
  const result = {
    node: process.version,
    options: o,
    messages: t.sent,
    inSession: t.inSession,
    sessionsOpened: t.sessionsOpened,
    healthChecks: t.checks,
    seconds: Math.round(seconds * 10) / 10,
    perSecond: Math.round(t.sent / seconds),
    latencyMs: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: lat.length === 0 ? 0 : lat[lat.length - 1]! },
    statuses: Object.fromEntries([...t.statuses].sort()),
    serverRssMb: { start: Math.round(rss.start), peak: Math.round(rss.peak), end: Math.round(rss.end) },
    loopsBlocked: t.stalls,
    findings: t.findings,
  };
  if (o.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const f = (n: number) => n.toFixed(1);
  console.log(`CWMP HTTP fuzz run (node ${process.version}; seed ${o.seed}, ${o.connections} connections)\n`);
  console.log(`messages: ${t.sent} (${t.inSession} in a session; ${t.sessionsOpened} sessions opened) in ${result.seconds} s, ${result.perSecond} messages/s`);
  console.log(`latency ms: p50 ${f(result.latencyMs.p50)}, p90 ${f(result.latencyMs.p90)}, p99 ${f(result.latencyMs.p99)}, max ${f(result.latencyMs.max)}`);
  console.log(`answers: ${Object.entries(result.statuses).map(([s, n]) => `${s}: ${n}`).join(", ")}`);
  console.log(`server RSS MB: start ${result.serverRssMb.start}, peak ${result.serverRssMb.peak}, end ${result.serverRssMb.end}`);
  const held = (s: { count: number; longestMs: number }) => (s.count === 0 ? "none" : `${s.count} (longest ${f(s.longestMs / 1000)} s)`);
  console.log(`event loop held ${STALL_MS / 1000} s or more: server ${held(t.stalls.server)}, the run's own ${held(t.stalls.run)}`);
  console.log(`health checks (a real session): ${t.checks}`);
  console.log(t.findings === 0 ? "findings: none" : `findings: ${t.findings} (the first ${Math.min(t.findings, FINDINGS_KEPT)} in ${o.findings})`);
}

await main();
