// Replies say their length (Content-Length) instead of coming in chunks: the HTTP clients embedded in
// CPEs often read nothing else. Checked on the headers as they arrive, for the CWMP endpoint's replies
// of every kind and for the file server's.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { after, before, describe, it } from "node:test";
import { FileLinks } from "../../src/files/index.js";
import { http } from "../files/http.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { backend } from "../support/pg.js";
import { RawConnection } from "../support/raw-http.js";
import { TestCpe } from "../support/test-cpe.js";

function assertLength(what: string, headers: IncomingHttpHeaders | Record<string, string>, body: string | Buffer): void {
  assert.equal(headers["transfer-encoding"], undefined, `${what}: chunked`);
  assert.equal(headers["content-length"], String(Buffer.byteLength(body)), `${what}: Content-Length`);
}

describe("reply framing", () => {
  let t: TestAcs;
  before(async () => {
    t = await startTestAcs(backend("sqlite"));
  });
  after(() => t.stop());

  it("every CWMP reply with a body carries Content-Length, the 401 included; none is chunked", async () => {
    const port = new URL(t.url).port;
    for (const [what, request] of [
      ["401 to an empty POST", "POST / HTTP/1.1\r\nHost: acs\r\nContent-Length: 0\r\n\r\n"],
      ["401 to a chunked POST", "POST / HTTP/1.1\r\nHost: acs\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<x/>\n\r\n0\r\n\r\n"],
      ["405 to a GET", "GET / HTTP/1.1\r\nHost: acs\r\n\r\n"],
      ["415 to an unknown encoding", "POST / HTTP/1.1\r\nHost: acs\r\nContent-Encoding: br\r\nContent-Length: 4\r\n\r\n<x/>"],
    ] as const) {
      const c = await RawConnection.open({ port: Number(port) });
      await c.write(request);
      const r = await c.response();
      assert.ok(r, `${what}: no response`);
      assert.match(String(r.status), /^(401|405|415)$/);
      assertLength(what, r.headers, r.body);
      c.destroy();
    }

    const cpe = new TestCpe({ url: t.url, username: t.username, password: t.password });
    const outside = await cpe.send({ method: "GetRPCMethods" });
    assert.equal(outside.status, 500);
    assertLength("500 fault outside a session", outside.headers, outside.text);
    const inform = await cpe.inform(["0 BOOTSTRAP"]);
    assert.equal(inform.status, 200);
    assertLength("InformResponse", inform.headers, inform.text);
    const end = await cpe.send(null);
    assert.equal(end.status, 204);
    assert.equal(end.headers["transfer-encoding"], undefined);
    cpe.close();
  });

  it("the file server's refusals and upload receipts carry Content-Length", async () => {
    const base = t.acs.fileServerUrl!;
    const missing = await http("GET", `${base}nothing`);
    assert.equal(missing.status, 404);
    assertLength("404", missing.headers, missing.body);
    const noToken = await http("PUT", `${base}uploads/${randomBytes(16).toString("hex")}`, {}, Buffer.from("x"));
    assert.equal(noToken.status, 403);
    assertLength("403", noToken.headers, noToken.body);

    const secret = String(await t.acs.store.settings.get("files.tokenSecret"));
    const links = new FileLinks({ baseUrl: base, secret, digest: false });
    const cpe = new TestCpe({ url: t.url, username: t.username, password: t.password });
    await cpe.inform(["0 BOOTSTRAP"]);
    await cpe.send(null);
    cpe.close();
    const url = links.uploadUrl(randomBytes(16).toString("hex"), cpe.deviceId, "1 Vendor Configuration File", Math.floor(Date.now() / 1000) + 60)!;
    const stored = await http("PUT", url, { "Content-Type": "text/plain" }, Buffer.from("config"));
    assert.equal(stored.status, 201);
    assertLength("201", stored.headers, stored.body);
  });
});
