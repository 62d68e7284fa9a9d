// The WebSocket MTP's pure parts: the `bbf-usp-protocol` extension, TR-369's retry waits, and the
// options read from the configuration.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { retryWaitMs, WebSocketAgentMtp, WebSocketClientError } from "../../src/mtp/websocket-client.js";
import { websocketServerOptions } from "../../src/mtp/websocket-config.js";
import { formatUspExtension, readUspExtension, withoutUspExtension } from "../../src/mtp/websocket-extension.js";
import { silentLogger } from "../../src/server/logger.js";
import { createTestPki } from "../support/certs.js";

describe("the bbf-usp-protocol extension", () => {
  it("reads the eid, quoted or not, among other extensions, in any case", () => {
    assert.deepEqual(readUspExtension('bbf-usp-protocol; eid="os::012345-CPE-SN1"'), { offered: true, eid: "os::012345-CPE-SN1" });
    assert.deepEqual(readUspExtension('permessage-deflate; client_max_window_bits, BBF-USP-Protocol ; EID = "proto::a,b;c"'), { offered: true, eid: "proto::a,b;c" });
    assert.deepEqual(readUspExtension(["permessage-deflate", 'bbf-usp-protocol; eid="self::x\\"y"']), { offered: true, eid: 'self::x"y' });
    assert.deepEqual(readUspExtension(undefined), { offered: false });
    assert.deepEqual(readUspExtension("permessage-deflate; server_no_context_takeover"), { offered: false });
  });

  it("says what is wrong with a bad one", () => {
    const error = (h: string) => {
      const r = readUspExtension(h);
      return r.offered && "error" in r ? r.error : "accepted";
    };
    assert.match(error("bbf-usp-protocol"), /names no eid/);
    assert.match(error("bbf-usp-protocol; eid"), /names no eid/);
    assert.match(error('bbf-usp-protocol; eid="nope"'), /not an Endpoint ID/);
    assert.match(error('bbf-usp-protocol; eid="os::a\u0001b"'), /not an Endpoint ID/);
    assert.match(error('bbf-usp-protocol; eid="os::open'), /malformed/);
    assert.match(error("bbf-usp-protocol; eid=os::bare"), /malformed/, "an eid with colons must be quoted");
    assert.match(error('bbf-usp-protocol; eid="os::1", bbf-usp-protocol; eid="os::2"'), /more than once/);
  });

  it("writes what it reads, and strips itself from a header for code that knows only the others", () => {
    for (const eid of ["proto::provisio", 'os::a"b\\c']) assert.deepEqual(readUspExtension(formatUspExtension(eid)), { offered: true, eid });
    assert.equal(withoutUspExtension('bbf-usp-protocol; eid="proto::x"'), null);
    assert.equal(withoutUspExtension('permessage-deflate, bbf-usp-protocol; eid="proto::x,y"'), "permessage-deflate");
  });
});

describe("TR-369 WebSocket session retry", () => {
  it("waits between m·(k/1000)^(n-1) and m·(k/1000)^n, growing no more after the tenth retry", () => {
    assert.equal(retryWaitMs(1, 5, 2000, () => 0), 5000);
    assert.equal(retryWaitMs(1, 5, 2000, () => 0.999999), 10000);
    assert.equal(retryWaitMs(2, 5, 2000, () => 0), 10000);
    assert.equal(retryWaitMs(3, 5, 2000, () => 0.5), 30000);
    assert.equal(retryWaitMs(10, 5, 2000, () => 0), 5000 * 2 ** 9);
    assert.equal(retryWaitMs(25, 5, 2000, () => 0), 5000 * 2 ** 9);
    assert.equal(retryWaitMs(4, 1, 1500, () => 0), Math.round(1000 * 1.5 ** 3));
    assert.equal(retryWaitMs(7, 2, 1000, () => 0.7), 2000, "a multiplier of 1.000 waits the minimum every time");
  });

  it("refuses a URL that is not ws:// or wss://", () => {
    assert.throws(() => new WebSocketAgentMtp({ url: "http://127.0.0.1/usp", endpointId: "os::1-2" }), (e: unknown) => e instanceof WebSocketClientError && /ws:\/\/ or wss:\/\//.test(e.message));
    assert.throws(() => new WebSocketAgentMtp({ url: "not a url", endpointId: "os::1-2" }), WebSocketClientError);
  });
});

describe("usp.websocket options", () => {
  it("come from the configuration, defaults included", () => {
    const o = websocketServerOptions(loadConfig(), silentLogger);
    assert.deepEqual(
      { host: o.host, port: o.port, path: o.path, endpointId: o.endpointId, tls: o.tls, auth: o.auth, maxRecordBytes: o.maxRecordBytes, pingIntervalMs: o.pingIntervalMs },
      { host: "0.0.0.0", port: 7577, path: "/usp", endpointId: "proto::provisio", tls: null, auth: "required", maxRecordBytes: 16 * 1024 * 1024, pingIntervalMs: 30_000 },
    );
    assert.throws(() => loadConfig({ flags: { "usp.websocket.path": "usp" } }), ConfigError, "a path starts with /");
  });

  it("read the TLS files, and name the key at fault when they cannot be", () => {
    const pki = createTestPki();
    try {
      const tls = (w: Record<string, unknown>) => websocketServerOptions(loadConfig({ file: { usp: { websocket: w } } }), silentLogger).tls;
      const t = tls({ tlsCert: pki.server.certFile, tlsKey: pki.server.keyFile, tlsClientCa: pki.ca.certFile });
      assert.ok(t !== null && t.cert.equals(pki.server.cert) && t.clientCa?.equals(pki.ca.cert) && t.clientCertRequired === false);
      assert.throws(() => tls({ tlsCert: pki.server.certFile }), (e: unknown) => e instanceof ConfigError && /set together/.test(e.message));
      assert.throws(() => tls({ tlsClientCa: pki.ca.certFile }), (e: unknown) => e instanceof ConfigError && /need TLS/.test(e.message));
      assert.throws(() => tls({ tlsCert: `${pki.dir}/missing.crt`, tlsKey: pki.server.keyFile }), (e: unknown) => e instanceof ConfigError && /usp\.websocket\.tlsCert: cannot read/.test(e.message));
    } finally {
      pki.remove();
    }
  });
});
