// The GenieACS translator (src/genieacs/): preconditions in both of GenieACS's syntaxes to Provisio
// filters, or refused with the reason; presets, scripts, files and devices to Provisio's documents.
// GenieACS's formats are written here from its documentation (docs.genieacs.com, the NBI reference).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { syntaxOf, translateDevice, translateFile, translatePrecondition, translatePreset, translateProvision, translateVirtualParameter, Unmappable } from "../../src/genieacs/index.js";
import { compilePreset, checkProvision } from "../../src/provisioning/index.js";
import { evaluate, filterDevice, parse } from "../../src/query/index.js";
import type { DeviceRecord } from "../../src/store/types.js";

const ok = (precondition: string | Record<string, unknown>, filter: string) => {
  const t = translatePrecondition(precondition);
  assert.deepEqual(t.ok ? t.filter : t.reason, filter, JSON.stringify(precondition));
  assert.equal(t.ok, true);
};
const refused = (precondition: string, reason: RegExp) => {
  const t = translatePrecondition(precondition);
  assert.equal(t.ok, false, `${precondition} should be refused, got ${t.ok ? t.filter : ""}`);
  if (!t.ok) assert.match(t.reason, reason);
};

describe("GenieACS preconditions, MongoDB syntax", () => {
  it("translates fields, tags, parameters and operators", () => {
    ok("{}", "");
    ok('{"_tags": "lab"}', 'tag = "lab"');
    ok('{"_tags": {"$ne": "broken"}}', 'NOT tag = "broken"');
    ok('{"Tags.lab": true}', 'tag = "lab"');
    ok('{"Tags.lab": {"$exists": false}}', 'NOT tag = "lab"');
    ok('{"_id": "202BC1-BM632w-000001"}', 'id = "202BC1-BM632w-000001"');
    ok('{"_deviceId._ProductClass": "HGW", "_deviceId._OUI": "00D09E"}', 'productClass = "HGW" AND oui = "00D09E"');
    ok('{"_deviceId._SerialNumber": {"$in": ["A1", "A2"]}}', 'serialNumber = "A1" OR serialNumber = "A2"');
    ok('{"_deviceId._Manufacturer": {"$nin": ["X"]}}', 'NOT manufacturer = "X"');
    ok('{"InternetGatewayDevice.DeviceInfo.SoftwareVersion._value": "1.0"}', 'InternetGatewayDevice.DeviceInfo.SoftwareVersion = "1.0"');
    ok('{"InternetGatewayDevice.DeviceInfo.SoftwareVersion": {"$ne": "1.0"}}', 'NOT InternetGatewayDevice.DeviceInfo.SoftwareVersion = "1.0"');
    ok('{"Device.ManagementServer.PeriodicInformInterval._value": {"$gte": 300, "$lt": 3600}}', "Device.ManagementServer.PeriodicInformInterval >= 300 AND Device.ManagementServer.PeriodicInformInterval < 3600");
    ok('{"Device.X.Enable": true}', "Device.X.Enable = true");
    ok('{"Device.WiFi.SSID.2.SSID": {"$exists": true}}', "Device.WiFi.SSID.2.SSID EXISTS");
    ok('{"Device.WiFi.SSID.2.SSID": null}', "Device.WiFi.SSID.2.SSID NOT EXISTS");
    ok('{"_lastInform": {"$gt": "2024-05-01T00:00:00Z"}}', 'lastInform > "2024-05-01T00:00:00Z"');
    ok('{"_lastInform": {"$lt": 1714521600000}}', 'lastInform < "2024-05-01T00:00:00Z"');
    ok('{"_registered": {"$exists": true}, "_lastBoot": {"$lte": "2024-05-01"}}', 'registered EXISTS AND lastBoot <= "2024-05-01"');
    ok('{"$or": [{"_tags": "a"}, {"$and": [{"_tags": "b"}, {"_tags": "c"}]}]}', 'tag = "a" OR tag = "b" AND tag = "c"');
    ok('{"$nor": [{"_tags": "a"}, {"_tags": "b"}]}', 'NOT (tag = "a" OR tag = "b")');
    ok('{"$or": [{}, {"_tags": "a"}]}', "");
    ok('{"Device.X": {"$not": {"$gt": 5}}}', "NOT Device.X > 5");
  });

  it("turns regular expressions that are patterns into Provisio's pattern operators", () => {
    ok('{"_id": {"$regex": "^00D09E-"}}', 'id ^= "00D09E-"');
    ok('{"_id": {"$regex": "HGW"}}', 'id *= "HGW"');
    ok('{"_id": {"$regex": "^A1$"}}', 'id = "A1"');
    ok('{"_id": {"$regex": "-01$"}}', 'id ~= "*-01"');
    ok('{"Device.DeviceInfo.SoftwareVersion": {"$regex": "^2\\\\.1\\\\..*-rc$"}}', 'Device.DeviceInfo.SoftwareVersion ~= "2.1.*-rc"');
    ok('{"_deviceId._SerialNumber": {"$regex": "^S.N"}}', 'serialNumber ~= "S?N*"');
    ok('{"_tags": {"$regex": "^lab-"}}', 'tag ^= "lab-"');
    ok('{"_id": {"$regex": "a\\\\*b"}}', 'id *= "a*b"');
    ok('{"_id": {"$regex": "^a\\\\*b.$"}}', 'id ~= "a\\\\*b?"');
  });

  it("refuses what has no equivalent, saying why", () => {
    refused('{"_id": {"$regex": "^[0-9]+$"}}', /"\[" has no equivalent/);
    refused('{"_id": {"$regex": "a|b"}}', /"\|" has no equivalent/);
    refused('{"_id": {"$regex": "\\\\d"}}', /class or escape \\d/);
    refused('{"_id": {"$regex": "abc", "$options": "i"}}', /options/);
    refused('{"Device.X": {"$where": "1"}}', /\$where has no Provisio equivalent/);
    refused('{"$where": "this.x"}', /\$where/);
    refused('{"Device.X._timestamp": {"$gt": 1}}', /_timestamp/);
    refused('{"Device.*.X": "1"}', /wildcard/);
    refused('{"_tags": {"$gt": "a"}}', /FILTER_TYPE|tag/);
    refused('{"Tags.lab": "yes"}', /true or false/);
    refused('{"_timestamp": 5}', /no Provisio device field/);
    refused('{"_id": ', /not valid JSON/);
    refused('{"Device.X": {"$in": []}}', /non-empty array/);
    refused('{"Device.X": {"$eq": {"a": 1}}}', /not a string, number or boolean/);
  });
});

