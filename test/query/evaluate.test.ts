import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  booleanOf, compareForSort, compareText, evaluate, filterDevice, FilterError, numberOf, parse, resolveSort, timeLiteralOf, timeOf,
  type FilterDevice,
} from "../../src/query/index.js";

const NOW = new Date(Date.UTC(2024, 4, 1, 12, 0, 0));
const MIN = 60_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

type Params = Record<string, string | null | [string | null, string]>;

function device(over: Partial<Omit<FilterDevice, "parameter">> = {}, params: Params = {}): FilterDevice {
  return filterDevice({
    id: "00D09E-HGW-1-SIM1", oui: "00D09E", productClass: "HGW-1", serialNumber: "SIM1", manufacturer: "Acme", cwmpVersion: "1.4",
    credentials: "bootstrap", registeredAt: ago(30 * 24 * 60 * MIN), lastInformAt: ago(5 * MIN), lastBootAt: ago(60 * MIN), lastBootstrapAt: null, tags: ["east", "lab"],
    ...over,
  }, Object.entries(params).map(([path, v]) => Array.isArray(v) ? { path, value: v[0], type: v[1] } : { path, value: v, type: v === null ? null : "xsd:string" }));
}

const D = device({}, {
  "Device.": null,
  "Device.DeviceInfo.": null,
  "Device.DeviceInfo.SoftwareVersion": "2.0.1",
  "Device.DeviceInfo.UpTime": ["3600", "xsd:unsignedInt"],
  "Device.ManagementServer.PeriodicInformInterval": [" 300 ", "xsd:unsignedInt"],
  "Device.ManagementServer.PeriodicInformEnable": ["true", "xsd:boolean"],
  "Device.WiFi.Enable": ["0", "xsd:boolean"],
  "Device.Time.CurrentLocalTime": ["2024-05-01T11:30:00Z", "xsd:dateTime"],
  "Device.Time.Zoned": ["2024-05-01T13:30:00+02:00", "xsd:dateTime"],
  "Device.X.Unknown": null,
  "Device.X.Text": "hello",
  "Device.X.Hex": "0x10",
  "Device.X.DateText": "2024-05-01T11:30:00Z",
});

function matches(filter: string, d: FilterDevice = D, onlineWithinMs?: number): boolean {
  return evaluate(parse(filter), d, { now: NOW, ...(onlineWithinMs === undefined ? {} : { onlineWithinMs }) });
}

function check(cases: [string, boolean][], d: FilterDevice = D): void {
  for (const [filter, expected] of cases) assert.equal(matches(filter, d), expected, filter);
}

