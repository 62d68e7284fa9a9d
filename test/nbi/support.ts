// An ACS with its REST API for the API tests: started on a backend, on free ports of 127.0.0.1, with
// responses checked against their schemas, the standard data models loaded, and a fast outbox poll.
// `api` talks to it in-process (fastify inject); `apiUrl` is the real server, for event streams.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAcs, type Acs, type StartOptions } from "../../src/server/acs.js";
import { createApiKey } from "../../src/server/api-keys.js";
import type { Logger } from "../../src/server/logger.js";
import type { ApiRole } from "../../src/store/types.js";
import { testConfig, type TestAcs } from "../support/acs.js";
import { bbfDir } from "../support/paths.js";
import type { Backend } from "../support/pg.js";

type Settings = Record<string, unknown>;

function merge(a: Settings, b: Settings): Settings {
  const out: Settings = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v !== null && typeof v === "object" && !Array.isArray(v) && prev !== null && typeof prev === "object" && !Array.isArray(prev) ? merge(prev as Settings, v as Settings) : v;
  }
  return out;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** A client of the in-process API with one key (null: none). */
export class Api {
  constructor(private readonly acs: Acs, readonly key: string | null) {}

  with(key: string | null): Api {
    return new Api(this.acs, key);
  }

  async call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.key !== null && h.authorization === undefined) h.authorization = `Bearer ${this.key}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const res = await this.acs.nbi!.app.inject({ method: method as "GET", url, headers: h, ...(payload !== undefined ? { payload } : {}) });
    let parsed: unknown = undefined;
    if (String(res.headers["content-type"] ?? "").includes("json") && res.body !== "") parsed = JSON.parse(res.body);
    return { status: res.statusCode, headers: res.headers, body: parsed, text: res.body };
  }

  get = (url: string, headers?: Record<string, string>) => this.call("GET", url, undefined, headers);
  post = (url: string, body?: unknown, headers?: Record<string, string>) => this.call("POST", url, body, headers);
  put = (url: string, body?: unknown) => this.call("PUT", url, body);
  patch = (url: string, body?: unknown) => this.call("PATCH", url, body);
  del = (url: string) => this.call("DELETE", url);
}

export interface ApiAcs extends Omit<TestAcs, "advance"> {
  apiUrl: string;
  /** The bootstrap admin key. */
  adminKey: string;
  /** A client with the admin key. */
  api: Api;
  /** A new key with this role. */
  keyFor(role: ApiRole): Promise<string>;
}

export interface ApiAcsOptions {
  settings?: Settings;
  dbUrl?: string;
  /** Share a data folder (and so the secrets key) with another ACS. */
  dataDir?: string;
  /** Where the ACS logs (default: nowhere). */
  log?: Logger;
  /** The ACS's clock (for expiry tests: no sleeping). */
  clock?: () => Date;
  /** More options of startAcs. */
  start?: Partial<StartOptions>;
}

export const BASE_SETTINGS: Settings = {
  models: { dir: join(bbfDir, "data-models") },
  events: { pollInterval: 0.05 },
  webhooks: { retryBase: 0.1, retryMax: 1, timeout: 5 },
  connectionRequests: { minInterval: 0, timeout: 5, udpCount: 2, udpInterval: 0.05 },
};

export async function startApiAcs(backend: Backend, options: ApiAcsOptions = {}): Promise<ApiAcs> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "provisio-nbi-"));
  const dbUrl = options.dbUrl ?? (await backend.freshUrl());
  const config = testConfig(dataDir, dbUrl, merge(BASE_SETTINGS, options.settings ?? {}));
  const acs = await startAcs(config, {
    checkResponses: true,
    processMetrics: false,
    housekeepingIntervalMs: 3_600_000,
    ...(options.log ? { log: options.log } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.start,
  });
  const adminKey = acs.adminKey.key ?? (await createApiKey(acs.store, { name: "test admin", role: "admin", now: new Date() })).key;
  return {
    acs,
    config,
    dataDir,
    dbUrl,
    url: acs.cwmpUrl,
    username: acs.bootstrap.username,
    password: acs.bootstrap.password!,
    apiUrl: acs.apiUrl!.replace(/\/$/, ""),
    adminKey,
    api: new Api(acs, adminKey),
    keyFor: async (role) => (await createApiKey(acs.store, { name: `test ${role}`, role, now: new Date() })).key,
    async stop() {
      await acs.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a value that is not undefined (or throws after `timeoutMs`). */
export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000, stepMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Asserts an error answer: the status and the PROVISIO_ERR_ code. */
export function isError(res: ApiResponse, status: number, code: string): boolean {
  if (res.status !== status || res.body?.error?.code !== `PROVISIO_ERR_${code}`) {
    throw new Error(`expected ${status} PROVISIO_ERR_${code}, got ${res.status} ${res.text.slice(0, 500)}`);
  }
  if (typeof res.body.error.message !== "string" || res.body.error.message === "") throw new Error("an error without a message");
  return true;
}