describe("GenieACS preconditions, expression syntax", () => {
  it("translates comparisons, LIKE, IS NULL, tags and NOW()", () => {
    ok('DeviceID.ProductClass = "HGW" AND Tags.lab IS NOT NULL', 'productClass = "HGW" AND tag = "lab"');
    ok("Tags.lab IS NULL", 'NOT tag = "lab"');
    ok("Tags.lab = true", 'tag = "lab"');
    ok("Tags.old0x2Dfw <> true", 'NOT tag = "old-fw"');
    ok('DeviceID.ID = "A" OR DeviceID.SerialNumber = "B" OR DeviceID.OUI = "00D09E" OR DeviceID.Manufacturer = "M"', 'id = "A" OR serialNumber = "B" OR oui = "00D09E" OR manufacturer = "M"');
    ok("Device.ManagementServer.PeriodicInformInterval > 300", "Device.ManagementServer.PeriodicInformInterval > 300");
    ok("300 < Device.ManagementServer.PeriodicInformInterval", "Device.ManagementServer.PeriodicInformInterval > 300");
    ok('Device.X <> "a"', 'Device.X != "a"');
    ok("Device.X >= -1.5 AND Device.Y <= 2e3", "Device.X >= -1.5 AND Device.Y <= 2000");
    ok('Device.DeviceInfo.SoftwareVersion LIKE "2.%"', 'Device.DeviceInfo.SoftwareVersion ^= "2."');
    ok('Device.DeviceInfo.SoftwareVersion LIKE "%beta%"', 'Device.DeviceInfo.SoftwareVersion *= "beta"');
    ok('Device.DeviceInfo.SoftwareVersion NOT LIKE "2._*"', 'NOT Device.DeviceInfo.SoftwareVersion ~= "2.?\\\\*"');
    ok('DeviceID.SerialNumber LIKE "ABC"', 'serialNumber = "ABC"');
    ok("Device.WiFi.SSID.2.SSID IS NOT NULL", "Device.WiFi.SSID.2.SSID EXISTS");
    ok("Device.WiFi.SSID.2.SSID IS NULL", "Device.WiFi.SSID.2.SSID NOT EXISTS");
    ok("Events.Inform > NOW() - 3600000", "lastInform > now-1h");
    ok("Events.1_BOOT < NOW()", "lastBoot < now");
    ok("Events.Registered >= 1714521600000", 'registered >= "2024-05-01T00:00:00Z"');
    ok('NOT (Tags.a IS NOT NULL OR Tags.b IS NOT NULL) AND DeviceID.ProductClass = \'HGW\'', 'NOT (tag = "a" OR tag = "b") AND productClass = "HGW"');
    ok("a.b = 1 OR c.d = 2 AND e.f = 3", "a.b = 1 OR c.d = 2 AND e.f = 3");
    ok('Device.X = "say ""hi"""', 'Device.X = "say \\"hi\\""');
    ok("true", "");
    ok("TRUE AND Tags.a IS NOT NULL", 'tag = "a"');
    ok("FALSE OR Tags.a IS NOT NULL", 'tag = "a"');
    ok("", "");
    assert.equal(syntaxOf("Tags.a IS NULL"), "expression");
    assert.equal(syntaxOf(' {"_tags": "a"}'), "mongodb");
  });

  it("refuses what has no equivalent, saying why", () => {
    refused("Device.A = Device.B", /compare a parameter with a value/);
    refused('UPPER(Device.A) = "X"', /function UPPER\(\)/);
    refused("Device.A + 1 > 5", /arithmetic/);
    refused("Device.A = NULL", /IS NULL/);
    refused("1 = 1", /two values/);
    refused("false", /no device/);
    refused('Device.A = "x', /not closed/);
    refused("Device.A = ", /ends too early/);
    refused("Device.A ~ 1", /unexpected "~"/);
    refused("Tags.a > 1", /tag is compared with = true or = false/);
    refused('Tags.a LIKE "x%"', /tag is present or not/);
    refused("Events.Inform > NOW() - Device.X", /NOW\(\) plus or minus/);
    refused('Device.*.Enable = true', /wildcard/);
    refused('Device.A = 1 Device.B = 2', /unexpected "Device.B"/);
  });

  it("means on a device what GenieACS means: a missing value is no match, NOT makes it one", () => {
    const device: DeviceRecord = {
      id: "00D09E-HGW-1", manufacturer: "M", oui: "00D09E", productClass: "HGW", serialNumber: "1", registeredAt: new Date(0), lastInformAt: new Date(0),
      lastInformAddress: null, lastBootAt: null, lastBootstrapAt: null, cwmpNamespace: "1-0", cwmpVersion: null, credentials: "bootstrap", protocol: "cwmp", tags: ["lab"],
    };
    const fd = filterDevice(device, [{ path: "Device.X", value: "5", type: "xsd:int" }]);
    const holds = (p: string) => {
      const t = translatePrecondition(p);
      assert.ok(t.ok, p);
      return t.filter === "" || evaluate(parse(t.filter), fd, { now: new Date() });
    };
    assert.equal(holds("Device.Y <> 1"), false, "GenieACS: NULL <> 1 is not true");
    assert.equal(holds('{"Device.Y": {"$ne": 1}}'), true, "MongoDB: $ne matches a missing field");
    assert.equal(holds("Device.X > 4 AND Tags.lab IS NOT NULL"), true);
    assert.equal(holds('{"Device.X._value": {"$lt": 5}}'), false);
  });
});

