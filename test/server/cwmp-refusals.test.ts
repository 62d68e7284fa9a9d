// Every way a request can be refused at the CWMP endpoint, over HTTP and HTTPS, with the body framed by
// Content-Length and by chunks, against a real `provisio serve` process: each gets its refusal (when
// the client is still there to read it) and the process goes on serving CPEs.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { startAcsProcess, type AcsProcess } from "../support/acs-process.js";
import { createTestPki, type TestPki } from "../support/certs.js";
import { chunk, LAST_CHUNK, RawConnection, type RawTarget } from "../support/raw-http.js";
import { TestCpe } from "../support/test-cpe.js";

const USER = "bootstrap-test";
const PASS = "b00tstrap-Secret";
const MAX_BODY = 64 * 1024;

type Framing = "content-length" | "chunked";

function head(framing: Framing, length: number, extra = ""): string {
  const frame = framing === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${length}`;
  return `POST / HTTP/1.1\r\nHost: acs\r\nContent-Type: text/xml\r\n${frame}\r\n${extra}\r\n`;
}

/** The body as its framing sends it, whole. */
function framed(framing: Framing, body: Buffer): Buffer {
  return framing === "chunked" ? Buffer.concat([chunk(body), Buffer.from(LAST_CHUNK)]) : body;
}

/** Keeps sending (up to `limit` bytes) until the server answers or closes, as a client streaming a large body does. */
async function stream(c: RawConnection, framing: Framing, limit: number): Promise<void> {
  const piece = Buffer.alloc(16 * 1024, 0x20);
  for (let sent = 0; sent < limit && !c.answered && !c.closed; sent += piece.length) {
    if (!(await c.write(framing === "chunked" ? chunk(piece) : piece))) return;
  }
}

describe("refusals at the CWMP endpoint", () => {
  let pki: TestPki;
  let dataDir: string;
  let acs: AcsProcess;
  let targets: { name: string; target: RawTarget; url: string }[];

  before(async () => {
    pki = createTestPki();
    dataDir = mkdtempSync(join(tmpdir(), "provisio-refusals-"));
    acs = await startAcsProcess([
      "--data-dir", dataDir, "--set", `cwmp.bootstrapUsername=${USER}`, "--set", `cwmp.bootstrapPassword=${PASS}`, "--set", "nbi.host=127.0.0.1", "--set", "nbi.port=0",
      "--set", `cwmp.maxBodyBytes=${MAX_BODY}`, "--set", "cwmp.headersTimeout=1", "--set", "cwmp.bodyTimeout=1", "--set", "cwmp.httpsPort=0", "--set", `cwmp.tlsCert=${pki.server.certFile}`, "--set", `cwmp.tlsKey=${pki.server.keyFile}`,
    ]);
    const httpsPort = Number(/"httpsPort":(\d+)/.exec(acs.output())?.[1]);
    targets = [
      { name: "HTTP", target: { port: acs.port }, url: acs.url },
      { name: "HTTPS", target: { port: httpsPort, ca: pki.ca.cert }, url: `https://127.0.0.1:${httpsPort}/` },
    ];
  });
  after(async () => {
    await acs.stop();
    rmSync(dataDir, { recursive: true, force: true });
    pki.remove();
  });

  async function stillServing(name: string): Promise<void> {
    assert.equal(acs.child.exitCode, null, `the ACS process ended:\n${acs.output()}`);
    const t = targets.find((x) => x.name === name)!;
    const cpe = new TestCpe({ url: t.url, username: USER, password: PASS, tls: { ca: pki.ca.cert } });
    assert.equal((await cpe.inform(["0 BOOTSTRAP"])).status, 200);
    assert.equal((await cpe.send(null)).status, 204);
    cpe.close();
  }

  it("closes a TLS connection whose handshake does not come within cwmp.headersTimeout", async () => {
    const c = await RawConnection.open({ port: targets[1]!.target.port });
    try {
      assert.equal(await c.response(15_000), null);
      assert.ok(c.closed, "still open");
    } finally {
      c.destroy();
    }
    await stillServing("HTTPS");
  });

  for (const transport of ["HTTP", "HTTPS"]) {
    for (const framing of ["content-length", "chunked"] as const) {
      describe(`${transport}, ${framing}`, () => {
        const open = () => RawConnection.open(targets.find((t) => t.name === transport)!.target);
        /** Sends `request` and expects the refusal `status`, its length said and its text matching `text`. */
        const refused = async (request: string | Buffer, status: number, text: RegExp) => {
          const c = await open();
          await c.write(request);
          const r = await c.response();
          assert.equal(r?.status, status);
          assert.equal(r.headers["content-length"], String(Buffer.byteLength(r.body)), "the refusal says its length");
          assert.match(r.body, text);
          c.destroy();
          await stillServing(transport);
        };
        const request = (body: Buffer, extra = "") => Buffer.concat([Buffer.from(head(framing, body.length, extra)), framed(framing, body)]);

        it("refuses a body over cwmp.maxBodyBytes with 413, and keeps serving", async () => {
          const c = await open();
          await c.write(head(framing, MAX_BODY * 4));
          await stream(c, framing, MAX_BODY * 8);
          const r = await c.response();
          // The server closes after its refusal; a reset can overtake the reply on the client's side.
          if (r !== null) {
            assert.equal(r.status, 413);
            assert.match(r.body, /BODY_TOO_LARGE/);
          } else assert.ok(c.closed);
          c.destroy();
          await stillServing(transport);
        });

        it("refuses an unknown Content-Encoding with 415", () => refused(request(Buffer.from("<x/>"), "Content-Encoding: br\r\n"), 415, /BODY_ENCODING/));

        it("refuses a gzip body that does not decompress with 400", () =>
          refused(request(Buffer.concat([gzipSync("<x/>").subarray(0, 10), Buffer.from("garbage that is not deflate data")]), "Content-Encoding: gzip\r\n"), 400, /BODY_CORRUPT/));

        it("refuses malformed framing with 400", () =>
          refused(framing === "chunked" ? `${head(framing, 0)}zz\r\nnot a chunk\r\n` : "POST / HTTP/1.1\r\nHost: acs\r\nContent-Length: ten\r\n\r\n0123456789", 400, /BODY_FRAMING|Bad Request/));

        it("refuses a body that does not arrive within cwmp.bodyTimeout with 408", () => refused(request(Buffer.alloc(4000, 0x20)).subarray(0, 1500), 408, /BODY_TIMEOUT/));

        it("refuses headers that do not arrive within cwmp.headersTimeout with 408", () => refused(head(framing, 100).split("\r\n").slice(0, 3).join("\r\n"), 408, /Request Timeout/));

        it("survives a client that goes away in the middle of its body", async () => {
          const c = await open();
          const body = Buffer.alloc(4000, 0x20);
          await c.write(Buffer.concat([Buffer.from(head(framing, body.length)), framed(framing, body).subarray(0, 1000)]));
          c.destroy();
          await stillServing(transport);
        });

        it("survives a client that goes away before its reply", async () => {
          for (let i = 0; i < 5; i++) {
            const c = await open();
            const body = Buffer.from('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>');
            await c.write(Buffer.concat([Buffer.from(head(framing, body.length, "Authorization: Basic eDp5\r\n")), framed(framing, body)]));
            c.destroy();
          }
          await stillServing(transport);
        });
      });
    }
  }
});
