import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConnectionRequester,
  ConnreqLocalError,
  DEFAULT_METHOD_ORDER,
  RequestRateLimiter,
  checkMethods,
  endsRequest,
  planAttempts,
  udpTarget,
} from "../../src/connreq/index.js";
import type {
  AttemptOutcome,
  ConnectionRequestAttempt,
  ConnectionRequestMethod,
  ConnectionRequestTransports,
  DeviceContact,
  TransportTarget,
} from "../../src/connreq/index.js";

const FULL: DeviceContact = {
  deviceId: "dev-1",
  connectionRequestUrl: "http://192.0.2.10:7547/cr",
  udpConnectionRequestAddress: "198.51.100.4:5060",
  jabberId: "cpe1@xmpp.example/cwmp",
  username: "u",
  password: "p",
};

const ALL = new Set<ConnectionRequestMethod>(["http", "udp", "xmpp"]);

/** Transports that answer from a script, and record what they were asked. */
function scripted(outcomes: Partial<Record<ConnectionRequestMethod, AttemptOutcome>>, calls: { method: ConnectionRequestMethod; target: TransportTarget }[]): ConnectionRequestTransports {
  const t: ConnectionRequestTransports = {};
  for (const method of Object.keys(outcomes) as ConnectionRequestMethod[]) {
    t[method] = async (target) => {
      calls.push({ method, target });
      return { outcome: outcomes[method] as AttemptOutcome, durationMs: 7, code: `${method}-code`, detail: `${method} said ${outcomes[method]}` };
    };
  }
  return t;
}

test("planning: the configured order, only methods the device can be reached by and that have a transport", () => {
  assert.deepEqual(DEFAULT_METHOD_ORDER, ["xmpp", "http", "udp"]);
  assert.deepEqual(planAttempts(FULL, DEFAULT_METHOD_ORDER, ALL), [
    { method: "xmpp", target: "cpe1@xmpp.example/cwmp" },
    { method: "http", target: "http://192.0.2.10:7547/cr" },
    { method: "udp", target: "198.51.100.4:5060", source: "parameter" },
  ]);
  assert.deepEqual(planAttempts(FULL, ["http", "udp"], ALL).map((p) => p.method), ["http", "udp"], "unlisted methods are disabled");
  assert.deepEqual(planAttempts(FULL, DEFAULT_METHOD_ORDER, new Set(["http", "udp"])).map((p) => p.method), ["http", "udp"], "no XMPP account, no XMPP");
  assert.deepEqual(planAttempts({ deviceId: "d", connectionRequestUrl: "  ", jabberId: "" }, DEFAULT_METHOD_ORDER, ALL), [], "blank values are absent");
  assert.deepEqual(planAttempts({ deviceId: "d", connectionRequestUrl: "http://x/" }, ["udp", "http"], ALL), [{ method: "http", target: "http://x/" }]);
});

test("the UDP target: the STUN binding unless the reported address is newer", () => {
  const binding = { address: "203.0.113.5", port: 40000, at: 2000 };
  assert.deepEqual(udpTarget({ deviceId: "d", stunBinding: binding }), { target: "203.0.113.5:40000", source: "stun" });
  assert.deepEqual(udpTarget({ deviceId: "d", stunBinding: binding, udpConnectionRequestAddress: "198.51.100.4:5060" }), { target: "203.0.113.5:40000", source: "stun" });
  assert.deepEqual(udpTarget({ deviceId: "d", stunBinding: binding, udpConnectionRequestAddress: "198.51.100.4:5060", udpConnectionRequestAddressAt: 1000 }), { target: "203.0.113.5:40000", source: "stun" });
  assert.deepEqual(udpTarget({ deviceId: "d", stunBinding: binding, udpConnectionRequestAddress: "198.51.100.4:5060", udpConnectionRequestAddressAt: 3000 }), { target: "198.51.100.4:5060", source: "parameter" });
  assert.deepEqual(udpTarget({ deviceId: "d", stunBinding: { address: "2001:db8::9", port: 1, at: 0 } }), { target: "[2001:db8::9]:1", source: "stun" });
  assert.equal(udpTarget({ deviceId: "d" }), undefined);
});

