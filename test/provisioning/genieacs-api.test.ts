// The GenieACS dialect's translation, run in Node (the isolate runs the same function's source):
// paths with "*" and alias filters, timestamps as maxAge, values with and without types, instance
// counts, what declare returns from what is known, and when it stops the script to wait for data.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { genieacsApi, type GenieInput, type GenieRecord } from "../../src/provisioning/genieacs/api.js";
import { genieInput, HOUR, NOW } from "./support/genieacs.js";

const input = genieInput;

const param = (value: string, type = "xsd:string", at: number | null = NOW - HOUR, writable = true): GenieRecord => [value, type, 0, writable, at, at];
const object = (namesAt: number | null = NOW - HOUR): GenieRecord => [null, null, 1, true, null, namesAt];

/** Runs `body` with the API as a script would, catching the API's own stop as the sandbox does. */
function run(i: GenieInput, body: (g: ReturnType<typeof genieacsApi>) => unknown, args: unknown = null) {
  const g = genieacsApi(i, NOW, args);
  let result: unknown;
  try {
    result = body(g);
  } catch (e) {
    if (!g.interrupted(e)) throw e;
  }
  return g.finish(result);
}

const WIFI = {
  "Device.WiFi.SSID.": object(),
  "Device.WiFi.SSID.1.": object(),
  "Device.WiFi.SSID.1.SSID": param("home"),
  "Device.WiFi.SSID.1.Enable": param("true", "xsd:boolean"),
  "Device.WiFi.SSID.2.": object(),
  "Device.WiFi.SSID.2.SSID": param("guest"),
  "Device.WiFi.SSID.2.Enable": param("0", "xsd:boolean"),
};

