import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { analyze, FILTER_LIMITS, FilterError, parse, print, toFilter, validate, type FilterNode } from "../../src/query/index.js";
import { randomFilters } from "./generate.js";

const field = (name: string) => ({ kind: "field", name }) as const;
const param = (path: string) => ({ kind: "parameter", path }) as const;
const str = (value: string) => ({ kind: "string", value }) as const;
const num = (value: number) => ({ kind: "number", value }) as const;

function fails(text: string, code: string, column: number, message?: RegExp): void {
  assert.throws(() => parse(text), (err: unknown) => {
    assert.ok(err instanceof FilterError, `${text}: expected a FilterError, got ${String(err)}`);
    assert.equal(err.code, code, `${text}: ${err.message}`);
    assert.equal(err.position?.column, column, `${text}: ${err.message}`);
    assert.ok(err.message.endsWith(`(column ${column})`) || err.message.includes(`column ${column})`), err.message);
    if (message) assert.match(err.reason, message);
    return true;
  });
}

describe("parse", () => {
  test("the issue's examples give the expected trees", () => {
    assert.deepEqual(parse('productClass = "HGW-1" AND tag = "lab" AND Device.DeviceInfo.SoftwareVersion != "2.0.1" AND lastInform > now-1h'), {
      kind: "and",
      operands: [
        { kind: "compare", target: field("productClass"), op: "=", value: str("HGW-1") },
        { kind: "compare", target: field("tag"), op: "=", value: str("lab") },
        { kind: "compare", target: param("Device.DeviceInfo.SoftwareVersion"), op: "!=", value: str("2.0.1") },
        { kind: "compare", target: field("lastInform"), op: ">", value: { kind: "now", offsetMs: -3_600_000 } },
      ],
    });
    assert.deepEqual(parse('oui IN ("A1B2C3", "00259E") OR serialNumber ^= "SIM"'), {
      kind: "or",
      operands: [
        { kind: "in", target: field("oui"), values: [str("A1B2C3"), str("00259E")] },
        { kind: "compare", target: field("serialNumber"), op: "^=", value: str("SIM") },
      ],
    });
    assert.deepEqual(parse('NOT tag = "broken"'), { kind: "not", operand: { kind: "compare", target: field("tag"), op: "=", value: str("broken") } });
    assert.deepEqual(parse("Device.ManagementServer.PeriodicInformInterval >= 300"),
      { kind: "compare", target: param("Device.ManagementServer.PeriodicInformInterval"), op: ">=", value: num(300) });
    assert.deepEqual(parse("InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress EXISTS"),
      { kind: "exists", target: param("InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress") });
    assert.deepEqual(parse("online"), { kind: "online" });
    assert.deepEqual(parse("NOT online"), { kind: "not", operand: { kind: "online" } });
  });

  test("NOT binds tighter than AND, AND tighter than OR; parentheses group; same operators flatten", () => {
    const a = { kind: "exists", target: param("Device.A") } as const;
    const b = { kind: "exists", target: param("Device.B") } as const;
    const c = { kind: "exists", target: param("Device.C") } as const;
    assert.deepEqual(parse("Device.A EXISTS OR Device.B EXISTS AND Device.C EXISTS"), { kind: "or", operands: [a, { kind: "and", operands: [b, c] }] });
    assert.deepEqual(parse("(Device.A EXISTS OR Device.B EXISTS) AND Device.C EXISTS"), { kind: "and", operands: [{ kind: "or", operands: [a, b] }, c] });
    assert.deepEqual(parse("NOT Device.A EXISTS AND Device.B EXISTS"), { kind: "and", operands: [{ kind: "not", operand: a }, b] });
    assert.deepEqual(parse("NOT (Device.A EXISTS AND Device.B EXISTS)"), { kind: "not", operand: { kind: "and", operands: [a, b] } });
    assert.deepEqual(parse("(Device.A EXISTS AND Device.B EXISTS) AND (Device.C EXISTS)"), { kind: "and", operands: [a, b, c] });
    assert.deepEqual(parse("Device.A EXISTS OR (Device.B EXISTS OR Device.C EXISTS)"), { kind: "or", operands: [a, b, c] });
    assert.deepEqual(parse("((((Device.A EXISTS))))"), a);
    assert.deepEqual(parse("NOT NOT Device.A EXISTS"), { kind: "not", operand: { kind: "not", operand: a } });
    assert.deepEqual(parse("Device.A NOT EXISTS"), { kind: "not", operand: a });
  });

  test("keywords in any case; field names in any case and by their record names", () => {
    assert.deepEqual(parse('productclass = "x" and LASTINFORMAT > "2024-01-01" or not Tags exists'), parse('productClass = "x" AND lastInform > "2024-01-01" OR NOT tag EXISTS'));
    assert.deepEqual(parse("registeredAt < now"), { kind: "compare", target: field("registered"), op: "<", value: { kind: "now", offsetMs: 0 } });
    assert.deepEqual(parse("Device.X in (TRUE, False)"), { kind: "in", target: param("Device.X"), values: [{ kind: "boolean", value: true }, { kind: "boolean", value: false }] });
  });

  test("values: string escapes, numbers, booleans, relative times", () => {
    const v = (text: string) => (parse(`Device.X = ${text}`) as Extract<FilterNode, { kind: "compare" }>).value;
    assert.deepEqual(v(String.raw`"a\"b\\c\/d\n\t\r\b\f\u00e9\ud83d\ude00"`), str('a"b\\c/d\n\t\r\b\fé😀'));
    assert.deepEqual(v('"raw é 😀"'), str("raw é 😀"));
    assert.deepEqual(v('""'), str(""));
    assert.deepEqual(v("-5"), num(-5));
    assert.deepEqual(v("1.5e3"), num(1500));
    assert.deepEqual(v("2E-2"), num(0.02));
    assert.ok(Object.is((v("-0") as { value: number }).value, 0));
    assert.deepEqual(v("true"), { kind: "boolean", value: true });
    assert.deepEqual(v("now"), { kind: "now", offsetMs: 0 });
    assert.deepEqual(v("now-15m"), { kind: "now", offsetMs: -900_000 });
    assert.deepEqual(v("now-1h30m"), { kind: "now", offsetMs: -5_400_000 });
    assert.deepEqual(v("now+2d"), { kind: "now", offsetMs: 172_800_000 });
    assert.deepEqual(v("now-1w"), { kind: "now", offsetMs: -604_800_000 });
    assert.deepEqual(v("now-90s"), { kind: "now", offsetMs: -90_000 });
    assert.deepEqual(v("now-250ms"), { kind: "now", offsetMs: -250 });
    assert.deepEqual(v("NOW-0s"), { kind: "now", offsetMs: 0 });
  });

  test("param(\"...\") names paths the bare form cannot (alias segments)", () => {
    assert.deepEqual(parse('param("Device.WiFi.SSID.[main].SSID") = "x"'),
      { kind: "compare", target: param("Device.WiFi.SSID.[main].SSID"), op: "=", value: str("x") });
    assert.deepEqual(parse('PARAM("Device.X") EXISTS'), { kind: "exists", target: param("Device.X") });
  });

  test("errors say what and where, with a stable code", () => {
    fails("", "FILTER_SYNTAX", 1, /empty/);
    fails("   ", "FILTER_SYNTAX", 1, /empty/);
    fails('productClass = "x" AND', "FILTER_SYNTAX", 23, /expected a condition, found the end/);
    fails('productClass "x"', "FILTER_SYNTAX", 14, /expected an operator/);
    fails("productClass =", "FILTER_SYNTAX", 15, /expected a value/);
    fails("productClass = HGW", "FILTER_SYNTAX", 16, /double quotes \("HGW"\)/);
    fails('productClass == "x"', "FILTER_SYNTAX", 14, /"=="/);
    fails('productClass <> "x"', "FILTER_SYNTAX", 14, /"!="/);
    fails('! productClass = "x"', "FILTER_SYNTAX", 1, /NOT/);
    fails('serialNumber ^ "x"', "FILTER_SYNTAX", 14, /\^=/);
    fails("productClass = 'x'", "FILTER_STRING", 16, /double quotes/);
    fails('productClass = "x', "FILTER_STRING", 16, /not closed/);
    fails('productClass = "a\\qb"', "FILTER_STRING", 18, /bad escape/);
    fails('productClass = "\\u12"', "FILTER_STRING", 17, /bad escape/);
    fails('productClass = "\\u0000"', "FILTER_STRING", 16, /U\+0000/);
    fails('productClass = "\\ud800"', "FILTER_STRING", 16, /surrogate/);
    fails("Device.X = 15m", "FILTER_NUMBER", 12, /now-15m/);
    fails("Device.X = 1.", "FILTER_NUMBER", 12);
    fails("Device.X = 1e999", "FILTER_NUMBER", 12, /too large/);
    fails("lastInform > now - 1h", "FILTER_SYNTAX", 18, /without spaces/);
    fails("lastInform > now-15x", "FILTER_TIME", 14, /not a duration/);
    fails("lastInform > now-", "FILTER_TIME", 14);
    fails("lastInform > now-99999999999d", "FILTER_TIME", 14, /too long/);
    fails('lastInform > "yesterday"', "FILTER_TIME", 14, /ISO-8601/);
    fails('lastInform > "2024-02-30"', "FILTER_TIME", 14);
    fails("lastInform > 5", "FILTER_TYPE", 14, /is a time/);
    fails('lastInform ^= "2024"', "FILTER_TYPE", 12, /applies to text/);
    fails("serialNumber = 12345", "FILTER_TYPE", 16, /quote it: "12345"/);
    fails("serialNumber = now", "FILTER_TYPE", 16);
    fails('tag < "a"', "FILTER_TYPE", 5, /tags/);
    fails("online = true", "FILTER_TYPE", 8, /on its own/);
    fails("online EXISTS", "FILTER_TYPE", 8);
    fails("Device.X < true", "FILTER_TYPE", 10, /= or !=/);
    fails("Device.X ^= 5", "FILTER_TYPE", 13, /needs a string/);
    fails("Device.WiFi. = 1", "FILTER_TYPE", 14, /object/);
    fails('Device.X IN ("a", 5, true, now) AND Device.WiFi. IN (1)', "FILTER_TYPE", 50, /object/);
    fails('oui IN ("a", 5)', "FILTER_TYPE", 14, /holds text/);
    fails('credentials = "shared"', "FILTER_TYPE", 15, /"own" or "bootstrap", not "shared"/);
    fails('credentials IN ("own", "Bootstrap")', "FILTER_TYPE", 24, /not "Bootstrap"/);
    fails("Device.X IN ()", "FILTER_SYNTAX", 14, /at least one/);
    fails('Device.X IN ("a" "b")', "FILTER_SYNTAX", 18, /"," or "\)"/);
    fails("Device.X IN 1", "FILTER_SYNTAX", 13, /"\("/);
    fails('Device.X NOT IN ("a")', "FILTER_SYNTAX", 10, /NOT x IN/);
    fails("Device.X NOT = 1", "FILTER_SYNTAX", 14, /EXISTS after NOT/);
    fails('productKlass = "x"', "FILTER_FIELD", 1, /unknown field "productKlass"/);
    fails('(oui = "a" OR x = "b")', "FILTER_FIELD", 15);
    fails('Device..X = "a"', "FILTER_PATH", 1, /not a valid parameter path/);
    fails("Device.01 EXISTS", "FILTER_PATH", 1, /leading zero/);
    fails('Device.*.X = "a"', "FILTER_SYNTAX", 8, /unexpected character "\*"/);
    fails('serialNumber * "a"', "FILTER_SYNTAX", 14, /\*= contains/);
    fails('serialNumber ~ "a"', "FILTER_SYNTAX", 14, /~= matches/);
    fails('lastInform *= "2024"', "FILTER_TYPE", 12, /contains\) applies to text/);
    fails("Device.X ~= 5", "FILTER_TYPE", 13, /needs a string/);
    fails(String.raw`tag ~= "a\\x"`, "FILTER_STRING", 8, /only makes \*, \? or \\ literal/);
    fails(String.raw`serialNumber ~= "a\\"`, "FILTER_STRING", 17, /literal/);
    fails(`serialNumber ~= "${"*".repeat(17)}"`, "FILTER_STRING", 17, /at most 16/);
    fails('param("NoDot") EXISTS', "FILTER_PATH", 7, /root object/);
    fails('param("Device.X.{i}") EXISTS', "FILTER_PATH", 7, /pattern/);
    fails("param(Device.X) EXISTS", "FILTER_SYNTAX", 7, /as a string/);
    fails('(productClass = "x"', "FILTER_SYNTAX", 20, /"\)" to close the "\(" at column 1/);
    fails('productClass = "x")', "FILTER_SYNTAX", 19, /closes nothing/);
    fails('productClass = "x" oui = "y"', "FILTER_SYNTAX", 20, /expected AND, OR/);
    fails('"x" = productClass', "FILTER_SYNTAX", 1, /a value goes after/);
    fails("AND online", "FILTER_SYNTAX", 1, /found AND/);
    fails("online @", "FILTER_SYNTAX", 8, /"@"/);
  });

  test("error positions count characters, and lines when the text has several", () => {
    // Column 25 counts characters; UTF-16 code units would make it 27.
    fails('serialNumber = "😀😀" AND x', "FILTER_FIELD", 25);
    assert.throws(() => parse('productClass = "x"\n  AND oops = "y"'), (err: unknown) =>
      err instanceof FilterError && err.position?.line === 2 && err.position.column === 7 && err.position.offset === 25 && /line 2, column 7/.test(err.message));
  });

  test("limits: length, nesting, conditions, IN values", () => {
    const long = `Device.X = "${"a".repeat(FILTER_LIMITS.textLength)}"`;
    assert.throws(() => parse(long), (err: unknown) => err instanceof FilterError && err.code === "FILTER_LIMIT");
    const deep = `${"(".repeat(FILTER_LIMITS.depth + 1)}online${")".repeat(FILTER_LIMITS.depth + 1)}`;
    assert.throws(() => parse(deep), (err: unknown) => err instanceof FilterError && err.code === "FILTER_LIMIT" && err.position?.column === FILTER_LIMITS.depth + 1);
    assert.doesNotThrow(() => parse(`${"(".repeat(FILTER_LIMITS.depth)}online${")".repeat(FILTER_LIMITS.depth)}`));
    assert.throws(() => parse(`${"NOT ".repeat(FILTER_LIMITS.depth + 1)}online`), (err: unknown) => err instanceof FilterError && err.code === "FILTER_LIMIT");
    const many = Array.from({ length: FILTER_LIMITS.conditions + 1 }, () => "online").join(" OR ");
    assert.throws(() => parse(many), (err: unknown) => err instanceof FilterError && err.code === "FILTER_LIMIT");
    assert.doesNotThrow(() => parse(Array.from({ length: FILTER_LIMITS.conditions }, () => "online").join(" OR ")));
    const list = Array.from({ length: FILTER_LIMITS.inValues + 1 }, (_v, i) => String(i)).join(", ");
    assert.throws(() => parse(`Device.X IN (${list})`), (err: unknown) => err instanceof FilterError && err.code === "FILTER_LIMIT");
  });
});

