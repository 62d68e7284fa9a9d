import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { digestHa1, hashPassword } from "../../src/auth/index.js";
import { cwmpFault, xsdValue, type CwmpMessage } from "../../src/cwmp/index.js";
import type { AcsEvent } from "../../src/server/events.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

forEachBackend((backend) => {
  describe("CWMP sessions end to end", () => {
    let t: TestAcs;
    const events: AcsEvent[] = [];
    before(async () => {
      t = await startTestAcs(backend);
      t.acs.events.subscribe((e) => events.push(e));
    });
    after(() => t.stop());

    const cpe = (extra: Partial<ConstructorParameters<typeof TestCpe>[0]> = {}) => new TestCpe({ url: t.url, username: t.username, password: t.password, ...extra });

    it("bootstraps a new device with the bootstrap credentials over Digest", async () => {
      const c = cpe();
      const r1 = await c.inform(["0 BOOTSTRAP", "1 BOOT"], [
        { name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "1.2.3") },
        { name: "Device.ManagementServer.ConnectionRequestURL", value: xsdValue("xsd:string", "http://10.0.0.2:7547/cr") },
      ]);
      assert.equal(r1.status, 200);
      assert.deepEqual(r1.envelope?.body, { method: "InformResponse", maxEnvelopes: 1 });
      assert.equal(r1.envelope?.header.id, "1");
      assert.match(String(r1.headers["set-cookie"]), /provisio_session=/);
      const r2 = await c.send(null);
      assert.equal(r2.status, 204);
      const device = await t.acs.store.devices.get(c.deviceId);
      assert.ok(device);
      assert.equal(device.serialNumber, c.identity.serialNumber);
      assert.equal(device.lastInformAddress, "127.0.0.1");
      assert.equal(device.cwmpNamespace, "1-0");
      assert.ok(device.lastBootstrapAt && device.lastBootAt);
      const evs = await t.acs.store.events.list(c.deviceId);
      assert.deepEqual(evs.map((e) => e.code).sort(), ["0 BOOTSTRAP", "1 BOOT"]);
      const params = await t.acs.store.parameters.get(c.deviceId, ["Device.DeviceInfo.SoftwareVersion"]);
      assert.equal(params[0]?.value, "1.2.3");
      assert.ok(events.some((e) => e.type === "device.registered" && e.deviceId === c.deviceId));
      assert.ok(events.some((e) => e.type === "device.boot" && e.deviceId === c.deviceId));
      c.close();
    });

    it("records a periodic Inform and its values on a known device", async () => {
      const c = cpe();
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      const before = (await t.acs.store.devices.get(c.deviceId))!.lastInformAt!;
      await new Promise((r) => setTimeout(r, 5));
      await c.inform(["2 PERIODIC"], [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "3600") }]);
      assert.equal((await c.send(null)).status, 204);
      const device = (await t.acs.store.devices.get(c.deviceId))!;
      assert.ok(device.lastInformAt! > before);
      const [uptime] = await t.acs.store.parameters.get(c.deviceId, ["Device.DeviceInfo.UpTime"]);
      assert.deepEqual([uptime?.value, uptime?.type], ["3600", "xsd:unsignedInt"]);
      c.close();
    });

    it("answers the CPE's own requests before the ACS's, echoing their IDs", async () => {
      const c = cpe();
      await c.inform(["0 BOOTSTRAP"]);
      const grm = await c.send({ method: "GetRPCMethods" }, { id: "cpe-7" });
      assert.equal(grm.envelope?.header.id, "cpe-7");
      assert.deepEqual(rpcIn(grm), { method: "GetRPCMethodsResponse", methodList: ["Inform", "GetRPCMethods", "TransferComplete", "RequestDownload", "Kicked"] });
      const unknown = await c.post(
        `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><s:Header><cwmp:ID s:mustUnderstand="1">v1</cwmp:ID></s:Header><s:Body><cwmp:X_ACME_Hello/></s:Body></s:Envelope>`,
      );
      assert.equal(unknown.status, 500);
      const fault = rpcIn(unknown);
      assert.equal(fault.method === "Fault" && fault.detail.faultCode, 8000);
      assert.equal((await c.send(null)).status, 204);
      c.close();
    });

    it("replies in the CPE's namespace and negotiates CWMP 1.4", async () => {
      const c = cpe({ ns: "1-2" });
      const r = await c.inform(["2 PERIODIC"], [], { supportedCwmpVersions: "1.0,1.1,1.2,1.3,1.4" });
      assert.equal(r.envelope?.ns, "1-2");
      assert.equal(r.envelope?.header.useCwmpVersion, "1.4");
      await c.send(null);
      assert.equal((await t.acs.store.devices.get(c.deviceId))?.cwmpVersion, "1.4");
      c.close();
    });

    it("refuses anything but an Inform to start a session, with a clear fault", async () => {
      const c = cpe();
      const r = await c.send({ method: "TransferComplete", commandKey: "x", faultStruct: { faultCode: 0, faultString: "" }, startTime: "", completeTime: "" }, { id: "9" });
      assert.equal(r.status, 500);
      const f = rpcIn(r);
      assert.ok(f.method === "Fault" && f.detail.faultCode === 8003 && /must start with an Inform/.test(f.detail.faultString));
      assert.equal(r.envelope?.header.id, "9");
      c.close();
    });

    it("answers malformed XML with 400 and what was wrong, and keeps serving others", async () => {
      const c = cpe();
      const r = await c.post("<soapenv:Envelope><unclosed>");
      assert.equal(r.status, 400);
      assert.match(r.text, /XML_SYNTAX/);
      const dtd = await c.post('<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><x>&a;</x>');
      assert.equal(dtd.status, 400);
      assert.match(dtd.text, /XML_DTD_FORBIDDEN/);
      const other = cpe();
      assert.equal((await other.inform()).status, 200);
      other.close();
      c.close();
    });

    it("refuses oversize bodies with 413", async () => {
      const c = cpe();
      const big = "<a>" + "x".repeat(t.config.cwmp.maxBodyBytes + 10) + "</a>";
      const r = await c.post(big);
      assert.equal(r.status, 413);
      c.close();
    });

    describe("authentication", () => {
      it("challenges a CPE without credentials and logs nothing into the store", async () => {
        const c = new TestCpe({ url: t.url });
        const r = await c.inform();
        assert.equal(r.status, 401);
        assert.match(String(r.headers["www-authenticate"]), /^Digest realm="provisio", qop="auth", nonce="/);
        assert.equal(await t.acs.store.devices.get(c.deviceId), null);
        c.close();
      });

      it("challenges before reading the body: without credentials, even malformed XML gets 401", async () => {
        const c = new TestCpe({ url: t.url });
        const r = await c.post('<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><x>&a;</x>');
        assert.equal(r.status, 401);
        assert.match(String(r.headers["www-authenticate"]), /^Digest /);
        c.close();
      });

      it("refuses a wrong password and an unknown username", async () => {
        const wrong = cpe({ password: "not-it" });
        assert.equal((await wrong.inform()).status, 401);
        const unknown = cpe({ username: "nobody" });
        assert.equal((await unknown.inform()).status, 401);
        assert.equal(await t.acs.store.devices.get(wrong.deviceId), null);
        wrong.close();
        unknown.close();
      });

      it("does not offer or accept Basic over plain HTTP by default", async () => {
        const c = cpe({ preferBasic: true });
        const r = await c.inform();
        assert.equal(r.status, 200, "Basic is not offered, so the client uses Digest");
        const basic = await new TestCpe({ url: t.url }).post("", {}, "Basic " + Buffer.from(`${t.username}:${t.password}`).toString("base64"));
        assert.equal(basic.status, 401);
        c.close();
      });

      it("uses a device's own credentials, refuses them for another device, and stops accepting bootstrap ones for it", async () => {
        const own = cpe({ username: "dev-own", password: "s3cret" });
        const first = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: own.identity });
        await first.inform(["0 BOOTSTRAP"]);
        await first.send(null);
        first.close();
        await t.acs.store.credentials.put({
          username: "dev-own",
          deviceId: own.deviceId,
          passwordHash: await hashPassword("s3cret"),
          digestHa1: digestHa1("dev-own", t.config.cwmp.realm, "s3cret"),
          realm: t.config.cwmp.realm,
          createdAt: new Date(),
        });
        assert.equal((await own.inform()).status, 200);
        await own.send(null);
        const impostor = cpe({ username: "dev-own", password: "s3cret" });
        assert.equal((await impostor.inform()).status, 401);
        const viaBootstrap = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: own.identity });
        const r = await viaBootstrap.inform();
        assert.equal(r.status, 401);
        own.close();
        impostor.close();
        viaBootstrap.close();
      });
    });

    it("refuses a second concurrent session for one device with 503 and Retry-After", async () => {
      const a = cpe();
      assert.equal((await a.inform()).status, 200);
      const b = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: a.identity });
      const r = await b.inform();
      assert.equal(r.status, 503);
      assert.equal(r.headers["retry-after"], String(t.config.cwmp.retryAfter));
      assert.equal((await a.send(null)).status, 204);
      assert.equal((await b.inform()).status, 200, "once the first session ended, the device may start another");
      await b.send(null);
      a.close();
      b.close();
    });

    it("serves at once a CPE that informs again after dying mid-RPC: the old session ends, its RPC counted as an attempt", async () => {
      const a = cpe();
      await a.inform(["0 BOOTSTRAP"]);
      await a.send(null);
      const task = await t.acs.tasks.create(a.deviceId, "addObject", { objectName: "Device.NAT.PortMapping." }, { maxAttempts: 3 });
      const seen: AcsEvent[] = [];
      const unsubscribe = t.acs.events.subscribe((e) => seen.push(e));
      await a.inform();
      assert.equal(rpcIn(await a.send(null)).method, "AddObject");
      a.reset(); // the CWMP client crashed: its connection is closed
      const b = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: a.identity });
      assert.equal((await b.inform(["2 PERIODIC"])).status, 200);
      const settled = await t.acs.tasks.get(task.id);
      assert.deepEqual([settled?.status, settled?.attempts, settled?.lastFault?.code, settled?.notBefore], ["pending", 1, "session.replaced", null]);
      const rpc = await b.send(null);
      assert.equal(rpcIn(rpc).method, "AddObject", "the task runs again in the new session");
      assert.equal(rpcIn(await b.answer(rpc, { method: "AddObjectResponse", instanceNumber: 1, status: 0 })).method, "GetParameterNames");
      unsubscribe();
      assert.deepEqual(seen.filter((e) => e.type === "session.ended" && e.deviceId === a.deviceId).map((e) => (e as { reason: string }).reason), ["replaced"]);
      b.close();
    });

    it("serves a rebooted CPE whose old connection the ACS still holds; that session is over and settled once", async () => {
      const a = cpe();
      await a.inform(["0 BOOTSTRAP"]);
      await a.send(null);
      const task = await t.acs.tasks.create(a.deviceId, "reboot", {}, { maxAttempts: 3 });
      await a.inform();
      const rpc = await a.send(null);
      assert.equal(rpcIn(rpc).method, "Reboot");
      // The box lost power: no FIN ever reached the ACS, whose side of the connection stays open.
      const b = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: a.identity });
      assert.equal((await b.inform(["1 BOOT"])).status, 200);
      assert.deepEqual([(await t.acs.tasks.get(task.id))?.attempts, (await t.acs.tasks.get(task.id))?.lastFault?.code], [1, "session.replaced"]);
      const late = await a.answer(rpc, { method: "RebootResponse" });
      assert.equal(late.status, 500, "the old session is over");
      assert.equal(rpcIn(late).method === "Fault" && (rpcIn(late) as { detail: { faultCode: number } }).detail.faultCode, 8003);
      assert.equal((await t.acs.tasks.get(task.id))?.attempts, 1, "settled once");
      assert.equal(rpcIn(await b.send(null)).method, "Reboot");
      a.close();
      b.close();
    });

    it("keeps a session going for a CPE that sends no cookies, by its connection", async () => {
      const c = cpe({ cookies: false });
      const task = await (async () => {
        await c.inform(["0 BOOTSTRAP"]);
        await c.send(null);
        return t.acs.tasks.create(c.deviceId, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });
      })();
      await c.inform();
      const rpc = await c.send(null);
      assert.equal(rpcIn(rpc).method, "GetParameterValues");
      const end = await c.answer(rpc, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "5") }] });
      assert.equal(end.status, 204);
      assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
      c.close();
    });

    describe("the first RPC, planned with the Inform", () => {
      const uptime: CwmpMessage = { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "42") }] };
      /** The device's stored session, if any (every session is "expired" an hour from now). */
      const inProgress = async (deviceId: string) => (await t.acs.store.sessions.expired(new Date(Date.now() + 3_600_000))).filter((r) => r.deviceId === deviceId);

      /** A known device with a read of its UpTime queued, in a session just started by its Inform. */
      async function informWithTask() {
        const c = cpe();
        await c.inform(["0 BOOTSTRAP"]);
        await c.send(null);
        const task = await t.acs.tasks.create(c.deviceId, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });
        await c.inform();
        return { c, task };
      }

      it("answers the empty POST without writing, and the response carries on from the stored state", async () => {
        const { c, task } = await informWithTask();
        const [stored] = await inProgress(c.deviceId);
        assert.ok(stored, "the session is stored once its Inform is handled");
        const rpc = await c.send(null);
        assert.deepEqual(rpcIn(rpc), { method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.UpTime"] });
        const [after] = await inProgress(c.deviceId);
        assert.equal(after?.version, stored.version, "the empty POST wrote nothing");
        assert.equal((await c.answer(rpc, uptime)).status, 204);
        assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
        assert.equal((await t.acs.store.parameters.get(c.deviceId, ["Device.DeviceInfo.UpTime"]))[0]?.value, "42");
        assert.deepEqual(await inProgress(c.deviceId), []);
        c.close();
      });

      it("ends the session on a second empty POST in place of the response, as without planning ahead", async () => {
        const { c, task } = await informWithTask();
        assert.equal(rpcIn(await c.send(null)).method, "GetParameterValues");
        assert.equal((await c.send(null)).status, 204);
        const after = await t.acs.tasks.get(task.id);
        assert.equal(after?.status, "pending");
        assert.equal(after?.lastFault?.code, "session.no-response");
        assert.deepEqual(await inProgress(c.deviceId), []);
        c.close();
      });

      it("ends cleanly when the device is deleted while the session runs from this process's copy", async () => {
        const { c, task } = await informWithTask();
        const rpc = await c.send(null);
        assert.equal(rpcIn(rpc).method, "GetParameterValues");
        assert.equal(await t.acs.store.devices.delete(c.deviceId), true);
        const r = await c.answer(rpc, uptime);
        // As for any message after its session is gone: a CWMP fault, and nothing stored.
        assert.equal(r.status, 500);
        assert.match(r.text, /8003/);
        assert.equal(await t.acs.store.devices.get(c.deviceId), null);
        assert.equal(await t.acs.tasks.get(task.id), null);
        c.close();
      });

      it("plans again when the CPE sends a request first, taking in what it reported", async () => {
        const c = cpe();
        await c.inform(["0 BOOTSTRAP"]);
        await c.send(null);
        const download = await t.acs.tasks.create(c.deviceId, "download", { fileType: "1 Firmware Upgrade Image", url: "http://files.example/fw.bin" });
        await c.inform();
        assert.equal(rpcIn(await c.send(null)).method, "Download");
        // The CPE starts over without answering, but did download: the task is pending again, so the
        // new session plans the Download again with its Inform. The TransferComplete that comes first
        // settles the task, and the plan made before it must not be sent.
        await c.inform(["7 TRANSFER COMPLETE", "M Download"]);
        assert.equal((await t.acs.tasks.get(download.id))?.status, "pending");
        const tc = await c.send({ method: "TransferComplete", commandKey: download.id.replaceAll("-", ""), faultStruct: { faultCode: 0, faultString: "" }, startTime: "2026-11-21T10:00:00Z", completeTime: "2026-11-21T10:00:30Z" });
        assert.equal(rpcIn(tc).method, "TransferCompleteResponse");
        assert.equal((await t.acs.tasks.get(download.id))?.status, "done");
        assert.equal((await c.send(null)).status, 204, "nothing left to do: the Download planned with the Inform is dropped");
        c.close();
      });
    });

    it("starts a new session when a CPE informs again within the old one", async () => {
      const c = cpe();
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      const task = await t.acs.tasks.create(c.deviceId, "reboot", {});
      await c.inform();
      assert.equal(rpcIn(await c.send(null)).method, "Reboot");
      // the CPE gives up on that session and starts over: the reboot is retried in the new one
      assert.equal((await c.inform(["2 PERIODIC"])).status, 200);
      const again = await c.send(null);
      assert.equal(rpcIn(again).method, "Reboot");
      assert.equal((await c.answer(again, { method: "RebootResponse" })).status, 204);
      const done = await t.acs.tasks.get(task.id);
      assert.equal(done?.status, "done");
      assert.equal(done?.attempts, 1, "the abandoned attempt counts");
      c.close();
    });
  });

  describe("cwmp.bootstrapReclaim: a factory-reset device with credentials of its own", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend, { settings: { cwmp: { bootstrapReclaim: true } } });
    });
    after(() => t.stop());

    it("is taken in with the bootstrap credentials only with 0 BOOTSTRAP, and its own credentials are forgotten", async () => {
      const first = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await first.inform(["0 BOOTSTRAP"]);
      await first.send(null);
      first.close();
      const deviceId = first.deviceId;
      await t.acs.store.credentials.put({
        username: "dev-own", deviceId, passwordHash: await hashPassword("s3cret"),
        digestHa1: digestHa1("dev-own", t.config.cwmp.realm, "s3cret"), realm: t.config.cwmp.realm, createdAt: new Date(),
      });
      // Without 0 BOOTSTRAP the bootstrap credentials still do not open a session for it.
      const periodic = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: first.identity });
      assert.equal((await periodic.inform(["2 PERIODIC"])).status, 401);
      assert.equal((await t.acs.store.credentials.forDevice(deviceId)).length, 1);
      periodic.close();
      const reset = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: first.identity });
      assert.equal((await reset.inform(["0 BOOTSTRAP", "1 BOOT"])).status, 200);
      assert.equal((await reset.send(null)).status, 204);
      assert.deepEqual(await t.acs.store.credentials.forDevice(deviceId), []);
      const mine = new TestCpe({ url: t.url, username: "dev-own", password: "s3cret", identity: first.identity });
      assert.equal((await mine.inform()).status, 401, "the forgotten credentials no longer open a session");
      reset.close();
      mine.close();
    });
  });

  describe("finished tasks past tasks.retention", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend, { manualClock: true, settings: { tasks: { retention: 3600 } } });
    });
    after(() => t.stop());

    it("are deleted by housekeeping once the retention has passed since they finished; unfinished ones stay", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      const done = await t.acs.tasks.create(c.deviceId, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });
      await c.inform();
      const rpc = await c.send(null);
      assert.equal(rpcIn(rpc).method, "GetParameterValues");
      await c.answer(rpc, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "7") }] });
      assert.equal((await t.acs.tasks.get(done.id))?.status, "done");
      const waiting = await t.acs.tasks.create(c.deviceId, "reboot", {});
      t.advance(3_000_000);
      await t.acs.housekeep();
      assert.equal((await t.acs.tasks.get(done.id))?.status, "done", "kept within the retention");
      t.advance(700_000);
      await t.acs.housekeep();
      assert.equal(await t.acs.tasks.get(done.id), null, "deleted past it");
      assert.equal((await t.acs.tasks.get(waiting.id))?.status, "pending", "a task still to run stays, however old");
      c.close();
    });
  });

  describe("a CPE that vanishes mid-session", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend, { manualClock: true, settings: { cwmp: { sessionTimeout: 30 }, tasks: { retryBase: 60 } } });
    });
    after(() => t.stop());

    it("frees the device and runs the task again in its next session", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      const task = await t.acs.tasks.create(c.deviceId, "factoryReset", {});
      await c.inform();
      assert.equal(rpcIn(await c.send(null)).method, "FactoryReset");
      c.reset(); // gone
      assert.deepEqual(await t.acs.housekeep(), { sessions: 0, tasks: 0, pruned: 0 });
      t.advance(31_000);
      assert.deepEqual(await t.acs.housekeep(), { sessions: 1, tasks: 0, pruned: 0 });
      const after = await t.acs.tasks.get(task.id);
      assert.equal(after?.status, "pending");
      assert.equal(after?.attempts, 1);
      assert.equal(after?.lastFault?.code, "session.timeout");
      assert.equal(after?.notBefore, null, "an interrupted session is not the task's fault: no back-off");
      const faults = await t.acs.store.faults.list({ deviceId: c.deviceId });
      assert.deepEqual(faults.map((f) => [f.channel, f.code]), [[`task:${task.id}`, "session.timeout"]]);
      const other = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: c.identity });
      assert.equal((await other.inform()).status, 200, "the device is free again");
      const rpc = await other.send(null);
      assert.equal(rpcIn(rpc).method, "FactoryReset");
      await other.answer(rpc, { method: "FactoryResetResponse" });
      assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
      assert.deepEqual(await t.acs.store.faults.list({ deviceId: c.deviceId }), [], "the fault is cleared once the task succeeds");
      other.close();
    });

    it("settles a lapsed session when the device's next Inform finds it before housekeeping: the RPC in flight is an attempt", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      const task = await t.acs.tasks.create(c.deviceId, "addObject", { objectName: "Device.NAT.PortMapping." }, { maxAttempts: 2 });
      const seen: AcsEvent[] = [];
      const unsubscribe = t.acs.events.subscribe((e) => seen.push(e));
      for (let attempt = 1; attempt <= 2; attempt++) {
        assert.equal((await c.inform(["1 BOOT"])).status, 200, `Inform ${attempt} is served`);
        assert.equal(rpcIn(await c.send(null)).method, "AddObject");
        c.reset(); // dies mid-RPC and comes back after the session timeout, before any housekeeping
        t.advance(31_000);
        const now = await t.acs.tasks.get(task.id);
        assert.equal(now?.attempts, attempt - 1, "not settled before the device is seen again");
      }
      assert.equal((await c.inform(["1 BOOT"])).status, 200);
      const failed = await t.acs.tasks.get(task.id);
      assert.equal(failed?.status, "failed");
      assert.equal(failed?.attempts, 2);
      assert.equal(failed?.lastFault?.code, "session.timeout");
      assert.equal((await c.send(null)).status, 204, "a task out of attempts is not sent again");
      assert.deepEqual(await t.acs.housekeep(), { sessions: 0, tasks: 0, pruned: 0 }, "each lapsed session was settled once, by the Inform");
      assert.equal((await t.acs.tasks.get(task.id))?.attempts, 2);
      unsubscribe();
      const ends = seen.filter((e) => e.type === "session.ended" && e.deviceId === c.deviceId).map((e) => (e as { reason: string }).reason);
      assert.deepEqual(ends, ["timeout", "timeout", "completed"]);
      c.close();
    });

    it("gives a task up after its attempts, keeping the CPE's fault", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      const task = await t.acs.tasks.create(c.deviceId, "reboot", {}, { maxAttempts: 2 });
      for (let attempt = 1; attempt <= 2; attempt++) {
        await c.inform();
        const rpc = await c.send(null);
        assert.equal(rpcIn(rpc).method, "Reboot");
        assert.equal((await c.answer(rpc, cwmpFault(9002, "busy"))).status, 204);
        t.advance(3_600_000);
      }
      const failed = await t.acs.tasks.get(task.id);
      assert.equal(failed?.status, "failed");
      assert.equal(failed?.attempts, 2);
      assert.deepEqual(failed?.lastFault, { code: "cwmp.9002", message: "busy" });
      await c.inform();
      assert.equal((await c.send(null)).status, 204, "a failed task is not sent again");
      c.close();
    });
  });
});
