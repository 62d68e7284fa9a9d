import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { filterDevice } from "../../src/query/index.js";
import { builtinProvision } from "../../src/provisioning/builtins.js";
import { CronError, inWindow, parseCron } from "../../src/provisioning/cron.js";
import { DeviceData } from "../../src/provisioning/data.js";
import { applicablePresets, checkProvision, compilePreset, DocumentError, type Provision } from "../../src/provisioning/presets.js";
import { provision } from "../../src/provisioning/provisioner.js";
import { ScriptSandbox } from "../../src/provisioning/sandbox.js";

const device = (tags: string[], params: Record<string, string> = {}) =>
  filterDevice(
    {
      id: "A1B2C3-HGW-S1",
      oui: "A1B2C3",
      productClass: "HGW",
      serialNumber: "S1",
      manufacturer: "Acme",
      cwmpVersion: "1.4",
      credentials: "bootstrap",
      registeredAt: new Date("2026-01-01T00:00:00Z"),
      lastInformAt: new Date("2026-11-21T10:00:00Z"),
      lastBootAt: null,
      lastBootstrapAt: null,
      tags,
    },
    Object.entries(params).map(([path, value]) => ({ path, value, type: "xsd:string" })),
  );

describe("cron schedules", () => {
  it("matches fields, lists, ranges and steps in UTC", () => {
    const c = parseCron("*/15 2-4 * * 1-5");
    assert.ok(c.matches(new Date("2026-11-23T03:30:00Z"))); // a Monday
    assert.ok(!c.matches(new Date("2026-11-22T03:30:00Z"))); // a Sunday
    assert.ok(!c.matches(new Date("2026-11-23T03:31:00Z")));
    assert.ok(parseCron("0 0 1 * 0").matches(new Date("2026-11-22T00:00:00Z")), "either day field matches when both are restricted");
    for (const bad of ["* * *", "60 * * * *", "* * * * 8", "*/0 * * * *", "a * * * *"]) assert.throws(() => parseCron(bad), CronError, bad);
  });

  it("tells whether a time is within a window after a cron time", () => {
    const c = parseCron("0 2 * * *");
    assert.ok(inWindow(c, 3600, new Date("2026-11-21T02:59:59Z")));
    assert.ok(!inWindow(c, 3600, new Date("2026-11-21T03:00:01Z")));
    assert.ok(!inWindow(c, 3600, new Date("2026-11-21T01:59:00Z")));
  });
});

describe("presets", () => {
  it("are checked, with what is wrong said", () => {
    assert.throws(() => compilePreset({ name: "x", provisions: [] }), DocumentError);
    assert.throws(() => compilePreset({ name: "x", filter: "oui ===", provisions: [{ name: "p" }] }), (e: unknown) => e instanceof DocumentError && /filter/.test(e.message));
    assert.throws(() => compilePreset({ name: "x", schedule: { cron: "99 * * * *", duration: 60 }, provisions: [{ name: "p" }] }), (e: unknown) => e instanceof DocumentError && /schedule/.test(e.message));
    assert.throws(() => checkProvision({ name: "p", kind: "declarative", declarations: [] }), DocumentError);
    const p = compilePreset({ name: "wifi", filter: 'tag = "lab" AND Device.DeviceInfo.ModelName = "X"', provisions: [{ name: "p" }] });
    assert.deepEqual(p.reads, ["Device.DeviceInfo.ModelName"]);
    assert.equal(p.preset.weight, 0);
    assert.deepEqual(p.preset.events, []);
  });

  it("apply by filter, events and schedule, in weight order", () => {
    const presets = [
      compilePreset({ name: "late", weight: 10, provisions: [{ name: "a" }] }),
      compilePreset({ name: "boot-only", events: ["0 BOOTSTRAP"], provisions: [{ name: "b" }] }),
      compilePreset({ name: "lab", weight: -1, filter: 'tag = "lab"', provisions: [{ name: "c" }] }),
      compilePreset({ name: "model", filter: 'Device.DeviceInfo.ModelName ^= "HGW"', provisions: [{ name: "d" }] }),
      compilePreset({ name: "night", schedule: { cron: "0 2 * * *", duration: 7200 }, provisions: [{ name: "e" }] }),
      compilePreset({ name: "off", enabled: false, provisions: [{ name: "f" }] }),
    ];
    const names = (tags: string[], events: string[], at: string, params = {}) =>
      applicablePresets(presets, { device: device(tags, params), events, now: new Date(at) }).map((p) => p.preset.name);
    assert.deepEqual(names([], ["2 PERIODIC"], "2026-11-21T10:00:00Z"), ["late"]);
    assert.deepEqual(names(["lab"], ["0 BOOTSTRAP", "1 BOOT"], "2026-11-21T03:00:00Z", { "Device.DeviceInfo.ModelName": "HGW-9" }), ["lab", "boot-only", "model", "night", "late"]);
  });
});