describe("GenieACS presets", () => {
  it("carries weight, schedule, events, filter and every kind of configuration over", () => {
    const t = translatePreset({
      _id: "lab gateways",
      channel: "wifi",
      weight: 10,
      schedule: "3600 0 2 * * *",
      events: { "0 BOOTSTRAP": true, "1 BOOT": true },
      precondition: '{"_tags": "lab"}',
      configurations: [
        { type: "value", name: "Device.ManagementServer.PeriodicInformInterval", value: "300" },
        { type: "age", name: "Device.DeviceInfo.", age: "3600" },
        { type: "add_tag", tag: "seen" },
        { type: "delete_tag", tag: "new" },
        { type: "provision", name: "refresh", args: ["Device.WiFi.", 600] },
        { type: "provision", name: "value", args: ["Device.X.[Name:guest].Enable", true] },
        { type: "provision", name: "instances", args: ["Device.X.[Name:guest]", 1] },
        { type: "provision", name: "tag", args: ["t", false] },
        { type: "provision", name: "my-script", args: ["a", 1] },
        { type: "provision", name: "plain" },
      ],
    });
    assert.deepEqual(t.preset, {
      name: "lab-gateways",
      description: 'Imported from GenieACS preset "lab gateways"',
      weight: 10,
      filter: 'tag = "lab"',
      events: ["0 BOOTSTRAP"],
      provisions: [
        { name: "lab-gateways.genieacs" },
        { name: "builtin:tag", args: { tag: "seen", present: true } },
        { name: "builtin:tag", args: { tag: "new", present: false } },
        { name: "builtin:refresh", args: { path: "Device.WiFi.", maxAge: 600 } },
        { name: "builtin:tag", args: { tag: "t", present: false } },
        { name: "my-script", args: ["a", 1] },
        { name: "plain" },
      ],
      schedule: { cron: "0 2 * * *", duration: 3600 },
    });
    assert.deepEqual(t.provisions, [{
      name: "lab-gateways.genieacs", kind: "declarative", description: `GenieACS preset "lab gateways"'s value and age configurations`,
      declarations: [
        { path: "Device.ManagementServer.PeriodicInformInterval", value: "300" },
        { path: "Device.DeviceInfo.", maxAge: 3600 },
        { path: "Device.X.[Name=guest].Enable", value: true },
        { path: "Device.X.[Name=guest].", instances: 1 },
      ],
    }]);
    assert.deepEqual(t.uses, ["my-script", "plain"]);
    assert.equal(t.notes.length, 3, t.notes.join("\n"));
    assert.match(t.notes.join("\n"), /named lab-gateways/);
    assert.match(t.notes.join("\n"), /channel wifi dropped/);
    assert.match(t.notes.join("\n"), /0 BOOTSTRAP and 1 BOOT together/);
    // What comes out passes Provisio's own checks.
    compilePreset(t.preset);
    checkProvision(t.provisions[0]);
  });

  it("takes the expression syntax, Registered, and no events", () => {
    const t = translatePreset({ _id: "p", precondition: "Tags.x IS NOT NULL", events: { Registered: true }, configurations: [{ type: "add_tag", tag: "y" }] });
    assert.equal(t.preset.filter, 'tag = "x"');
    assert.deepEqual(t.preset.events, ["0 BOOTSTRAP"]);
    assert.match(t.notes[0]!, /Registered/);
    assert.deepEqual(translatePreset({ _id: "q", events: {}, configurations: [{ type: "provision", name: "s" }] }).preset.events, []);
    assert.deepEqual(translatePreset({ _id: "r", events: { "2_PERIODIC": true }, configurations: [{ type: "provision", name: "s" }] }).preset.events, ["2 PERIODIC"]);
  });

  it("refuses presets that would apply differently, with the reason", () => {
    const base = { _id: "p", configurations: [{ type: "provision", name: "s" }] };
    const refuses = (extra: Record<string, unknown>, reason: RegExp) => assert.throws(() => translatePreset({ ...base, ...extra }), (e: unknown) => e instanceof Unmappable && reason.test(e.message));
    refuses({ events: { "1 BOOT": false } }, /false/);
    refuses({ events: { "1 BOOT": true, "2 PERIODIC": true } }, /all come in one Inform/);
    refuses({ precondition: "Device.A = Device.B" }, /precondition \(expression syntax\)/);
    refuses({ precondition: '{"$where": "x"}' }, /precondition \(mongodb syntax\)/);
    refuses({ schedule: "0 2 * * *" }, /<seconds> <five cron fields>/);
    refuses({ configurations: [] }, /no configurations/);
    refuses({ configurations: [{ type: "add_object", name: "Device.X", object: "o" }] }, /objects/);
    refuses({ configurations: [{ type: "provision", name: "reboot" }] }, /once per key/);
    refuses({ configurations: [{ type: "provision", name: "download", args: ["x"] }] }, /builtin:firmware/);
    refuses({ configurations: [{ type: "value", name: "Device.X", value: { a: 1 } }] }, /the value/);
    refuses({ configurations: [{ type: "weird" }] }, /unknown configuration type/);
  });
});