test("which outcomes end the request and which call for the next method", () => {
  for (const o of ["accepted", "sent", "refused", "auth-failed", "not-authorized"] as const) assert.equal(endsRequest(o), true, o);
  for (const o of ["unreachable", "timed-out", "not-connected", "service-unavailable", "error"] as const) assert.equal(endsRequest(o), false, o);
});

test("fallback: XMPP not connected, HTTP unreachable, then UDP; every attempt reported with credentials passed", async () => {
  const calls: { method: ConnectionRequestMethod; target: TransportTarget }[] = [];
  const reported: ConnectionRequestAttempt[] = [];
  let clock = 100;
  const requester = new ConnectionRequester({
    transports: scripted({ xmpp: "not-connected", http: "unreachable", udp: "sent" }, calls),
    onAttempt: (a) => reported.push(a),
    now: () => 1_700_000_000_000,
    clock: () => (clock += 10),
  });
  const r = await requester.request(FULL);
  assert.equal(r.outcome, "sent");
  assert.equal(r.method, "udp");
  assert.equal(r.joined, false);
  assert.deepEqual(calls.map((c) => c.method), ["xmpp", "http", "udp"]);
  assert.deepEqual(calls[1]?.target, { target: "http://192.0.2.10:7547/cr", username: "u", password: "p" });
  assert.deepEqual(r.attempts, reported);
  assert.deepEqual(
    reported.map((a) => [a.method, a.outcome, a.code, a.durationMs, a.deviceId, a.at]),
    [
      ["xmpp", "not-connected", "xmpp-code", 7, "dev-1", 1_700_000_000_000],
      ["http", "unreachable", "http-code", 7, "dev-1", 1_700_000_000_000],
      ["udp", "sent", "udp-code", 7, "dev-1", 1_700_000_000_000],
    ],
  );
  assert.equal(reported[0]?.target, "cpe1@xmpp.example/cwmp");
  assert.equal(reported[0]?.detail, "xmpp said not-connected");
  assert.ok(r.durationMs > 0);
});

test("no fallback once the device answered: success, wrong credentials, refusal", async () => {
  for (const [first, expected] of [
    ["accepted", ["xmpp"]],
    ["not-authorized", ["xmpp"]],
    ["service-unavailable", ["xmpp", "http"]],
  ] as const) {
    const calls: { method: ConnectionRequestMethod; target: TransportTarget }[] = [];
    const requester = new ConnectionRequester({ transports: scripted({ xmpp: first, http: "refused", udp: "sent" }, calls), minIntervalMs: 0 });
    const r = await requester.request(FULL);
    assert.deepEqual(calls.map((c) => c.method), expected, first);
    assert.equal(r.outcome, first === "service-unavailable" ? "refused" : first);
  }
  const calls: { method: ConnectionRequestMethod; target: TransportTarget }[] = [];
  const r = await new ConnectionRequester({ transports: scripted({ http: "auth-failed", udp: "sent" }, calls) }).request(FULL);
  assert.equal(r.outcome, "auth-failed");
  assert.deepEqual(calls.map((c) => c.method), ["http"]);
});

test("fallback can be switched off; the last failure is the outcome when everything fails", async () => {
  const calls: { method: ConnectionRequestMethod; target: TransportTarget }[] = [];
  const off = await new ConnectionRequester({ transports: scripted({ xmpp: "timed-out", http: "accepted" }, calls), fallback: false }).request(FULL);
  assert.equal(off.outcome, "timed-out");
  assert.deepEqual(calls.map((c) => c.method), ["xmpp"]);

  const all = await new ConnectionRequester({ transports: scripted({ xmpp: "service-unavailable", http: "timed-out", udp: "error" }, []) }).request(FULL);
  assert.equal(all.outcome, "error");
  assert.equal(all.method, "udp");
  assert.equal(all.attempts.length, 3);
});

