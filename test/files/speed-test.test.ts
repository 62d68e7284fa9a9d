// Provisio's TR-143 endpoints on the file server, over real HTTP: a download sends exactly the bytes
// its URL grants, an upload is counted and dropped; a URL whose size, direction, device or expiry was
// changed is refused, as are sizes past the limit, too many tests at once and other methods.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FileContent, FileLinks, FileService, startFileServer, type RunningFileServer } from "../../src/files/index.js";
import type { Store } from "../../src/store/types.js";
import { backend } from "../support/pg.js";
import { http, httpHash } from "./http.js";

const DEVICE = "00D09E-GW-S1";

describe("speed-test endpoints", () => {
  let store: Store;
  let dir: string;
  let running: RunningFileServer;
  let links: FileLinks;
  const expires = () => Math.floor(Date.now() / 1000) + 600;
  const local = (url: string) => url.replace("http://127.0.0.1/", `http://127.0.0.1:${running.port}/`);

  before(async () => {
    store = await backend("sqlite").open();
    dir = mkdtempSync(join(tmpdir(), "provisio-speed-"));
    const files = new FileService(store, new FileContent(() => store.files, dir, "disk"), { maxBytes: 1000, maxUploadBytes: 1000 });
    links = new FileLinks({ baseUrl: "http://127.0.0.1/", secret: "s3cret", digest: false });
    running = await startFileServer({ host: "127.0.0.1", port: 0, files, links, nonceSecret: "n", nonceTtlMs: 60_000, speedTests: { maxBytes: 5_000_000, maxConcurrent: 1 } });
  });
  after(async () => {
    await running.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends exactly the bytes the URL grants, and counts an upload without keeping it", async () => {
    const got = await httpHash(local(links.speedTestUrl("download", 3_000_000, DEVICE, expires())!));
    assert.deepEqual([got.status, got.size, got.headers["content-length"]], [200, 3_000_000, "3000000"]);
    const up = await http("PUT", local(links.speedTestUrl("upload", 100_000, DEVICE, expires())!), { "content-type": "application/octet-stream" }, Buffer.alloc(100_000, 1));
    assert.deepEqual([up.status, up.body.toString()], [200, "received 100000 bytes\n"]);
    const post = await http("POST", local(links.speedTestUrl("upload", 10, DEVICE, expires())!), {}, Buffer.alloc(4));
    assert.equal(post.body.toString(), "received 4 bytes\n");
  });

  it("refuses altered, expired and oversized URLs, uploads past their size, and other methods", async () => {
    const url = local(links.speedTestUrl("download", 1000, DEVICE, expires())!);
    assert.equal((await http("GET", url.replace("n=1000", "n=1001"))).status, 403);
    assert.equal((await http("GET", url.replace("/download?", "/upload?"))).status, 405);
    assert.equal((await http("PUT", url.replace("/download?", "/upload?"), {}, Buffer.alloc(1))).status, 403);
    assert.equal((await http("GET", url.replace(`d=${DEVICE}`, "d=00D09E-GW-S2"))).status, 403);
    assert.equal((await http("GET", local(links.speedTestUrl("download", 1000, DEVICE, Math.floor(Date.now() / 1000) - 1)!))).status, 403);
    assert.equal((await http("GET", local(links.speedTestUrl("download", 6_000_000, DEVICE, expires())!))).status, 403);
    assert.equal((await http("GET", url.replace(/&t=[^&]+/, ""))).status, 403);
    assert.equal((await http("GET", url.replace("n=1000", "n=abc"))).status, 400);
    const big = await http("PUT", local(links.speedTestUrl("upload", 10, DEVICE, expires())!), {}, Buffer.alloc(11));
    assert.equal(big.status, 413);
  });

  it("serves a bounded number of tests at once", async () => {
    // One slow download holds the only slot: its client reads nothing.
    const slow = links.speedTestUrl("download", 5_000_000, DEVICE, expires())!;
    const held = await new Promise<{ destroy(): void }>((resolve) => {
      const req = request(local(slow), { agent: false }, (res) => {
        res.pause();
        resolve(res);
      });
      req.end();
    });
    try {
      assert.equal((await http("GET", local(links.speedTestUrl("download", 10, DEVICE, expires())!))).status, 503);
    } finally {
      held.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await http("GET", local(links.speedTestUrl("download", 10, DEVICE, expires())!))).status, 200);
  });
});