describe("evaluate: device fields", () => {
  test("text fields: every operator, by code point, case-sensitive", () => {
    check([
      ['productClass = "HGW-1"', true], ['productClass = "hgw-1"', false], ['productClass != "HGW-1"', false], ['productClass != "X"', true],
      ['productClass < "HGW-2"', true], ['productClass <= "HGW-1"', true], ['productClass > "HGW-1"', false], ['productClass >= "HGW-1"', true],
      ['productClass > "HGW-"', true], ['productClass ^= "HGW"', true], ['productClass ^= "hgw"', false], ['productClass ^= ""', true],
      ['productClass ^= "HGW-1x"', false], ['oui IN ("A1B2C3", "00D09E")', true], ['oui IN ("A1B2C3")', false], ['id ^= "00D09E-"', true],
      ['serialNumber = "SIM1"', true], ['manufacturer = "Acme"', true], ['cwmpVersion = "1.4"', true], ['cwmpVersion >= "1.2"', true],
      ["oui EXISTS", true], ["cwmpVersion EXISTS", true],
      ['credentials = "bootstrap"', true], ['credentials != "own"', true], ['credentials IN ("own")', false], ['credentials ^= "boot"', true],
    ]);
  });

  test("an unknown field value matches no comparison, and NOT of one matches", () => {
    const d = device({ cwmpVersion: null, lastInformAt: null, lastBootAt: null });
    check([
      ['cwmpVersion = "1.4"', false], ['cwmpVersion != "1.4"', false], ['cwmpVersion < "9"', false], ['cwmpVersion ^= ""', false],
      ['cwmpVersion IN ("1.4", "")', false], ['NOT cwmpVersion = "1.4"', true], ["cwmpVersion EXISTS", false], ["cwmpVersion NOT EXISTS", true],
      ["lastInform > now-1d", false], ["lastInform < now-1d", false], ["lastBoot != now", false], ["NOT lastBoot < now", true],
      ["lastInform EXISTS", false], ["lastBootstrap NOT EXISTS", true],
    ], d);
  });

  test("time fields: relative times from the given now, ISO date-times and dates", () => {
    check([
      ["lastInform > now-10m", true], ["lastInform > now-5m", false], ["lastInform >= now-5m", true], ["lastInform < now-1m", true],
      ["lastInform = now-5m", true], ["lastInform != now-5m", false], ["lastInform IN (now-1m, now-5m)", true], ["lastInform IN (now-1m)", false],
      ['lastInform > "2024-05-01T11:50:00Z"', true], ['lastInform = "2024-05-01T11:55:00Z"', true], ['lastInform = "2024-05-01T13:55:00+02:00"', true],
      ['lastInform = "2024-05-01T11:55:00"', true], ['lastInform > "2024-05-01"', true], ['lastInform < "2024-05-02"', true],
      ["registered < now-29d", true], ["registered > now-31d", true], ["lastBoot < now-59m", true], ["lastBootstrap < now", false],
      ["lastBoot > now+1h", false],
    ]);
    // The same filter on the same device depends on the time it is evaluated at.
    const f = parse("lastInform > now-10m");
    assert.equal(evaluate(f, D, { now: NOW }), true);
    assert.equal(evaluate(f, D, { now: new Date(NOW.getTime() + 6 * MIN) }), false);
  });

  test("tags are a set: = is membership, != is its absence, ^= any tag's prefix, EXISTS any tag", () => {
    check([
      ['tag = "lab"', true], ['tag = "la"', false], ['tag = "Lab"', false], ['tag != "lab"', false], ['tag != "broken"', true],
      ['NOT tag = "broken"', true], ['tag ^= "ea"', true], ['tag ^= "x"', false], ['tag IN ("x", "east")', true], ['tag IN ("x")', false],
      ["tag EXISTS", true],
    ]);
    const untagged = device({ tags: [] });
    check([['tag = "lab"', false], ['tag != "lab"', true], ['tag ^= ""', false], ["tag EXISTS", false], ["tag NOT EXISTS", true]], untagged);
  });

  test("*= contains and ~= matches a glob (* any run, ? one character, \\ escapes), case-sensitive, on fields and tags", () => {
    check([
      ['serialNumber *= "IM"', true], ['serialNumber *= "im"', false], ['serialNumber *= ""', true], ['id *= "-HGW-1-"', true],
      ['serialNumber ~= "SIM?"', true], ['serialNumber ~= "SIM"', false], ['serialNumber ~= "S*1"', true], ['serialNumber ~= "*"', true],
      ['serialNumber ~= "s*"', false], ['productClass ~= "HGW-?"', true], ['productClass ~= "HGW-??"', false], ['productClass ~= "*-*-*"', false],
      ['tag *= "as"', true], ['tag ~= "l?b"', true], ['tag ~= "L*"', false], ['NOT tag *= "x"', true], ['cwmpVersion ~= "1.*"', true],
    ]);
    check([['cwmpVersion *= ""', false], ['NOT cwmpVersion ~= "*"', true], ['tag ~= "*"', false]], device({ cwmpVersion: null, tags: [] }));
    // ? is one character (a code point), not one UTF-16 unit; the escapes make wildcards literal.
    const odd = device({ serialNumber: "a😀*?\\b" });
    check([
      ['serialNumber ~= "a?*"', true], ['serialNumber ~= "a?\\\\*\\\\?\\\\\\\\b"', true], ['serialNumber ~= "a???\\\\\\\\b"', true],
      ['serialNumber ~= "a????\\\\\\\\b"', false], ['serialNumber *= "*?"', true], ['serialNumber ~= "*\\\\?*"', true], ['serialNumber ~= "*\\\\?"', false],
    ], odd);
  });

  test("a glob's stars backtrack without blowing up: many stars against a long text that almost matches", () => {
    const long = device({ serialNumber: "a".repeat(20_000) });
    check([[`serialNumber ~= "${"a*".repeat(16)}b"`, false], [`serialNumber ~= "${"*a".repeat(16)}"`, true]], long);
  });

  test("online: the last Inform within the window given at evaluation", () => {
    assert.equal(matches("online", D, 5 * MIN), true);
    assert.equal(matches("online", D, 5 * MIN - 1), false);
    assert.equal(matches("NOT online", D, MIN), true);
    assert.equal(matches("online", device({ lastInformAt: null }), 1e9), false);
    assert.equal(matches("online", device({ lastInformAt: new Date(NOW.getTime() + MIN) }), 0), true);
  });

  test("a filter using online without a window is refused, whatever the device", () => {
    for (const f of ["online", 'productClass = "nope" AND online', 'productClass = "HGW-1" OR online']) {
      assert.throws(() => evaluate(parse(f), D, { now: NOW }), (err: unknown) => err instanceof FilterError && err.code === "FILTER_CONTEXT", f);
    }
    assert.equal(evaluate(parse('productClass = "HGW-1"'), D, { now: NOW }), true);
  });
});