test("a transport that throws counts as an error attempt and the next method is tried; a throwing recorder changes nothing", async () => {
  const requester = new ConnectionRequester({
    transports: {
      xmpp: async () => {
        throw new Error("bug");
      },
      http: async () => ({ outcome: "accepted", durationMs: 1, code: "HTTP_204", detail: "ok" }),
    },
    onAttempt: () => {
      throw new Error("recorder down");
    },
  });
  const r = await requester.request(FULL);
  assert.equal(r.outcome, "accepted");
  assert.deepEqual(r.attempts.map((a) => [a.method, a.outcome, a.code]), [["xmpp", "error", "INTERNAL"], ["http", "accepted", "HTTP_204"]]);
  assert.equal(r.attempts[0]?.detail, "bug");
});

test("nothing to reach the device by: no-method, and no attempt", async () => {
  const calls: { method: ConnectionRequestMethod; target: TransportTarget }[] = [];
  const requester = new ConnectionRequester({ transports: scripted({ http: "accepted" }, calls) });
  const r = await requester.request({ deviceId: "lonely", jabberId: "x@y/z" });
  assert.equal(r.outcome, "no-method");
  assert.equal(r.method, undefined);
  assert.deepEqual(r.attempts, []);
  assert.deepEqual(calls, []);
  assert.deepEqual(requester.methods, ["http"]);
});

test("rate limit: a second request within the interval is rate-limited and sends nothing; after it, admitted", async () => {
  let now = 1_000_000;
  const calls: { method: ConnectionRequestMethod; target: TransportTarget }[] = [];
  const requester = new ConnectionRequester({ transports: scripted({ http: "accepted" }, calls), minIntervalMs: 10_000, now: () => now });
  assert.equal((await requester.request(FULL)).outcome, "accepted");
  now += 4000;
  const limited = await requester.request(FULL);
  assert.equal(limited.outcome, "rate-limited");
  assert.equal(limited.retryAfterMs, 6000);
  assert.deepEqual(limited.attempts, []);
  assert.equal(calls.length, 1);
  // Other devices are not affected.
  assert.equal((await requester.request({ ...FULL, deviceId: "dev-2" })).outcome, "accepted");
  now += 6000;
  assert.equal((await requester.request(FULL)).outcome, "accepted");
  assert.equal(calls.length, 3);
});

test("a request for a device with one in flight joins it: one attempt, the same result", async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const requester = new ConnectionRequester({
    transports: {
      http: async () => {
        calls++;
        await gate;
        return { outcome: "accepted", durationMs: 3, code: "HTTP_200", detail: "ok" };
      },
    },
    minIntervalMs: 0,
  });
  const first = requester.request(FULL);
  const second = requester.request(FULL);
  assert.equal(requester.inFlight, 1);
  release();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(calls, 1);
  assert.equal(a.joined, false);
  assert.equal(b.joined, true);
  assert.deepEqual({ ...b, joined: false }, a);
  assert.equal(requester.inFlight, 0);
  // Once it is over, a new request starts a new attempt (no interval configured).
  await requester.request(FULL);
  assert.equal(calls, 2);
});

test("the rate limiter on its own: intervals per device, and old entries swept", () => {
  const limiter = new RequestRateLimiter(1000, 2);
  assert.deepEqual(limiter.admit("a", 0), { ok: true });
  assert.deepEqual(limiter.admit("a", 999), { ok: false, retryAfterMs: 1 });
  assert.deepEqual(limiter.admit("a", 1000), { ok: true });
  assert.deepEqual(limiter.admit("b", 1500), { ok: true });
  assert.deepEqual(limiter.admit("c", 2600), { ok: true }); // size 3 > 2: a (1000) and b (1500) are past the interval
  assert.equal(limiter.size, 1);
  assert.deepEqual(new RequestRateLimiter(0).admit("a", 5), { ok: true });
  assert.throws(() => new RequestRateLimiter(-1), (e: unknown) => e instanceof ConnreqLocalError);
});

test("method lists are checked", () => {
  assert.deepEqual(checkMethods(["udp", "http"]), ["udp", "http"]);
  assert.throws(() => checkMethods(["http", "smoke-signal"]), (e: unknown) => e instanceof ConnreqLocalError && e.code === "CR_INVALID_OPTIONS");
  assert.throws(() => checkMethods(["http", "http"]), (e: unknown) => e instanceof ConnreqLocalError);
  assert.throws(() => new ConnectionRequester({ transports: {}, methods: ["xmpp", "xmpp"] }), (e: unknown) => e instanceof ConnreqLocalError);
});
