// Provisioning end to end: presets and provisions stored through the REST API, simulated devices
// informing over HTTP, on both backends.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, ManualClock, startSimulation, type SessionReport, type Simulation } from "../../src/sim/runtime/index.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { eventCodes, until } from "../sim/support/runtime.js";

const DEFAULTS = {
  name: "defaults",
  kind: "declarative",
  declarations: [
    { path: "Device.ManagementServer.PeriodicInformInterval", value: 300 },
    { path: "Device.ManagementServer.PeriodicInformEnable", value: true },
    { path: "Device.NAT.PortMapping.[ExternalPort=8443,Protocol=TCP].", instances: 1 },
    { path: "Device.NAT.PortMapping.[ExternalPort=8443,Protocol=TCP].InternalPort", value: 443 },
    { path: "Device.NAT.PortMapping.[ExternalPort=8443,Protocol=TCP].Enable", value: true },
  ],
};

/** How many devices have ended a bootstrap session well (a device may bootstrap more than once). */
function bootstrapped(reports: readonly SessionReport[]): number {
  return new Set(reports.filter((r) => r.ok && eventCodes(r).includes("0 BOOTSTRAP")).map((r) => r.device)).size;
}

/** Simulated TR-181 gateways on a manual clock, informing every `interval` seconds; their sessions go to `reports`. */
function fleet(t: ApiAcs, o: { devices: number; serialPrefix: string; interval: number; clock: ManualClock; reports: SessionReport[]; concurrency?: number }): Promise<Simulation> {
  return startSimulation({
    acsUrl: t.url,
    devices: o.devices,
    model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": String(o.interval) } }),
    identity: { acsUsername: t.username, acsPassword: t.password, serialPrefix: o.serialPrefix },
    connectionRequests: false,
    ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }),
    clock: o.clock,
    onSession: (r) => o.reports.push(r),
  });
}

/** Moves the clock by `ms` and waits for `n` more sessions (those `counts`); returns the sessions since. */
async function nextSessions(clock: ManualClock, reports: readonly SessionReport[], n: number, ms: number, timeoutMs = 60_000, counts: (r: SessionReport) => boolean = () => true): Promise<SessionReport[]> {
  const start = reports.length;
  clock.advance(ms);
  await until(() => reports.slice(start).filter(counts).length >= n, timeoutMs, `${n} periodic sessions`);
  return reports.slice(start);
}

async function put(t: ApiAcs, path: string, doc: unknown) {
  const r = await t.api.put(path, doc);
  assert.equal(r.status, 200, r.text);
  return r;
}

