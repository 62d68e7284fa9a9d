import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import {
  ConnectionRequester,
  ConnreqLocalError,
  XmppConnectionRequester,
  XmppError,
  classifyXmppReply,
  createTransports,
  startXmppDevice,
} from "../../src/connreq/index.js";
import type { XmppDevice, XmppDeviceOptions, XmppDeviceRefusal, XmppDeviceRequest, XmppLinkStatus } from "../../src/connreq/index.js";
import { xml } from "@xmpp/client";
import { startProsody } from "../support/prosody.js";
import type { Prosody } from "../support/prosody.js";

const ACS = { user: "acs", password: "acs-secret" };
const DEVICES = ["cpe-a", "cpe-b", "cpe-c", "cpe-d", "cpe-e", "cpe-offline"].map((user) => ({ user, password: `${user}-xmpp-pw` }));
const CR = { username: "cr-user", password: "cr-secret" };

/** The promise, or a rejection after `ms` (the timer does not outlive it). */
async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

let prosody: Prosody;
let acs: XmppConnectionRequester;

before(async () => {
  prosody = await startProsody({ accounts: [ACS, ...DEVICES] });
  acs = new XmppConnectionRequester({ service: prosody.service, domain: prosody.domain, username: ACS.user, password: ACS.password, resource: "acs", initialRetryMs: 50, maxRetryMs: 200 });
  acs.start();
  assert.equal(await acs.waitOnline(15_000), true, `the ACS did not log in:\n${prosody.log()}`);
});

after(async () => {
  await acs?.stop();
  await prosody?.stop();
});

async function withDevice(user: string, extra: Partial<XmppDeviceOptions>, fn: (device: XmppDevice) => Promise<void>): Promise<void> {
  const account = DEVICES.find((d) => d.user === user);
  assert.ok(account);
  const device = await startXmppDevice({
    service: prosody.service,
    domain: prosody.domain,
    username: account.user,
    password: account.password,
    connectionRequestUsername: CR.username,
    connectionRequestPassword: CR.password,
    plainWithoutTls: true, // fast logins; the ACS below logs in with SCRAM, the default
    ...extra,
  });
  try {
    await fn(device);
  } finally {
    await device.stop();
  }
}

test("the ACS sends the IQ to a device that accepts: accepted, and the device's callback sees the ACS's JID", async () => {
  const seen: XmppDeviceRequest[] = [];
  await withDevice("cpe-a", { onConnectionRequest: (r) => void seen.push(r) }, async (device) => {
    assert.equal(device.jid, `cpe-a@${prosody.domain}/cwmp`);
    const r = await acs.request({ jid: device.jid, ...CR });
    assert.equal(r.outcome, "accepted");
    assert.equal(r.code, "RESULT");
    assert.equal(r.method, "xmpp");
    assert.equal(r.jid, device.jid);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.from, acs.jid);
    assert.equal(acs.jid, `acs@${prosody.domain}/acs`);
  });
});

test("wrong credentials: not-authorized", async () => {
  const refused: XmppDeviceRefusal[] = [];
  let accepted = 0;
  await withDevice("cpe-b", { onRefused: (_r, why) => refused.push(why), onConnectionRequest: () => void accepted++ }, async (device) => {
    const wrongPassword = await acs.request({ jid: device.jid, username: CR.username, password: "nope" });
    assert.equal(wrongPassword.outcome, "not-authorized");
    assert.equal(wrongPassword.code, "not-authorized");
    const wrongUser = await acs.request({ jid: device.jid, username: "intruder", password: CR.password });
    assert.equal(wrongUser.outcome, "not-authorized");
    assert.deepEqual(refused, ["bad-credentials", "bad-credentials"]);
    assert.equal(accepted, 0);
  });
});

test("a device that is not logged in: service-unavailable (answered by the server)", async () => {
  const r = await acs.request({ jid: `cpe-offline@${prosody.domain}/cwmp`, ...CR });
  assert.equal(r.outcome, "service-unavailable");
  assert.equal(r.code, "service-unavailable");
});

