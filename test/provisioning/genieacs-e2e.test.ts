// GenieACS provisions and virtual parameters, written after GenieACS's documented examples, stored with
// dialect "genieacs" through the REST API and run against simulated TR-181 and TR-098 gateways over
// HTTP, on both backends: the RPCs the devices get, and the state they end in.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, ManualClock, startSimulation, type SessionReport, type Simulation } from "../../src/sim/runtime/index.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { eventCodes, until } from "../sim/support/runtime.js";

const TIMEOUT_MS = 2000;

const EXTENSION = `
exports.code = function (args, callback) { callback(null, "PC-" + args[0].slice(-3)); };
exports.hang = function () {};
`;

// GenieACS's documented examples, as operators write them.
const SCRIPTS: Record<string, { kind: "script" | "virtual"; script: string }> = {
  inform: {
    kind: "script",
    script: `const now = Date.now();
declare("Device.ManagementServer.PeriodicInformEnable", {value: now}, {value: true});
declare("Device.ManagementServer.PeriodicInformInterval", {value: now}, {value: 300});`,
  },
  "ssid-from-serial": {
    kind: "script",
    script: `const serial = declare("DeviceID.SerialNumber", {value: 1}).value[0];
declare("Device.WiFi.SSID.1.SSID", {value: 1}, {value: "net-" + serial});
declare("Tags.genie", null, {value: true});`,
  },
  refresh: {
    kind: "script",
    script: `const hourly = Date.now(3600000);
declare("Device.DeviceInfo.*", {path: hourly, value: hourly});`,
  },
  "provisioning-code": {
    kind: "script",
    script: `const serial = declare("DeviceID.SerialNumber", {value: 1}).value[0];
declare("Device.DeviceInfo.ProvisioningCode", {value: 1}, {value: ext("codes", "code", serial)});`,
  },
  "slow-inventory": { kind: "script", script: `declare("Device.DeviceInfo.ProvisioningCode", {value: 1}, {value: ext("codes", "hang")});` },
  "wan-connection": {
    kind: "script",
    script: `const now = Date.now();
const wan = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.[Name:genie-wan]";
declare(wan, {path: now}, {path: 1});
declare(wan + ".Enable", {value: now}, {value: true});
declare(wan + ".NATEnabled", {value: now}, {value: [false, "xsd:boolean"]});`,
  },
  "wifi-name": { kind: "script", script: `declare("VirtualParameters.WifiName", null, {value: "lab-net"});` },
  WanIP: {
    kind: "virtual",
    script: `let ip = "";
const tr098 = declare("InternetGatewayDevice.WANDevice.*.WANConnectionDevice.*.WANIPConnection.*.ExternalIPAddress", {value: Date.now()});
const tr181 = declare("Device.IP.Interface.*.IPv4Address.[AddressingType:DHCP].IPAddress", {value: Date.now()});
for (const p of tr098) if (p.value[0]) { ip = p.value[0]; break; }
if (!ip) for (const p of tr181) if (p.value[0]) { ip = p.value[0]; break; }
return {writable: false, value: [ip, "xsd:string"]};`,
  },
  WifiName: {
    kind: "virtual",
    script: `const want = args[1].value;
let name = "";
for (const path of ["InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID", "Device.WiFi.SSID.1.SSID"]) {
  const d = declare(path, {value: Date.now()}, want ? {value: want[0]} : null);
  if (d.size) name = d.value[0];
}
return {writable: true, value: [want ? want[0] : name, "xsd:string"]};`,
  },
};

async function put(t: ApiAcs, path: string, doc: unknown) {
  const r = await t.api.put(path, doc);
  assert.equal(r.status, 200, r.text);
}

