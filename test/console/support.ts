// The web console's end-to-end rig: a real `provisio serve` child process (its API port serving the
// built console), simulated devices informing it over real sockets, and Debian's chromium driven by
// playwright-core. API keys stand in for logins until the server has them (the console falls back to
// GET /api/whoami); pages send them with every request.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { loadModel, startSimulation, type Simulation } from "../../src/sim/runtime/index.js";
import { apiUrlOf, startAcsProcess, type AcsProcess } from "../support/acs-process.js";

export const CHROMIUM = process.env.PROVISIO_TEST_CHROMIUM ?? "/usr/bin/chromium";
const USER = "console-boot";
const PASS = "console-boot-secret";
const CR = { username: "console-cr", password: "console-cr-secret" };

export type Role = "read-only" | "operator" | "admin";

export interface ConsoleRig {
  acs: AcsProcess;
  /** The REST API and console's origin, without a trailing slash. */
  base: string;
  adminKey: string;
  browser: Browser;
  keyFor(role: Role): Promise<string>;
  /** Calls the API with the admin key. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Simulated devices informing the ACS (HTTP connection requests on 127.0.0.1). */
  devices(count: number, o: { serialPrefix: string; productClass?: string; manufacturer?: string; rebootDurationMs?: number }): Promise<Simulation>;
  /** A browser context whose every request carries the key (none: not logged in). */
  context(key: string | null): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** `set`: more `--set key=value` settings for the ACS (a faster campaign runner, say). */
export async function startConsoleRig(o: { set?: string[] } = {}): Promise<ConsoleRig> {
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-console-"));
  const acs = await startAcsProcess([
    "--data-dir", dataDir, "--log-level", "info",
    ...[`cwmp.bootstrapUsername=${USER}`, `cwmp.bootstrapPassword=${PASS}`, "nbi.host=127.0.0.1", "nbi.port=0", "stun.enabled=false",
      `connectionRequests.username=${CR.username}`, `connectionRequests.password=${CR.password}`, "connectionRequests.minInterval=0", ...(o.set ?? [])].flatMap((s) => ["--set", s]),
  ]);
  const base = await apiUrlOf(acs);
  const adminKey = (JSON.parse(readFileSync(join(dataDir, "admin-api-key.json"), "utf8")) as { key: string }).key;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  const sims: Simulation[] = [];
  const contexts: BrowserContext[] = [];

  const api = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  return {
    acs,
    base,
    adminKey,
    browser,
    api,
    async keyFor(role) {
      const r = await api<{ key: string }>("POST", "/api/apikeys", { name: `console test ${role}`, role });
      return r.body.key;
    },
    async devices(count, o) {
      const sim = await startSimulation({
        devices: count,
        acsUrl: acs.url,
        model: loadModel({ builtin: "tr181-gateway" }),
        identity: {
          acsUsername: USER,
          acsPassword: PASS,
          connectionRequestUsername: CR.username,
          connectionRequestPassword: CR.password,
          serialPrefix: o.serialPrefix,
          ...(o.productClass !== undefined ? { productClass: o.productClass } : {}),
          ...(o.manufacturer !== undefined ? { manufacturer: o.manufacturer } : {}),
        },
        udp: false,
        xmpp: false,
        ...(o.rebootDurationMs !== undefined ? { cpe: { rebootDurationMs: o.rebootDurationMs } } : {}),
      });
      sims.push(sim);
      return sim;
    },
    async context(key) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...(key ? { extraHTTPHeaders: { Authorization: `Bearer ${key}` } } : {}) });
      // Records what the page's CSP had to stop, so that tests can show nothing needed stopping.
      // (A string: the test's compiler knows no DOM; the browser runs it.)
      await ctx.addInitScript({
        content: "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
      });
      contexts.push(ctx);
      return ctx;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      for (const s of sims) await s.stop();
      await acs.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What the page's CSP blocked (should be nothing: the console renders device data inert itself). */
export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate("window.__cspViolations") as Promise<string[]>;
}
