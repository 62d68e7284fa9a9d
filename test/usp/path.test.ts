// Path names and search paths: parsed and checked as TR-369's "Path Names" and "Searching" describe
// them, with the spec's kinds of examples, then resolved against a small TR-181 data model.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPath, ParameterTree, parsePath, resolvePath, UspRemoteError } from "../../src/usp/index.js";

describe("parsePath", () => {
  it("tells objects, parameters, commands and events apart", () => {
    assert.equal(parsePath("Device.DeviceInfo.").kind, "object");
    assert.equal(parsePath("Device.DeviceInfo.SoftwareVersion").kind, "parameter");
    assert.equal(parsePath("Device.IP.Diagnostics.IPPing()").kind, "command");
    assert.equal(parsePath("Device.Boot!").kind, "event");
    assert.equal(parsePath("Device.").kind, "object");
  });

  it("reads instance numbers, wildcards, unique keys, expressions and references", () => {
    assert.deepEqual(parsePath("Device.WiFi.SSID.1.SSID").segments, [
      { type: "name", name: "Device" },
      { type: "name", name: "WiFi" },
      { type: "name", name: "SSID" },
      { type: "instance", instance: 1 },
      { type: "name", name: "SSID" },
    ]);
    const p = parsePath('Device.IP.Interface.[Type=="Normal"&&Stats.ErrorsSent>0].IPv4Address.*.IPAddress');
    assert.equal(p.search, true);
    assert.deepEqual(p.segments[3], {
      type: "filter",
      conditions: [
        { path: [{ type: "name", name: "Type" }], op: "==", value: "Normal", quoted: true },
        { path: [{ type: "name", name: "Stats" }, { type: "name", name: "ErrorsSent" }], op: ">", value: "0", quoted: false },
      ],
    });
    assert.deepEqual(parsePath("Device.IP.Interface.*.").segments[3], { type: "wildcard" });
    assert.deepEqual(parsePath("Device.WiFi.AccessPoint.1.SSIDReference+.SSID").segments[4], { type: "reference", name: "SSIDReference" });
    assert.deepEqual(parsePath("Device.Bridging.Bridge.1.Port.1.LowerLayers#2+.Name").segments[6], { type: "reference", name: "LowerLayers", item: 2 });
    assert.deepEqual(parsePath("Device.Bridging.Bridge.1.Port.1.LowerLayers#*+.Name").segments[6], { type: "reference", name: "LowerLayers", item: "*" });
    const ref = parsePath('Device.NAT.PortMapping.[Interface+.Name=="eth0"].Status').segments[3];
    assert.deepEqual(ref, { type: "filter", conditions: [{ path: [{ type: "reference", name: "Interface" }, { type: "name", name: "Name" }], op: "==", value: "eth0", quoted: true }] });
    assert.equal(parsePath("Device.WiFi.SSID.1.SSID").search, false);
  });

  it("reads every comparison operator, and percent-decodes quoted values", () => {
    for (const op of ["==", "!=", "<", ">", "<=", ">="]) {
      const seg = parsePath(`Device.X.[A${op}5].`).segments[2];
      assert.ok(seg?.type === "filter" && seg.conditions[0]!.op === op, op);
    }
    const seg = parsePath('Device.X.[Name=="a%22b%25c&&d]"].').segments[2];
    assert.ok(seg?.type === "filter");
    assert.equal(seg.conditions[0]!.value, 'a"b%c&&d]');
  });

  const bad: [string, RegExp][] = [
    ["", /must not be empty/],
    ["Device..X", /expected a name/],
    ["Device.WiFi.SSID.0.", /expected a name/],
    ["1.Device.", /starts with a name/],
    ["*.X", /starts with a name/],
    ["Device.X.[A=1].", /expected one of ==/],
    ['Device.X.[A=="x].', /unterminated quoted value/],
    ["Device.X.[A==1", /expected && or \]/],
    ["Device.X.[A==1||B==2].", /expected && or \]/],
    ["Device.X.[].", /expected a parameter name/],
    ["Device.X.[A.1==1].", /an expression compares a parameter/],
    ["Device.X.*", /a parameter path ends with a name/],
    ["Device.X.1", /a parameter path ends with a name/],
    ["Device.X.*()", /a command is named by a name/],
    ["Device.X.Y().", /expected \. or the end/],
    ["Device.X#2.", /expected \+ after a list index/],
    ["Device.X#.", /expected a list index/],
    ['Device.X.[A=="%zz"].', /bad percent-encoding/],
    ["Device.X.4294967296.", /out of range/],
    ["Device.X Y", /expected \. or the end/],
    ["Device.X.1a.", /expected \. or the end/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${JSON.stringify(text)} with 7008 and where`, () => {
      assert.throws(
        () => parsePath(text),
        (e: unknown) => e instanceof UspRemoteError && e.code === "PATH_SYNTAX" && e.uspErrCode === 7008 && message.test(e.message) && /column \d+/.test(e.message) && e.path === text,
      );
      assert.equal(isPath(text), false);
    });
  }

  it("checks the kinds and the search a caller allows", () => {
    assert.equal(isPath("Device.X.", { kinds: ["object"] }), true);
    assert.equal(isPath("Device.X.Y", { kinds: ["object"] }), false);
    assert.equal(isPath("Device.Reboot()", { kinds: ["command"] }), true);
    assert.equal(isPath("Device.X.*.", { noSearch: true }), false);
    assert.equal(isPath("Device.X.A+.", { noSearch: true }), false);
    assert.equal(isPath("Device.X.1.", { noSearch: true }), true);
    assert.equal(isPath(`Device.${"A.".repeat(3000)}`), false);
  });
});

describe("resolvePath", () => {
  const model = new ParameterTree({
    "Device.DeviceInfo.SoftwareVersion": "4.1.0",
    "Device.IP.Interface.1.Name": "wan",
    "Device.IP.Interface.1.Type": "Normal",
    "Device.IP.Interface.1.Enable": "1",
    "Device.IP.Interface.1.Stats.ErrorsSent": "12",
    "Device.IP.Interface.1.IPv4Address.1.IPAddress": "192.0.2.10",
    "Device.IP.Interface.1.IPv4Address.1.AddressingType": "Static",
    "Device.IP.Interface.1.IPv4Address.2.IPAddress": "192.0.2.11",
    "Device.IP.Interface.1.IPv4Address.2.AddressingType": "DHCP",
    "Device.IP.Interface.2.Name": "lan",
    "Device.IP.Interface.2.Type": "Normal",
    "Device.IP.Interface.2.Enable": "0",
    "Device.IP.Interface.2.Stats.ErrorsSent": "0",
    "Device.IP.Interface.2.IPv4Address.1.IPAddress": "10.0.0.1",
    "Device.IP.Interface.2.IPv4Address.1.AddressingType": "Static",
    "Device.IP.Interface.10.Name": "lo",
    "Device.IP.Interface.10.Type": "Loopback",
    "Device.IP.Interface.10.Enable": "true",
    "Device.IP.Interface.10.Stats.ErrorsSent": "3",
    "Device.NAT.PortMapping.1.Interface": "Device.IP.Interface.1",
    "Device.NAT.PortMapping.1.Status": "Enabled",
    "Device.NAT.PortMapping.2.Interface": "Device.IP.Interface.2.",
    "Device.NAT.PortMapping.2.Status": "Disabled",
    "Device.NAT.PortMapping.3.Interface": "",
    "Device.NAT.PortMapping.3.Status": "Error",
    "Device.Bridging.Bridge.1.Port.1.LowerLayers": "Device.IP.Interface.2,Device.IP.Interface.10",
    "Device.WiFi.SSID.": "",
  });
  const paths = (p: string) => model.resolve(p).map((m) => m.path);
  const values = (p: string) => model.resolve(p).map((m) => m.value);

  it("resolves plain paths to what exists, and nothing else", () => {
    assert.deepEqual(model.resolve("Device.DeviceInfo.SoftwareVersion"), [{ path: "Device.DeviceInfo.SoftwareVersion", value: "4.1.0" }]);
    assert.deepEqual(model.resolve("Device.DeviceInfo."), [{ path: "Device.DeviceInfo." }]);
    assert.deepEqual(model.resolve("Device.DeviceInfo.Manufacturer"), []);
    assert.deepEqual(model.resolve("Device.IP.Interface.3."), []);
    assert.deepEqual(model.resolve("Device.IP.Interface.1.Stats"), [], "an object is not a parameter");
    assert.deepEqual(model.resolve("Device.DeviceInfo.SoftwareVersion."), [], "a parameter is not an object");
    assert.deepEqual(model.resolve("Device.WiFi.SSID."), [{ path: "Device.WiFi.SSID." }], "an object declared by a key ending with a dot");
  });

  it("expands wildcards in instance number order", () => {
    assert.deepEqual(values("Device.IP.Interface.*.Name"), ["wan", "lan", "lo"]);
    assert.deepEqual(paths("Device.IP.Interface.*.IPv4Address.*."), ["Device.IP.Interface.1.IPv4Address.1.", "Device.IP.Interface.1.IPv4Address.2.", "Device.IP.Interface.2.IPv4Address.1."]);
    assert.deepEqual(paths("Device.WiFi.SSID.*."), []);
  });

  it("addresses an instance by its unique key", () => {
    assert.deepEqual(paths('Device.IP.Interface.[Name=="lan"].'), ["Device.IP.Interface.2."]);
    assert.deepEqual(paths('Device.IP.Interface.[Name=="nothing"].'), []);
  });

  it("filters with expressions joined by &&, nested ones included", () => {
    assert.deepEqual(values('Device.IP.Interface.[Type=="Normal"].IPv4Address.[AddressingType=="Static"].IPAddress'), ["192.0.2.10", "10.0.0.1"]);
    assert.deepEqual(values('Device.IP.Interface.[Type=="Normal"&&Stats.ErrorsSent>0].IPv4Address.[AddressingType=="Static"].IPAddress'), ["192.0.2.10"]);
    assert.deepEqual(values('Device.IP.Interface.[Type!="Normal"].Name'), ["lo"]);
  });

  it("compares numbers as numbers, booleans as booleans and quoted values as strings", () => {
    assert.deepEqual(values("Device.IP.Interface.[Stats.ErrorsSent<=3].Name"), ["lan", "lo"]);
    assert.deepEqual(values("Device.IP.Interface.[Stats.ErrorsSent>=12].Name"), ["wan"]);
    assert.deepEqual(values("Device.IP.Interface.[Stats.ErrorsSent<12].Name"), ["lan", "lo"]);
    assert.deepEqual(values('Device.IP.Interface.[Stats.ErrorsSent<"2"].Name'), ["wan", "lan"], "as strings, \"12\" < \"2\"");
    assert.deepEqual(values("Device.IP.Interface.[Enable==true].Name"), ["wan", "lo"]);
    assert.deepEqual(values("Device.IP.Interface.[Enable!=true].Name"), ["lan"]);
    assert.deepEqual(values("Device.IP.Interface.[Enable==false].Name"), ["lan"]);
    assert.deepEqual(values("Device.IP.Interface.[Missing==1].Name"), [], "a condition on an absent parameter does not hold");
  });

  it("follows references, in paths and in expressions, and list items by index", () => {
    assert.deepEqual(values("Device.NAT.PortMapping.1.Interface+.Name"), ["wan"]);
    assert.deepEqual(values("Device.NAT.PortMapping.*.Interface+.Name"), ["wan", "lan"], "an empty reference leads nowhere");
    assert.deepEqual(values('Device.NAT.PortMapping.[Interface+.Name=="lan"].Status'), ["Disabled"]);
    assert.deepEqual(values('Device.NAT.PortMapping.[Interface=="Device.IP.Interface.1"].Status'), ["Enabled"]);
    assert.deepEqual(values("Device.Bridging.Bridge.1.Port.1.LowerLayers#2+.Name"), ["lo"]);
    assert.deepEqual(values("Device.Bridging.Bridge.1.Port.1.LowerLayers#*+.Name"), ["lan", "lo"]);
    assert.deepEqual(values("Device.Bridging.Bridge.1.Port.1.LowerLayers#3+.Name"), []);
    assert.deepEqual(paths("Device.NAT.PortMapping.2.Interface+."), ["Device.IP.Interface.2."]);
  });

  it("names commands and events on every object a search path reaches", () => {
    assert.deepEqual(paths('Device.IP.Interface.[Type=="Normal"].Reset()'), ["Device.IP.Interface.1.Reset()", "Device.IP.Interface.2.Reset()"]);
    assert.deepEqual(paths("Device.Boot!"), ["Device.Boot!"]);
    assert.deepEqual(paths("Device.Nothing.Boot!"), []);
  });

  it("takes a plain object or a Map, and gives the same answers", () => {
    const params = new Map([
      ["Device.X.1.A", "1"],
      ["Device.X.2.A", "2"],
    ]);
    assert.deepEqual(resolvePath("Device.X.[A>1].A", params), [{ path: "Device.X.2.A", value: "2" }]);
    assert.deepEqual(resolvePath("Device.X.[A>1].A", Object.fromEntries(params)), [{ path: "Device.X.2.A", value: "2" }]);
  });
});