describe("GenieACS provisions, virtual parameters, files and devices", () => {
  it("keeps scripts as they are, in the genieacs dialect", () => {
    const p = translateProvision({ _id: "set interval", script: 'declare("Device.X", {value: now}, {value: 1});' });
    assert.deepEqual(p.provision, { name: "set-interval", kind: "script", dialect: "genieacs", description: 'Imported from GenieACS provision "set interval"', script: 'declare("Device.X", {value: now}, {value: 1});' });
    assert.match(p.notes[0]!, /named set-interval/);
    checkProvision(p.provision);
    const v = translateVirtualParameter({ _id: "wifi_name", script: "return {writable: false, value: ['x', 'xsd:string']};" });
    assert.equal(v.provision.kind, "virtual");
    assert.equal(v.provision.dialect, "genieacs");
    checkProvision(v.provision);
    assert.throws(() => translateVirtualParameter({ _id: "wifi name", script: "x" }), /VirtualParameters|virtual parameter is named/);
    assert.throws(() => translateProvision({ _id: "empty", script: " " }), /no script/);
  });

  it("reads files' metadata", () => {
    const f = translateFile({ _id: "fw-2.0.bin", length: 12, metadata: { fileType: "1 Firmware Upgrade Image", oui: "00D09E", productClass: "HGW", version: "2.0" } });
    assert.deepEqual(f, { source: "fw-2.0.bin", meta: { name: "fw-2.0.bin", fileType: "1 Firmware Upgrade Image", oui: "00D09E", productClass: "HGW", version: "2.0", description: "Imported from GenieACS" }, size: 12 });
    assert.equal(translateFile({ _id: "x", filename: "y.cfg", metadata: { fileType: "3 Vendor Configuration File" } }).meta.name, "y.cfg");
    assert.throws(() => translateFile({ _id: "z" }), /fileType/);
  });

  it("reads a device as GenieACS keeps it: identity, times, tags, typed values", () => {
    const d = translateDevice({
      _id: "00D09E-HGW%2D1-S%201",
      _deviceId: { _Manufacturer: "Acme", _OUI: "00d09e", _ProductClass: "HGW-1", _SerialNumber: "S 1" },
      _registered: "2024-01-01T00:00:00.000Z",
      _lastInform: "2024-05-01T10:00:00.000Z",
      _tags: ["lab", "bad,tag"],
      Device: {
        _object: true, _writable: false, _timestamp: "2024-05-01T10:00:00.000Z",
        DeviceInfo: {
          _object: true,
          SoftwareVersion: { _value: "1.2.3", _type: "xsd:string", _timestamp: "2024-05-01T10:00:00.000Z", _writable: false },
          UpTime: { _value: 3600, _type: "xsd:unsignedInt", _timestamp: "2024-04-30T10:00:00.000Z" },
        },
        ManagementServer: { PeriodicInformEnable: { _value: true, _type: "xsd:boolean" }, Pair: { _value: ["7", "xsd:int"] } },
        Time: { CurrentLocalTime: { _value: "2024-05-01T10:00:00.000Z", _type: "xsd:dateTime" } },
        NameOnly: { _writable: true },
      },
    });
    assert.equal(d.id, "00D09E-HGW_2D1-S_201", "Provisio's own escaping of the identity");
    assert.deepEqual([d.manufacturer, d.oui, d.productClass, d.serialNumber], ["Acme", "00D09E", "HGW-1", "S 1"]);
    assert.equal(d.registeredAt?.toISOString(), "2024-01-01T00:00:00.000Z");
    assert.equal(d.lastInformAt?.toISOString(), "2024-05-01T10:00:00.000Z");
    assert.deepEqual(d.tags, ["lab"]);
    assert.deepEqual(d.droppedTags, ["bad,tag"]);
    assert.deepEqual(d.values.map((v) => [v.path, v.value, v.type, v.at?.toISOString() ?? null]), [
      ["Device.DeviceInfo.SoftwareVersion", "1.2.3", "xsd:string", "2024-05-01T10:00:00.000Z"],
      ["Device.DeviceInfo.UpTime", "3600", "xsd:unsignedInt", "2024-04-30T10:00:00.000Z"],
      ["Device.ManagementServer.PeriodicInformEnable", "true", "xsd:boolean", null],
      ["Device.ManagementServer.Pair", "7", "xsd:int", null],
      ["Device.Time.CurrentLocalTime", "2024-05-01T10:00:00.000Z", "xsd:dateTime", null],
    ]);
    assert.throws(() => translateDevice({ _id: "x", _deviceId: { _OUI: "00D09E" } }), /_SerialNumber/);
    assert.throws(() => translateDevice([]), /not a JSON object/);
  });
});