describe("GenieACS scripts: declare's translation", () => {
  it("turns timestamps into maxAge from the session's start: Date.now() is this session, 1 is whenever known", () => {
    const out = run(input(), (g) => {
      g.declare("Device.ManagementServer.PeriodicInformInterval", { value: g.Date.now() }, { value: 300 });
      g.declare("Device.DeviceInfo.SoftwareVersion", { value: g.Date.now() - HOUR });
      g.declare("Device.DeviceInfo.ModelName", { value: 1 });
      g.declare("Device.ManagementServer.PeriodicInformEnable", null, { value: [true, "xsd:boolean"] });
    });
    assert.deepEqual(out.declarations, [
      { path: "Device.ManagementServer.PeriodicInformInterval", maxAge: 0, value: 300 },
      { path: "Device.DeviceInfo.SoftwareVersion", maxAge: 3600 },
      { path: "Device.DeviceInfo.ModelName", maxAge: Math.floor((NOW - 1) / 1000) },
      { path: "Device.ManagementServer.PeriodicInformEnable", maxAge: 1e12, value: true, type: "xsd:boolean" },
    ]);
    assert.equal(out.incomplete, false, "nothing was read, so nothing waited");
  });

  it("translates alias filters to selectors and instance counts to `instances`", () => {
    const out = run(input(), (g) => {
      g.declare("Device.NAT.PortMapping.[ExternalPort:8080,Protocol:TCP]", { path: g.Date.now() }, { path: 1 });
      g.declare("Device.IP.Interface.[Alias:wan]", null, { path: [0, 2] });
      g.declare("Device.WiFi.SSID.*", null, { path: 0 });
      g.declare("Device.Hosts.Host.[IPAddress:192.168.1.10].HostName", { value: 1 });
    });
    assert.deepEqual(out.declarations, [
      { path: 'Device.NAT.PortMapping.[ExternalPort="8080",Protocol="TCP"].', instances: 1, maxAge: 0 },
      { path: 'Device.IP.Interface.[Alias="wan"].', instances: { min: 0, max: 2 } },
      { path: "Device.WiFi.SSID.*.", instances: 0 },
      { path: 'Device.Hosts.Host.[IPAddress="192.168.1.10"].HostName', maxAge: Math.floor((NOW - 1) / 1000) },
    ]);
  });

  it("lists children again for \"X.*\" with a path timestamp, and reads their values with a value timestamp (the documented hourly refresh)", () => {
    const out = run(input(), (g) => {
      const hourly = g.Date.now(HOUR);
      g.declare("Device.*", { path: hourly });
      g.declare("Device.WiFi.SSID.1.*", { path: hourly, value: hourly });
    });
    const age = out.declarations[0]!.maxAge!;
    assert.ok(age >= 0 && age < 3600, `maxAge ${age}: the start of this device's current hour`);
    assert.deepEqual(out.declarations, [
      { path: "Device.*.", instances: { min: 0 }, maxAge: age },
      { path: "Device.WiFi.SSID.1.*.", instances: { min: 0 }, maxAge: age },
      { path: "Device.WiFi.SSID.1.", maxAge: age },
    ]);
  });

  it("refuses what GenieACS cannot mean, with a clear error", () => {
    assert.throws(() => run(input(), (g) => g.declare("Device.WiFi.SSID.*", null, { value: 1 })), /a value is declared on a parameter/);
    assert.throws(() => run(input(), (g) => g.declare("Device.A.[Key]", null, { path: 1 })), /alias filter is \[Key:value/);
    assert.throws(() => run(input(), (g) => g.declare("Device.A.", { value: 1 })), /does not end with "."/);
    assert.throws(() => run(input(), (g) => g.declare("DeviceID.SerialNumber", null, { value: "x" })), /cannot be set/);
    assert.throws(() => run(input(), (g) => g.declare("Device.A", null, { value: {} })), /string, number or boolean/);
    assert.throws(() => run(input(), (g) => g.declare("Device.A", { value: "soon" })), /timestamp must be a number/);
    assert.throws(() => run(input(), (g) => g.clear("Device.*", NOW)), /no "\*"/);
  });
});

describe("GenieACS scripts: what declare returns", () => {
  it("gives value as [value, type], size, path, writable and object, and iterates over matches", () => {
    const seen: unknown[] = [];
    const out = run(input(WIFI), (g) => {
      const ssids = g.declare("Device.WiFi.SSID.*.SSID", { value: 1 }) as { size: number; value: unknown; path: string; writable: boolean; object: boolean } & Iterable<{ path: string; value: unknown }>;
      seen.push(ssids.size, ssids.value, ssids.path, ssids.writable, ssids.object);
      for (const p of ssids) seen.push([p.path, p.value]);
      const enabled = g.declare("Device.WiFi.SSID.[Enable:true]", { path: 1 }) as { size: number; path: string; object: boolean };
      seen.push(enabled.size, enabled.path, enabled.object);
      const off = g.declare("Device.WiFi.SSID.*.Enable", { value: 1 }) as Iterable<{ value: unknown }>;
      for (const p of off) seen.push(p.value);
    });
    assert.equal(out.incomplete, false);
    assert.deepEqual(seen, [
      2,
      ["home", "xsd:string"],
      "Device.WiFi.SSID.1.SSID",
      true,
      false,
      ["Device.WiFi.SSID.1.SSID", ["home", "xsd:string"]],
      ["Device.WiFi.SSID.2.SSID", ["guest", "xsd:string"]],
      1,
      "Device.WiFi.SSID.1",
      true,
      [true, "xsd:boolean"],
      [false, "xsd:boolean"],
    ]);
  });

  it("stops the script when what it reads is unknown or older than its timestamp asks, and not before", () => {
    const reached: string[] = [];
    const out = run(input(WIFI), (g) => {
      const fresh = g.declare("Device.WiFi.SSID.1.SSID", { value: g.Date.now() }) as { value: unknown };
      reached.push("declared");
      void fresh.value;
      reached.push("read");
    });
    assert.deepEqual(reached, ["declared"], "the value read an hour ago is not this session's");
    assert.equal(out.incomplete, true);
    assert.deepEqual(out.declarations, [{ path: "Device.WiFi.SSID.1.SSID", maxAge: 0 }], "what it declared before stopping is kept, for the engine to fetch");

    const again = run(input({ ...WIFI, "Device.WiFi.SSID.1.SSID": param("home", "xsd:string", NOW + 5) }), (g) => (g.declare("Device.WiFi.SSID.1.SSID", { value: g.Date.now() }) as { value: unknown }).value);
    assert.equal(again.incomplete, false);
    assert.deepEqual(again.result, ["home", "xsd:string"], "read in this session: known");

    const unlisted = run(input({}), (g) => (g.declare("Device.WiFi.SSID.*.SSID", { value: 1 }) as { size: number }).size);
    assert.equal(unlisted.incomplete, true, "instances not listed yet");
  });

  it("knows what does not exist: the other data model's paths, and what the device faulted or listed empty", () => {
    const out = run(input({ "Device.NAT.PortMapping.": object(null) }, { failed: ["Device.X_Vendor."], enumerated: ["Device.NAT.PortMapping."] }), (g) => [
      (g.declare("InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase", { value: g.Date.now() }) as { size: number }).size,
      (g.declare("Device.X_Vendor.Thing", { value: 1 }) as { size: number }).size,
      (g.declare("Device.NAT.PortMapping.*", { path: 1 }) as { size: number }).size,
    ]);
    assert.equal(out.incomplete, false);
    assert.deepEqual(out.result, [0, 0, 0]);
    assert.ok(!out.declarations.some((d) => d.path.startsWith("InternetGatewayDevice.")), "nothing is asked of a path the device cannot have");
  });

  it("reads DeviceID.*, Events.* and Tags.*, and sets tags", () => {
    const out = run(input(), (g) => {
      g.declare("Tags.configured", null, { value: true });
      g.declare("Tags.lab", null, { value: false });
      const id = g.declare("DeviceID.*", { value: 1 }) as Iterable<{ path: string; value: [unknown, string] }>;
      return {
        id: [...id].map((p) => [p.path, p.value[0]]),
        boot: (g.declare("Events.1_BOOT", { value: 1 }) as { value: unknown }).value,
        tag: (g.declare("Tags.lab", { value: 1 }) as { value: unknown }).value,
        none: (g.declare("Tags.other", { value: 1 }) as { size: number }).size,
      };
    });
    assert.deepEqual(out.tags, [
      { tag: "configured", present: true },
      { tag: "lab", present: false },
    ]);
    assert.deepEqual(out.result, {
      id: [
        ["DeviceID.ID", "00259E-HGW-SN1"],
        ["DeviceID.Manufacturer", "Acme"],
        ["DeviceID.OUI", "00259E"],
        ["DeviceID.ProductClass", "HGW"],
        ["DeviceID.SerialNumber", "SN1"],
      ],
      boot: [NOW - HOUR, "xsd:dateTime"],
      tag: [true, "xsd:boolean"],
      none: 0,
    });
  });

  it("commit() goes on only once what was declared is what the device has", () => {
    const steps = (i: GenieInput) => {
      const reached: string[] = [];
      const out = run(i, (g) => {
        g.declare("Device.WiFi.SSID.1.SSID", { value: 1 }, { value: "office" });
        g.commit();
        reached.push("after commit");
        g.declare("Device.WiFi.SSID.2.Enable", null, { value: true });
      });
      return { reached, out };
    };
    const before = steps(input(WIFI));
    assert.deepEqual(before.reached, []);
    assert.equal(before.out.incomplete, true);
    assert.deepEqual(before.out.declarations.map((d) => d.path), ["Device.WiFi.SSID.1.SSID"], "only the declarations before commit() are applied first");
    const afterSet = steps(input({ ...WIFI, "Device.WiFi.SSID.1.SSID": param("office", "xsd:string", NOW + 10) }));
    assert.deepEqual(afterSet.reached, ["after commit"]);
    assert.equal(afterSet.out.declarations.length, 2);
  });

  it("clear() makes what was known before its time stale for the declarations under it", () => {
    const out = run(input(WIFI), (g) => {
      g.clear("Device.WiFi", g.Date.now());
      return (g.declare("Device.WiFi.SSID.1.SSID", { value: 1 }) as { value: unknown }).value;
    });
    assert.deepEqual(out.clears, [{ path: "Device.WiFi", at: NOW }]);
    assert.equal(out.incomplete, true, "the SSID read an hour ago is stale after the clear");
  });

  it("fixes Date to the session: Date.now(), new Date(), and Date.now(interval) per device", () => {
    const out = run(input(), (g) => [g.Date.now(), new g.Date().getTime(), new g.Date(5).getTime(), g.Date.now(HOUR)]);
    const [a, b, c, d] = out.result as number[];
    assert.equal(a, NOW);
    assert.equal(b, NOW);
    assert.equal(c, 5);
    assert.ok(d! <= NOW && d! > NOW - HOUR, "the start of the device's current hour");
    const other = run(input({}, { device: { ...input().device, id: "OTHER-DEVICE-7" } }), (g) => g.Date.now(HOUR));
    assert.notEqual(other.result, d, "another device's hour starts elsewhere");
  });

  it("ext() returns a result the run has, and otherwise stops the script asking for it", () => {
    const ask = run(input(), (g) => g.ext("creds", "get", "SN1", 2));
    assert.equal(ask.incomplete, true);
    assert.deepEqual(ask.ext, [{ file: "creds", fn: "get", args: ["SN1", 2] }]);
    const have = run(input({}, { exts: { [JSON.stringify(["creds", "get", ["SN1", 2]])]: { user: "u" } } }), (g) => g.ext("creds", "get", "SN1", 2));
    assert.equal(have.incomplete, false);
    assert.deepEqual(have.result, { user: "u" });
  });
});
