import { test } from "node:test";
import assert from "node:assert/strict";
import { checkXsd } from "../../src/cwmp/index.js";
import { DeviceTree, type Node } from "../../src/sim/device-model.js";
import { SimError } from "../../src/sim/errors.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { compileModel } from "../../src/sim/model.js";
import { dumpSource, withDefaultRows } from "../../src/sim/source-tools.js";
import type { ModelSource } from "../../src/sim/source.js";
import { models, T0 } from "./support/harness.js";

const HOUR = 3600_000;

function tree(model = models.tr181, index = 0, bootTime = T0): DeviceTree {
  return new DeviceTree(model, makeIdentity(model.identityDefaults, {}, index), bootTime);
}

function all(t: DeviceTree, now: number): Map<string, string> {
  const out = new Map<string, string>();
  t.forEachParam(t.resolve("", now)!, now, (path, def, inst) => out.set(path, t.value(path, def, inst, now)));
  return out;
}

test("every value of both built-in devices fits its type, at boot and a day later", () => {
  for (const model of [models.tr181, models.tr098]) {
    const t = tree(model, 7);
    for (const now of [T0, T0 + 24 * HOUR + 123_456]) {
      const bad: string[] = [];
      for (const [path, value] of all(t, now)) {
        const def = (t.resolve(path, now) as Node & { kind: "param" }).def;
        const why = checkXsd(def.type, value);
        if (why !== undefined) bad.push(`${path} = ${JSON.stringify(value)}: ${why}`);
      }
      assert.deepEqual(bad, [], model.name);
    }
  }
});

test("uptime follows the clock; counters only grow and 32-bit ones wrap", () => {
  const t = tree();
  const at = (path: string, now: number) => t.get(path, now)!;
  assert.equal(at("Device.DeviceInfo.UpTime", T0), "0");
  assert.equal(at("Device.DeviceInfo.UpTime", T0 + 90_500), "90");
  const bytes = [1, 2, 10, 1000].map((h) => BigInt(at("Device.Ethernet.Interface.5.Stats.BytesReceived", T0 + h * HOUR)));
  for (let i = 1; i < bytes.length; i++) assert.ok(bytes[i]! > bytes[i - 1]!);
  // TR-098 counters are unsignedInt: they wrap below 2^32.
  const igd = tree(models.tr098);
  const wan = "InternetGatewayDevice.WANDevice.1.WANCommonInterfaceConfig.TotalBytesReceived";
  const late = Number(igd.get(wan, T0 + 2000 * HOUR));
  assert.ok(late < 2 ** 32);
  assert.ok(Number(igd.get(wan, T0 + 5 * HOUR)) > 0);
  assert.equal(at("Device.Time.CurrentLocalTime", T0 + 1000), "2024-05-01T10:00:01Z");
});

test("the host table changes over time, the same way for the same device", () => {
  const a = tree(models.tr181, 3);
  const b = tree(models.tr181, 3);
  const hosts = (t: DeviceTree, now: number) => {
    const node = t.resolve("Device.Hosts.Host.", now) as Node & { kind: "table" };
    return t.instancesOf(node.def, [], now).join(",");
  };
  const seen = new Set<string>();
  for (let k = 0; k < 48; k++) {
    const now = T0 + k * 30 * 60_000;
    assert.equal(hosts(a, now), hosts(b, now));
    assert.equal(a.get("Device.Hosts.HostNumberOfEntries", now), String(hosts(a, now).split(",").length));
    seen.add(hosts(a, now));
  }
  assert.ok(seen.size > 1, "hosts come and go");
  for (const h of seen) assert.ok(h.startsWith("1,2"), "the first two hosts stay");
  // Wi-Fi stations follow the hosts on each band.
  const now = T0 + 5 * HOUR;
  const stations = [1, 2].map((ap) => {
    const n = a.resolve(`Device.WiFi.AccessPoint.${ap}.AssociatedDevice.`, now) as Node & { kind: "table" };
    return a.instancesOf(n.def, [ap], now);
  });
  const wifiHosts = hosts(a, now).split(",").map(Number).filter((n) => a.get(`Device.Hosts.Host.${n}.InterfaceType`, now) === "Wi-Fi");
  assert.deepEqual([...stations[0]!, ...stations[1]!].sort(), wifiHosts.sort());
  assert.equal(a.get(`Device.Hosts.Host.2.AssociatedDevice`, now), "Device.WiFi.AccessPoint.2.AssociatedDevice.2");
});

