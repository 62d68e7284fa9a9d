// The web console's end-to-end rig: a real `provisio serve` child process (its API port serving the
// built console), simulated devices informing it over real sockets, and Debian's chromium driven by
// playwright-core. Pages log in as users do, with a username and password on the login page; a test
// about API keys may give a browser context a key to send with every request instead.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { loadModel, startSimulation, type Simulation, type SimDevice } from "../../src/sim/runtime/index.js";
import { apiUrlOf, startAcsProcess, type AcsProcess } from "../support/acs-process.js";
import { runCli, type CliRun } from "../cli/support.js";
import { WebSocketAgentMtp } from "../../src/mtp/websocket-client.js";
import type { TestAgent } from "../support/usp-agent.js";
import { onboardAgent } from "../support/usp-fleet.js";

const cliMain = new URL("../../src/cli/main.js", import.meta.url).href;
/** A password long enough for the policy (12+ characters), the same for every test user. */
export const PASSWORD = "console-test-password";

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
  /** The ACS's data folder and database (for the CLI). */
  dataDir: string;
  dbArgs: string[];
  browser: Browser;
  /** Calls the API with the admin key. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Simulated devices informing the ACS (HTTP connection requests on 127.0.0.1). */
  devices(count: number, o: { serialPrefix: string; productClass?: string; manufacturer?: string; rebootDurationMs?: number }): Promise<Simulation>;
  /** A USP agent `os::00D09E-<productClass>-<serial>` onboarded over the ACS's WebSocket MTP (bootstrap credentials); `id` is its device's. */
  uspAgent(productClass: string, serial: string): Promise<{ agent: TestAgent; id: string }>;
  /** A browser context whose every request carries the key (none: not logged in). */
  context(key: string | null): Promise<BrowserContext>;
  /** A new API key with this role (for tests about what a role sees; logins are tested with users). */
  keyFor(role: Role): Promise<string>;
  /** Creates a console user (POST /api/users with the admin key); its password is PASSWORD. */
  user(username: string, role: Role): Promise<void>;
  /** A new browser context's page, logged in as the user on the login page, at the overview. */
  logIn(username: string, password?: string): Promise<Page>;
  /** `provisio ...` on the ACS's database, as an admin runs it; `input` on its standard input. */
  cli(args: string[], input?: string): Promise<CliRun>;
  close(): Promise<void>;
}