test("a device that never answers: timed-out after the short timeout", async () => {
  await withDevice("cpe-c", { onConnectionRequest: () => "ignore" }, async (device) => {
    const r = await acs.request({ jid: device.jid, ...CR, timeoutMs: 300 });
    assert.equal(r.outcome, "timed-out");
    assert.equal(r.code, "TIMEOUT");
  });
});

test("a busy device, and a device that does not allow the ACS's JID: service-unavailable", async () => {
  await withDevice("cpe-d", { onConnectionRequest: () => "busy" }, async (device) => {
    const r = await acs.request({ jid: device.jid, ...CR });
    assert.equal(r.outcome, "service-unavailable");
  });
  const refused: XmppDeviceRefusal[] = [];
  await withDevice("cpe-d", { allowedJids: [`other-acs@${prosody.domain}`], onRefused: (_r, why) => refused.push(why) }, async (device) => {
    const r = await acs.request({ jid: device.jid, ...CR });
    assert.equal(r.outcome, "service-unavailable");
    assert.deepEqual(refused, ["not-allowed"]);
  });
  // The bare JID of the ACS allows any of its resources; a full JID, that resource only.
  await withDevice("cpe-d", { allowedJids: [`ACS@${prosody.domain}`] }, async (device) => {
    assert.equal((await acs.request({ jid: device.jid, ...CR })).outcome, "accepted");
  });
  await withDevice("cpe-d", { allowedJids: [`acs@${prosody.domain}/elsewhere`] }, async (device) => {
    assert.equal((await acs.request({ jid: device.jid, ...CR })).outcome, "service-unavailable");
  });
});

test("not connected: before start, with a refused login, and after stop; bad JIDs are errors", async () => {
  const statuses: [XmppLinkStatus, string | undefined][] = [];
  // Prosody answers a failed login after a delay: wait for the refusal, then for the next try.
  let retried: () => void = () => undefined;
  const refusedThenRetried = new Promise<void>((resolve) => (retried = resolve));
  const wrong = new XmppConnectionRequester({
    service: prosody.service,
    domain: prosody.domain,
    username: ACS.user,
    password: "wrong-password",
    plainWithoutTls: true,
    initialRetryMs: 20,
    maxRetryMs: 40,
    onStatus: (s, d) => {
      statuses.push([s, d]);
      if (s === "connecting" && statuses.some(([x, why]) => x === "offline" && /not-authorized/.test(why ?? ""))) retried();
    },
  });
  try {
    const before = await wrong.request({ jid: `cpe-a@${prosody.domain}/cwmp`, ...CR });
    assert.equal(before.outcome, "not-connected");
    wrong.start();
    await within(refusedThenRetried, 20_000, () => `no refusal and retry: ${JSON.stringify(statuses)}`);
    assert.equal(wrong.status, "connecting");
    assert.equal((await wrong.request({ jid: `cpe-a@${prosody.domain}/cwmp`, ...CR })).outcome, "not-connected");
  } finally {
    await wrong.stop();
  }
  assert.equal(wrong.status, "stopped");
  assert.equal((await wrong.request({ jid: `cpe-a@${prosody.domain}/cwmp`, ...CR })).outcome, "not-connected");
  assert.throws(() => new XmppConnectionRequester({ service: "127.0.0.1:5222", username: "acs", password: "x" }), (e: unknown) => e instanceof ConnreqLocalError);
  const bad = await acs.request({ jid: "not a jid", ...CR });
  assert.equal(bad.outcome, "error");
  assert.equal(bad.code, "INVALID_JID");
});

