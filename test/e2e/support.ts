// End-to-end tests drive the ACS the way an OSS does, over real HTTP to its REST API with an API key,
// and its devices are simulated ones (src/sim/runtime) talking CWMP to it over real sockets.

import { request } from "node:http";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, startSimulation, type ModelChoice, type SessionReport, type Simulation, type SimulationOptions } from "../../src/sim/runtime/index.js";
import { eventually as pollUntil, startApiAcs, type ApiAcs, type ApiAcsOptions } from "../nbi/support.js";
import type { Backend } from "../support/pg.js";

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A client of the real API server with one key. */
export class HttpApi {
  constructor(readonly base: string, readonly key: string) {}

  call(method: string, path: string, body?: unknown): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(payload !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          if (String(res.headers["content-type"] ?? "").includes("json") && text !== "") parsed = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  get = (path: string) => this.call("GET", path);
  post = (path: string, body?: unknown) => this.call("POST", path, body);
  put = (path: string, body?: unknown) => this.call("PUT", path, body);
  del = (path: string) => this.call("DELETE", path);
}

export interface E2eAcs {
  t: ApiAcs;
  /** The admin key, over real HTTP. */
  admin: HttpApi;
  /** An operator key, over real HTTP: what an OSS creating tasks would hold. */
  operator: HttpApi;
}

export async function startE2eAcs(backend: Backend, options: ApiAcsOptions = {}): Promise<E2eAcs> {
  const t = await startApiAcs(backend, options);
  return { t, admin: new HttpApi(t.apiUrl, t.adminKey), operator: new HttpApi(t.apiUrl, await t.keyFor("operator")) };
}

/** The Connection Request credentials of the simulated devices, also the ACS's configured defaults. */
export const CR = Object.freeze({ username: "e2e-cr", password: "e2e-cr-secret" });

export interface SimOptions extends Partial<Omit<SimulationOptions, "model" | "acsUrl">> {
  model?: ModelChoice;
  serialPrefix: string;
  productClass?: string;
}

/** Simulated devices against the ACS, with its bootstrap credentials and CR's credentials. */
export async function startDevices(t: ApiAcs, o: SimOptions): Promise<{ sim: Simulation; reports: SessionReport[] }> {
  const reports: SessionReport[] = [];
  const { model, serialPrefix, productClass, identity, ...rest } = o;
  const sim = await startSimulation({
    devices: 1,
    ...rest,
    acsUrl: t.url,
    model: loadModel(model ?? { builtin: "tr181-gateway" }),
    identity: {
      acsUsername: t.username,
      acsPassword: t.password,
      connectionRequestUsername: CR.username,
      connectionRequestPassword: CR.password,
      serialPrefix,
      ...(productClass !== undefined ? { productClass } : {}),
      ...identity,
    },
    onSession: (r) => reports.push(r),
  });
  return { sim, reports };
}

/** The device's id in the API's paths. */
export function apiId(sim: Simulation, index: number): string {
  return encodeURIComponent(deviceIdOf(sim.devices[index]!.identity));
}

export const codes = (r: SessionReport): string[] => r.events.map((e) => e.eventCode);

/** Polls `fn` until it returns something other than undefined; throws with `what` after `timeoutMs`. */
export function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000, stepMs = 25): Promise<T> {
  return pollUntil(fn, what, timeoutMs, stepMs);
}
