// Helpers for tests of the simulator's runtime: waiting for sessions, sending Connection Requests as an
// ACS does (GET with Digest), and a small file server for Download and Upload.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createChallenge, digestAuthorization, parseChallenge, pickChallenge, verifyDigest, digestHa1, parseAuthorization } from "../../../src/auth/index.js";
import { deviceIdOf } from "../../../src/session/index.js";
import type { SessionReport, Simulation, SimulationSummary } from "../../../src/sim/runtime/index.js";
import type { TaskRecord } from "../../../src/store/types.js";
import type { TestAcs } from "../../support/acs.js";

/** The first ended session that matches, from now on. */
export function sessionWhere(sim: Simulation, match: (r: SessionReport) => boolean, timeoutMs = 15_000, what = "a session"): Promise<SessionReport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const off = sim.onSession((r) => {
      if (!match(r)) return;
      clearTimeout(timer);
      off();
      resolve(r);
    });
  });
}

/** Reports of sessions until `count` of them match. */
export function sessionsWhere(sim: Simulation, count: number, match: (r: SessionReport) => boolean, timeoutMs = 30_000): Promise<SessionReport[]> {
  return new Promise((resolve, reject) => {
    const seen: SessionReport[] = [];
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out: ${seen.length} of ${count} sessions seen`));
    }, timeoutMs);
    const off = sim.onSession((r) => {
      if (!match(r)) return;
      seen.push(r);
      if (seen.length < count) return;
      clearTimeout(timer);
      off();
      resolve(seen);
    });
  });
}

export async function until(cond: () => boolean, timeoutMs = 10_000, what = "a condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function eventCodes(r: SessionReport): string[] {
  return r.events.map((e) => e.eventCode);
}

/** Creates a task, wakes device `i` with a Connection Request and returns the task after that session. */
export async function viaConnectionRequest(t: TestAcs, sim: Simulation, i: number, name: string, args: unknown): Promise<{ task: TaskRecord; session: SessionReport }> {
  const created = await t.acs.tasks.create(deviceIdOf(sim.devices[i]!.identity), name, args);
  const ended = sessionWhere(sim, (r) => r.device === i && eventCodes(r).includes("6 CONNECTION REQUEST"), 15_000, `device ${i}'s connection-request session`);
  assert.deepEqual(await connectionRequest(sim.connectionRequestUrl(i), sim.devices[i]!.cpe.connectionRequestCredentials), [401, 200]);
  const session = await ended;
  assert.equal(session.ok, true, `session failed: ${session.cause}`);
  return { task: (await t.acs.tasks.get(created.id))!, session };
}

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
}

function get(url: string, authorization?: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", agent: false, headers: authorization === undefined ? {} : { Authorization: authorization } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * A Connection Request as an ACS sends it: a GET, then the same GET answering the Digest challenge.
 * Returns every status seen (401 then 200, or just the first when it is not 401).
 */
export async function connectionRequest(url: string, credentials?: { username: string; password: string }): Promise<number[]> {
  const first = await get(url);
  if (first.status !== 401 || credentials === undefined) return [first.status];
  const challenge = pickChallenge(parseChallenge(first.headers["www-authenticate"]));
  if (challenge === undefined || challenge.scheme !== "Digest") throw new Error(`no Digest challenge in ${String(first.headers["www-authenticate"])}`);
  const u = new URL(url);
  const auth = digestAuthorization({ challenge, username: credentials.username, password: credentials.password, method: "GET", uri: u.pathname + u.search, cnonce: randomBytes(6).toString("hex"), nc: 1 });
  return [first.status, (await get(url, auth)).status];
}

export interface FileServer {
  url: string;
  /** Bodies received by PUT (or POST), by path. */
  uploads: Map<string, Buffer>;
  /** Requests seen, as "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

export interface FileServerOptions {
  files: Record<string, Buffer | string>;
  /** Require these credentials, with Digest or Basic. */
  auth?: { username: string; password: string; scheme: "Digest" | "Basic" };
  /** Paths whose answer announces more bytes than it sends, then closes. */
  truncate?: string[];
}

export async function startFileServer(o: FileServerOptions): Promise<FileServer> {
  const uploads = new Map<string, Buffer>();
  const requests: string[] = [];
  const secret = randomBytes(16);
  const realm = "files";
  const authorized = (req: IncomingMessage): boolean => {
    const a = o.auth;
    if (a === undefined) return true;
    const parsed = parseAuthorization(req.headers.authorization);
    if (parsed === null) return false;
    if (a.scheme === "Basic") return parsed.kind === "basic" && parsed.username === a.username && parsed.password === a.password;
    if (parsed.kind !== "digest" || parsed.username !== a.username) return false;
    return verifyDigest({ authorization: parsed, method: req.method ?? "GET", ha1: digestHa1(a.username, realm, a.password), secret, realm, now: Date.now() }).ok;
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0]!;
      requests.push(`${req.method} ${path}`);
      if (!authorized(req)) {
        const challenge = o.auth!.scheme === "Basic" ? `Basic realm="${realm}"` : createChallenge({ realm, now: Date.now(), secret, nonceTtlMs: 60_000 });
        res.writeHead(401, { "WWW-Authenticate": challenge, "Content-Length": "0" }).end();
        return;
      }
      if (req.method === "PUT" || req.method === "POST") {
        uploads.set(path, Buffer.concat(chunks));
        res.writeHead(201, { "Content-Length": "0" }).end();
        return;
      }
      const file = o.files[path];
      if (file === undefined) {
        res.writeHead(404, { "Content-Length": "0" }).end();
        return;
      }
      const body = Buffer.from(file);
      if (o.truncate?.includes(path)) {
        res.writeHead(200, { "Content-Length": String(body.length * 2) });
        res.write(body, () => res.destroy());
        return;
      }
      res.writeHead(200, { "Content-Length": String(body.length), ETag: createHash("md5").update(body).digest("hex") }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    uploads,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const cliMain = new URL("../../../src/cli/main.js", import.meta.url).href;

/** `provisio sim ARGS` started as a process: its output so far, and its exit code once it ends. */
export interface SimCliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

export function startSimCli(args: string[]): SimCliProcess {
  const child = spawn(process.execPath, ["--input-type=module", "-e", `import(${JSON.stringify(cliMain)}).then((m) => m.main(process.argv))`, "provisio", "sim", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs `provisio sim ARGS` as a process, to its end (killed after `timeoutMs`). */
export function runSimCli(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { child, stdout: out, stderr: err } = startSimCli(args);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`provisio sim did not end in time:\n${out()}\n${err()}`));
    }, timeoutMs);
    // "close", not "exit": the process may exit before its output has all been read.
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out(), stderr: err() });
    });
  });
}

/** The summary `provisio sim --json` printed; what it printed instead, if it is not one JSON document. */
export function simSummary(r: { stdout: string; stderr: string }): SimulationSummary {
  try {
    return JSON.parse(r.stdout) as SimulationSummary;
  } catch (e) {
    throw new Error(`provisio sim --json printed no summary (${(e as Error).message}):\n--- stdout\n${r.stdout.slice(0, 2000)}\n--- stderr\n${r.stderr.slice(0, 2000)}`);
  }
}
