// Connection requests wired into the ACS: a task created with `connectionRequest: true` and `wait`
// completes through each of HTTP (a device endpoint that checks Digest), UDP (a device that told the
// ACS's STUN server its binding, TR-111) and XMPP (a real prosody, the device side from src/connreq);
// every attempt is recorded and visible, failures are events; credentials are the device's own (sealed)
// or the configured defaults.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createChallenge, digestHa1, verifyDigest } from "../../src/auth/index.js";
import { encodeStunMessage, startXmppDevice, tr111BindingRequest, verifyUdpConnectionRequest, type XmppDevice } from "../../src/connreq/index.js";
import { xsdValue, type ParameterValueStruct } from "../../src/cwmp/index.js";
import { udpPeer } from "../connreq/support.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { startProsody, type Prosody } from "../support/prosody.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";
import { eventually, isError, startApiAcs, type ApiAcs } from "./support.js";

const DEFAULTS = { username: "default-cr-user", password: "default-cr-secret" };
const ACS_XMPP = { user: "acs", password: "acs-xmpp-pw" };
const REALM = "cpe";
const SECRET = randomBytes(16);

/** The CPE's side of a woken session: Inform with 6 CONNECTION REQUEST, then answer what the ACS asks. */
async function wokenSession(c: TestCpe): Promise<string[]> {
  const seen: string[] = [];
  assert.equal((await c.inform(["6 CONNECTION REQUEST"])).status, 200);
  let reply = await c.send(null);
  while (reply.status === 200) {
    const rpc = rpcIn(reply);
    seen.push(rpc.method);
    if (rpc.method === "GetParameterValues") {
      reply = await c.answer(reply, { method: "GetParameterValuesResponse", parameterList: rpc.parameterNames.map((n) => ({ name: n, value: xsdValue("xsd:string", "woken") })) });
    } else if (rpc.method === "Reboot") {
      reply = await c.answer(reply, { method: "RebootResponse" });
    } else {
      throw new Error(`unexpected ${rpc.method}`);
    }
  }
  return seen;
}