test("reconnection backs off exponentially with jitter, up to the cap", async () => {
  // A port nobody listens on: every login fails at once.
  const closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const retryDelays: number[] = [];
  let enough: () => void = () => undefined;
  const fiveRetries = new Promise<void>((resolve) => (enough = resolve));
  const requester = new XmppConnectionRequester({
    service: `xmpp://127.0.0.1:${closedPort}`,
    domain: "provisio.test",
    username: "acs",
    password: "x",
    initialRetryMs: 100,
    retryFactor: 2,
    maxRetryMs: 400,
    connectTimeoutMs: 10_000,
    random: () => 0.5, // 75% of each step
    timers: {
      // The retries are recorded and run at once; the login deadline runs as asked.
      setTimeout: (cb, ms) => {
        if (ms === 10_000) return setTimeout(cb, ms);
        retryDelays.push(ms);
        if (retryDelays.length === 5) enough();
        return setTimeout(cb, 0);
      },
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
  });
  try {
    requester.start();
    await within(fiveRetries, 10_000, () => `retries so far: ${retryDelays.join(", ")}`);
  } finally {
    await requester.stop();
  }
  assert.deepEqual(retryDelays.slice(0, 5), [75, 150, 300, 300, 300]);
});

test("the ACS reconnects after its connection drops, and fails requests waiting on the lost one", async () => {
  // A TCP relay between the ACS and Prosody, to cut the connection.
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(prosody.port, "127.0.0.1");
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", () => resolve()));
  const statuses: XmppLinkStatus[] = [];
  const requester = new XmppConnectionRequester({
    service: `xmpp://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    domain: prosody.domain,
    username: ACS.user,
    password: ACS.password,
    resource: "relayed",
    plainWithoutTls: true,
    initialRetryMs: 20,
    maxRetryMs: 100,
    onStatus: (s) => statuses.push(s),
  });
  try {
    requester.start();
    assert.equal(await requester.waitOnline(10_000), true);
    await withDevice("cpe-e", { onConnectionRequest: () => "ignore" }, async (device) => {
      const waiting = requester.request({ jid: device.jid, ...CR, timeoutMs: 30_000 });
      for (const s of sockets) s.destroy();
      const lost = await waiting;
      assert.equal(lost.outcome, "not-connected");
      assert.equal(lost.code, "CONNECTION_LOST");
    });
    assert.equal(await requester.waitOnline(10_000), true, `statuses: ${statuses.join(",")}`);
    await withDevice("cpe-e", {}, async (device) => {
      assert.equal((await requester.request({ jid: device.jid, ...CR })).outcome, "accepted");
    });
    assert.deepEqual(statuses.slice(0, 4), ["connecting", "online", "offline", "connecting"]);
  } finally {
    await requester.stop();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  }
});

test("the requester falls back from XMPP (device offline) to HTTP with the real transports", async () => {
  const server = http.createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  try {
    const requester = new ConnectionRequester({ transports: createTransports({ xmpp: { requester: acs, timeoutMs: 5000 }, http: { timeoutMs: 5000 } }) });
    const r = await requester.request({
      deviceId: "fallback-device",
      jabberId: `cpe-offline@${prosody.domain}/cwmp`,
      connectionRequestUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cr`,
      ...CR,
    });
    assert.deepEqual(r.attempts.map((a) => [a.method, a.outcome]), [["xmpp", "service-unavailable"], ["http", "accepted"]]);
    assert.equal(r.outcome, "accepted");
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("the device helper's login failure is a typed error", async () => {
  await assert.rejects(
    startXmppDevice({ service: prosody.service, domain: prosody.domain, username: "cpe-a", password: "wrong", connectionRequestUsername: "u", connectionRequestPassword: "p", plainWithoutTls: true }),
    (e: unknown) => e instanceof XmppError && e.code === "XMPP_LOGIN_FAILED",
  );
});

test("IQ replies are classified by their error condition", () => {
  const err = (condition: string, type = "cancel") =>
    xml("iq", { type: "error", id: "1" }, xml("error", { type }, xml(condition, { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" })));
  assert.equal(classifyXmppReply(xml("iq", { type: "result", id: "1" })).outcome, "accepted");
  assert.equal(classifyXmppReply(err("not-authorized", "auth")).outcome, "not-authorized");
  assert.equal(classifyXmppReply(err("not-autorized")).outcome, "not-authorized");
  for (const c of ["service-unavailable", "recipient-unavailable", "item-not-found", "feature-not-implemented", "remote-server-not-found"]) {
    assert.equal(classifyXmppReply(err(c)).outcome, "service-unavailable", c);
  }
  assert.equal(classifyXmppReply(err("remote-server-timeout")).outcome, "timed-out");
  const forbidden = classifyXmppReply(err("forbidden", "auth"));
  assert.deepEqual([forbidden.outcome, forbidden.code], ["error", "forbidden"]);
  assert.equal(classifyXmppReply(xml("iq", { type: "error", id: "1" })).code, "undefined-condition");
});
