// CPE Digest authentication on a real ACS over real HTTP: replays, the digest uri, the limits on
// failed logins, and how challenges and failures are logged.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { digestAuthorization, parseChallenge, type DigestChallenge } from "../../src/auth/index.js";
import { serializeEnvelope, xsdValue } from "../../src/cwmp/index.js";
import type { Logger } from "../../src/server/logger.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { backend, forEachBackend } from "../support/pg.js";
import { TestCpe, type CpeReply } from "../support/test-cpe.js";

interface Line {
  level: "debug" | "info" | "warn" | "error";
  obj: object;
  msg: string | undefined;
}

function capturingLogger(lines: Line[]): Logger {
  const at = (level: Line["level"]) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** The Digest challenge the ACS gives a request without credentials. */
async function challengeFrom(url: string): Promise<DigestChallenge> {
  const probe = new TestCpe({ url });
  const r = await probe.post("");
  probe.close();
  assert.equal(r.status, 401);
  const c = parseChallenge(r.headers["www-authenticate"]).find((x): x is DigestChallenge => x.scheme === "Digest");
  assert.ok(c);
  return c;
}

/** An Inform from `cpe` reporting `version` as its software version. */
function informBody(cpe: TestCpe, version: string): string {
  const parameters = [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", version) }];
  return serializeEnvelope({ ns: "1-0", header: { id: "1" }, body: cpe.informMessage(["2 PERIODIC"], parameters) });
}

const isStale = (r: CpeReply) => parseChallenge(r.headers["www-authenticate"]).some((c) => c.scheme === "Digest" && c.stale);

// The nonce counts are in the store: on both backends.
forEachBackend((store) => describe("CPE Digest on the CWMP endpoint", () => {
  // Two ACS processes on one database share its key and their configuration.
  const settings = { secretsKey: randomBytes(32).toString("base64"), cwmp: { bootstrapUsername: "boot", bootstrapPassword: randomBytes(9).toString("hex") } };
  let t: TestAcs;
  const lines: Line[] = [];
  before(async () => {
    t = await startTestAcs(store, { log: capturingLogger(lines), settings });
  });
  after(() => t.stop());

  const login = (challenge: DigestChallenge, nc: number, over: { uri?: string; password?: string } = {}) =>
    digestAuthorization({ challenge, username: t.username, password: over.password ?? t.password, method: "POST", uri: over.uri ?? new URL(t.url).pathname, cnonce: "c0ffee", nc });
  const version = async (deviceId: string) => (await t.acs.store.parameters.get(deviceId, ["Device.DeviceInfo.SoftwareVersion"]))[0]?.value;

  it("refuses a captured Authorization header replayed with another body (a stale challenge), and accepts the nonce again with a higher count", async () => {
    const device = new TestCpe({ url: t.url, username: t.username, password: t.password });
    const challenge = await challengeFrom(t.url);
    const header = login(challenge, 1);
    assert.equal((await device.post(informBody(device, "1.0.0"), {}, header)).status, 200);
    assert.equal((await device.send(null)).status, 204);

    const attacker = new TestCpe({ url: t.url, identity: device.identity });
    const replay = await attacker.post(informBody(device, "6.6.6"), {}, header);
    assert.equal(replay.status, 401);
    assert.ok(isStale(replay), "the credentials were right: the fresh challenge says stale=true");
    assert.equal(await version(device.deviceId), "1.0.0", "nothing of the replayed body was recorded");

    // A CPE that keeps its nonce and counts up, session after session, goes on getting in.
    assert.equal((await device.post(informBody(device, "1.0.1"), {}, login(challenge, 2))).status, 200);
    assert.equal((await device.send(null)).status, 204);
    assert.equal(await version(device.deviceId), "1.0.1");
    // One that sends its last header again gets a fresh nonce and gets in with it.
    const again = await device.post(informBody(device, "1.0.2"), {}, login(challenge, 2));
    assert.equal(again.status, 401);
    assert.ok(isStale(again));
    const fresh = parseChallenge(again.headers["www-authenticate"]).find((x): x is DigestChallenge => x.scheme === "Digest");
    assert.ok(fresh && fresh.nonce !== challenge.nonce);
    assert.equal((await device.post(informBody(device, "1.0.2"), {}, login(fresh, 1))).status, 200);
    assert.equal((await device.send(null)).status, 204);
    device.close();
    attacker.close();
  });

  it("records nothing of an Inform whose login is wrong (on PostgreSQL its credentials are read in the session's transaction)", async () => {
    const device = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { serialNumber: "WRONG-PW" } });
    const challenge = await challengeFrom(t.url);
    assert.equal((await device.post(informBody(device, "1.0.0"), {}, login(challenge, 1))).status, 200);
    assert.equal((await device.send(null)).status, 204);
    const before = await t.acs.store.devices.get(device.deviceId);
    // On PostgreSQL the Inform's writes go with the login's read; the wrong password rolls them back.
    const wrong = await device.post(informBody(device, "6.6.6"), {}, login(challenge, 2, { password: "not-the-password" }));
    assert.equal(wrong.status, 401);
    assert.equal(await version(device.deviceId), "1.0.0");
    assert.deepEqual((await t.acs.store.devices.get(device.deviceId))?.lastInformAt, before?.lastInformAt);
    assert.equal(await t.acs.store.sessions.ofDevice(device.deviceId), null);
    // An unknown username for a new device's Inform leaves no device behind either.
    const stranger = new TestCpe({ url: t.url, identity: { serialNumber: "NOBODY-KNOWS" } });
    const header = digestAuthorization({ challenge, username: "nobody", password: "x", method: "POST", uri: new URL(t.url).pathname, cnonce: "c0ffee", nc: 3 });
    assert.equal((await stranger.post(informBody(stranger, "1.0.0"), {}, header)).status, 401);
    assert.equal(await t.acs.store.devices.get(stranger.deviceId), null);
    // The right one still gets in with the same nonce.
    assert.equal((await device.post(informBody(device, "1.0.1"), {}, login(challenge, 4))).status, 200);
    assert.equal((await device.send(null)).status, 204);
    assert.equal(await version(device.deviceId), "1.0.1");
    device.close();
    stranger.close();
  });

  it("accepts the RFC 2069 form (no qop) once per nonce", async () => {
    const device = new TestCpe({ url: t.url, username: t.username, password: t.password });
    const challenge = { ...(await challengeFrom(t.url)), qop: [] };
    const header = login(challenge, 1);
    assert.doesNotMatch(header, /qop=|nc=/);
    lines.length = 0;
    assert.equal((await device.post(informBody(device, "2.0.0"), {}, header)).status, 200);
    assert.ok(lines.some((l) => l.level === "debug" && /^RFC 2069 Digest \(no qop\) accepted/.test(l.msg ?? "")), "the log says why it was accepted");
    assert.equal((await device.send(null)).status, 204);
    const replay = await new TestCpe({ url: t.url }).post(informBody(device, "6.6.6"), {}, header);
    assert.equal(replay.status, 401);
    assert.ok(isStale(replay));
    assert.equal(await version(device.deviceId), "2.0.0");
    device.close();
  });

  it("refuses a digest uri that does not name the request target, or an empty one, saying why", async () => {
    lines.length = 0;
    const device = new TestCpe({ url: t.url, username: t.username, password: t.password });
    for (const uri of ["/elsewhere", ""]) {
      const r = await device.post(informBody(device, "3.0.0"), {}, login(await challengeFrom(t.url), 1, { uri }));
      assert.equal(r.status, 401);
    }
    assert.equal(await t.acs.store.devices.get(device.deviceId), null);
    const reasons = lines.filter((l) => l.msg === "CPE authentication failed").map((l) => String((l.obj as { reason?: string }).reason));
    assert.equal(reasons.length, 2);
    assert.match(reasons[0]!, /^digest uri-mismatch: the digest uri "\/elsewhere" does not name the request target/);
    assert.match(reasons[1]!, /^digest uri-mismatch: the digest uri is empty/);
    device.close();
  });

  it("refuses a nonce cut short, saying so", async () => {
    lines.length = 0;
    const device = new TestCpe({ url: t.url, username: t.username, password: t.password });
    const challenge = await challengeFrom(t.url);
    const r = await device.post(informBody(device, "4.0.0"), {}, login({ ...challenge, nonce: challenge.nonce.slice(0, 40) }, 1));
    assert.equal(r.status, 401);
    const failed = lines.find((l) => l.msg === "CPE authentication failed");
    assert.match(String((failed?.obj as { reason?: string }).reason), /bad-nonce: the nonce has 40 hex digits where ours have 48: cut short/);
    device.close();
  });

  it("refuses on one ACS process a header already used on another that shares its database", async () => {
    const other = await startTestAcs(store, { dbUrl: t.dbUrl, settings });
    try {
      const device = new TestCpe({ url: t.url, username: t.username, password: t.password });
      const challenge = await challengeFrom(t.url);
      const header = login(challenge, 1);
      assert.equal((await device.post(informBody(device, "5.0.0"), {}, header)).status, 200);
      assert.equal((await device.send(null)).status, 204);
      const replay = await new TestCpe({ url: other.url, identity: device.identity }).post(informBody(device, "6.6.6"), {}, header);
      assert.equal(replay.status, 401);
      assert.ok(isStale(replay));
      // The device itself moves between processes with its nonce, counting up.
      const moved = new TestCpe({ url: other.url, identity: device.identity });
      assert.equal((await moved.post(informBody(device, "5.0.1"), {}, login(challenge, 2))).status, 200);
      assert.equal((await moved.send(null)).status, 204);
      assert.equal(await version(device.deviceId), "5.0.1");
      device.close();
      moved.close();
    } finally {
      await other.stop();
    }
  });

  it("logs the normal challenge as a challenge, and only wrong credentials as an authentication failure", async () => {
    lines.length = 0;
    const bare = new TestCpe({ url: t.url });
    assert.equal((await bare.inform()).status, 401);
    assert.equal((await bare.post("")).status, 401);
    bare.close();
    assert.deepEqual(lines.filter((l) => /authentication|challenged/.test(l.msg ?? "")).map((l) => [l.level, l.msg]), [
      ["debug", "CPE challenged for credentials"],
      ["debug", "CPE challenged for credentials"],
    ]);
    lines.length = 0;
    const wrong = new TestCpe({ url: t.url, username: t.username, password: "not-it" });
    assert.equal((await wrong.inform()).status, 401);
    wrong.close();
    const failed = lines.filter((l) => l.msg === "CPE authentication failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.level, "warn");
    assert.match(String((failed[0]?.obj as { reason?: string }).reason), /bad-response/);
  });
}));

describe("limits on failed CPE logins", () => {
  const sqlite = backend("sqlite");
  let t: TestAcs;
  const lines: Line[] = [];
  before(async () => {
    t = await startTestAcs(sqlite, { log: capturingLogger(lines), settings: { cwmp: { authSourceFailures: 8, authUsernameFailures: 5, authFailureWindow: 600 } } });
  });
  after(() => t.stop());

  const from = (localAddress: string, password: string, username = t.username) => new TestCpe({ url: t.url, username, password, localAddress });

  it("slows guessing a device's password down to nothing, while the device, which knows it, still gets in", async () => {
    const attacker = from("127.0.0.2", "");
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const guess = from("127.0.0.2", `guess-${i}`);
      statuses.push((await guess.inform()).status);
      guess.close();
    }
    assert.deepEqual(statuses, [...Array<number>(5).fill(401), ...Array<number>(25).fill(503)], "five guesses, then refusals");
    // The right password from the guessing address is refused without being checked: guessing it
    // gains nothing.
    const right = from("127.0.0.2", t.password);
    const refused = await right.inform();
    assert.equal(refused.status, 503);
    const retryAfter = Number(refused.headers["retry-after"]);
    assert.ok(retryAfter >= 1 && retryAfter <= 600, String(retryAfter));
    right.close();
    attacker.close();

    // Another guessing address gets one guess for this username, and is then refused for it too.
    const second = from("127.0.0.3", "wrong");
    assert.equal((await second.inform()).status, 401);
    second.close();
    const secondRight = from("127.0.0.3", t.password);
    assert.equal((await secondRight.inform()).status, 503);
    secondRight.close();

    // The device, from an address that did not fail, gets in at once.
    const device = from("127.0.0.1", t.password);
    const header = digestAuthorization({ challenge: await challengeFrom(t.url), username: t.username, password: t.password, method: "POST", uri: new URL(t.url).pathname, cnonce: "c", nc: 1 });
    assert.equal((await device.post(informBody(device, "1.0.0"), {}, header)).status, 200);
    assert.equal((await device.send(null)).status, 204);
    device.close();

    // Its header replayed from another address is refused, and does not make that address trusted.
    const replayer = new TestCpe({ url: t.url, localAddress: "127.0.0.6" });
    assert.equal((await replayer.post(informBody(device, "6.6.6"), {}, header)).status, 401);
    replayer.close();
    const after: number[] = [];
    for (let i = 0; i < 3; i++) {
      const guess = from("127.0.0.6", `again-${i}`);
      after.push((await guess.inform()).status);
      guess.close();
    }
    assert.deepEqual(after, [401, 503, 503]);
    assert.ok(lines.some((l) => l.msg === "CPE login refused without checking it" && /failed logins for this username/.test(String((l.obj as { reason?: string }).reason))));
  });

  it("refuses an address after its failures whatever username it tries, and counts neither challenges nor replays", async () => {
    for (let i = 0; i < 8; i++) {
      const guess = from("127.0.0.4", "x", `nobody-${i}`);
      assert.equal((await guess.inform()).status, 401);
      guess.close();
    }
    const ninth = from("127.0.0.4", "x", "somebody-else");
    assert.equal((await ninth.inform()).status, 503);
    ninth.close();
    // Many bare requests (the first step of every login) and replayed headers from one address are no
    // failures: the device behind it still gets in.
    const device = new TestCpe({ url: t.url, localAddress: "127.0.0.5" });
    const challenge = await challengeFrom(t.url);
    const header = digestAuthorization({ challenge, username: t.username, password: t.password, method: "POST", uri: new URL(t.url).pathname, cnonce: "c", nc: 1 });
    assert.equal((await device.post(informBody(device, "1.0.0"), {}, header)).status, 200);
    assert.equal((await device.send(null)).status, 204);
    const bare = new TestCpe({ url: t.url, localAddress: "127.0.0.5" });
    for (let i = 0; i < 12; i++) {
      assert.equal((await bare.post("")).status, 401);
      assert.equal((await bare.post(informBody(device, "1.0.0"), {}, header)).status, 401);
    }
    bare.close();
    const header2 = digestAuthorization({ challenge, username: t.username, password: t.password, method: "POST", uri: new URL(t.url).pathname, cnonce: "c", nc: 2 });
    assert.equal((await device.post(informBody(device, "1.0.1"), {}, header2)).status, 200);
    assert.equal((await device.send(null)).status, 204);
    device.close();
  });
});