describe("the provisioner", () => {
  const sandbox = new ScriptSandbox({ memoryMb: 16, timeoutMs: 200 });
  after(() => sandbox.dispose());
  const provisions: Record<string, Provision> = {
    interval: { name: "interval", kind: "declarative", declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 300 }] },
    override: { name: "override", kind: "declarative", declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 600 }] },
    script: {
      name: "script",
      kind: "script",
      script: `const m = get("Device.DeviceInfo.ModelName"); if (m) declare("Device.X." + m.value + ".Enable", { value: args.on });`,
    },
    looping: { name: "looping", kind: "script", script: "for (;;) {}" },
  };

  it("merges declarative, built-in and script provisions; later ones win", async () => {
    const data = new DeviceData();
    const r1 = await provision(
      [
        { name: "interval", preset: "p1" },
        { name: "override", preset: "p2" },
        { name: "builtin:refresh", args: { path: "DeviceInfo.", maxAge: 60 }, preset: "p2" },
        { name: "builtin:tag", args: { tag: "managed" }, preset: "p2" },
        { name: "script", args: { on: true }, preset: "p3" },
      ],
      (n) => provisions[n],
      data,
      sandbox,
      0,
      "Device.",
    );
    assert.deepEqual(r1.faults, []);
    assert.deepEqual(r1.declarations, [
      { path: "Device.ManagementServer.PeriodicInformInterval", value: 600 },
      { path: "Device.DeviceInfo.", maxAge: 60 },
      { path: "Device.DeviceInfo.ModelName", maxAge: 1e12 },
    ]);
    assert.deepEqual(r1.actions, [{ kind: "tag", tag: "managed", present: true }]);
    // once the script's read is known, it declares what it wanted
    data.add([{ path: "Device.DeviceInfo.ModelName", object: false, value: "R2", type: "xsd:string", writable: false, notification: null, accessList: null, valueAt: 0, namesAt: 0, attributesAt: null }], { paths: ["Device.DeviceInfo.ModelName"] });
    const r2 = await provision([{ name: "script", args: { on: true }, preset: "p3" }], (n) => provisions[n], data, sandbox, 0, "Device.");
    assert.deepEqual(r2.declarations, [{ path: "Device.X.R2.Enable", value: true }]);
  });

  it("reports a script that runs away, an unknown provision and bad built-in arguments, and goes on", async () => {
    const r = await provision(
      [
        { name: "looping", preset: "p" },
        { name: "nope", preset: "p" },
        { name: "builtin:periodic-inform", args: { interval: -5 }, preset: "p" },
        { name: "interval", preset: "p" },
      ],
      (n) => provisions[n],
      new DeviceData(),
      sandbox,
      0,
      "Device.",
    );
    assert.deepEqual(r.faults.map((f) => f.code), ["provision.script-timeout", "provision.unknown", "provision.invalid-arguments"]);
    assert.deepEqual(r.declarations, [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 300 }]);
  });

  it("built-ins resolve paths against the device's root", () => {
    const r = builtinProvision("builtin:periodic-inform", { interval: 300 }, "InternetGatewayDevice.");
    assert.ok(!("error" in r));
    assert.deepEqual(r.declarations.map((d) => d.path), ["InternetGatewayDevice.ManagementServer.PeriodicInformEnable", "InternetGatewayDevice.ManagementServer.PeriodicInformInterval"]);
    assert.ok("error" in builtinProvision("builtin:nothing", {}));
  });
});