describe("evaluate: parameters", () => {
  test("a number compares numerically with values that are numbers; others never match", () => {
    const P = "Device.ManagementServer.PeriodicInformInterval";
    check([
      [`${P} = 300`, true], [`${P} = 300.0`, true], [`${P} = 3e2`, true], [`${P} != 300`, false], [`${P} != 60`, true],
      [`${P} >= 300`, true], [`${P} > 300`, false], [`${P} < 1000`, true], [`${P} <= 299.5`, false], [`${P} > -1`, true],
      [`${P} IN (60, 300)`, true], [`${P} IN (60, 600)`, false],
      // Numerically, not as text: "3600" > "600" although "3" < "6".
      ["Device.DeviceInfo.UpTime > 600", true],
      ["Device.DeviceInfo.SoftwareVersion > 1", false], ["Device.DeviceInfo.SoftwareVersion != 1", false],
      ["Device.X.Text < 1", false], ["Device.X.Text != 1", false], ["Device.X.Hex = 16", false], ["Device.X.Unknown != 1", false],
      ["Device.Nope != 1", false], ["NOT Device.Nope = 1", true],
    ]);
  });

  test("a string compares as text, by code point, whatever the value's type", () => {
    check([
      ['Device.DeviceInfo.SoftwareVersion = "2.0.1"', true], ['Device.DeviceInfo.SoftwareVersion != "2.0.1"', false],
      ['Device.DeviceInfo.SoftwareVersion != "2.0.2"', true], ['Device.DeviceInfo.SoftwareVersion < "2.0.10"', true],
      ['Device.DeviceInfo.SoftwareVersion ^= "2.0."', true], ['Device.DeviceInfo.UpTime = "3600"', true],
      // As text, " 300 " is not "300" and "3600" < "600".
      ['Device.ManagementServer.PeriodicInformInterval = "300"', false], ['Device.DeviceInfo.UpTime < "600"', true],
      ['Device.ManagementServer.PeriodicInformEnable = "true"', true], ['Device.X.Text IN ("a", "hello")', true],
      ['Device.X.Unknown = ""', false], ['Device.X.Unknown ^= ""', false], ['Device.X.Text ^= ""', true],
    ]);
    const d = device({}, { "Device.A": "\uE000", "Device.B": "😀" });
    // By code point U+E000 < U+1F600; by UTF-16 code unit 0xE000 > 0xD83D.
    check([['Device.A < "😀"', true], ['Device.B > "\uE000"', true], ['Device.B < "\uE000"', false]], d);
  });

  test("*= and ~= read any value as text, whatever its type or whether it looks like a time", () => {
    check([
      ['Device.X.Text *= "ell"', true], ['Device.X.Text ~= "h*o"', true], ['Device.X.Text ~= "H*"', false],
      ['Device.ManagementServer.PeriodicInformInterval ~= " 3*"', true], ['Device.ManagementServer.PeriodicInformInterval *= "300"', true],
      ['Device.Time.Zoned *= "+02:00"', true], ['Device.X.Unknown *= ""', false], ['Device.X.Missing ~= "*"', false], ['NOT Device.X.Missing ~= "*"', true],
    ]);
  });

  test("true and false match 1/true and 0/false alike (any case, spaces ignored)", () => {
    const d = device({}, { "Device.T1": "1", "Device.T2": "TRUE", "Device.F1": " false ", "Device.F2": "0", "Device.N": "yes", "Device.U": null });
    check([
      ["Device.T1 = true", true], ["Device.T2 = true", true], ["Device.F1 = false", true], ["Device.F2 = false", true],
      ["Device.T1 != false", true], ["Device.F2 != true", true], ["Device.T1 = false", false], ["Device.F1 != false", false],
      ["Device.N = true", false], ["Device.N != true", false], ["Device.N = false", false], ["Device.U = true", false], ["Device.U != true", false],
      ["Device.T2 IN (false, true)", true], ["Device.N IN (false, true)", false],
    ], d);
  });

  test("times compare as instants with values that are date-times", () => {
    check([
      ["Device.Time.CurrentLocalTime > now-1h", true], ["Device.Time.CurrentLocalTime > now-30m", false],
      ["Device.Time.CurrentLocalTime >= now-30m", true], ["Device.Time.Zoned = now-30m", true],
      ["Device.X.DateText = now-30m", true], ["Device.X.Text > now-1h", false], ["Device.X.Text != now", false],
      // A quoted date-time is a time for date-time values...
      ['Device.Time.Zoned = "2024-05-01T11:30:00Z"', true], ['Device.Time.CurrentLocalTime = "2024-05-01T13:30:00+02:00"', true],
      ['Device.Time.CurrentLocalTime > "2024-05-01"', true], ['Device.Time.CurrentLocalTime IN ("2024-05-01T11:30:00.000Z")', true],
      // ...and text for the others.
      ['Device.X.Text < "2024-05-01T00:00:00Z"', false], ['Device.X.Text > "2024-05-01T00:00:00Z"', true],
      // ^= is always about text.
      ['Device.Time.Zoned ^= "2024-05-01T13"', true],
    ]);
    const d = device({}, { "Device.D": "2024-05-01", "Device.Bad": ["2024-02-30T00:00:00Z", "xsd:dateTime"] });
    check([
      ['Device.D = "2024-05-01"', true], ['Device.D > "2024-04-30T00:00:00Z"', true], ["Device.D < now", false],
      ['Device.Bad = "2024-02-30T00:00:00Z"', true], ["Device.Bad < now", false],
    ], d);
  });

  test("EXISTS holds for parameters and objects the device has, with or without a known value", () => {
    check([
      ["Device.DeviceInfo.SoftwareVersion EXISTS", true], ["Device.X.Unknown EXISTS", true], ["Device.DeviceInfo. EXISTS", true],
      ["Device.Nope EXISTS", false], ["Device.Nope NOT EXISTS", true], ["InternetGatewayDevice. EXISTS", false],
    ]);
  });

  test("boolean structure: AND, OR, NOT and IN", () => {
    check([
      ['productClass = "HGW-1" AND tag = "lab"', true], ['productClass = "HGW-1" AND tag = "x"', false],
      ['productClass = "x" OR tag = "lab"', true], ['productClass = "x" OR tag = "x"', false],
      ['NOT (productClass = "x" OR tag = "x")', true], ['NOT productClass = "x" AND NOT tag = "x" AND Device.DeviceInfo.UpTime = 3600', true],
      ['Device.DeviceInfo.UpTime IN ("x", 3600.0, true)', true], ['Device.ManagementServer.PeriodicInformEnable IN ("x", 1, true)', true],
    ]);
  });
});

