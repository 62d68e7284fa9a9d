import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  ConnectionRequester,
  ConnreqLocalError,
  StunServer,
  createTransports,
  encodeStunMessage,
  formatUdpConnectionRequestAddress,
  looksLikeStun,
  parseUdpConnectionRequestAddress,
  tr111BindingRequest,
  udpConnectionRequest,
  verifyUdpConnectionRequest,
} from "../../src/connreq/index.js";
import type { StunBinding, Timers, UdpSender } from "../../src/connreq/index.js";
import { udpPeer } from "./support.js";
import type { Received, UdpPeer } from "./support.js";

const CPE = { username: "cr-user", password: "cr-secret" };
const notStun = (r: Received) => !looksLikeStun(r.msg);

/** A device behind its NAT: it binds through the STUN server first, as TR-111 says. */
async function withBoundDevice(fn: (server: StunServer, device: UdpPeer, binding: StunBinding) => Promise<void>): Promise<void> {
  let learned: (b: StunBinding) => void = () => undefined;
  const bound = new Promise<StunBinding>((resolve) => (learned = resolve));
  const server = await StunServer.start({ port: 0, address: "127.0.0.1", onBinding: (b) => learned(b) });
  const device = await udpPeer();
  try {
    await device.send(encodeStunMessage(tr111BindingRequest({ transactionId: randomBytes(16), username: "stun-device" })), server.address().port);
    const binding = await bound;
    await device.next(); // the Binding Response
    await fn(server, device, binding);
  } finally {
    await device.close();
    await server.close();
  }
}

test("the signed request reaches the device from the STUN server's port, repeated with one message ID", async () => {
  await withBoundDevice(async (server, device, binding) => {
    assert.equal(binding.port, device.port);
    const result = await udpConnectionRequest({
      address: formatUdpConnectionRequestAddress(binding.address, binding.port),
      ...CPE,
      sender: server,
      count: 3,
      intervalMs: 20,
    });
    assert.equal(result.outcome, "sent");
    assert.equal(result.code, "SENT");
    assert.equal(result.sent, 3);
    assert.equal(result.method, "udp");
    const got = [await device.next(5000, notStun), await device.next(5000, notStun), await device.next(5000, notStun)];
    for (const g of got) {
      assert.equal(g.port, server.address().port, "sent from the STUN server's port");
      assert.equal(g.address, "127.0.0.1");
      assert.deepEqual(g.msg, got[0]?.msg, "retransmissions are identical");
    }
    const first = verifyUdpConnectionRequest(got[0]?.msg as Buffer, { ...CPE, now: Date.now(), maxClockSkewMs: 60_000 });
    assert.ok(first.ok);
    assert.equal(first.id, String(result.id));
    assert.equal(first.request.authority, `127.0.0.1:${device.port}`);
    // The device acts once: the copies are replays of the same message ID.
    const again = verifyUdpConnectionRequest(got[1]?.msg as Buffer, { ...CPE, now: Date.now(), replay: { lastTs: first.ts, seenIds: new Set([first.id]) } });
    assert.deepEqual(again, { ok: false, reason: "replayed-id" });
    // Signed with the device's password: another password does not verify.
    assert.deepEqual(verifyUdpConnectionRequest(got[0]?.msg as Buffer, { username: CPE.username, password: "other", now: Date.now() }), { ok: false, reason: "bad-signature" });
  });
});

test("the requester sends UDP to the binding the STUN server learned, through its socket", async () => {
  await withBoundDevice(async (server, device) => {
    const requester = new ConnectionRequester({ transports: createTransports({ udp: { sender: server, count: 2, intervalMs: 10 } }), minIntervalMs: 0 });
    const b = server.binding("stun-device");
    assert.ok(b);
    const result = await requester.request({ deviceId: "dev-udp", stunBinding: b, udpConnectionRequestAddress: "198.51.100.7:5060", udpConnectionRequestAddressAt: b.at - 1000, ...CPE });
    assert.equal(result.outcome, "sent");
    assert.equal(result.method, "udp");
    assert.equal(result.attempts[0]?.target, `127.0.0.1:${device.port}`);
    const got = await device.next(5000, notStun);
    assert.equal(got.port, server.address().port);
    assert.ok(verifyUdpConnectionRequest(got.msg, { ...CPE, now: Date.now() }).ok);
  });
});

