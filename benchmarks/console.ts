// The web console's pages at 100,000 devices, in headless chromium (not part of npm test).
//
//   npm run bench:console -- [--devices 100000] [--runs 7] [--dir DIR]
//
// It fills a SQLite database with list-query.ts's devices (product classes, software versions and tags
// as a real fleet has them; about 30 parameters each), starts `provisio serve` on it, lets one
// simulated TR-181 gateway inform and reads its whole tree (the simulator's model: some 760
// parameters), then times, for each page, navigation start to the page's main content drawn with its
// data (a condition on the DOM each page meets only once its data has loaded), in a fresh browser
// context each run (cold cache). The baseline, in the same run: the same browser loading each page's
// rendered HTML and the console's stylesheet, as static files from a bare node:http server, to the
// same condition. With --dir, the filled database is kept there and reused by the next run.
import { mkdirSync, readFileSync, existsSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { loadModel, startSimulation } from "../src/sim/runtime/index.js";
import { deviceIdOf } from "../src/session/index.js";
import { openStore } from "../src/store/index.js";
import { apiUrlOf, startAcsProcess } from "../test/support/acs-process.js";
import { fill } from "./list-query.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const CHROMIUM = process.env.PROVISIO_TEST_CHROMIUM ?? "/usr/bin/chromium";
const CR = { username: "bench-cr", password: "bench-cr-secret" };
const BOOT = { username: "bench-boot", password: "bench-boot-secret" };

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
}

/** When a page counts as drawn with its data: an element that appears only then, or figures in it. */
interface Ready {
  selector: string;
  /** Also: some element of `selector` shows a digit, and nothing is loading. */
  digits?: boolean;
}

interface PageCase {
  name: string;
  path: string;
  ready: Ready;
}

interface Doc {
  querySelector(s: string): unknown;
  querySelectorAll(s: string): ArrayLike<{ textContent: string | null }>;
}

// Runs in the page, as a function: the console's CSP forbids the eval a string condition needs.
function isReady(r: Ready): boolean {
  const d = (globalThis as unknown as { document: Doc }).document;
  if (!r.digits) return d.querySelector(r.selector) !== null;
  return Array.from(d.querySelectorAll(r.selector)).some((e) => /\d/.test(e.textContent ?? "")) && d.querySelector(".state-loading") === null;
}

function percentile(ms: number[], p: number): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
}

/** Navigation start to `ready`, in a fresh context: performance.now() counts from navigation start. */
async function timeLoad(browser: Browser, url: string, ready: Ready, headers: Record<string, string>): Promise<{ ms: number; html: string }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, extraHTTPHeaders: headers });
  try {
    const page = await ctx.newPage();
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(isReady, ready, { polling: "raf", timeout: 60_000 });
    const ms = await page.evaluate(() => performance.now());
    const html = await page.content();
    return { ms, html };
  } finally {
    await ctx.close();
  }
}