describe("values", () => {
  test("numberOf: decimal numbers with optional sign, fraction, exponent and spaces", () => {
    for (const [text, n] of [["300", 300], [" 300\t", 300], ["3e2", 300], ["+7", 7], ["-1.5", -1.5], [".5", 0.5], ["5.", 5], ["-0", 0], ["1E-2", 0.01]] as const) {
      assert.equal(numberOf(text), n, text);
    }
    assert.ok(Object.is(numberOf("-0"), 0));
    for (const text of ["", " ", "abc", "0x10", "1e400", "Infinity", "NaN", "1,5", "1 5", "1e", "--1", "\u00a01"]) assert.equal(numberOf(text), null, text);
    assert.equal(numberOf(null), null);
  });

  test("booleanOf and timeOf", () => {
    assert.deepEqual(["1", "true", "True", " TRUE ", "0", "false", "FALSE", "yes", "", "2"].map(booleanOf), [true, true, true, true, false, false, false, null, null, null]);
    assert.equal(timeOf("2024-05-01T12:00:00Z"), NOW.getTime());
    assert.equal(timeOf(" 2024-05-01T14:00:00+02:00 "), NOW.getTime());
    assert.equal(timeOf("2024-05-01T12:00:00"), NOW.getTime());
    assert.equal(timeOf("2024-05-01T12:00:00.999Z"), NOW.getTime() + 999);
    for (const text of ["2024-05-01", "2024-02-30T00:00:00Z", "yesterday", ""]) assert.equal(timeOf(text), null, text);
    assert.equal(timeLiteralOf("2024-05-01"), Date.UTC(2024, 4, 1));
    assert.equal(timeLiteralOf("2024-05-01T12:00:00Z"), NOW.getTime());
    assert.equal(timeLiteralOf("2024-5-1"), null);
  });

  test("compareText orders by code point", () => {
    const sorted = ["", "A", "B", "a", "ab", "é", "\uE000", "\uFFFD", "𝕏", "😀"];
    assert.deepEqual([...sorted].reverse().sort(compareText), sorted);
    assert.ok(compareText("\uE000", "😀") < 0);
    assert.ok("\uE000" > "😀", "JavaScript's own order differs here, which is why compareText exists");
  });
});