forEachBackend((backend) => {
  describe("zero-touch bootstrap of 1,000 simulated devices", () => {
    const N = 1000;
    let t: ApiAcs;
    let sim: Simulation;
    let clock: ManualClock;
    const reports: SessionReport[] = [];

    before(async () => {
      t = await startApiAcs(backend);
      await put(t, "/api/provisions/defaults", DEFAULTS);
      await put(t, "/api/presets/bootstrap", { name: "bootstrap", events: ["0 BOOTSTRAP"], provisions: [{ name: "builtin:bootstrap-credentials" }] });
      await put(t, "/api/presets/defaults", { name: "defaults", weight: 1, provisions: [{ name: "defaults" }] });
      await t.acs.provisioning.refresh(Date.now(), true);
      clock = new ManualClock(Date.now());
      sim = await fleet(t, { devices: N, serialPrefix: `ZT${backend.name.slice(0, 2).toUpperCase()}`, interval: 600, clock, reports, concurrency: 32 });
    });
    after(async () => {
      await sim.stop();
      await t.stop();
    });

    const id = (i: number) => deviceIdOf(sim.devices[i]!.identity);
    const read = (i: number, path: string) => sim.devices[i]!.cpe.read(path, clock.now());
    const mappings = (i: number) => {
      let n = 0;
      for (let k = 1; k < 64; k++) if (read(i, `Device.NAT.PortMapping.${k}.ExternalPort`) === "8443") n++;
      return n;
    };

    it("gives each device its own credentials and the default configuration", async () => {
      await until(() => bootstrapped(reports) >= N, 240_000, `${N} bootstraps`);
      const failed = reports.filter((r) => !r.ok);
      assert.deepEqual(failed.map((r) => r.cause), [], "no bootstrap session failed");
      for (let i = 0; i < N; i++) {
        const own = await t.acs.store.credentials.forDevice(id(i));
        assert.equal(own.length, 1, `device ${i} has credentials of its own`);
        assert.equal(own[0]!.username, read(i, "Device.ManagementServer.Username"), "the ACS knows the username the device now uses");
        assert.equal(read(i, "Device.ManagementServer.PeriodicInformInterval"), "300");
        assert.equal(read(i, "Device.ManagementServer.PeriodicInformEnable"), "true");
        assert.equal(mappings(i), 1, `device ${i} has exactly one 8443 mapping`);
      }
      // the password is not stored in clear anywhere
      const [pw] = await t.acs.store.parameters.get(id(0), ["Device.ManagementServer.Password"]);
      assert.match(pw?.value ?? "", /^sha256:[0-9a-f]{64}$/);
      assert.deepEqual((await t.acs.store.faults.list({ limit: 10 })).map((f) => f.code), [], "no faults");
    });

    it("sets nothing twice at the next Inform, which uses the rotated credentials", async () => {
      const keys = Array.from({ length: N }, (_, i) => read(i, "Device.ManagementServer.ParameterKey"));
      const since = await nextSessions(clock, reports, N, 300_000 + 1000, 240_000, (r) => eventCodes(r).includes("2 PERIODIC"));
      assert.deepEqual(since.filter((r) => !r.ok).map((r) => r.cause), [], "every periodic session authenticated with the new credentials");
      for (let i = 0; i < N; i++) {
        assert.equal(read(i, "Device.ManagementServer.ParameterKey"), keys[i], `device ${i} got no SetParameterValues`);
        assert.equal(mappings(i), 1, `device ${i}'s mapping was not duplicated`);
      }
    });
  });

  describe("scripts and changing presets", () => {
    const N = 20;
    let t: ApiAcs;
    let other: ApiAcs;
    let sim: Simulation;
    let clock: ManualClock;
    const reports: SessionReport[] = [];

    before(async () => {
      t = await startApiAcs(backend, { settings: { provisioning: { refreshInterval: 0.05, scriptTimeout: 100, scriptMemory: 16 } } });
      await put(t, "/api/provisions/interval", {
        name: "interval",
        kind: "script",
        script: `const m = get("Device.DeviceInfo.ModelName"); if (m === undefined) return; declare("Device.ManagementServer.PeriodicInformInterval", { value: args.seconds });`,
      });
      await put(t, "/api/provisions/spin", { name: "spin", kind: "script", script: "for (;;) {}" });
      await put(t, "/api/provisions/hog", { name: "hog", kind: "script", script: "const a = []; for (;;) a.push(new Array(1e5).fill(1));" });
      await put(t, "/api/presets/interval", { name: "interval", provisions: [{ name: "interval", args: { seconds: 900 } }] });
      await put(t, "/api/presets/broken", { name: "broken", filter: 'serialNumber ^= "SCBAD"', provisions: [{ name: "spin" }, { name: "hog" }] });
      await t.acs.provisioning.refresh(Date.now(), true);
      clock = new ManualClock(Date.now());
      sim = await fleet(t, { devices: N, serialPrefix: "SC", interval: 60, clock, reports });
    });
    after(async () => {
      await sim.stop();
      await other?.stop();
      await t.stop();
    });

    it("runs scripts; stops those that loop or allocate without bound, while other sessions go on", async () => {
      const bad = await startSimulation({
        acsUrl: t.url,
        devices: 2,
        model: loadModel({ builtin: "tr181-gateway" }),
        identity: { acsUsername: t.username, acsPassword: t.password, serialPrefix: "SCBAD" },
        connectionRequests: false,
        maxSessions: 2,
      });
      await until(() => bootstrapped(reports) >= N, 60_000, "bootstraps");
      await bad.finished;
      assert.equal(bad.stats().sessions.completed, 2, "the devices whose scripts failed still finish their sessions");
      await bad.stop();
      assert.deepEqual(reports.filter((r) => !r.ok), []);
      const faults = await t.acs.store.faults.list({ limit: 100 });
      for (let i = 0; i < N; i++) {
        const id = deviceIdOf(sim.devices[i]!.identity);
        assert.equal(sim.devices[i]!.cpe.read("Device.ManagementServer.PeriodicInformInterval", clock.now()), "900",
          `device ${i}: sessions ${JSON.stringify(reports.filter((r) => r.device === i).map((r) => [r.ok, eventCodes(r)]))}, faults ${JSON.stringify(faults.filter((f) => f.deviceId === id))}`);
      }
      const codes = new Set(faults.filter((f) => f.deviceId.includes("SCBAD")).map((f) => f.code));
      assert.ok(codes.has("provision.script-timeout"), `faults: ${[...codes].join(", ")}`);
      assert.ok(codes.has("provision.script-memory") || codes.has("provision.script-timeout"));
      assert.equal(faults.filter((f) => !f.deviceId.includes("SCBAD")).length, 0, "the other devices have no fault");
    });

    it("applies a preset changed while sessions run, in every ACS process within seconds", async () => {
      // a second ACS process on the same database picks the change up by itself
      other = await startApiAcs(backend, { dbUrl: t.dbUrl, dataDir: t.dataDir, settings: { provisioning: { refreshInterval: 0.05 } } });
      const r = await t.api.put("/api/presets/interval", { name: "interval", provisions: [{ name: "interval", args: { seconds: 1200 } }] });
      assert.equal(r.status, 200);
      assert.equal(r.body.version, 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await nextSessions(clock, reports, N, 900_000 + 1000);
      for (let i = 0; i < N; i++) assert.equal(sim.devices[i]!.cpe.read("Device.ManagementServer.PeriodicInformInterval", clock.now()), "1200");
      // the other process sees the same version
      await other.acs.provisioning.refresh(Date.now());
      assert.deepEqual(other.acs.provisioning.compiledPresets.find((p) => p.preset.name === "interval")?.preset.provisions, [{ name: "interval", args: { seconds: 1200 } }]);
    });

    // Documents, versions and roles are test/nbi/provisioning.test.ts's; here the dry run meets a real device.
    it("shows a dry run for a simulated device, and the device is left as it was", async () => {
      await put(t, "/api/provisions/dry", { name: "dry", kind: "declarative", declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 42 }, { path: "Device.X_Unknown.Thing", value: 1 }] });
      await put(t, "/api/presets/dry", { name: "dry", enabled: false, provisions: [{ name: "dry" }] });
      const dev = deviceIdOf(sim.devices[0]!.identity);
      const dry = await t.api.post(`/api/devices/${dev}/provisioning/dry-run`, { presets: ["dry"] });
      assert.equal(dry.status, 200, dry.text);
      // the unknown value is read first (the device would get that read), then the known one is set
      assert.deepEqual(dry.body.rpcs.map((x: { method: string }) => x.method), ["GetParameterValues", "SetParameterValues"]);
      assert.deepEqual(dry.body.rpcs[0].parameterNames, ["Device.X_Unknown.Thing"]);
      assert.equal(dry.body.rpcs[1].parameterList[0].value.text, "42");
      assert.deepEqual(dry.body.toRead, ["Device.X_Unknown.Thing"]);
      assert.equal(sim.devices[0]!.cpe.read("Device.ManagementServer.PeriodicInformInterval", clock.now()), "1200", "a dry run changes nothing");
    });
  });
  describe("virtual parameters", () => {
    const N = 5;
    let t: ApiAcs;
    let sim: Simulation;
    let clock: ManualClock;
    const reports: SessionReport[] = [];

    before(async () => {
      t = await startApiAcs(backend);
      // Readable and writable: the name of the first Wi-Fi network.
      await put(t, "/api/provisions/WifiName", {
        name: "WifiName",
        kind: "virtual",
        script: `const ssid = get("Device.WiFi.SSID.1.SSID");
          if (wanted !== undefined) declare("Device.WiFi.SSID.1.SSID", { value: String(wanted) });
          if (ssid !== undefined) return { value: ssid.value };`,
      });
      // Computed, read-only.
      await put(t, "/api/provisions/UptimeHours", {
        name: "UptimeHours",
        kind: "virtual",
        script: `const u = get("Device.DeviceInfo.UpTime"); if (u !== undefined) return { value: Math.floor(Number(u.value) / 3600), type: "xsd:unsignedInt" };`,
      });
      await put(t, "/api/provisions/wifi", { name: "wifi", kind: "declarative", declarations: [{ path: "VirtualParameters.WifiName", value: "lab-net" }] });
      await put(t, "/api/presets/virtuals", { name: "virtuals", provisions: [{ name: "wifi" }, { name: "UptimeHours" }] });
      await t.acs.provisioning.refresh(Date.now(), true);
      clock = new ManualClock(Date.now());
      sim = await fleet(t, { devices: N, serialPrefix: "VP", interval: 600, clock, reports });
    });
    after(async () => {
      await sim.stop();
      await t.stop();
    });

    it("writes through a virtual parameter, keeps the values with the device's parameters, and filters on them", async () => {
      await until(() => bootstrapped(reports) >= N, 60_000, "bootstraps");
      assert.deepEqual(reports.filter((r) => !r.ok).map((r) => r.cause), []);
      for (let i = 0; i < N; i++) {
        assert.equal(sim.devices[i]!.cpe.read("Device.WiFi.SSID.1.SSID", clock.now()), "lab-net", "the real parameter behind it was set");
        const got = await t.api.get(`/api/devices/${encodeURIComponent(deviceIdOf(sim.devices[i]!.identity))}?parameters=flat&prefix=VirtualParameters.`);
        assert.equal(got.status, 200, got.text);
        const p = got.body.parameters as Record<string, { value: string; type: string }>;
        assert.equal(p["VirtualParameters.WifiName"]?.value, "lab-net");
        const uptime = Number(sim.devices[i]!.cpe.read("Device.DeviceInfo.UpTime", clock.now()));
        assert.equal(p["VirtualParameters.UptimeHours"]?.type, "xsd:unsignedInt");
        assert.ok(Math.abs(Number(p["VirtualParameters.UptimeHours"]?.value) - Math.floor(uptime / 3600)) <= 1, JSON.stringify(p));
      }
      assert.deepEqual(await t.acs.store.faults.list({ limit: 10 }), [], "no faults");
      const listed = await t.api.get(`/api/devices?filter=${encodeURIComponent('VirtualParameters.WifiName = "lab-net"')}`);
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.body.devices.length, N);
    });

    it("sets nothing again once the device matches, and follows a change of the wanted value", async () => {
      const keys = Array.from({ length: N }, (_, i) => sim.devices[i]!.cpe.read("Device.ManagementServer.ParameterKey", clock.now()));
      await nextSessions(clock, reports, N, 600_000 + 1000);
      for (let i = 0; i < N; i++) assert.equal(sim.devices[i]!.cpe.read("Device.ManagementServer.ParameterKey", clock.now()), keys[i], `device ${i} got no SetParameterValues`);

      await put(t, "/api/provisions/wifi", { name: "wifi", kind: "declarative", declarations: [{ path: "VirtualParameters.WifiName", value: "guest-net" }] });
      await t.acs.provisioning.refresh(Date.now(), true);
      await nextSessions(clock, reports, N, 600_000 + 1000);
      for (let i = 0; i < N; i++) {
        assert.equal(sim.devices[i]!.cpe.read("Device.WiFi.SSID.1.SSID", clock.now()), "guest-net");
        const [v] = await t.acs.store.parameters.get(deviceIdOf(sim.devices[i]!.identity), ["VirtualParameters.WifiName"]);
        assert.equal(v?.value, "guest-net");
      }
    });

    it("reports a virtual parameter nobody defined, and one whose script returns no value", async () => {
      await put(t, "/api/provisions/broken", { name: "broken", kind: "virtual", script: "return 42;" });
      await put(t, "/api/provisions/uses", { name: "uses", kind: "declarative", declarations: [{ path: "VirtualParameters.Nobody", maxAge: 60 }, { path: "VirtualParameters.broken", maxAge: 60 }] });
      await put(t, "/api/presets/uses", { name: "uses", filter: 'serialNumber = "VP000001"', provisions: [{ name: "uses" }] });
      await t.acs.provisioning.refresh(Date.now(), true);
      await nextSessions(clock, reports, N, 600_000 + 1000);
      const faults = await t.acs.store.faults.list({ limit: 10 });
      assert.deepEqual(faults.map((f) => f.code).sort(), ["provision.unknown-virtual-parameter", "provision.virtual-result"]);
      assert.ok(faults.every((f) => f.deviceId === deviceIdOf(sim.devices[0]!.identity)));
      assert.ok(faults.some((f) => /return \{ value, type\? \}/.test(f.message)), JSON.stringify(faults));
    });
  });
});