/** Serves each page's rendered HTML (scripts removed) and the console's assets, nothing else. */
async function baselineServer(pages: Map<string, string>, distConsole: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const html = pages.get(path);
    if (html !== undefined) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
      return;
    }
    const file = join(distConsole, path);
    if (path.startsWith("/assets/") && existsSync(file)) {
      res.writeHead(200, { "content-type": path.endsWith(".css") ? "text/css" : "application/octet-stream" }).end(readFileSync(file));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const devices = Number(option(argv, "devices") ?? 100_000);
  const runs = Number(option(argv, "runs") ?? 7);
  const keep = option(argv, "dir");
  const dir = keep ?? join(tmpdir(), `provisio-console-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const db = `sqlite:${join(dir, "bench.sqlite")}`;
  // The compiled benchmark is in dist/benchmarks/, the console build in dist/console/.
  const distConsole = new URL("../console/", import.meta.url).pathname;
  if (!existsSync(join(distConsole, "index.html"))) throw new Error(`no console build in ${distConsole}: npm run build first`);

  const store = await openStore(db);
  try {
    if ((await store.devices.count()) < devices) {
      process.stderr.write(`filling ${db} with ${devices} devices...\n`);
      await fill(store, devices, "sqlite");
    }
  } finally {
    await store.close();
  }

  const acs = await startAcsProcess(["--db", db, "--data-dir", dir, ...[`cwmp.bootstrapUsername=${BOOT.username}`, `cwmp.bootstrapPassword=${BOOT.password}`, "nbi.host=127.0.0.1", "nbi.port=0", "stun.enabled=false",
    `connectionRequests.username=${CR.username}`, `connectionRequests.password=${CR.password}`].flatMap((s) => ["--set", s])], 120_000);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  const sim = await startSimulation({
    devices: 1,
    acsUrl: acs.url,
    model: loadModel({ builtin: "tr181-gateway" }),
    identity: { acsUsername: BOOT.username, acsPassword: BOOT.password, connectionRequestUsername: CR.username, connectionRequestPassword: CR.password, serialPrefix: "BIGTREE" },
    udp: false,
    xmpp: false,
  });
  try {
    const base = await apiUrlOf(acs);
    const keyFile = readdirSync(dir).includes("admin-api-key.json") ? join(dir, "admin-api-key.json") : null;
    if (!keyFile) throw new Error(`no admin-api-key.json in ${dir}`);
    const key = (JSON.parse(readFileSync(keyFile, "utf8")) as { key: string }).key;
    const auth = { authorization: `Bearer ${key}` };
    const id = deviceIdOf(sim.devices[0]!.identity);
    for (let i = 0; (await fetch(`${base}/api/devices/${encodeURIComponent(id)}`, { headers: auth })).status !== 200; i++) {
      if (i > 300) throw new Error("the simulated device did not register");
      await new Promise((r) => setTimeout(r, 100));
    }
    const read = await fetch(`${base}/api/devices/${encodeURIComponent(id)}/tasks`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "getParameterNames", args: { parameterPath: "", values: true }, connectionRequest: true, wait: 60 }),
    });
    if (((await read.json()) as { status: string }).status !== "done") throw new Error("reading the device's tree failed");
    const tree = (await (await fetch(`${base}/api/devices/${encodeURIComponent(id)}?parameters=flat`, { headers: auth })).json()) as { parameters?: Record<string, { object: boolean }> };
    const params = tree.parameters ? Object.values(tree.parameters).filter((p) => !p.object).length : NaN;
    const total = ((await (await fetch(`${base}/api/devices?limit=1&count=true`, { headers: auth })).json()) as { total: number }).total;

    const cases: PageCase[] = [
      { name: "devices", path: "/devices", ready: { selector: 'table tbody a[href^="/devices/"]' } },
      { name: `device (${Number.isNaN(params) ? "its" : params} parameters)`, path: `/devices/${encodeURIComponent(id)}`, ready: { selector: 'ul[aria-label="Parameter tree"]' } },
      { name: "overview", path: "/", ready: { selector: ".stat", digits: true } },
    ];
    process.stdout.write(`${total} devices; ${runs} runs per page, fresh browser context each (cold cache); ms from navigation start\n\n`);
    process.stdout.write("| page | console p50 | console p95 | static baseline p50 | static baseline p95 |\n|---|---:|---:|---:|---:|\n");
    const rendered = new Map<string, string>();
    const results: { c: PageCase; ms: number[] }[] = [];
    for (const c of cases) {
      const first = await timeLoad(browser, base + c.path, c.ready, auth); // warms the server's caches
      rendered.set(c.path.split("?")[0]!, first.html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "").replace(/<link rel="modulepreload"[^>]*>/g, ""));
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) ms.push((await timeLoad(browser, base + c.path, c.ready, auth)).ms);
      results.push({ c, ms });
    }
    const baseline = await baselineServer(rendered, distConsole);
    try {
      for (const { c, ms } of results) {
        const b: number[] = [];
        for (let i = 0; i < runs; i++) b.push((await timeLoad(browser, baseline.url + c.path.split("?")[0], c.ready, {})).ms);
        const f = (n: number) => n.toFixed(0);
        process.stdout.write(`| ${c.name} | ${f(percentile(ms, 0.5))} | ${f(percentile(ms, 0.95))} | ${f(percentile(b, 0.5))} | ${f(percentile(b, 0.95))} |\n`);
      }
    } finally {
      await baseline.close();
    }
  } finally {
    await sim.stop();
    await browser.close();
    await acs.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