test("the copies are spaced by the configured interval (on the injected timers)", async () => {
  const delays: number[] = [];
  const timers: Timers = {
    setTimeout: (cb, ms) => {
      delays.push(ms);
      queueMicrotask(cb);
      return delays.length;
    },
    clearTimeout: () => undefined,
  };
  const datagrams: { bytes: Buffer; port: number; address: string }[] = [];
  const sender: UdpSender = {
    send: async (message, port, address) => {
      datagrams.push({ bytes: Buffer.from(message), port, address });
    },
  };
  const r = await udpConnectionRequest({ address: "[2001:db8::7]:7547", ...CPE, sender, count: 4, intervalMs: 750, timers, now: () => 1_700_000_000_999 });
  assert.equal(r.outcome, "sent");
  assert.deepEqual(delays, [750, 750, 750]);
  assert.equal(datagrams.length, 4);
  assert.deepEqual(datagrams.map((d) => [d.address, d.port]), Array(4).fill(["2001:db8::7", 7547]));
  const text = datagrams[0]?.bytes.toString("latin1") ?? "";
  assert.match(text, /^GET http:\/\/\[2001:db8::7\]:7547\?ts=1700000000&id=\d+&un=cr-user&cn=[0-9a-f]{16}&sig=[0-9a-f]{40} HTTP\/1\.1\r\nHost: \[2001:db8::7\]:7547\r\n\r\n$/);
});

test("send failures: no route is unreachable, a closed socket is an error; after a first copy, sent (and the copies stop)", async () => {
  let calls = 0;
  const unreachable: UdpSender = {
    send: async () => {
      calls++;
      throw Object.assign(new Error("send EHOSTUNREACH"), { code: "EHOSTUNREACH" });
    },
  };
  const r = await udpConnectionRequest({ address: "203.0.113.9:7547", ...CPE, sender: unreachable, intervalMs: 0 });
  assert.equal(r.outcome, "unreachable");
  assert.equal(r.code, "EHOSTUNREACH");
  assert.equal(r.sent, 0);
  assert.equal(calls, 1);

  let n = 0;
  const flaky: UdpSender = {
    send: async () => {
      if (++n === 2) throw Object.assign(new Error("send ENETUNREACH"), { code: "ENETUNREACH" });
    },
  };
  const partial = await udpConnectionRequest({ address: "203.0.113.9:7547", ...CPE, sender: flaky, count: 3, intervalMs: 0 });
  assert.equal(partial.outcome, "sent", "the first copy left");
  assert.equal(partial.code, "SENT_PARTIAL");
  assert.equal(partial.sent, 1);
  assert.equal(n, 2, "no copy after the failure");

  const server = await StunServer.start({ port: 0, address: "127.0.0.1" });
  await server.close();
  const closed = await udpConnectionRequest({ address: "127.0.0.1:9", ...CPE, sender: server, intervalMs: 0 });
  assert.equal(closed.outcome, "error");
  assert.equal(closed.code, "ERR_SOCKET_DGRAM_NOT_RUNNING");
});

test("an unusable address is an error and nothing is sent; impossible options throw", async () => {
  let calls = 0;
  const sender: UdpSender = { send: async () => void calls++ };
  for (const address of ["", "no spaces:1", "1.2.3.4:0", "1.2.3.4:70000", "[zz]:1", "http://1.2.3.4:5"]) {
    const r = await udpConnectionRequest({ address, ...CPE, sender });
    assert.equal(r.outcome, "error", address);
    assert.equal(r.code, "INVALID_ADDRESS");
  }
  assert.equal(calls, 0);
  await assert.rejects(udpConnectionRequest({ address: "1.2.3.4:5", sender, count: 0 }), (e: unknown) => e instanceof ConnreqLocalError);
  await assert.rejects(udpConnectionRequest({ address: "1.2.3.4:5", sender, intervalMs: -1 }), (e: unknown) => e instanceof ConnreqLocalError);
});

test("UDPConnectionRequestAddress forms", () => {
  assert.deepEqual(parseUdpConnectionRequestAddress("192.0.2.4:7547"), { host: "192.0.2.4", port: 7547 });
  assert.deepEqual(parseUdpConnectionRequestAddress("[2001:db8::1]:30005"), { host: "2001:db8::1", port: 30005 });
  assert.deepEqual(parseUdpConnectionRequestAddress("cpe.example.net:5000"), { host: "cpe.example.net", port: 5000 });
  assert.deepEqual(parseUdpConnectionRequestAddress("192.0.2.4"), { host: "192.0.2.4", port: 80 });
  assert.deepEqual(parseUdpConnectionRequestAddress("2001:db8::1"), { host: "2001:db8::1", port: 80 });
  assert.equal(parseUdpConnectionRequestAddress("192.0.2.4:"), null);
  assert.equal(formatUdpConnectionRequestAddress("2001:db8::1", 7547), "[2001:db8::1]:7547");
  assert.equal(formatUdpConnectionRequestAddress("192.0.2.4", 7547), "192.0.2.4:7547");
});