describe("print", () => {
  test("prints the canonical form", () => {
    const cases: [string, string][] = [
      ['productclass="HGW-1" and tag="lab"', 'productClass = "HGW-1" AND tag = "lab"'],
      ["not (online or lastBoot exists)", "NOT (online OR lastBoot EXISTS)"],
      ["(online or lastBoot exists) and lastBootstrap not exists", "(online OR lastBoot EXISTS) AND lastBootstrap NOT EXISTS"],
      ["online or (lastBoot exists and registered > now-90m)", "online OR lastBoot EXISTS AND registered > now-1h30m"],
      ["lastInform >= now-14d", "lastInform >= now-14d"],
      ["lastInform >= now+1500ms", "lastInform >= now+1s500ms"],
      ["lastInform >= now-0m", "lastInform >= now"],
      ["Device.X = 1.50", "Device.X = 1.5"],
      ["Device.X = 1e21", "Device.X = 1e+21"],
      ["Device.X = -0", "Device.X = 0"],
      ['Device.X in ( "a" ,1,true , now-1h )', 'Device.X IN ("a", 1, true, now-1h)'],
      [String.raw`Device.X = "q\"b\\s\/\u0001\n\u007f é"`, String.raw`Device.X = "q\"b\\s/\u0001\n\u007f é"`],
      ['param("Device.X") = "a"', 'Device.X = "a"'],
      ['param("Device.A.[x y].B") exists', 'param("Device.A.[x y].B") EXISTS'],
      ["NOT Device.A NOT EXISTS", "NOT Device.A NOT EXISTS"],
      ['serialNumber*="x" and tag~="lab-*"', 'serialNumber *= "x" AND tag ~= "lab-*"'],
      [String.raw`Device.X ~= "a\\*?"`, String.raw`Device.X ~= "a\\*?"`],
    ];
    for (const [input, canonical] of cases) {
      assert.equal(print(parse(input)), canonical, input);
      assert.deepEqual(parse(canonical), parse(input), canonical);
    }
  });

  test("parsing the printed form of any filter gives it back", () => {
    for (const f of randomFilters(7, 2000)) {
      const text = print(f);
      assert.deepEqual(parse(text), f, text);
      assert.equal(print(parse(text)), text);
    }
  });
});

