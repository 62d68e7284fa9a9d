// The USP WebSocket MTP, both ends over real sockets on 127.0.0.1: Records (made with the USP codec)
// both ways for several agents at once, the handshake's checks and their documented refusals, TLS with
// client certificates, keepalive, reconnection after the controller restarts, and `gone`.

import assert from "node:assert/strict";
import { request, type IncomingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { formatBasicAuthorization } from "../../src/auth/index.js";
import { WebSocketAgentMtp, type WebSocketClientOptions, type WebSocketClientStatus } from "../../src/mtp/websocket-client.js";
import { WebSocketControllerMtp, type WebSocketServerOptions } from "../../src/mtp/websocket-server.js";
import type { MtpAuthenticator, MtpPeer, MtpRoute } from "../../src/mtp/types.js";
import { silentLogger } from "../../src/server/logger.js";
import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, noSessionContextRecord, uspMsg } from "../../src/usp/index.js";
import { until } from "../support/acs-process.js";
import { createTestPki, type TestPki } from "../support/certs.js";

const CONTROLLER = "proto::provisio-test";
const agentId = (n: number) => `os::012345-CPE-SN${String(n).padStart(4, "0")}`;

/** The credential store of these tests: username to password (the controller checks the real one). */
const passwords = new Map<string, string>([
  ["cpe-1", "secret-1"],
  ["cpe-2", "secret-2"],
  ["cpe-3", "secret-3"],
  ["cpe-4", "secret-4"],
]);
const byPassword: MtpAuthenticator = async (peer, password) => peer.username !== null && passwords.get(peer.username) === password;

interface Received {
  bytes: Uint8Array;
  route: MtpRoute;
  peer: MtpPeer;
}

/** A started controller MTP that records what it is told. */
async function controller(options: Partial<WebSocketServerOptions> = {}, authenticate: MtpAuthenticator = byPassword) {
  const mtp = new WebSocketControllerMtp(
    {
      host: "127.0.0.1",
      port: 0,
      path: "/usp",
      endpointId: CONTROLLER,
      tls: null,
      auth: "required",
      realm: "provisio",
      allowedOrigins: [],
      maxRecordBytes: 16 * 1024 * 1024,
      pingIntervalMs: 0,
      maxConnections: 0,
      maxConnectionsPerAddress: 0,
      retryAfterSeconds: 7,
      log: silentLogger,
      ...options,
    },
    authenticate,
  );
  const received: Received[] = [];
  const gone: MtpRoute[] = [];
  await mtp.start({ record: (bytes, route, peer) => received.push({ bytes, route, peer }), gone: (route) => gone.push(route) });
  return { mtp, received, gone, url: `ws://127.0.0.1:${mtp.port}/usp` };
}

function agent(url: string, n: number, extra: Partial<WebSocketClientOptions> = {}) {
  const received: Uint8Array[] = [];
  const statuses: WebSocketClientStatus[] = [];
  const mtp = new WebSocketAgentMtp({ url, endpointId: agentId(n), username: `cpe-${n}`, password: `secret-${n}`, retryMinimumWaitInterval: 0.05, onStatus: (s) => statuses.push(s), ...extra });
  return { mtp, received, statuses, connect: () => mtp.connect((b) => received.push(b)) };
}

/** A Record carrying a Get, as an agent or the controller would send it. */
function getRecord(from: string, to: string, msgId: string): Uint8Array {
  return encodeRecord(noSessionContextRecord(from, to, encodeMsg(uspMsg("get", msgId, { paramPaths: ["Device.DeviceInfo."], maxDepth: 0 }))));
}

function msgIdOf(bytes: Uint8Array): { from: string; to: string; msgId: string } {
  const r = decodeRecord(bytes);
  assert.ok(r.recordType === "noSessionContext");
  return { from: r.fromId, to: r.toId, msgId: decodeMsg(r.noSessionContext.payload).header.msgId };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  socket?: Duplex;
}

