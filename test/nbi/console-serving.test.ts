// How the REST API's port serves the web console: a fake build in a temp folder, real HTTP.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { CONSOLE_CSP, consoleRoutes } from "../../src/nbi/plugins/console.js";
import type { Logger } from "../../src/server/logger.js";

async function serve(dir: string | null, log: Logger): Promise<{ app: FastifyInstance; base: string }> {
  const app = Fastify();
  consoleRoutes(app, log, dir);
  await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe("the web console's static serving", () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "provisio-console-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/app-1a2b.js"></script>');
    writeFileSync(join(dir, "assets", "app-1a2b.js"), "console.log(1)");
    writeFileSync(join(dir, "assets", "app-1a2b.css"), "body{}");
    ({ app, base } = await serve(dir, quiet));
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const assertSecure = (res: Response) => {
    assert.equal(res.headers.get("content-security-policy"), CONSOLE_CSP);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
  };

  it("answers index.html, never cached, at / and on client routes", async () => {
    for (const path of ["/", "/devices", "/devices/A1B2C3-HGW-SN.0001", "/devices/x%3Cscript%3E?filter=online"]) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      assert.equal(res.headers.get("cache-control"), "no-cache");
      assertSecure(res);
      assert.match(await res.text(), /app-1a2b\.js/);
    }
  });

  it("answers hashed assets with their type, cached for good, and a missing one with 404", async () => {
    const js = await fetch(`${base}/assets/app-1a2b.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assertSecure(js);
    assert.equal(await js.text(), "console.log(1)");
    const css = await fetch(`${base}/assets/app-1a2b.css`);
    assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
    const missing = await fetch(`${base}/assets/app-0000.js`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /reload the page/);
    const escape = await fetch(`${base}/assets/..%2Findex.html`);
    assert.equal(escape.status, 404);
  });

  it("leaves the API's paths to the API: an unknown one is the API's 404, not the console", async () => {
    for (const path of ["/api/nope", "/api", "/healthz", "/metrics"]) {
      const res = await fetch(base + path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(await res.text(), /app-1a2b/);
    }
  });

  it("says how to build the console when it is not built, and logs it once", async () => {
    const warnings: string[] = [];
    const log: Logger = { ...quiet, warn: (_o: object, msg?: string) => void warnings.push(String(msg)) };
    const empty = mkdtempSync(join(tmpdir(), "provisio-console-none-"));
    const s = await serve(empty, log);
    try {
      const res = await fetch(`${s.base}/devices`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /not built .*npm run build/);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /not built/);
    } finally {
      await s.app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