/** A device's connection-request endpoint: HTTP Digest with these credentials, then a session. */
class CrEndpoint {
  server!: Server;
  url = "";
  requests: { authorized: boolean }[] = [];
  sessions: Promise<string[]>[] = [];
  constructor(private readonly creds: { username: string; password: string }, private readonly cpe: () => TestCpe | null) {}

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res) => {
      const authorization = req.headers.authorization;
      const ok = authorization !== undefined && verifyDigest({
        authorization, method: "GET", ha1: digestHa1(this.creds.username, REALM, this.creds.password), secret: SECRET, realm: REALM, now: Date.now(),
      }).ok;
      this.requests.push({ authorized: ok });
      if (!ok) {
        res.writeHead(401, { "WWW-Authenticate": createChallenge({ realm: REALM, now: Date.now(), secret: SECRET, nonceTtlMs: 60_000 }) });
        res.end();
        return;
      }
      res.writeHead(204);
      res.end();
      const c = this.cpe();
      if (c !== null) this.sessions.push(wokenSession(c));
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/cr`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

let prosody: Prosody;
before(async () => {
  prosody = await startProsody({ accounts: [ACS_XMPP, { user: "dev-sqlite", password: "dev-pw" }, { user: "dev-postgres", password: "dev-pw" }] });
});
after(() => prosody?.stop());

forEachBackend((backend) => {
  describe("connection requests", () => {
    let t: ApiAcs;
    let operator: ReturnType<ApiAcs["api"]["with"]>;
    before(async () => {
      t = await startApiAcs(backend, {
        settings: {
          stun: { enabled: true, host: "127.0.0.1", port: 0 },
          xmpp: { service: prosody.service, domain: prosody.domain, username: ACS_XMPP.user, password: ACS_XMPP.password, plainWithoutTls: true, timeout: 5 },
          connectionRequests: { username: DEFAULTS.username, password: DEFAULTS.password },
        },
      });
      operator = t.api.with(await t.keyFor("operator"));
    });
    after(() => t.stop());

    async function device(params: Record<string, string>): Promise<TestCpe> {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      const list: ParameterValueStruct[] = Object.entries(params).map(([name, value]) => ({ name, value: xsdValue("xsd:string", value) }));
      await c.inform(["0 BOOTSTRAP"], list.length > 0 ? list : []);
      await c.send(null);
      return c;
    }
    const dev = (c: TestCpe) => encodeURIComponent(c.deviceId);

    it("HTTP: wakes the device with Digest and its own credentials, and the task completes within `wait`", async () => {
      const creds = { username: "cpe-own", password: "cpe-own-secret" };
      let cpe: TestCpe | null = null;
      const endpoint = await new CrEndpoint(creds, () => cpe).start();
      try {
        cpe = await device({ "Device.ManagementServer.ConnectionRequestURL": endpoint.url });
        assert.equal((await t.api.put(`/api/devices/${dev(cpe)}/connection-request/credentials`, creds)).status, 204);
        const info = await operator.get(`/api/devices/${dev(cpe)}/connection-request`);
        assert.deepEqual(info.body.plan, [{ method: "http", target: endpoint.url }]);
        assert.deepEqual(info.body.credentials, { source: "device", username: "cpe-own" });
        assert.equal(JSON.stringify(info.body).includes(creds.password), false, "the password is never shown");
        const stored = await queryDirect(t.dbUrl, "SELECT password_sealed FROM connreq_credentials WHERE device_id = $1", [cpe.deviceId]);
        assert.equal(String(stored[0]?.password_sealed).includes(creds.password), false, "stored sealed, not in clear");

        const res = await operator.post(`/api/devices/${dev(cpe)}/tasks`, { name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.UpTime"] }, connectionRequest: true, wait: 30 });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.status, "done");
        assert.deepEqual(res.body.result.values, { "Device.DeviceInfo.UpTime": { value: "woken", type: "xsd:string" } });
        assert.deepEqual([res.body.connectionRequest.outcome, res.body.connectionRequest.method], ["accepted", "http"]);
        assert.deepEqual(endpoint.requests, [{ authorized: false }, { authorized: true }]);
        assert.deepEqual(await Promise.all(endpoint.sessions), [["GetParameterValues"]]);
        const attempts = (await operator.get(`/api/devices/${dev(cpe)}/connection-request/attempts`)).body.attempts;
        assert.equal(attempts.length, 1);
        assert.deepEqual([attempts[0].method, attempts[0].target, attempts[0].outcome, attempts[0].code, attempts[0].taskId], ["http", endpoint.url, "accepted", "HTTP_204", res.body.id]);
        assert.equal(typeof attempts[0].durationMs, "number");
      } finally {
        cpe?.close();
        await endpoint.close();
      }
    });

    it("HTTP: wrong credentials are a failure with every attempt shown, and an event", async () => {
      const endpoint = await new CrEndpoint({ username: "u", password: "right" }, () => null).start();
      const cpe = await device({ "Device.ManagementServer.ConnectionRequestURL": endpoint.url });
      try {
        await t.api.put(`/api/devices/${dev(cpe)}/connection-request/credentials`, { username: "u", password: "wrong" });
        const res = await operator.post(`/api/devices/${dev(cpe)}/connection-request`);
        assert.ok(isError(res, 502, "CONNECTION_REQUEST_FAILED"));
        assert.equal(res.body.error.details.outcome, "auth-failed");
        assert.equal(res.body.error.details.attempts[0].code, "HTTP_401");
        const events = await outboxEvents(t.acs.store, (e) => e.deviceId === cpe.deviceId && e.type.startsWith("connectionRequest."), (l) => l.length > 0);
        assert.deepEqual(events.map((e) => [e.type, (e.payload as { outcome: string }).outcome]), [["connectionRequest.failed", "auth-failed"]]);
        // Without its own credentials, the configured defaults are used.
        assert.equal((await t.api.del(`/api/devices/${dev(cpe)}/connection-request/credentials`)).status, 204);
        assert.deepEqual((await operator.get(`/api/devices/${dev(cpe)}/connection-request`)).body.credentials, { source: "default", username: DEFAULTS.username });
      } finally {
        cpe.close();
        await endpoint.close();
      }
    });

    it("UDP: sends the signed request to the binding the STUN server learned, from its port, and the task completes", async () => {
      const peer = await udpPeer();
      let session: Promise<string[]> | null = null;
      const stunUsername = `stun-${randomBytes(4).toString("hex")}`;
      // The address the device reported is not where it can be reached; the binding is.
      const cpe = await device({ "Device.ManagementServer.STUNUsername": stunUsername, "Device.ManagementServer.UDPConnectionRequestAddress": "192.0.2.1:7547" });
      try {
        const stun = t.acs.connectionRequests.stunAddress!;
        await peer.send(encodeStunMessage(tr111BindingRequest({ transactionId: randomBytes(16), username: stunUsername })), stun.port, "127.0.0.1");
        await peer.next(5000); // the Binding Response
        const info = await operator.get(`/api/devices/${dev(cpe)}/connection-request`);
        assert.deepEqual(info.body.plan, [{ method: "udp", target: `127.0.0.1:${peer.port}` }]);
        assert.equal(info.body.stunBinding.port, peer.port);
        assert.deepEqual(info.body.credentials, { source: "default", username: DEFAULTS.username });

        const wake = peer.next(10_000).then((r) => {
          assert.equal(r.port, stun.port, "from the STUN server's port, so that the NAT lets it in");
          const check = verifyUdpConnectionRequest(r.msg, { ...DEFAULTS, now: Date.now() });
          assert.ok(check.ok, JSON.stringify(check));
          session = wokenSession(cpe);
        });
        const res = await operator.post(`/api/devices/${dev(cpe)}/tasks`, { name: "reboot", connectionRequest: true, wait: 30 });
        await wake;
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.status, "done");
        assert.deepEqual([res.body.connectionRequest.outcome, res.body.connectionRequest.method], ["sent", "udp"]);
        assert.deepEqual(await session, ["Reboot"]);
        const attempts = (await operator.get(`/api/devices/${dev(cpe)}/connection-request/attempts`)).body.attempts;
        assert.deepEqual(attempts.map((a: { method: string; outcome: string }) => [a.method, a.outcome]), [["udp", "sent"]]);
      } finally {
        cpe.close();
        await peer.close();
      }
    });

    it("XMPP: sends the IQ to the device's JID through the XMPP server, and the task completes", async () => {
      assert.equal(await t.acs.connectionRequests.xmpp!.waitOnline(20_000), true, `the ACS did not log in to XMPP:\n${prosody.log()}`);
      const status = await operator.get("/api/status");
      assert.equal(status.body.xmpp.status, "online");
      assert.match(status.body.xmpp.jid, new RegExp(`^acs@${prosody.domain}/provisio-`));
      let cpe: TestCpe | null = null;
      let session: Promise<string[]> | null = null;
      const xmppDevice: XmppDevice = await startXmppDevice({
        service: prosody.service,
        domain: prosody.domain,
        username: `dev-${backend.name}`,
        password: "dev-pw",
        plainWithoutTls: true,
        connectionRequestUsername: DEFAULTS.username,
        connectionRequestPassword: DEFAULTS.password,
        allowedJids: [`acs@${prosody.domain}`],
        onConnectionRequest: () => {
          session = wokenSession(cpe!);
          return "accept";
        },
      });
      try {
        cpe = await device({ "Device.ManagementServer.ConnReqJabberID": xmppDevice.jid, "Device.ManagementServer.ConnectionRequestURL": "http://192.0.2.1:7547/never-tried" });
        const res = await operator.post(`/api/devices/${dev(cpe)}/tasks`, { name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.ModelName"] }, connectionRequest: true, wait: 30 });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.status, "done");
        assert.deepEqual([res.body.connectionRequest.outcome, res.body.connectionRequest.method], ["accepted", "xmpp"]);
        assert.equal(res.body.connectionRequest.attempts.length, 1, "XMPP first, so HTTP is not tried");
        assert.deepEqual(await session, ["GetParameterValues"]);
      } finally {
        cpe?.close();
        await xmppDevice.stop();
      }
    });

    it("a device that cannot be reached: the task is answered at once (202) with why, and the failure is an event", async () => {
      const cpe = await device({ "Device.ManagementServer.ConnectionRequestURL": "http://127.0.0.1:9/cr" });
      try {
        const res = await operator.post(`/api/devices/${dev(cpe)}/tasks`, { name: "reboot", connectionRequest: true, wait: 60 });
        assert.equal(res.status, 202, res.text);
        assert.equal(res.body.status, "pending");
        assert.deepEqual([res.body.connectionRequest.outcome, res.body.connectionRequest.method], ["unreachable", "http"]);
        const failed = await eventually(async () => (await t.acs.store.outbox.read(null, 1000)).find((e) => e.type === "connectionRequest.failed" && e.deviceId === cpe.deviceId), "the failure event");
        assert.equal((failed.payload as { taskId: string }).taskId, res.body.id);
      } finally {
        cpe.close();
      }
    });

    it("a device with no way to reach it: 409, and an event", async () => {
      const cpe = await device({});
      try {
        const res = await operator.post(`/api/devices/${dev(cpe)}/connection-request`);
        assert.ok(isError(res, 409, "CONNECTION_REQUEST_NO_METHOD"));
        assert.equal(res.body.error.details.outcome, "no-method");
        const events = await outboxEvents(t.acs.store, (e) => e.deviceId === cpe.deviceId && e.type.startsWith("connectionRequest."), (l) => l.length > 0);
        assert.deepEqual(events.map((e) => [e.type, (e.payload as { outcome: string }).outcome]), [["connectionRequest.failed", "no-method"]]);
        assert.ok(isError(await operator.post("/api/devices/no-such-device/connection-request"), 404, "DEVICE_NOT_FOUND"));
        assert.ok(isError(await operator.get("/api/devices/no-such-device/connection-request/attempts"), 404, "DEVICE_NOT_FOUND"));
        assert.ok(isError(await t.api.put("/api/devices/no-such-device/connection-request/credentials", { username: "a", password: "b" }), 404, "DEVICE_NOT_FOUND"));
      } finally {
        cpe.close();
      }
    });

    it("bulk: wakes every device of the task in the background", async () => {
      const cpes: TestCpe[] = [];
      const endpoints: CrEndpoint[] = [];
      try {
        for (let i = 0; i < 3; i++) {
          const index = i;
          const e = await new CrEndpoint(DEFAULTS, () => cpes[index] ?? null).start();
          endpoints.push(e);
          const c = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { productClass: "Woken" } });
          await c.inform(["0 BOOTSTRAP"], [{ name: "Device.ManagementServer.ConnectionRequestURL", value: xsdValue("xsd:string", e.url) }]);
          await c.send(null);
          cpes.push(c);
        }
        const res = await operator.post("/api/tasks", { filter: 'productClass = "Woken"', name: "reboot", connectionRequest: true });
        assert.equal(res.status, 201, res.text);
        assert.deepEqual([res.body.created, res.body.connectionRequests], [3, 3]);
        for (const id of res.body.taskIds as string[]) {
          await eventually(async () => ((await t.acs.tasks.get(id))?.status === "done" ? true : undefined), `task ${id} done`, 20_000);
        }
        for (const e of endpoints) assert.deepEqual(await Promise.all(e.sessions), [["Reboot"]]);
      } finally {
        for (const c of cpes) c.close();
        for (const e of endpoints) await e.close();
      }
    });

    it("refuses to use credentials it cannot unseal", async () => {
      const a = await device({ "Device.ManagementServer.ConnectionRequestURL": "http://127.0.0.1:9/a" });
      const b = await device({ "Device.ManagementServer.ConnectionRequestURL": "http://127.0.0.1:9/b" });
      try {
        await t.api.put(`/api/devices/${dev(a)}/connection-request/credentials`, { username: "a", password: "secret-a" });
        await t.api.put(`/api/devices/${dev(b)}/connection-request/credentials`, { username: "b", password: "secret-b" });
        // A sealed password moved to another device's row does not open there.
        const sealedA = (await queryDirect(t.dbUrl, "SELECT password_sealed FROM connreq_credentials WHERE device_id = $1", [a.deviceId]))[0]?.password_sealed;
        await queryDirect(t.dbUrl, "UPDATE connreq_credentials SET password_sealed = $1 WHERE device_id = $2", [sealedA, b.deviceId]);
        assert.ok(isError(await operator.get(`/api/devices/${dev(b)}/connection-request`), 500, "SECRET_UNREADABLE"));
        assert.equal((await operator.get(`/api/devices/${dev(a)}/connection-request`)).status, 200);
      } finally {
        a.close();
        b.close();
      }
    });
  });

  describe("connection requests: the per-device rate limit", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend, { settings: { connectionRequests: { minInterval: 60, username: DEFAULTS.username, password: DEFAULTS.password } } });
    });
    after(() => t.stop());

    it("answers 429 with Retry-After to a second request within the interval", async () => {
      const endpoint = await new CrEndpoint(DEFAULTS, () => null).start();
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      try {
        await c.inform(["0 BOOTSTRAP"], [{ name: "Device.ManagementServer.ConnectionRequestURL", value: xsdValue("xsd:string", endpoint.url) }]);
        await c.send(null);
        const first = await t.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/connection-request`);
        assert.equal(first.status, 200, first.text);
        assert.equal(first.body.outcome, "accepted");
        const second = await t.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/connection-request`);
        assert.ok(isError(second, 429, "CONNECTION_REQUEST_RATE_LIMITED"));
        assert.ok(Number(second.headers["retry-after"]) > 0 && Number(second.headers["retry-after"]) <= 60);
        assert.equal(endpoint.requests.length, 2, "nothing more was sent");
      } finally {
        c.close();
        await endpoint.close();
      }
    });
  });
});
