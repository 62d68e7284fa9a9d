// The simulator's device side of XMPP Connection Requests (TR-069 Annex K), against a real prosody: the
// devices log in with the account of their XMPP.Connection row, report their JID, and answer
// connectionRequest IQs sent by src/connreq's requester (the ACS's code) as the standard says; the
// sessions they start go to the real ACS. Devices' time is moved by hand.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { XmppConnectionRequester, type XmppConnectionRequestResult } from "../../src/connreq/index.js";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, ManualClock, startSimulation, type SessionReport, type Simulation } from "../../src/sim/runtime/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { startProsody, type Prosody } from "../support/prosody.js";
import { eventCodes, sessionWhere, until } from "./support/runtime.js";

const CR = { username: "xmpp-cr", password: "xmpp-cr-secret" };
const REBOOT_MS = 10_000;
const MS = "Device.ManagementServer.";
const X = "Device.XMPP.Connection.1.";

let prosody: Prosody;
let acsLink: XmppConnectionRequester;
let intruder: XmppConnectionRequester;
before(async () => {
  prosody = await startProsody({ accounts: [{ user: "acs", password: "acs-pw" }, { user: "intruder", password: "intruder-pw" }] });
  const link = (user: string) => new XmppConnectionRequester({ service: prosody.service, domain: prosody.domain, username: user, password: `${user}-pw`, plainWithoutTls: true, requestTimeoutMs: 5_000 });
  acsLink = link("acs");
  intruder = link("intruder");
  acsLink.start();
  intruder.start();
  assert.ok(await acsLink.waitOnline(15_000) && (await intruder.waitOnline(15_000)), prosody.log());
});
after(async () => {
  await acsLink?.stop();
  await intruder?.stop();
  await prosody?.stop();
});