describe("validate", () => {
  test("accepts what parse gives, and JSON round trips of it", () => {
    for (const f of randomFilters(11, 300)) {
      assert.deepEqual(validate(f), f);
      assert.deepEqual(validate(JSON.parse(JSON.stringify(f))), f);
    }
  });

  test("brings a built tree to normal form", () => {
    const a = { kind: "online" } as const;
    const b = { kind: "exists", target: param("Device.B") } as const;
    assert.deepEqual(validate({ kind: "and", operands: [{ kind: "and", operands: [a, b] }, { kind: "or", operands: [a] }] }), { kind: "and", operands: [a, b, a] });
    assert.deepEqual(validate({ kind: "or", operands: [b] }), b);
    assert.deepEqual(validate({ kind: "compare", target: param("Device.X"), op: "=", value: { kind: "number", value: -0 } }),
      { kind: "compare", target: param("Device.X"), op: "=", value: num(0) });
  });

  test("refuses what is not a filter, with the code of the rule it breaks", () => {
    const cases: [unknown, string][] = [
      [null, "FILTER_AST"],
      ["online", "FILTER_AST"],
      [{ kind: "xor" }, "FILTER_AST"],
      [{ kind: "and", operands: [] }, "FILTER_AST"],
      [{ kind: "and", operands: [{ kind: "online" }], extra: 1 }, "FILTER_AST"],
      [{ kind: "not" }, "FILTER_AST"],
      [{ kind: "compare", target: param("Device.X"), op: "~", value: str("a") }, "FILTER_AST"],
      [{ kind: "compare", target: param("Device.X"), op: "=", value: "a" }, "FILTER_AST"],
      [{ kind: "compare", target: param("Device.X"), op: "=", value: { kind: "string", value: 1 } }, "FILTER_AST"],
      [{ kind: "compare", target: { kind: "column", name: "id" }, op: "=", value: str("a") }, "FILTER_AST"],
      [{ kind: "in", target: param("Device.X"), values: [] }, "FILTER_AST"],
      [{ kind: "compare", target: field("nope"), op: "=", value: str("a") }, "FILTER_FIELD"],
      [{ kind: "compare", target: field("lastInform"), op: "=", value: str("soon") }, "FILTER_TIME"],
      [{ kind: "compare", target: field("oui"), op: "<", value: num(1) }, "FILTER_TYPE"],
      [{ kind: "exists", target: param("Device..X") }, "FILTER_PATH"],
      [{ kind: "compare", target: param("Device.X"), op: "=", value: { kind: "number", value: Infinity } }, "FILTER_NUMBER"],
      [{ kind: "compare", target: param("Device.X"), op: "=", value: { kind: "now", offsetMs: 0.5 } }, "FILTER_TIME"],
      [{ kind: "compare", target: param("Device.X"), op: "=", value: str("\u0000") }, "FILTER_STRING"],
      [{ kind: "or", operands: Array.from({ length: FILTER_LIMITS.conditions + 1 }, () => ({ kind: "online" })) }, "FILTER_LIMIT"],
    ];
    for (const [node, code] of cases) {
      assert.throws(() => validate(node), (err: unknown) => err instanceof FilterError && err.code === code && err.position === undefined, JSON.stringify(node));
    }
    let deep: unknown = { kind: "online" };
    for (let i = 0; i < FILTER_LIMITS.depth + 3; i++) deep = { kind: "not", operand: deep };
    assert.throws(() => validate(deep), (err: unknown) => err instanceof FilterError && err.code === "FILTER_LIMIT");
  });

  test("toFilter takes text or a tree", () => {
    assert.deepEqual(toFilter("online"), { kind: "online" });
    assert.deepEqual(toFilter({ kind: "online" }), { kind: "online" });
    assert.throws(() => toFilter("online ="), FilterError);
  });
});

describe("analyze", () => {
  test("lists the parameters and fields a filter reads, and what it needs to be evaluated", () => {
    const info = analyze(parse(
      'Device.B = 1 AND (Device.A EXISTS OR NOT Device.B ^= "x") AND InternetGatewayDevice.WAN. NOT EXISTS AND tag = "t" AND oui IN ("a") AND online',
    ));
    assert.deepEqual(info, {
      parameters: ["Device.A", "Device.B", "InternetGatewayDevice.WAN."],
      fields: ["oui", "lastInform", "tag"],
      online: true,
      timeDependent: true,
    });
    assert.deepEqual(analyze(parse('productClass = "x"')), { parameters: [], fields: ["productClass"], online: false, timeDependent: false });
    assert.equal(analyze(parse("lastBoot > now-1h")).timeDependent, true);
    assert.equal(analyze(parse('lastBoot > "2024-01-01"')).timeDependent, false);
    assert.equal(analyze(parse("Device.X IN (1, now)")).timeDependent, true);
  });
});