describe("sort", () => {
  test("resolveSort checks keys and resolves field names", () => {
    assert.deepEqual(resolveSort([{ field: "LASTINFORMAT", direction: "desc" }, { field: "Device.X" }]), [
      { target: { kind: "field", name: "lastInform" }, direction: "desc" }, { target: { kind: "parameter", path: "Device.X" }, direction: "asc" },
    ]);
    const bad: [unknown, string][] = [
      ["id", "FILTER_SORT"], [[{ field: "tag" }], "FILTER_SORT"], [[{ field: "online" }], "FILTER_SORT"], [[{ field: "nope" }], "FILTER_SORT"],
      [[{ field: "id", direction: "up" }], "FILTER_SORT"], [[{ field: "Device.X." }], "FILTER_SORT"], [[{ field: "Device..X" }], "FILTER_PATH"],
      [[{}], "FILTER_SORT"], [Array.from({ length: 9 }, () => ({ field: "id" })), "FILTER_SORT"],
    ];
    for (const [keys, code] of bad) assert.throws(() => resolveSort(keys), (err: unknown) => err instanceof FilterError && err.code === code, JSON.stringify(keys));
  });

  test("parameter values: numbers before texts ascending, texts first descending, missing last both ways, ties by id", () => {
    const devs = [
      ["d1", "10"], ["d2", "9"], ["d3", "b"], ["d4", null], ["d5", "A"], ["d6", "9.0"], ["d7", undefined], ["d8", " 10 "], ["d9", "-1"],
    ].map(([id, v]) => device({ id: id! }, v === undefined ? {} : { "Device.X": v as string | null }));
    const order = (direction: "asc" | "desc") => [...devs].sort(compareForSort(resolveSort([{ field: "Device.X", direction }]))).map((d) => d.id);
    // 9 and 9.0 are the same number: their texts decide ("9" < "9.0"); " 10 " < "10" as text.
    assert.deepEqual(order("asc"), ["d9", "d2", "d6", "d8", "d1", "d5", "d3", "d4", "d7"]);
    assert.deepEqual(order("desc"), ["d3", "d5", "d1", "d8", "d6", "d2", "d9", "d4", "d7"]);
  });

  test("fields: text by code point, times by instant, unknown last, then the next key, then id", () => {
    const devs = [
      device({ id: "a", productClass: "B", lastBootAt: ago(1) }), device({ id: "b", productClass: "A", lastBootAt: null }),
      device({ id: "c", productClass: "B", lastBootAt: ago(2) }), device({ id: "d", productClass: "é", lastBootAt: null }),
      device({ id: "e", productClass: "B", lastBootAt: ago(1) }),
    ];
    const ids = (keys: { field: string; direction?: "asc" | "desc" }[]) => [...devs].sort(compareForSort(resolveSort(keys))).map((d) => d.id);
    assert.deepEqual(ids([{ field: "lastBoot" }]), ["c", "a", "e", "b", "d"]);
    assert.deepEqual(ids([{ field: "lastBoot", direction: "desc" }]), ["a", "e", "c", "b", "d"]);
    assert.deepEqual(ids([{ field: "productClass", direction: "desc" }, { field: "lastBoot" }]), ["d", "c", "a", "e", "b"]);
    assert.deepEqual(ids([{ field: "id", direction: "desc" }, { field: "productClass" }]), ["e", "d", "c", "b", "a"]);
    assert.deepEqual(ids([]), ["a", "b", "c", "d", "e"]);
  });
});