test("identity: serial numbers from a prefix and a counter, uppercase OUI, per-device credentials", () => {
  const d = models.tr181.identityDefaults;
  const id = makeIdentity(d, { serialPrefix: "CPE-", serialDigits: 8, firstSerial: 1000, oui: "abcdef", acsUsername: "{oui}:{serial}", connectionRequestUrl: "http://sim:7548/cr/{index}" }, 5);
  assert.equal(id.serialNumber, "CPE-00001005");
  assert.equal(id.oui, "ABCDEF");
  assert.equal(id.acsUsername, "ABCDEF:CPE-00001005");
  assert.equal(id.connectionRequestUrl, "http://sim:7548/cr/5");
  assert.notEqual(makeIdentity(d, {}, 1).acsPassword, makeIdentity(d, {}, 2).acsPassword);
  assert.equal(makeIdentity(d, {}, 1).seed, makeIdentity(d, {}, 1).seed);
  assert.notEqual(makeIdentity(d, { seed: 9 }, 1).seed, makeIdentity(d, {}, 1).seed);
  assert.throws(() => makeIdentity(d, { oui: "XYZ123" }, 0), RangeError);
  assert.throws(() => makeIdentity(d, {}, -1), RangeError);
});

test("compileModel: templates, concrete rows with templates inferred (a device dump), NumberOfEntries and aliases", () => {
  const source: ModelSource = {
    name: "dump",
    objects: [{ path: "Device.Things.", writable: true }, { path: "Device.Empty.", writable: true }],
    parameters: [
      { path: "Device.ThingNumberOfEntries", type: "xsd:unsignedInt", writable: false, value: "0" },
      { path: "Device.Thing.1.Name", type: "xsd:string", writable: true, value: "first" },
      { path: "Device.Thing.1.Alias", type: "xsd:string", writable: true, value: "one" },
      { path: "Device.Thing.3.Name", type: "xsd:string", writable: true, value: "third" },
      { path: "Device.Thing.3.Size", type: "xsd:unsignedInt", writable: false, value: "-4" },
      { path: "Device.Thing.3.Part.1.Weight", type: "xsd:int", writable: true, value: "12" },
      { path: "Device.EmptyNumberOfEntries", type: "xsd:unsignedInt", writable: false, value: "0" },
      { path: "Device.Things.Count", type: "xsd:unsignedInt", writable: false },
    ],
  };
  const m = compileModel(source);
  assert.deepEqual(m.warnings, ['Device.Thing.3.Size: value "-4" is not an xsd:unsignedInt; using "0"']);
  const thing = m.objectAt("Device.Thing.{i}.")!;
  assert.equal(thing.multi, true);
  assert.equal(m.objectAt("Device.Empty.{i}.")?.multi, true, "an empty table is known by its NumberOfEntries");
  assert.equal(m.objectAt("Device.Things.")?.multi, false);
  const t = new DeviceTree(m, makeIdentity(m.identityDefaults, {}, 0), T0);
  assert.equal(t.get("Device.ThingNumberOfEntries", T0), "2");
  assert.equal(t.get("Device.Thing.3.Name", T0), "third");
  assert.equal(t.get("Device.Thing.1.Size", T0), "0");
  assert.equal(t.get("Device.Thing.1.Alias", T0), "one");
  assert.equal(t.get("Device.Thing.3.Alias", T0), "cpe-3");
  assert.equal(t.get("Device.Thing.3.Part.1.Weight", T0), "12");
  assert.equal(t.get("Device.Thing.2.Name", T0), undefined);
  const table = t.resolve("Device.Thing.", T0) as Node & { kind: "table" };
  assert.equal(t.addInstance(table, T0), 4);
  assert.equal(t.get("Device.Thing.4.Name", T0), "");
  assert.equal(t.get("Device.ThingNumberOfEntries", T0), "3");
});

test("compileModel refuses inconsistent sources", () => {
  const bad = (parameters: ModelSource["parameters"], objects: ModelSource["objects"] = []) =>
    assert.throws(() => compileModel({ name: "bad", objects, parameters }), (e: unknown) => e instanceof SimError && e.code === "SIM_MODEL_INVALID");
  bad([]);
  bad([{ path: "Device.A", type: "xsd:string", writable: false }, { path: "Device.A.B", type: "xsd:string", writable: false }]);
  bad([{ path: "Device.A.B", type: "xsd:string", writable: false }, { path: "Device.A", type: "xsd:string", writable: false }]);
  bad([{ path: "Device.A.{i}.{i}.B", type: "xsd:string", writable: false }]);
  bad([{ path: "Device.A.B", type: "xsd:string", writable: false }, { path: "Other.C", type: "xsd:string", writable: false }]);
  bad([{ path: "Device.T.0.B", type: "xsd:string", writable: false }]);
  bad([{ path: "Device.X", type: "xsd:string", writable: false }], [{ path: "Device.Obj" }]);
  assert.throws(() => compileModel({ name: "d", objects: [], parameters: [{ path: "Device.X", type: "xsd:string", writable: false }], diagnostics: [{ statePath: "Device.X", durationMs: 1, complete: () => ({ values: {} }) }] }), SimError);
});