forEachBackend((backend) => {
  describe("GenieACS scripts on simulated devices", () => {
    let t: ApiAcs;
    let dir: string;
    let clock: ManualClock;
    const sims: Simulation[] = [];
    const reports: SessionReport[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "provisio-ext-"));
      writeFileSync(join(dir, "codes.js"), EXTENSION);
      t = await startApiAcs(backend, { settings: { provisioning: { extensionsDir: dir, extensionTimeout: TIMEOUT_MS, scriptFailureLimit: 0 } } });
      for (const [name, s] of Object.entries(SCRIPTS)) await put(t, `/api/provisions/${name}`, { name, kind: s.kind, dialect: "genieacs", script: s.script });
      await put(t, "/api/presets/tr181", {
        name: "tr181",
        filter: 'serialNumber ^= "GA181"',
        provisions: [{ name: "inform" }, { name: "ssid-from-serial" }, { name: "refresh" }, { name: "provisioning-code" }, { name: "WanIP" }],
      });
      await put(t, "/api/presets/slow", { name: "slow", weight: -1, filter: 'serialNumber ^= "GA181"', provisions: [{ name: "slow-inventory" }] });
      await put(t, "/api/presets/tr098", { name: "tr098", filter: 'serialNumber ^= "GA098"', provisions: [{ name: "wan-connection" }, { name: "wifi-name" }, { name: "WanIP" }] });
      await t.acs.provisioning.refresh(Date.now(), true);
      clock = new ManualClock(Date.now());
      for (const [builtin, prefix] of [["tr181-gateway", "GA181"], ["tr098-gateway", "GA098"]] as const) {
        sims.push(
          await startSimulation({
            acsUrl: t.url,
            devices: 3,
            model: loadModel({ builtin, values: { "ManagementServer.PeriodicInformInterval": "600" } }),
            identity: { acsUsername: t.username, acsPassword: t.password, serialPrefix: prefix },
            connectionRequests: false,
            clock,
            onSession: (r) => reports.push(r),
          }),
        );
      }
    });
    after(async () => {
      for (const s of sims) await s.stop();
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const devices = () => sims.flatMap((s) => s.devices);
    const read = (serial: string, path: string) => devices().find((d) => d.serialNumber === serial)!.cpe.read(path, clock.now());
    const idOf = (serial: string) => deviceIdOf(devices().find((d) => d.serialNumber === serial)!.identity);
    /** The RPCs the ACS sent in each of the device's recorded sessions, oldest first. */
    const rpcsOf = async (serial: string) => (await t.acs.store.sessionHistory.list(idOf(serial), 10)).reverse().map((s) => s.summary.rpcs);
    const serials = (prefix: string) => devices().filter((d) => d.serialNumber.startsWith(prefix)).map((d) => d.serialNumber);
    const sessionsEnded = (n: number) => async () => {
      for (const s of devices()) if ((await t.acs.store.sessionHistory.list(idOf(s.serialNumber), 10)).length < n) return false;
      return true;
    };
    async function settle(n: number, what: string): Promise<void> {
      const end = Date.now() + 120_000;
      const check = sessionsEnded(n);
      while (!(await check())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    it("brings TR-181 gateways to the documented state in their bootstrap session", async () => {
      await settle(1, "every device's bootstrap session");
      assert.deepEqual(reports.filter((r) => !r.ok).map((r) => r.cause), [], "no session failed");
      for (const sn of serials("GA181")) {
        assert.equal(read(sn, "Device.ManagementServer.PeriodicInformInterval"), "300");
        assert.equal(read(sn, "Device.ManagementServer.PeriodicInformEnable"), "true");
        assert.equal(read(sn, "Device.WiFi.SSID.1.SSID"), `net-${sn}`);
        assert.equal(read(sn, "Device.DeviceInfo.ProvisioningCode"), `PC-${sn.slice(-3)}`, "the extension computed it");
        const device = await t.acs.store.devices.get(idOf(sn));
        assert.ok(device?.tags.includes("genie"), `tags ${JSON.stringify(device?.tags)}`);
        const [uptime] = await t.acs.store.parameters.get(idOf(sn), ["Device.DeviceInfo.UpTime"]);
        assert.equal(uptime?.value, read(sn, "Device.DeviceInfo.UpTime"), "the hourly refresh listed Device.DeviceInfo.'s children and read their values");
        const [wanIp] = await t.acs.store.parameters.get(idOf(sn), ["VirtualParameters.WanIP"]);
        assert.equal(wanIp?.value, read(sn, "Device.IP.Interface.2.IPv4Address.1.IPAddress"), "the TR-181 path of the cross-model virtual parameter");
        const [first] = await rpcsOf(sn);
        assert.ok(first!.includes("SetParameterValues"), JSON.stringify(first));
      }
    });

    it("kills an extension that hangs at its limit, reports it, and applies the device's other provisions", async () => {
      const faults = await t.acs.store.faults.list({ limit: 100 });
      for (const sn of serials("GA181")) {
        const mine = faults.filter((f) => f.deviceId === idOf(sn)).map((f) => f.code);
        assert.ok(mine.includes("provision.ext-timeout"), `faults of ${sn}: ${mine.join(", ")}`);
        assert.ok(mine.every((c) => c === "provision.ext-timeout"), `only the hanging extension failed: ${mine.join(", ")}`);
      }
    });

    it("creates a TR-098 WAN connection once through an alias filter, and writes through a cross-model virtual parameter", async () => {
      for (const sn of serials("GA098")) {
        const names: string[] = [];
        for (let i = 1; i <= 4; i++) {
          const name = read(sn, `InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.${i}.Name`);
          if (name !== undefined) names.push(name);
        }
        assert.deepEqual(names, ["Internet", "genie-wan"]);
        assert.equal(read(sn, "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.2.Enable"), "true");
        assert.equal(read(sn, "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.2.NATEnabled"), "false");
        assert.equal(read(sn, "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"), "lab-net");
        const params = await t.acs.store.parameters.get(idOf(sn), ["VirtualParameters.WifiName", "VirtualParameters.WanIP"]);
        assert.deepEqual(
          params.map((p) => [p.path, p.value]),
          [
            ["VirtualParameters.WanIP", read(sn, "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress")],
            ["VirtualParameters.WifiName", "lab-net"],
          ].sort(),
        );
        const [first] = await rpcsOf(sn);
        assert.equal(first!.filter((m) => m === "AddObject").length, 1, JSON.stringify(first));
        assert.ok(!first!.includes("DeleteObject"), JSON.stringify(first));
      }
      assert.deepEqual((await t.acs.store.faults.list({ limit: 100 })).filter((f) => f.deviceId.includes("GA098")), [], "no faults on the TR-098 devices");
    });

    it("at the next Inform reads again what Date.now() asks for, and sets and creates nothing", async () => {
      const before = reports.length;
      clock.advance(300_000 + 1000);
      await until(() => reports.slice(before).filter((r) => eventCodes(r).includes("2 PERIODIC")).length >= 3, 120_000, "periodic sessions of the TR-181 devices");
      clock.advance(300_000 + 1000);
      await settle(2, "every device's second session");
      for (const sn of [...serials("GA181"), ...serials("GA098")]) {
        const second = (await rpcsOf(sn))[1]!;
        assert.ok(second.includes("GetParameterValues"), `${sn}: ${JSON.stringify(second)}`);
        assert.deepEqual(second.filter((m) => m !== "GetParameterValues" && m !== "GetParameterNames"), [], `${sn}: only reads in the second session`);
      }
      assert.deepEqual(reports.filter((r) => !r.ok).map((r) => r.cause), []);
    });

    it("dry-runs GenieACS provisions from what the ACS knows: a device that matches would get no write", async () => {
      const sn = serials("GA181")[0]!;
      const dry = await t.api.post(`/api/devices/${encodeURIComponent(idOf(sn))}/provisioning/dry-run`, { presets: ["tr181"] });
      assert.equal(dry.status, 200, dry.text);
      const methods = (dry.body.rpcs as { method: string }[]).map((r) => r.method);
      assert.deepEqual(methods.filter((m) => m !== "GetParameterValues" && m !== "GetParameterNames"), [], JSON.stringify(methods));
      assert.deepEqual(dry.body.faults, []);
      assert.deepEqual(dry.body.virtualParameters, [{ path: "VirtualParameters.WanIP", value: read(sn, "Device.IP.Interface.2.IPv4Address.1.IPAddress"), type: "xsd:string" }]);
    });

    it("stores the dialect and refuses one it does not know", async () => {
      const got = await t.api.get("/api/provisions/inform");
      assert.equal(got.body.document.dialect, "genieacs", "stored and read back with the document");
      const bad = await t.api.put("/api/provisions/x", { name: "x", kind: "script", dialect: "lua", script: "x()" });
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.text, /dialect/);
    });
  });
});