describe("virtual parameters", () => {
  const sandbox = new ScriptSandbox({ memoryMb: 16, timeoutMs: 200 });
  after(() => sandbox.dispose());
  const provisions: Record<string, Provision> = {
    WifiName: checkProvision({
      name: "WifiName",
      kind: "virtual",
      script: `const ssid = get("Device.WiFi.SSID.1.SSID");
        if (wanted !== undefined) declare("Device.WiFi.SSID.1.SSID", { value: String(wanted) });
        if (ssid !== undefined) return { value: ssid.value };`,
    }),
    Ratio: checkProvision({ name: "Ratio", kind: "virtual", script: `return { value: 0.5 };` }),
    Bad: checkProvision({ name: "Bad", kind: "virtual", script: `return { value: "x", type: "xsd:nope" };` }),
    read: checkProvision({ name: "read", kind: "declarative", declarations: [{ path: "VirtualParameters.WifiName", maxAge: 60 }] }),
    write: checkProvision({ name: "write", kind: "declarative", declarations: [{ path: "VirtualParameters.WifiName", value: "lab" }] }),
    writeFresh: checkProvision({ name: "writeFresh", kind: "declarative", declarations: [{ path: "VirtualParameters.WifiName", value: "lab", maxAge: 60 }] }),
    earlier: checkProvision({ name: "earlier", kind: "declarative", declarations: [{ path: "Device.WiFi.SSID.1.SSID", value: "first" }] }),
    fromScript: checkProvision({ name: "fromScript", kind: "script", script: `declare("VirtualParameters.Ratio", {}); declare("VirtualParameters.Missing", {});` }),
  };
  const run = (names: string[], data = new DeviceData()) =>
    provision(names.map((name) => ({ name, preset: "p" })), (n) => provisions[n], data, sandbox, 0, "Device.");
  const withSsid = (value: string) => {
    const data = new DeviceData();
    data.add([{ path: "Device.WiFi.SSID.1.SSID", object: false, value, type: "xsd:string", writable: true, notification: null, accessList: null, valueAt: 0, namesAt: 0, attributesAt: null }], { paths: ["Device.WiFi.SSID.1.SSID"] });
    return data;
  };

  it("never sends a virtual parameter to the device: its script's reads are fetched, then its value computed", async () => {
    const unknown = await run(["WifiName"]);
    assert.deepEqual(unknown.declarations, [{ path: "Device.WiFi.SSID.1.SSID", maxAge: 1e12 }]);
    assert.deepEqual(unknown.virtual, []);
    const known = await run(["WifiName"], withSsid("home"));
    assert.deepEqual(known.declarations, []);
    assert.deepEqual(known.virtual, [{ path: "VirtualParameters.WifiName", value: "home", type: "xsd:string" }]);
  });

  it("reads the parameters behind it with the maxAge it is read with", async () => {
    const r = await run(["read"], withSsid("home"));
    assert.deepEqual(r.declarations, [{ path: "Device.WiFi.SSID.1.SSID", maxAge: 60 }]);
    assert.deepEqual(r.virtual.map((v) => v.value), ["home"]);
  });

  it("writes a wanted value through the declarations of its script", async () => {
    const r = await run(["write"], withSsid("home"));
    assert.deepEqual(r.declarations, [{ path: "Device.WiFi.SSID.1.SSID", value: "lab" }]);
    assert.deepEqual(r.faults, []);
  });

  it("a read behind a virtual parameter keeps the values declared for the same path", async () => {
    const fresh = await run(["writeFresh"], withSsid("home"));
    assert.deepEqual(fresh.declarations, [{ path: "Device.WiFi.SSID.1.SSID", value: "lab", maxAge: 60 }]);
    const other = await run(["earlier", "read"], withSsid("home"));
    assert.deepEqual(other.declarations, [{ path: "Device.WiFi.SSID.1.SSID", value: "first", maxAge: 60 }]);
  });

  it("types what a script returns, and reports unknown virtual parameters and bad results", async () => {
    const r = await run(["fromScript", "Bad"]);
    assert.deepEqual(r.virtual, [{ path: "VirtualParameters.Ratio", value: "0.5", type: "xsd:decimal" }]);
    assert.deepEqual(r.faults.map((f) => f.code), ["provision.unknown-virtual-parameter", "provision.virtual-result"]);
    assert.match(r.faults[1]!.message, /xsd:nope/);
    assert.deepEqual(r.declarations, []);
  });

  it("must be named like a parameter", () => {
    assert.throws(() => checkProvision({ name: "Wifi.Name", kind: "virtual", script: "return { value: 1 };" }), DocumentError);
    assert.throws(() => checkProvision({ name: "1st", kind: "virtual", script: "return { value: 1 };" }), DocumentError);
  });
});