test("the tree stores only differences from the model", () => {
  const t = tree();
  const ssid = t.resolve("Device.WiFi.SSID.1.SSID", T0) as Node & { kind: "param" };
  t.set(ssid.path, ssid.def, "other");
  assert.deepEqual(t.toJSON(), { values: { "Device.WiFi.SSID.1.SSID": "other" } });
  // Setting the factory value back forgets the difference.
  t.set(ssid.path, ssid.def, "Provisio-0001");
  assert.deepEqual(t.toJSON(), {});
  assert.throws(() => t.setPath("Device.Nope", "x", T0), SimError);
});

test("a device dump (Parameter, Object, Writable, Value, Value type) becomes a device", () => {
  const rows = [
    ["Device.", true, false, "", ""],
    ["Device.DeviceInfo.", true, false, "", ""],
    ["Device.DeviceInfo.SerialNumber", false, false, "ABC123", "xsd:string"],
    ["Device.DeviceInfo.UpTime", false, false, "4242", "xsd:unsignedInt"],
    ["Device.NAT.", true, false, "", ""],
    ["Device.NAT.PortMappingNumberOfEntries", false, false, "1", "xsd:unsignedInt"],
    ["Device.NAT.PortMapping.", true, true, "", ""],
    ["Device.NAT.PortMapping.7.", true, true, "", ""],
    ["Device.NAT.PortMapping.7.Enable", false, true, "1", "boolean"],
    ["Device.NAT.PortMapping.7.ExternalPort", false, true, "8080", "unsignedInt"],
  ] as const;
  const m = compileModel(dumpSource("dump", rows.map(([name, object, writable, value, type]) => ({ name, object, writable, value, type }))));
  const t = new DeviceTree(m, makeIdentity(m.identityDefaults, {}, 0), T0);
  assert.equal(t.get("Device.DeviceInfo.SerialNumber", T0), "ABC123");
  assert.equal(t.get("Device.NAT.PortMapping.7.Enable", T0), "1");
  assert.equal(m.paramAt("Device.NAT.PortMapping.{i}.ExternalPort")?.type, "xsd:unsignedInt");
  assert.equal(m.objectAt("Device.NAT.PortMapping.{i}.")?.writable, true);
  const table = t.resolve("Device.NAT.PortMapping.", T0) as Node & { kind: "table" };
  assert.equal(t.addInstance(table, T0), 8);
  assert.equal(t.get("Device.NAT.PortMappingNumberOfEntries", T0), "2");
});

test("withDefaultRows gives every table of a template-only model one row", () => {
  const source: ModelSource = {
    name: "templates",
    objects: [{ path: "Device.IP.Interface.{i}.", writable: true }, { path: "Device.Hosts.Host.{i}.", volatile: { slots: 2, present: () => false } }],
    parameters: [
      { path: "Device.IP.InterfaceNumberOfEntries", type: "xsd:unsignedInt", writable: false },
      { path: "Device.IP.Interface.{i}.Name", type: "xsd:string", writable: false, value: "if" },
      { path: "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress", type: "xsd:string", writable: true, value: "0.0.0.0" },
      { path: "Device.Hosts.Host.{i}.Name", type: "xsd:string", writable: false },
      { path: "Device.Filled.1.X", type: "xsd:string", writable: false, value: "x" },
      { path: "Device.Filled.{i}.X", type: "xsd:string", writable: false },
    ],
  };
  const m = compileModel(withDefaultRows(source));
  const t = new DeviceTree(m, makeIdentity(m.identityDefaults, {}, 0), T0);
  assert.equal(t.get("Device.IP.Interface.1.Name", T0), "if");
  assert.equal(t.get("Device.IP.Interface.1.IPv4Address.1.IPAddress", T0), "0.0.0.0");
  assert.equal(t.get("Device.IP.InterfaceNumberOfEntries", T0), "1");
  assert.equal(t.get("Device.Hosts.Host.1.Name", T0), undefined);
  assert.equal(t.get("Device.Filled.1.X", T0), "x");
  assert.equal(t.get("Device.Filled.2.X", T0), undefined);
  assert.equal(compileModel(withDefaultRows(source, 2)).baseTables.get("Device.IP.Interface.2.IPv4Address.")?.length, 2);
});
