// `provisio serve` with its REST API, in its own process, for benchmarks that call the API over HTTP:
// started on free ports of 127.0.0.1 with a configuration file in a fresh data folder (or one kept for
// a kept database: below), its admin API key read from that folder.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endsWithParent } from "../../test/support/parent-bound.js";

// The compiled CLI next to the compiled benchmark (dist/, or a private build folder).
const CLI = new URL("../../src/cli/main.js", import.meta.url).href;
// One kept-alive connection for the API calls, as a client of the API would hold.
const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });

export interface ApiProcess {
  child: ChildProcess;
  cwmpUrl: string;
  apiUrl: string;
  /** The admin API key `serve` made at its first start. */
  key: string;
  /** The data folder (removed by stop unless it was given). */
  dir: string;
  stop(): Promise<void>;
}

/** A `wait` for startApiProcess that polls every 100 ms and gives up `ms` after it is made. */
export function pollFor(ms: number): <T>(fn: () => T | undefined, what: string) => Promise<T> {
  const deadline = Date.now() + ms;
  return async (fn, what) => {
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`out of time while ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
}

/**
 * The data folder of the `serve` processes of benchmarks run on a kept database (given by URL): the same
 * at every run and for every benchmark on it (named after its URL), so that a later run finds the
 * credentials and keys the first one's `serve` generated.
 */
export function keptDataDir(url: string): string {
  return join(tmpdir(), `provisio-bench-fleet-api-${createHash("sha256").update(url).digest("hex").slice(0, 16)}`);
}

/**
 * Starts `provisio serve` with `config` (merged over: the data folder, CWMP and API on 127.0.0.1 port 0,
 * no file server, warnings logged) and `db` when given. `wait(fn, what)` polls `fn` until it gives a value,
 * within the caller's time budget. `dataDir`: a data folder to use and keep, for a database kept between
 * runs: the first `serve` on a database generates its bootstrap credentials, admin key and secrets key
 * in its data folder, and a later one refuses that database from a folder without them.
 */
export async function startApiProcess(
  db: string | undefined,
  config: Record<string, unknown>,
  wait: <T>(fn: () => T | undefined, what: string) => Promise<T>,
  dataDir?: string,
): Promise<ApiProcess> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "provisio-bench-api-"));
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const full = {
    dataDir: dir,
    ...(db !== undefined ? { db } : {}),
    log: { level: "warn" },
    cwmp: { host: "127.0.0.1", port: 0 },
    nbi: { host: "127.0.0.1", port: 0 },
    files: { enabled: false },
    usp: { websocket: { host: "127.0.0.1", port: 0 }, mqtt: { embeddedHost: "127.0.0.1", embeddedPort: 0 } },
    ...config,
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(full));
  const child = spawn(process.execPath, ["--no-node-snapshot", "--input-type=module", "-e", endsWithParent(`import(${JSON.stringify(CLI)}).then((m) => m.main(process.argv))`), "provisio", "serve", "--config", join(dir, "config.json")], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const ports = await wait(() => {
    if (child.exitCode !== null) throw new Error(`provisio serve exited with ${child.exitCode}:\n${out}`);
    const cwmp = /CWMP endpoint \(ManagementServer\.URL\):\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    const api = /REST API \(docs\/api\.md\):\s+(http:\/\/127\.0\.0\.1:\d+)\/api\//.exec(out)?.[1];
    return cwmp !== undefined && api !== undefined ? { cwmp, api } : undefined;
  }, "starting provisio serve");
  const key = (JSON.parse(readFileSync(join(dir, "admin-api-key.json"), "utf8")) as { key: string }).key;
  return {
    child, cwmpUrl: ports.cwmp, apiUrl: ports.api, key, dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        // A server that does not stop within 10 s is killed: the run stays bounded.
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Closes the kept-alive connections, so that the process can exit. */
export function closeApiConnections(): void {
  keepAlive.destroy();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** One API call with the key as a bearer token; the body parsed as JSON (null when empty). */
export function apiCall(base: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, {
      method,
      agent: keepAlive,
      headers: { authorization: `Bearer ${key}`, ...(payload !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, body: text === "" ? null : JSON.parse(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}
