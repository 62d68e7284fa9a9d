// Simulated devices end to end against the real ACS (started in-process), on both storage backends:
// a fleet bootstraps and informs periodically, every task kind succeeds or fails as the standard says,
// Connection Requests wake devices, transfers move real files, and Reboot, FactoryReset and
// ScheduleInform show in the next Inform. The devices' clock is moved by hand; the network is real.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, ManualClock, startSimulation, type SessionReport, type Simulation } from "../../src/sim/runtime/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { closedPort, connectionRequest, eventCodes, sessionWhere, startFileServer, until, viaConnectionRequest as viaConnectionRequestOf, type FileServer } from "./support/runtime.js";

const N = 50;
const INTERVAL_S = 300;
const REBOOT_MS = 10_000;

forEachBackend((backend) => {
  describe("simulated devices against the ACS", () => {
    let t: TestAcs;
    let sim: Simulation;
    let clock: ManualClock;
    let files: FileServer;
    const reports: SessionReport[] = [];
    const firmware = randomBytes(32 * 1024);
    const deviceId = (i: number) => deviceIdOf(sim.devices[i]!.identity);
    const read = (i: number, path: string) => sim.devices[i]!.cpe.read(path, clock.now());

    before(async () => {
      t = await startTestAcs(backend);
      files = await startFileServer({ files: { "/gw-2.5.0.bin": firmware, "/web.tar": "web content" } });
      clock = new ManualClock(Date.now());
      sim = await startSimulation({
        acsUrl: t.url,
        devices: N,
        model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": String(INTERVAL_S) } }),
        identity: { acsUsername: t.username, acsPassword: t.password, serialPrefix: `E2E${backend.name.slice(0, 2).toUpperCase()}` },
        // Even devices speak CWMP 1.4, odd ones 1.0.
        cwmpVersion: ["1.4", "1.0"],
        cpe: { rebootDurationMs: REBOOT_MS },
        connectionRequests: { burst: 100 },
        clock,
        onSession: (r) => reports.push(r),
      });
    });
    after(async () => {
      await sim.stop();
      await files.close();
      await t.stop();
    });

    const viaConnectionRequest = (i: number, name: string, args: unknown) => viaConnectionRequestOf(t, sim, i, name, args);

    it(`${N} devices bootstrap: registered, with their Inform parameters stored and their CWMP version`, async () => {
      await until(() => reports.filter((r) => r.ok && eventCodes(r).includes("0 BOOTSTRAP")).length >= N, 20_000, `${N} bootstraps`);
      for (let i = 0; i < N; i++) {
        const d = await t.acs.store.devices.get(deviceId(i));
        assert.ok(d, `device ${i} is registered`);
        assert.notEqual(d.lastBootstrapAt, null);
        assert.equal(d.cwmpNamespace, i % 2 === 0 ? "1-2" : "1-0");
      }
      const stored = await t.acs.store.parameters.get(deviceId(7), ["Device.DeviceInfo.SoftwareVersion", "Device.ManagementServer.ConnectionRequestURL"]);
      const byPath = new Map(stored.map((p) => [p.path, p.value]));
      assert.equal(byPath.get("Device.DeviceInfo.SoftwareVersion"), read(7, "Device.DeviceInfo.SoftwareVersion"));
      assert.equal(byPath.get("Device.ManagementServer.ConnectionRequestURL"), sim.connectionRequestUrl(7));
      assert.equal(sim.stats().sessions.failed, 0);
    });

    it("every device informs periodically, with no failure", async () => {
      const before = reports.length;
      clock.advance(INTERVAL_S * 1000);
      await until(() => reports.slice(before).filter((r) => eventCodes(r).includes("2 PERIODIC")).length >= N, 20_000, `${N} periodic informs`);
      const periodic = reports.slice(before).filter((r) => eventCodes(r).includes("2 PERIODIC"));
      assert.deepEqual(new Set(periodic.map((r) => r.device)).size, N);
      assert.ok(periodic.every((r) => r.ok));
      assert.deepEqual(sim.stats().failures, {});
      for (const i of [0, 1, N - 1]) assert.ok((await t.acs.store.devices.get(deviceId(i)))!.lastInformAt! > (await t.acs.store.devices.get(deviceId(i)))!.lastBootstrapAt!);
    });

    it("Connection Requests: Digest with the device's credentials wakes it; wrong credentials get 401 and no session", async () => {
      const cpe = sim.devices[3]!.cpe;
      assert.deepEqual(await connectionRequest(sim.connectionRequestUrl(3), { username: cpe.connectionRequestCredentials.username, password: "wrong" }), [401, 401]);
      assert.deepEqual(await connectionRequest(sim.connectionRequestUrl(3)), [401]);
      assert.ok(!cpe.queuedEvents.some((e) => e.eventCode === "6 CONNECTION REQUEST"));
      const { session } = await viaConnectionRequest(3, "getRPCMethods", {});
      assert.deepEqual(eventCodes(session), ["6 CONNECTION REQUEST"]);
      assert.ok(sim.stats().connectionRequests.refused >= 3);
    });

    it("getParameterValues and getRPCMethods succeed with the device's values and methods", async () => {
      const { task } = await viaConnectionRequest(0, "getParameterValues", { parameterNames: ["Device.DeviceInfo.SoftwareVersion", "Device.WiFi.SSID.1.SSID"] });
      assert.equal(task.status, "done");
      const values = (task.result as { values: Record<string, { value: string }> }).values;
      assert.equal(values["Device.WiFi.SSID.1.SSID"]?.value, read(0, "Device.WiFi.SSID.1.SSID"));
      const methods = await viaConnectionRequest(0, "getRPCMethods", {});
      assert.equal(methods.task.status, "done");
      assert.ok((methods.task.result as string[]).includes("ScheduleDownload"));
      // A CWMP 1.0 device does not offer the methods 1.2 added.
      const old = await viaConnectionRequest(1, "getRPCMethods", {});
      assert.ok(!(old.task.result as string[]).includes("ScheduleDownload"));
    });

    it("getParameterValues of an unknown name fails with 9005", async () => {
      const { task } = await viaConnectionRequest(2, "getParameterValues", { parameterNames: ["Device.NoSuchThing."] });
      assert.equal(task.status, "failed");
      assert.equal(task.lastFault?.code, "cwmp.9005");
    });

    it("setParameterValues sets a writable value; a read-only one fails with 9003 and 9008 for that parameter", async () => {
      const ok = await viaConnectionRequest(4, "setParameterValues", { parameterValues: [{ name: "Device.WiFi.SSID.1.SSID", value: "e2e-net", type: "xsd:string" }] });
      assert.equal(ok.task.status, "done");
      assert.equal(read(4, "Device.WiFi.SSID.1.SSID"), "e2e-net");
      const ro = await viaConnectionRequest(4, "setParameterValues", { parameterValues: [{ name: "Device.DeviceInfo.SerialNumber", value: "X", type: "xsd:string" }] });
      assert.equal(ro.task.status, "failed");
      assert.equal(ro.task.lastFault?.code, "cwmp.9003");
      const detail = ro.task.lastFault?.detail as { setParameterValuesFault: Array<{ parameterName: string; faultCode: number }> };
      assert.deepEqual(detail.setParameterValuesFault.map((f) => [f.parameterName, f.faultCode]), [["Device.DeviceInfo.SerialNumber", 9008]]);
      assert.equal(read(4, "Device.DeviceInfo.SerialNumber"), sim.devices[4]!.serialNumber);
      const range = await viaConnectionRequest(4, "setParameterValues", { parameterValues: [{ name: "Device.ManagementServer.CWMPRetryIntervalMultiplier", value: 10, type: "xsd:unsignedInt" }] });
      assert.equal(range.task.status, "failed");
      assert.equal((range.task.lastFault?.detail as { setParameterValuesFault: Array<{ faultCode: number }> }).setParameterValuesFault[0]?.faultCode, 9007);
    });

    it("getParameterNames, setParameterAttributes and getParameterAttributes", async () => {
      const names = await viaConnectionRequest(6, "getParameterNames", { parameterPath: "Device.WiFi.", nextLevel: true });
      assert.equal(names.task.status, "done");
      assert.ok((await t.acs.store.parameters.subtree(deviceId(6), "Device.WiFi.")).some((p) => p.path === "Device.WiFi.SSID."));
      const set = await viaConnectionRequest(6, "setParameterAttributes", { parameters: [{ name: "Device.WiFi.SSID.1.SSID", notification: 2 }] });
      assert.equal(set.task.status, "done");
      const got = await viaConnectionRequest(6, "getParameterAttributes", { parameterNames: ["Device.WiFi.SSID.1.SSID"] });
      assert.equal(got.task.status, "done");
      assert.deepEqual((got.task.result as Array<{ name: string; notification: number }>).map((a) => [a.name, a.notification]), [["Device.WiFi.SSID.1.SSID", 2]]);
    });

    it("addObject creates an instance, deleteObject removes it, and deleting a missing one fails with 9005", async () => {
      const add = await viaConnectionRequest(8, "addObject", { objectName: "Device.NAT.PortMapping.", parameterValues: [{ name: "Description", value: "e2e", type: "xsd:string" }] });
      assert.equal(add.task.status, "done");
      const n = (add.task.result as { instanceNumber: number }).instanceNumber;
      assert.equal(read(8, `Device.NAT.PortMapping.${n}.Description`), "e2e");
      const del = await viaConnectionRequest(8, "deleteObject", { objectName: `Device.NAT.PortMapping.${n}.` });
      assert.equal(del.task.status, "done");
      assert.equal(read(8, `Device.NAT.PortMapping.${n}.Description`), undefined);
      const missing = await viaConnectionRequest(8, "deleteObject", { objectName: "Device.NAT.PortMapping.999." });
      assert.equal(missing.task.status, "failed");
      assert.equal(missing.task.lastFault?.code, "cwmp.9005");
    });

    it("reboot: the device is down (Connection Requests get 503), then informs 1 BOOT and M Reboot", async () => {
      const { task } = await viaConnectionRequest(10, "reboot", {});
      assert.equal(task.status, "done");
      assert.equal(sim.devices[10]!.cpe.isUp, false);
      assert.deepEqual(await connectionRequest(sim.connectionRequestUrl(10), sim.devices[10]!.cpe.connectionRequestCredentials), [401, 503]);
      const next = sessionWhere(sim, (r) => r.device === 10);
      clock.advance(REBOOT_MS);
      const boot = await next;
      assert.ok(boot.ok);
      assert.deepEqual(eventCodes(boot), ["1 BOOT", "M Reboot"]);
      assert.equal(boot.events.find((e) => e.eventCode === "M Reboot")?.commandKey, task.id.replace(/-/g, ""));
    });

    it("factoryReset: the device comes back with factory values and bootstraps again", async () => {
      await viaConnectionRequest(12, "setParameterValues", { parameterValues: [{ name: "Device.WiFi.SSID.1.SSID", value: "changed", type: "xsd:string" }] });
      assert.equal(read(12, "Device.WiFi.SSID.1.SSID"), "changed");
      const { task } = await viaConnectionRequest(12, "factoryReset", {});
      assert.equal(task.status, "done");
      const next = sessionWhere(sim, (r) => r.device === 12);
      clock.advance(REBOOT_MS);
      const boot = await next;
      assert.ok(boot.ok);
      assert.deepEqual(eventCodes(boot), ["0 BOOTSTRAP", "1 BOOT"]);
      assert.notEqual(read(12, "Device.WiFi.SSID.1.SSID"), "changed");
      assert.equal(sim.stats().factoryResets, 1);
    });

    it("scheduleInform: 3 SCHEDULED and M ScheduleInform after the delay", async () => {
      const { task } = await viaConnectionRequest(14, "scheduleInform", { delaySeconds: 60, commandKey: "later" });
      assert.equal(task.status, "done");
      const next = sessionWhere(sim, (r) => r.device === 14);
      clock.advance(60_000);
      const s = await next;
      assert.deepEqual(eventCodes(s), ["3 SCHEDULED", "M ScheduleInform"]);
      assert.equal(s.events.find((e) => e.eventCode === "M ScheduleInform")?.commandKey, "later");
    });

    it("download of a firmware image: a real GET, a reboot, TransferComplete, and the new software version", async () => {
      const before = read(16, "Device.DeviceInfo.SoftwareVersion");
      const { task } = await viaConnectionRequest(16, "download", { fileType: "1 Firmware Upgrade Image", url: `${files.url}/gw-2.5.0.bin`, fileSize: firmware.length });
      assert.equal(task.status, "waiting");
      await until(() => !sim.devices[16]!.cpe.isUp, 10_000, "the device to reboot into its new firmware");
      assert.ok(files.requests.includes("GET /gw-2.5.0.bin"));
      const next = sessionWhere(sim, (r) => r.device === 16);
      clock.advance(REBOOT_MS);
      const s = await next;
      // SoftwareVersion has forced Active Notification (TR-181), so its change is a 4 VALUE CHANGE too.
      assert.deepEqual(eventCodes(s), ["1 BOOT", "4 VALUE CHANGE", "7 TRANSFER COMPLETE", "M Download"]);
      const done = (await t.acs.tasks.waitFor(task.id, 5_000))!;
      assert.equal(done.status, "done");
      assert.notEqual(before, "2.5.0");
      assert.equal(read(16, "Device.DeviceInfo.SoftwareVersion"), "2.5.0");
      const [stored] = await t.acs.store.parameters.get(deviceId(16), ["Device.DeviceInfo.SoftwareVersion"]);
      assert.equal(stored?.value, "2.5.0");
    });

    it("download from an unreachable server: the task fails with 9015", async () => {
      const port = await closedPort();
      const { task } = await viaConnectionRequest(18, "download", { fileType: "2 Web Content", url: `http://127.0.0.1:${port}/web.tar` });
      assert.equal(task.status, "waiting");
      const tc = await sessionWhere(sim, (r) => r.device === 18 && eventCodes(r).includes("7 TRANSFER COMPLETE"));
      assert.ok(tc.ok);
      const failed = (await t.acs.tasks.waitFor(task.id, 5_000))!;
      assert.equal(failed.status, "failed");
      assert.equal(failed.lastFault?.code, "cwmp.9015");
    });

    it("upload: the file server receives the configuration file and the task is done", async () => {
      const { task } = await viaConnectionRequest(20, "upload", { fileType: "1 Vendor Configuration File", url: `${files.url}/uploads/cfg-20.json` });
      assert.equal(task.status, "waiting");
      const tc = await sessionWhere(sim, (r) => r.device === 20 && eventCodes(r).includes("M Upload"));
      assert.ok(tc.ok);
      assert.equal((await t.acs.tasks.waitFor(task.id, 5_000))!.status, "done");
      const config = JSON.parse(files.uploads.get("/uploads/cfg-20.json")!.toString()) as Record<string, string>;
      assert.equal(config["Device.WiFi.SSID.1.SSID"], read(20, "Device.WiFi.SSID.1.SSID"));
    });

    it("scheduleDownload within a time window completes with M ScheduleDownload", async () => {
      const { task } = await viaConnectionRequest(22, "scheduleDownload", {
        fileType: "2 Web Content", url: `${files.url}/web.tar`, timeWindows: [{ windowStart: 0, windowEnd: 3600, windowMode: "1 At Any Time" }],
      });
      assert.equal(task.status, "waiting");
      const tc = await sessionWhere(sim, (r) => r.device === 22 && eventCodes(r).includes("M ScheduleDownload"));
      assert.ok(tc.ok);
      assert.equal((await t.acs.tasks.waitFor(task.id, 5_000))!.status, "done");
    });

    it("getQueuedTransfers, getAllQueuedTransfers and cancelTransfer of a delayed download", async () => {
      const dl = await viaConnectionRequest(24, "download", { fileType: "2 Web Content", url: `${files.url}/web.tar`, delaySeconds: 3600 });
      assert.equal(dl.task.status, "waiting");
      const key = dl.task.id.replace(/-/g, "");
      const queued = await viaConnectionRequest(24, "getQueuedTransfers", {});
      assert.deepEqual(queued.task.result, [{ commandKey: key, state: 1 }]);
      const all = await viaConnectionRequest(24, "getAllQueuedTransfers", {});
      assert.equal((all.task.result as Array<{ isDownload: boolean }>)[0]?.isDownload, true);
      const cancel = await viaConnectionRequest(24, "cancelTransfer", { taskId: dl.task.id });
      assert.equal(cancel.task.status, "done");
      const after = await viaConnectionRequest(24, "getQueuedTransfers", {});
      assert.deepEqual(after.task.result, []);
    });

    it("changeDUState installs a deployment unit and reports DUStateChangeComplete", async () => {
      // Listened for first: a quick install reports its change in a session that may end before the
      // connection-request session's task is read.
      const reported = sessionWhere(sim, (r) => r.device === 26 && eventCodes(r).includes("11 DU STATE CHANGE COMPLETE"), 30_000, "the DU state change's session");
      const { task } = await viaConnectionRequest(26, "changeDUState", { operations: [{ type: "Install", url: `${files.url}/pkg-1.2.ipk` }] });
      assert.ok(task.status === "waiting" || task.status === "done", task.status);
      const s = await reported;
      assert.ok(s.ok);
      assert.equal((await t.acs.tasks.waitFor(task.id, 5_000))!.status, "done");
    });

    it("with drop and malformed faults, the faulty sessions fail and the ACS keeps serving the other devices", async () => {
      const model = loadModel({ builtin: "tr098-gateway" });
      const identity = { acsUsername: t.username, acsPassword: t.password };
      const faulty = await startSimulation({ acsUrl: t.url, devices: 10, model, identity: { ...identity, serialPrefix: "FAULT" }, faults: { rate: 1, kinds: ["drop", "malformed"] }, maxSessions: 10, connectionRequests: false });
      const clean = await startSimulation({ acsUrl: t.url, devices: 10, model, identity: { ...identity, serialPrefix: "CLEAN" }, maxSessions: 10, connectionRequests: false });
      const [f, c] = await Promise.all([faulty.finished, clean.finished]);
      assert.equal(f.sessions.failed, 10);
      assert.equal((f.failures["injected-drop"] ?? 0) + (f.failures["injected-malformed"] ?? 0), 10);
      assert.equal((f.faultsInjected.drop ?? 0) + (f.faultsInjected.malformed ?? 0), 10);
      assert.deepEqual([c.sessions.completed, c.sessions.failed], [10, 0]);
      // The main fleet still gets served.
      const { task } = await viaConnectionRequest(28, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });
      assert.equal(task.status, "done");
    });
  });
});