/** `db`: a PostgreSQL URL (default: SQLite in the data folder); `set`: more `--set key=value` settings for the ACS (a faster campaign runner, say). */
export async function startConsoleRig(o: { db?: string; set?: string[] } = {}): Promise<ConsoleRig> {
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-console-"));
  const dbArgs = ["--data-dir", dataDir, ...(o.db !== undefined ? ["--db", o.db] : [])];
  const acs = await startAcsProcess([
    ...dbArgs, "--log-level", "info",
    ...[`cwmp.bootstrapUsername=${USER}`, `cwmp.bootstrapPassword=${PASS}`, "nbi.host=127.0.0.1", "nbi.port=0", "stun.enabled=false",
      `connectionRequests.username=${CR.username}`, `connectionRequests.password=${CR.password}`, "connectionRequests.minInterval=0", ...(o.set ?? [])].flatMap((s) => ["--set", s]),
  ]);
  const base = await apiUrlOf(acs);
  const adminKey = (JSON.parse(readFileSync(join(dataDir, "admin-api-key.json"), "utf8")) as { key: string }).key;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  const sims: Simulation[] = [];
  const agents: TestAgent[] = [];
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

  const newContext = async (key: string | null) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...(key ? { extraHTTPHeaders: { Authorization: `Bearer ${key}` } } : {}) });
    // A browser on a loaded 2-core machine (CI runs two test files at once, with PostgreSQL) can take
    // longer than playwright's 30 s to render and act: waits are for conditions, so a longer limit
    // costs nothing when things go well.
    ctx.setDefaultTimeout(90_000);
    // Records what the page's CSP had to stop, so that tests can show nothing needed stopping.
    // (A string: the test's compiler knows no DOM; the browser runs it.)
    await ctx.addInitScript({
      content: "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
    contexts.push(ctx);
    return ctx;
  };

  return {
    acs,
    base,
    adminKey,
    dataDir,
    dbArgs,
    browser,
    api,
    async user(username, role) {
      const r = await api("POST", "/api/users", { username, role, password: PASSWORD });
      if (r.status !== 201) throw new Error(`creating user ${username}: ${r.status} ${JSON.stringify(r.body)}`);
    },
    async logIn(username, password = PASSWORD) {
      const page = await (await newContext(null)).newPage();
      await page.goto(`${base}/`);
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("button", { name: "Log out" }).waitFor();
      return page;
    },
    cli(args, input) {
      return runCli([...args, ...dbArgs], {
        cwd: dataDir,
        command: [process.execPath, "--no-node-snapshot", "--input-type=module", "-e", `import(${JSON.stringify(cliMain)}).then((m) => m.main(process.argv))`, "provisio"],
        ...(input !== undefined ? { input } : {}),
      });
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
    async uspAgent(productClass, serial) {
      const url = await until("the USP WebSocket endpoint listens", () => Promise.resolve(/"url":"(wss?:[^"]+)"[^\n]*"msg":"USP WebSocket endpoint listening"/.exec(acs.output())?.[1]));
      const out = await onboardAgent((endpointId) => new WebSocketAgentMtp({ url, endpointId, username: USER, password: PASS }), productClass, serial);
      agents.push(out.agent);
      return out;
    },
    context: newContext,
    async keyFor(role) {
      const r = await api<{ key: string }>("POST", "/api/apikeys", { name: `console test ${role}`, role });
      return r.body.key;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      for (const s of sims) await s.stop();
      for (const a of agents) await a.mtp.close();
      await acs.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What the page's CSP blocked (should be nothing: the console renders device data inert itself). */
export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate("window.__cspViolations") as Promise<string[]>;
}

/**
 * Waits for `locator` to be visible; when it never is, the error says what the page showed instead (its
 * address, the focused element, the filter's text, its alerts and the table's first rows), for a failure
 * seen once in CI and never again on a quiet machine.
 */
export async function visibleOrSay(page: Page, locator: Locator): Promise<void> {
  try {
    await locator.waitFor();
  } catch (err) {
    const shown = await page
      .evaluate(`JSON.stringify({
        url: location.href,
        focused: document.activeElement && (document.activeElement.id || document.activeElement.tagName),
        filter: document.getElementById("device-filter") && document.getElementById("device-filter").value,
        alerts: [...document.querySelectorAll("[role=alert]")].map((e) => e.textContent),
        rows: [...document.querySelectorAll("tbody tr")].slice(0, 3).map((e) => e.textContent),
        main: (document.querySelector("main") || document.body).textContent.slice(0, 400),
      })`)
      .catch((e: unknown) => `(the page could not be read: ${String(e)})`);
    throw new Error(`${(err as Error).message}\nthe page showed instead: ${String(shown)}`, { cause: err });
  }
}

/** Polls `fn` every 100 ms until it gives a value, for at most `ms` (a bound, not an assertion on time). */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Has the ACS read the device's whole tree (it knows of a device only what it read). */
export async function readTree(rig: ConsoleRig, deviceId: string): Promise<void> {
  const read = await rig.api<{ status: string }>("POST", `/api/devices/${encodeURIComponent(deviceId)}/tasks`, { name: "getParameterNames", args: { parameterPath: "", values: true }, connectionRequest: true, wait: 30 });
  if (read.body.status !== "done") throw new Error(`reading the tree of ${deviceId}: ${JSON.stringify(read.body)}`);
}

/** Calls the API from the page, with its cookie and (for changes) its login's CSRF token, as the console would. */
export function callFromPage(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: { error?: { code: string } } }> {
  // A string: the test's compiler knows no DOM; the browser runs it.
  return page.evaluate(`(async () => {
    const { csrfToken } = await (await fetch("/api/session")).json();
    const res = await fetch(${JSON.stringify(path)}, { method: ${JSON.stringify(method)}, headers: { "content-type": "application/json", "x-csrf-token": csrfToken ?? "" }, body: ${JSON.stringify(body === undefined ? null : JSON.stringify(body))} });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  })()`);
}

const INTERVAL = "Device.ManagementServer.PeriodicInformInterval";

/**
 * The main path's end, on a device page whose editor for PeriodicInformInterval holds `value`: sets it,
 * checks the device has it, refreshes the subtree and sees the device's answer in the tree; then checks
 * that the audit trail holds both changes with the logged-in user as their principal.
 */
export async function setAndSeeReported(rig: ConsoleRig, page: Page, o: { deviceId: string; sim: SimDevice; value: string; user: string }): Promise<void> {
  await page.getByRole("button", { name: "Set", exact: true }).click();
  await page.getByTestId("tree-status").getByText(/PeriodicInformInterval: Done\./).waitFor();
  assert.equal(o.sim.cpe.read(INTERVAL), o.value);
  // The device's answer to a refresh of the subtree is what the tree then shows.
  await page.getByLabel("Search parameters").fill("");
  await page.getByRole("button", { name: "Open Device." }).click();
  await page.getByRole("button", { name: "Refresh Device.ManagementServer." }).click();
  await page.getByTestId("tree-status").getByText(/Device\.ManagementServer\.: Done\./).waitFor();
  await page.getByLabel("Search parameters").fill("PeriodicInformInterval");
  await page.locator(`[data-path="${INTERVAL}"]`, { hasText: o.value }).waitFor();
  const audit = await rig.api<{ entries: { principal: { kind: string; id: string }; after: { deviceId?: string; name?: string } | null }[] }>("GET", `/api/audit?principal=${o.user}&action=task.create`);
  const changes = audit.body.entries.filter((e) => e.after?.deviceId === o.deviceId).reverse();
  assert.deepEqual(changes.map((e) => e.after?.name), ["setParameterValues", "getParameterNames"]);
  for (const e of changes) assert.deepEqual(e.principal, { kind: "user", id: o.user, name: o.user });
}