/** An upgrade request with exactly these headers: the server's refusal, or its 101 and the socket. */
function upgrade(port: number, headers: Record<string, string>, path = "/usp"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers },
    });
    req.on("upgrade", (res, socket) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "", socket }));
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const good = (n = 1): Record<string, string> => ({
  "Sec-WebSocket-Protocol": "v1.usp",
  "Sec-WebSocket-Extensions": `bbf-usp-protocol; eid="${agentId(n)}"`,
  Authorization: formatBasicAuthorization(`cpe-${n}`, `secret-${n}`),
});

/** A WebSocket made with ws directly, for what our client never does. */
function rawSocket(url: string, headers: Record<string, string> = good()): Promise<WebSocket> {
  const { "Sec-WebSocket-Protocol": _, ...rest } = headers;
  const ws = new WebSocket(url, "v1.usp", { perMessageDeflate: false, headers: rest });
  // ws refuses an extension it does not implement; this socket does not care for the controller's eid.
  ws.on("upgrade", (res) => delete res.headers["sec-websocket-extensions"]);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once("close", (code: number) => resolve(code)));
}

describe("USP WebSocket MTP", () => {
  it("carries Records both ways for several agents at once, each on its own route, eids learnt both ways", async () => {
    const c = await controller();
    const agents = [1, 2, 3, 4].map((n) => agent(c.url, n));
    try {
      await Promise.all(agents.map((a) => a.connect()));
      assert.ok(agents.every((a) => a.mtp.connected && a.mtp.controllerEndpointId === CONTROLLER), "each agent learnt the controller's eid from the handshake");
      assert.ok(agents.every((a) => a.statuses[0]?.state === "connected"));
      assert.equal(c.mtp.size, 4);
      const sent = await Promise.all(agents.map((a, i) => a.mtp.send(getRecord(agentId(i + 1), CONTROLLER, `from-${i + 1}`))));
      assert.deepEqual(sent, [true, true, true, true]);
      await until("the controller has the four Records", async () => c.received.length === 4);

      const routes = new Map<string, MtpRoute>();
      for (const r of c.received) {
        const m = msgIdOf(r.bytes);
        assert.equal(r.peer.endpointId, m.from, "the eid of the handshake is the Record's from_id");
        assert.equal(r.peer.username, `cpe-${m.from.slice(-1)}`);
        assert.equal(r.peer.certCn, null);
        assert.equal(r.peer.remoteAddress, "127.0.0.1");
        assert.equal(m.msgId, `from-${Number(m.from.slice(-4))}`);
        assert.equal(r.route.mtp, "websocket");
        routes.set(m.from, r.route);
      }
      assert.equal(new Set([...routes.values()].map((r) => r.address)).size, 4, "one connection id per socket");

      for (const [eid, route] of routes) assert.equal(await c.mtp.send(route, getRecord(CONTROLLER, eid, `to-${eid}`)), true);
      await until("every agent has its answer", async () => agents.every((a) => a.received.length === 1));
      agents.forEach((a, i) => assert.deepEqual(msgIdOf(a.received[0]!), { from: CONTROLLER, to: agentId(i + 1), msgId: `to-${agentId(i + 1)}` }));

      assert.equal(await c.mtp.send({ mtp: "websocket", address: "nobody" }, getRecord(CONTROLLER, agentId(1), "x")), false);
      assert.equal(await c.mtp.send({ mtp: "mqtt", address: routes.get(agentId(1))!.address }, getRecord(CONTROLLER, agentId(1), "x")), false);
    } finally {
      await Promise.all(agents.map((a) => a.mtp.close()));
      await c.mtp.stop();
    }
  });

  it("tells `gone` when an agent closes, and its route then reaches nobody", async () => {
    const c = await controller();
    const a = agent(c.url, 2);
    try {
      await a.connect();
      await a.mtp.send(getRecord(agentId(2), CONTROLLER, "1"));
      await until("the Record arrives", async () => c.received.length === 1);
      const route = c.received[0]!.route;
      await a.mtp.close();
      await until("the controller is told the route is gone", async () => c.gone.length === 1);
      assert.deepEqual(c.gone, [route]);
      assert.equal(await c.mtp.send(route, getRecord(CONTROLLER, agentId(2), "2")), false);
      assert.equal(await a.mtp.send(getRecord(agentId(2), CONTROLLER, "3")), false, "a closed agent sends nothing");
      assert.equal(c.mtp.size, 0);
    } finally {
      await a.mtp.close();
      await c.mtp.stop();
    }
  });

  describe("refuses upgrades with the documented HTTP status", () => {
    let c: Awaited<ReturnType<typeof controller>>;
    before(async () => {
      c = await controller({ allowedOrigins: ["https://console.example.net"] });
    });
    after(() => c.mtp.stop());

    const cases: [string, Record<string, string>, number, RegExp, string?][] = [
      ["a wrong password", { ...good(1), Authorization: formatBasicAuthorization("cpe-1", "wrong") }, 401, /not accepted/],
      ["another device's password", { ...good(1), Authorization: formatBasicAuthorization("cpe-1", "secret-2") }, 401, /not accepted/],
      ["no credentials", { ...good(1), Authorization: "" }, 401, /authentication required/],
      ["a Digest Authorization", { ...good(1), Authorization: 'Digest username="cpe-1"' }, 401, /not HTTP Basic/],
      ["no subprotocol", { ...good(1), "Sec-WebSocket-Protocol": "" }, 400, /must offer v1\.usp/],
      ["another subprotocol", { ...good(1), "Sec-WebSocket-Protocol": "v2.usp, mqtt" }, 400, /must offer v1\.usp/],
      ["an eid that is no Endpoint ID", { ...good(1), "Sec-WebSocket-Extensions": 'bbf-usp-protocol; eid="not an endpoint"' }, 400, /not an Endpoint ID/],
      ["the extension without eid", { ...good(1), "Sec-WebSocket-Extensions": "bbf-usp-protocol" }, 400, /names no eid/],
      ["an unterminated eid", { ...good(1), "Sec-WebSocket-Extensions": 'bbf-usp-protocol; eid="os::1-2' }, 400, /malformed/],
      ["a browser's Origin", { ...good(1), Origin: "https://evil.example.com" }, 403, /origin https:\/\/evil\.example\.com is not allowed/],
      ["another path", good(1), 404, /agents connect at \/usp/, "/cwmp"],
    ];
    for (const [what, headers, status, reason, path] of cases) {
      it(`${what}: ${status}`, async () => {
        const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ""));
        const r = await upgrade(c.mtp.port, sent, path);
        assert.equal(r.status, status);
        assert.match(r.body, reason);
        if (status === 401) assert.match(String(r.headers["www-authenticate"]), /^Basic realm="provisio"/);
        assert.equal(c.mtp.size, 0);
      });
    }

    it("accepts a listed Origin, and a plain HTTP request gets 426", async () => {
      const r = await upgrade(c.mtp.port, { ...good(3), Origin: "https://console.example.net" });
      assert.equal(r.status, 101);
      assert.equal(r.headers["sec-websocket-protocol"], "v1.usp");
      assert.equal(r.headers["sec-websocket-extensions"], `bbf-usp-protocol; eid="${CONTROLLER}"`);
      r.socket?.destroy();
      const plain = await new Promise<number>((resolve, reject) => {
        request({ host: "127.0.0.1", port: c.mtp.port, path: "/usp" }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on("error", reject)
          .end();
      });
      assert.equal(plain, 426);
    });

    it("the client with a wrong password is refused, says why, and keeps trying", async () => {
      const a = agent(c.url, 4, { password: "wrong" });
      void a.connect();
      try {
        await until("two refused attempts", async () => a.statuses.filter((s) => s.state === "disconnected").length >= 2);
        const s = a.statuses[0];
        assert.ok(s?.state === "disconnected" && s.reason === "HTTP 401 Unauthorized" && s.retryInMs !== null && s.retryInMs >= 50);
        assert.equal(a.mtp.connected, false);
        assert.equal(c.received.length, 0);
      } finally {
        await a.mtp.close();
      }
    });
  });

  it("takes an agent without an eid extension (the Records then say who it is), and answers none", async () => {
    const c = await controller();
    try {
      const { "Sec-WebSocket-Extensions": _, ...rest } = good(1);
      const r = await upgrade(c.mtp.port, rest);
      assert.equal(r.status, 101);
      assert.equal(r.headers["sec-websocket-extensions"], undefined);
      r.socket?.destroy();
    } finally {
      await c.mtp.stop();
    }
  });

  it("closes a connection that sends a text frame (1003) or a Record over maxRecordBytes (1009), passing neither on", async () => {
    const c = await controller({ maxRecordBytes: 1024 });
    try {
      const text = await rawSocket(c.url);
      const textClosed = closeCode(text);
      text.send("a Record in a text frame");
      assert.equal(await textClosed, 1003);

      const big = await rawSocket(c.url);
      const bigClosed = closeCode(big);
      big.send(new Uint8Array(2048));
      assert.equal(await bigClosed, 1009);

      const fine = await rawSocket(c.url);
      fine.send(getRecord(agentId(1), CONTROLLER, "small"));
      await until("a Record under the limit arrives", async () => c.received.length === 1);
      assert.equal(msgIdOf(c.received[0]!.bytes).msgId, "small");
      fine.close();
      await until("three connections gone", async () => c.gone.length === 3);
    } finally {
      await c.mtp.stop();
    }
  });

  it("caps connections (503 with Retry-After) and never takes anonymous agents unless auth is open", async () => {
    const capped = await controller({ maxConnections: 1 });
    const open = await controller({ auth: "open" }, async () => assert.fail("an open controller checks no password"));
    try {
      const first = await rawSocket(capped.url);
      const r = await upgrade(capped.mtp.port, good(2));
      assert.deepEqual([r.status, r.headers["retry-after"]], [503, "7"]);
      first.close();
      await until("the first connection is gone", async () => capped.gone.length === 1);
      const second = await upgrade(capped.mtp.port, good(2));
      assert.equal(second.status, 101);
      second.socket?.destroy();

      const { Authorization: _, ...anonymous } = good(1);
      const a = await rawSocket(open.url, anonymous);
      a.send(getRecord(agentId(1), CONTROLLER, "anon"));
      await until("the open controller takes the Record", async () => open.received.length === 1);
      assert.deepEqual(open.received[0]!.peer, { endpointId: agentId(1), username: null, certCn: null, remoteAddress: "127.0.0.1" });
      a.close();
    } finally {
      await capped.mtp.stop();
      await open.mtp.stop();
    }
  });

  it("answers 503 when the authenticator fails, without taking the agent", async () => {
    const c = await controller({}, async () => {
      throw new Error("store unavailable");
    });
    try {
      const r = await upgrade(c.mtp.port, good(1));
      assert.deepEqual([r.status, r.headers["retry-after"]], [503, "7"]);
      assert.match(r.body, /not available/);
    } finally {
      await c.mtp.stop();
    }
  });

  it("closes a connection that stops answering pings", async () => {
    // Long enough that the live agent's pong, in this same process, is never behind the next round.
    const c = await controller({ pingIntervalMs: 1000 });
    try {
      const live = agent(c.url, 1);
      await live.connect();
      // Upgraded, then never read from: the pings go unanswered.
      const dead = await upgrade(c.mtp.port, good(2));
      assert.equal(dead.status, 101);
      dead.socket!.pause();
      await until("the silent connection is closed", async () => c.gone.length === 1);
      assert.equal(live.mtp.connected, true, "an agent that answers pings stays");
      assert.equal(c.mtp.size, 1);
      dead.socket!.destroy();
      await live.mtp.close();
    } finally {
      await c.mtp.stop();
    }
  });

  describe("over TLS", () => {
    let pki: TestPki;
    before(() => {
      pki = createTestPki();
    });
    after(() => pki.remove());

    it("authenticates an agent by its client certificate's CN, or by password, and refuses a stranger's certificate", async () => {
      const byCert: MtpAuthenticator = async (peer, password) => (peer.certCn !== null ? peer.certCn === peer.endpointId : byPassword(peer, password));
      const c = await controller({ tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert, clientCertRequired: false } }, byCert);
      const url = `wss://127.0.0.1:${c.mtp.port}/usp`;
      const cert = pki.client(agentId(1));
      const withCert = agent(url, 1, { username: undefined, password: undefined, tls: { ca: pki.ca.cert, cert: cert.cert, key: cert.key } });
      const withPassword = agent(url, 2, { tls: { ca: pki.ca.cert } });
      const stranger = pki.stranger(agentId(3));
      const strange = agent(url, 3, { username: undefined, password: undefined, tls: { ca: pki.ca.cert, cert: stranger.cert, key: stranger.key } });
      try {
        await Promise.all([withCert.connect(), withPassword.connect()]);
        await withCert.mtp.send(getRecord(agentId(1), CONTROLLER, "cert"));
        await withPassword.mtp.send(getRecord(agentId(2), CONTROLLER, "password"));
        await until("both Records arrive", async () => c.received.length === 2);
        const peers = new Map(c.received.map((r) => [msgIdOf(r.bytes).msgId, r.peer]));
        assert.deepEqual(peers.get("cert"), { endpointId: agentId(1), username: null, certCn: agentId(1), remoteAddress: "127.0.0.1" });
        assert.deepEqual(peers.get("password"), { endpointId: agentId(2), username: "cpe-2", certCn: null, remoteAddress: "127.0.0.1" });
        const route = c.received.find((r) => r.peer.certCn !== null)!.route;
        await c.mtp.send(route, getRecord(CONTROLLER, agentId(1), "back"));
        await until("the answer arrives over TLS", async () => withCert.received.length === 1);

        void strange.connect();
        await until("the stranger is refused", async () => strange.statuses.some((s) => s.state === "disconnected"));
        const refused = strange.statuses.find((s) => s.state === "disconnected");
        assert.ok(refused?.state === "disconnected" && refused.reason === "HTTP 401 Unauthorized", "no valid certificate and no password: 401");
        assert.equal(c.mtp.size, 2);
      } finally {
        await Promise.all([withCert.mtp.close(), withPassword.mtp.close(), strange.mtp.close()]);
        await c.mtp.stop();
      }
    });

    it("with tlsClientCertRequired, refuses an agent without a certificate at the TLS handshake, password or not", async () => {
      const c = await controller({ tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert, clientCertRequired: true } }, async (peer) => peer.certCn === peer.endpointId);
      const url = `wss://127.0.0.1:${c.mtp.port}/usp`;
      const cert = pki.client(agentId(1));
      const withCert = agent(url, 1, { username: undefined, password: undefined, tls: { ca: pki.ca.cert, cert: cert.cert, key: cert.key } });
      const without = agent(url, 2, { tls: { ca: pki.ca.cert } });
      try {
        await withCert.connect();
        void without.connect();
        await until("the agent without a certificate fails", async () => without.statuses.some((s) => s.state === "disconnected"));
        const lost = without.statuses.find((s) => s.state === "disconnected");
        assert.ok(lost?.state === "disconnected" && !lost.reason.startsWith("HTTP "), `refused by TLS, not HTTP: ${lost?.state === "disconnected" ? lost.reason : ""}`);
        assert.equal(without.mtp.connected, false);
        assert.equal(withCert.mtp.connected, true);
        assert.equal(c.mtp.size, 1);
      } finally {
        await Promise.all([withCert.mtp.close(), without.mtp.close()]);
        await c.mtp.stop();
      }
    });
  });

  it("reconnects after the controller restarts, on the same port, and carries Records again", async () => {
    const first = await controller();
    const port = first.mtp.port;
    const a = agent(first.url, 3);
    let second: Awaited<ReturnType<typeof controller>> | null = null;
    try {
      await a.connect();
      await first.mtp.stop();
      await until("the agent sees the controller go", async () => a.statuses.some((s) => s.state === "disconnected"));
      second = await controller({ port });
      await until("the agent is back", async () => a.statuses.filter((s) => s.state === "connected").length === 2, 60_000);
      assert.equal(await a.mtp.send(getRecord(agentId(3), CONTROLLER, "again")), true);
      await until("the new controller has the Record", async () => second!.received.length === 1);
      assert.equal(second.received[0]!.peer.endpointId, agentId(3));
    } finally {
      await a.mtp.close();
      await first.mtp.stop();
      await second?.mtp.stop();
    }
  });
});