forEachBackend((backend) => {
  describe("XMPP connection requests (TR-069 Annex K), the device side", () => {
    let t: TestAcs;
    let n = 0;
    before(async () => {
      t = await startTestAcs(backend);
    });
    after(() => t.stop());

    interface Device {
      sim: Simulation;
      clock: ManualClock;
      reports: SessionReport[];
      user: string;
      jid: string;
    }
    /** One device with an XMPP account of its own (created unless `create` is false). */
    async function device(o: { create?: boolean } = {}): Promise<Device> {
      const user = `d-${backend.name}-${++n}`;
      if (o.create !== false) await prosody.addAccount(user, `pw-${user}`);
      const clock = new ManualClock(Date.now());
      const reports: SessionReport[] = [];
      const sim = await startSimulation({
        acsUrl: t.url,
        devices: 1,
        model: loadModel({ builtin: "tr181-gateway", xmpp: { host: "127.0.0.1", port: prosody.port, domain: prosody.domain, username: user, password: `pw-${user}`, allowedJids: `acs@${prosody.domain}` } }),
        identity: { acsUsername: t.username, acsPassword: t.password, connectionRequestUsername: CR.username, connectionRequestPassword: CR.password, serialPrefix: `X${backend.name[0]}${n}-` },
        cpe: { rebootDurationMs: REBOOT_MS },
        clock,
        onSession: (r) => reports.push(r),
      });
      cleanup.push(() => sim.stop());
      await until(() => reports.some((r) => r.ok && eventCodes(r).includes("0 BOOTSTRAP")), 10_000, "the bootstrap");
      return { sim, clock, reports, user, jid: `${user}@${prosody.domain}/cwmp` };
    }
    const cleanup: Array<() => Promise<unknown>> = [];
    after(async () => {
      for (const c of cleanup) await c();
    });
    /** Its JID is known, and the 4 VALUE CHANGE session that reported it is over. */
    const online = async (d: Device) => {
      await until(() => d.sim.jabberId(0) === d.jid, 10_000, `the login of ${d.user}`);
      await until(() => d.reports.some((r) => r.ok && eventCodes(r).includes("4 VALUE CHANGE")), 10_000, "the JID reported");
    };
    const ask = (from: XmppConnectionRequester, d: Device, creds: { username: string; password: string } = CR): Promise<XmppConnectionRequestResult> =>
      from.request({ jid: d.jid, ...creds });
    const woken = (d: Device) => sessionWhere(d.sim, (r) => eventCodes(r).includes("6 CONNECTION REQUEST"), 15_000, "the woken session");

    it("logs in, reports its JID with 4 VALUE CHANGE, and answers IQs: accepted, not-authorized, or not allowed", async () => {
      const d = await device();
      await online(d);
      const cpe = d.sim.devices[0]!.cpe;
      assert.deepEqual([cpe.read(MS + "ConnReqJabberID"), cpe.read(X + "JabberID"), cpe.read(X + "Status")], [d.jid, d.jid, "Enabled"]);
      const stored = await t.acs.store.parameters.get(deviceIdOf(cpe.identity), [MS + "ConnReqJabberID"]);
      assert.equal(stored[0]?.value, d.jid);

      const task = await t.acs.tasks.create(deviceIdOf(cpe.identity), "getParameterValues", { parameterNames: [X + "Status"] });
      const session = woken(d);
      assert.equal((await ask(acsLink, d)).outcome, "accepted");
      assert.ok((await session).ok);
      assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
      assert.equal((await ask(acsLink, d, { username: CR.username, password: "wrong" })).outcome, "not-authorized");
      assert.equal((await ask(intruder, d)).outcome, "service-unavailable", "a sender ConnReqAllowedJabberIDs does not allow");
      assert.deepEqual(d.sim.stats().connectionRequests.byMethod.xmpp, { accepted: 1, refused: 2, unavailable: 0, unknown: 0 });
      assert.equal(d.reports.filter((r) => eventCodes(r).includes("6 CONNECTION REQUEST")).length, 1);
    });

    it("credentials and allowed JIDs the ACS sets apply from the next request", async () => {
      const d = await device();
      await online(d);
      const cpe = d.sim.devices[0]!.cpe;
      const next = { username: "rotated", password: "rotated-secret" };
      await t.acs.tasks.create(deviceIdOf(cpe.identity), "setParameterValues", {
        parameterValues: [
          { name: MS + "ConnectionRequestUsername", value: next.username, type: "xsd:string" },
          { name: MS + "ConnectionRequestPassword", value: next.password, type: "xsd:string" },
          { name: MS + "ConnReqAllowedJabberIDs", value: `acs@${prosody.domain},intruder@${prosody.domain}/${intruder.jid?.split("/")[1]}`, type: "xsd:string" },
        ],
      });
      const session = woken(d);
      assert.equal((await ask(acsLink, d)).outcome, "accepted");
      await session;
      assert.equal((await ask(acsLink, d)).outcome, "not-authorized", "the old credentials no longer work");
      assert.equal((await ask(intruder, d, next)).outcome, "accepted", "the full JID allowed now");
      assert.equal(d.sim.jabberId(0), d.jid, "the same login throughout");
    });

    it("a reboot logs the device out, and back in with the same JID (no new VALUE CHANGE)", async () => {
      const d = await device();
      await online(d);
      const cpe = d.sim.devices[0]!.cpe;
      await t.acs.tasks.create(deviceIdOf(cpe.identity), "reboot", {});
      const session = woken(d);
      assert.equal((await ask(acsLink, d)).outcome, "accepted");
      await session;
      await until(() => !cpe.isUp && d.sim.stats().xmpp!.online === 0 && d.sim.stats().xmpp!.loggingOut === 0, 5_000, "the reboot and the logout");
      const offline = await ask(acsLink, d);
      assert.equal(offline.outcome, "service-unavailable", `the server answers for a device that is offline: ${JSON.stringify(offline)}`);
      d.clock.advance(REBOOT_MS);
      await until(() => d.sim.jabberId(0) === d.jid, 10_000, "the login after the boot");
      const again = woken(d);
      assert.equal((await ask(acsLink, d)).outcome, "accepted");
      assert.ok((await again).ok);
      assert.equal(d.reports.filter((r) => eventCodes(r).includes("4 VALUE CHANGE")).length, 1);
      assert.equal(d.sim.stats().xmpp!.logins, 2);
    });

    it("a failed login says why in Status and is tried again after ServerRetryInitialInterval", async () => {
      const d = await device({ create: false });
      const cpe = d.sim.devices[0]!.cpe;
      await until(() => d.sim.stats().xmpp!.loginFailures === 1, 10_000, "the failed login");
      await until(() => cpe.read(X + "Status") === "Error_AuthenticationFailure", 5_000, "the status");
      assert.equal(cpe.read(MS + "ConnReqJabberID"), "");
      await prosody.addAccount(d.user, `pw-${d.user}`);
      d.clock.advance(59_000);
      // A retry would have said "Connecting" by the next turn of the event loop.
      await new Promise((r) => setImmediate(r));
      assert.equal(cpe.read(X + "Status"), "Error_AuthenticationFailure", "not before the interval");
      d.clock.advance(1_000);
      await online(d);
      assert.equal(cpe.read(X + "Status"), "Enabled");
    });

    it("the ACS disables the connection: the device logs out, ConnReqJabberID is emptied and Status says Disabled", async () => {
      const d = await device();
      await online(d);
      const cpe = d.sim.devices[0]!.cpe;
      const id = deviceIdOf(cpe.identity);
      await t.acs.tasks.create(id, "setParameterValues", { parameterValues: [{ name: X + "Enable", value: false, type: "xsd:boolean" }] });
      const notified = sessionWhere(d.sim, (r) => eventCodes(r).includes("4 VALUE CHANGE"), 15_000, "the emptied JID notified");
      assert.equal((await ask(acsLink, d)).outcome, "accepted");
      await notified;
      assert.deepEqual([d.sim.jabberId(0), cpe.read(MS + "ConnReqJabberID"), cpe.read(X + "Status")], [undefined, "", "Disabled"]);
      assert.equal((await t.acs.store.parameters.get(id, [MS + "ConnReqJabberID"]))[0]?.value, "");
      await until(() => d.sim.stats().xmpp!.loggingOut === 0, 5_000, "the logout");
      assert.equal((await ask(acsLink, d)).outcome, "service-unavailable");
    });
  });
});
