// Device list queries on every backend: SQL filtering must say exactly what evaluate() says (checked
// over generated devices and filters), and sort, paging, count and projection must follow the
// documented rules (compared with query/'s reference order).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  compareForSort, compareText, evaluate, filterDevice, FilterError, parse, print, resolveSort, type FilterDevice, type FilterNode, type SortKey,
} from "../../src/query/index.js";
import { StoreError, type DeviceQuery, type ParameterRecord, type Store } from "../../src/store/index.js";
import { forEachBackend, type Backend } from "../support/pg.js";
import { HOUR, PATHS, pick, randomFilters, rng, T0, VALUE_TEXTS } from "../query/generate.js";

const NOW = new Date(T0);
const ONLINE_MS = 2 * HOUR;
const TYPES = ["xsd:string", "xsd:unsignedInt", "xsd:boolean", "xsd:dateTime", "xsd:int"];

/** A fleet of devices with values on the edges of the comparison rules, the same on every backend. */
async function fill(store: Store, count: number, seed: number): Promise<void> {
  const r = rng(seed);
  for (let i = 0; i < count; i++) {
    const oui = pick(r, ["00D09E", "A1B2C3", "a1b2c3"]);
    const productClass = pick(r, ["HGW-1", "HGW-10", "hgw-1", "", "HGW"]);
    const serialNumber = `${pick(r, ["SIM1", "SIM12", "SN-é", "😀", "x"])}${i}`;
    const id = `${oui}-${productClass}-${serialNumber}`;
    const first = T0 - Math.floor(r() * 48 * HOUR);
    const base = {
      id, manufacturer: pick(r, ["Acme", "acme", "Acme Inc"]), oui, productClass, serialNumber, address: null, cwmpNamespace: "1-2" as const,
      cwmpVersion: r() < 0.2 ? null : pick(r, ["1.4", "1.2"]),
    };
    const firstEvents = r() < 0.5 ? [{ code: "0 BOOTSTRAP", commandKey: "" }, { code: "1 BOOT", commandKey: "" }] : [{ code: "2 PERIODIC", commandKey: "" }];
    // Credentials of its own for some devices: stored before the first Inform (pre-provisioned) or after.
    const own = r();
    const credential = { username: `user-${i}`, deviceId: id, passwordHash: "x", digestHa1: "x", realm: "provisio", createdAt: NOW };
    if (own < 0.2) await store.credentials.put(credential);
    await store.devices.recordInform({ ...base, at: new Date(first), events: firstEvents });
    if (own >= 0.2 && own < 0.45) await store.credentials.put(credential);
    if (r() < 0.6) {
      const second = first + Math.floor(r() * (T0 - first));
      await store.devices.recordInform({ ...base, at: new Date(second), events: r() < 0.5 ? [{ code: "1 BOOT", commandKey: "" }] : [] });
    }
    const tags = ["lab", "east", "broken", "lab-2", "Lab"].filter(() => r() < 0.3);
    if (tags.length > 0) await store.devices.updateTags(id, tags, []);
    const values = [];
    for (const path of PATHS) {
      if (path === "Device.A.Missing") continue;
      const roll = r();
      if (roll < 0.75) values.push({ path, value: pick(r, VALUE_TEXTS), type: pick(r, TYPES) });
      else if (roll < 0.85) await store.parameters.setNames(id, path, false, [{ path, writable: true }], NOW);
    }
    await store.parameters.setValues(id, values, NOW);
  }
}

/** The fleet as the store holds it, as evaluate() reads devices. */
async function snapshot(store: Store): Promise<FilterDevice[]> {
  const devices = await store.devices.list();
  return Promise.all(devices.map(async (d) => filterDevice(d, await store.parameters.all(d.id))));
}

function ids(devices: { id: string }[]): string[] {
  return devices.map((d) => d.id);
}

function expectedIds(fleet: FilterDevice[], filter: Parameters<typeof evaluate>[0] | null, sort: SortKey[] = []): string[] {
  const matching = filter === null ? fleet : fleet.filter((d) => evaluate(filter, d, { now: NOW, onlineWithinMs: ONLINE_MS }));
  return ids([...matching].sort(compareForSort(resolveSort(sort))));
}

async function rejects(p: Promise<unknown>, kind: typeof FilterError | typeof StoreError, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof kind, `expected a ${kind.name}, got ${String(err)}`);
    assert.equal((err as { code: string }).code, code, (err as Error).message);
    return true;
  });
}

function suite(b: Backend): void {
  let store: Store;
  let fleet: FilterDevice[];

  before(async () => {
    store = await b.open();
    await fill(store, 60, 2024);
    fleet = await snapshot(store);
  });

  test("the fleet is what the generator meant (sanity of the fixture)", () => {
    assert.equal(fleet.length, 60);
    assert.ok(fleet.some((d) => d.lastBootAt === null) && fleet.some((d) => d.lastBootAt !== null));
    assert.ok(fleet.some((d) => d.cwmpVersion === null) && fleet.some((d) => d.tags.length === 0) && fleet.some((d) => d.tags.length > 1));
    assert.ok(fleet.some((d) => d.parameter("Device.A.Num")?.value === null), "some parameters have only a name");
    assert.ok(fleet.some((d) => d.credentials === "own") && fleet.some((d) => d.credentials === "bootstrap"));
  });

  test("SQL filtering returns exactly the devices evaluate() matches, for 600 generated filters", async () => {
    let nonTrivial = 0;
    for (const [i, f] of randomFilters(99, 600).entries()) {
      const expected = expectedIds(fleet, f);
      // Half of them as text, which the store parses.
      const filter = i % 2 === 0 ? f : print(f);
      const q = { filter, now: NOW, onlineWithinMs: ONLINE_MS };
      assert.deepEqual(ids(await store.devices.list(q)), expected, print(f));
      assert.equal(await store.devices.count(q), expected.length, print(f));
      if (expected.length > 0 && expected.length < fleet.length) nonTrivial++;
    }
    // Many generated filters split the fleet (the others match all or none), so the comparison has teeth.
    assert.ok(nonTrivial >= 200, `only ${nonTrivial} filters split the fleet`);
  });

  test("the examples of the documentation run, and agree with evaluate()", async () => {
    const examples = [
      'productClass = "HGW-1" AND tag = "lab" AND Device.A.Text != "2.0.1" AND lastInform > now-1h',
      'oui IN ("A1B2C3", "00259E") OR serialNumber ^= "SIM"', 'NOT tag = "broken"', "Device.A.Num >= 300", "Device.B.1.X EXISTS",
      "online", "NOT online", "Device.A.Mixed = true", 'Device.A.Time > "2024-01-01"', "Device.B. NOT EXISTS", 'tag ^= "lab"',
      'cwmpVersion != "1.4"', "lastBoot > now-1d", 'credentials = "bootstrap"', 'NOT credentials = "own" AND tag = "lab"', 'param("Device.A.Text") ^= "x"',
      'serialNumber *= "IM1"', 'id ~= "00D09E-HGW-*-??"', 'Device.A.Text ~= "2.?.*"', 'tag *= "lab"', String.raw`Device.A.Mixed ~= "a\\*b*"`,
    ];
    for (const text of examples) {
      const expected = expectedIds(fleet, parse(text));
      assert.deepEqual(ids(await store.devices.list({ filter: text, now: NOW, onlineWithinMs: ONLINE_MS })), expected, text);
    }
  });

  test("sort follows the reference order (fields, parameters, both directions, several keys), with and without a filter", async () => {
    const sorts: SortKey[][] = [
      [{ field: "productClass" }], [{ field: "productClass", direction: "desc" }], [{ field: "cwmpVersion" }],
      [{ field: "cwmpVersion", direction: "desc" }], [{ field: "credentials" }], [{ field: "credentials", direction: "desc" }, { field: "oui" }],
      [{ field: "lastBoot" }], [{ field: "lastBoot", direction: "desc" }],
      [{ field: "lastInform", direction: "desc" }], [{ field: "registered" }], [{ field: "id", direction: "desc" }],
      [{ field: "serialNumber" }, { field: "oui", direction: "desc" }], [{ field: "oui" }, { field: "Device.A.Num", direction: "desc" }],
      ...PATHS.flatMap((path) => [[{ field: path }], [{ field: path, direction: "desc" as const }]]),
      [{ field: "Device.A.Mixed" }, { field: "Device.A.Text", direction: "desc" }, { field: "lastBoot" }],
    ];
    const filter = parse('NOT tag = "broken"');
    for (const sort of sorts) {
      assert.deepEqual(ids(await store.devices.list({ sort })), expectedIds(fleet, null, sort), JSON.stringify(sort));
      assert.deepEqual(ids(await store.devices.list({ sort, filter, now: NOW })), expectedIds(fleet, filter, sort), JSON.stringify(sort));
      // A window of the order is the same window of the whole.
      assert.deepEqual(ids(await store.devices.list({ sort, limit: 7, offset: 5 })), expectedIds(fleet, null, sort).slice(5, 12), JSON.stringify(sort));
    }
  });

  test("limit and offset page the filtered list; query's total counts all pages", async () => {
    const filter = "Device.A.Text EXISTS OR tag EXISTS";
    const all = expectedIds(fleet, parse(filter));
    assert.ok(all.length > 12);
    for (const [limit, offset] of [[5, 0], [5, 5], [5, all.length - 2], [0, 3], [100, 0]] as const) {
      const r = await store.devices.query({ filter, limit, offset, count: true });
      assert.deepEqual(ids(r.devices), all.slice(offset, offset + limit));
      assert.equal(r.total, all.length);
    }
    assert.deepEqual(ids(await store.devices.list({ filter, offset: 4 })), all.slice(4));
    assert.equal((await store.devices.query({ filter })).total, null);
  });

  test("keyset paging by id: next leads through every page once, in both directions", async () => {
    const filter = 'NOT tag = "east"';
    for (const direction of ["asc", "desc"] as const) {
      const sort = direction === "asc" ? undefined : [{ field: "id", direction }];
      const expected = expectedIds(fleet, parse(filter), sort ?? []);
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const q: DeviceQuery = { filter, limit: 7, count: true, ...(sort ? { sort } : {}), ...(after !== undefined ? { after } : {}) };
        const page = await store.devices.query(q);
        pages++;
        seen.push(...ids(page.devices));
        assert.equal(page.total, expected.length);
        if (page.next === null) break;
        assert.equal(page.next, page.devices.at(-1)?.id);
        after = page.next;
      }
      assert.deepEqual(seen, expected, direction);
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / 7)));
    }
    // The last full page says there is no next one when nothing follows it.
    const everything = await store.devices.list();
    const last = await store.devices.query({ limit: 5, after: everything.at(-6)?.id ?? "" });
    assert.equal(last.devices.length, 5);
    assert.equal(last.next, null);
    // Other orders have no next key (they page with offset).
    assert.equal((await store.devices.query({ limit: 2, sort: [{ field: "oui" }] })).next, null);
  });

  test("projection returns the asked parameters and object subtrees of each device, sorted by path", async () => {
    const projection = ["Device.A.Num", "Device.B.", "Device.A.Missing", "Device.Nope."];
    const r = await store.devices.query({ projection, limit: 20, sort: [{ field: "serialNumber" }] });
    assert.equal(r.devices.length, 20);
    for (const d of r.devices) {
      const expected: ParameterRecord[] = [
        ...(await store.parameters.get(d.id, ["Device.A.Num", "Device.A.Missing"])),
        ...(await store.parameters.subtree(d.id, "Device.B.")),
      ].sort((x, y) => compareText(x.path, y.path));
      assert.deepEqual(d.parameters, expected, d.id);
      const { parameters: _p, ...record } = d;
      assert.deepEqual(record, await store.devices.get(d.id));
    }
    assert.ok(r.devices.some((d) => (d.parameters ?? []).length >= 3));
    assert.ok((await store.devices.query({ limit: 3 })).devices.every((d) => d.parameters === undefined));
    assert.ok((await store.devices.query({ limit: 3, projection: [] })).devices.every((d) => Array.isArray(d.parameters) && d.parameters.length === 0));
  });

  test("idPrefix and tag still narrow the list, together with a filter", async () => {
    const expected = expectedIds(fleet, parse('id ^= "A1B2C3" AND tag = "lab" AND Device.A.Text EXISTS'));
    assert.deepEqual(ids(await store.devices.list({ idPrefix: "A1B2C3", tag: "lab", filter: "Device.A.Text EXISTS" })), expected);
    assert.equal(await store.devices.count({ idPrefix: "A1B2C3", tag: "lab", filter: "Device.A.Text EXISTS" }), expected.length);
  });

  test("values travel as bound parameters: SQL in a filter's strings is only text", async () => {
    for (const text of ["'; DROP TABLE devices; --", "\" OR 1=1 --", "x' OR 'a'='a", "%", "_", "\\"]) {
      const filter: FilterNode = { kind: "or", operands: [
        { kind: "compare", target: { kind: "field", name: "productClass" }, op: "=", value: { kind: "string", value: text } },
        { kind: "compare", target: { kind: "parameter", path: "Device.A.Text" }, op: "^=", value: { kind: "string", value: text } },
        { kind: "in", target: { kind: "field", name: "tag" }, values: [{ kind: "string", value: text }] },
      ] };
      assert.deepEqual(await store.devices.list({ filter }), [], text);
    }
    assert.equal(await store.devices.count(), 60);
  });

  test("bad queries are refused with typed errors, the filter's with its position", async () => {
    await assert.rejects(store.devices.list({ filter: 'productClass = "x" AND oops' }), (err: unknown) =>
      err instanceof FilterError && err.code === "FILTER_FIELD" && err.position?.column === 24);
    await rejects(store.devices.list({ filter: "online" }), FilterError, "FILTER_CONTEXT");
    await rejects(store.devices.count({ filter: "online" }), FilterError, "FILTER_CONTEXT");
    await rejects(store.devices.list({ filter: { kind: "nope" } as never }), FilterError, "FILTER_AST");
    await rejects(store.devices.list({ sort: [{ field: "tag" }] }), FilterError, "FILTER_SORT");
    await rejects(store.devices.query({ projection: ["Device..X"] }), FilterError, "FILTER_PATH");
    await rejects(store.devices.query({ projection: Array.from({ length: 101 }, (_v, i) => `Device.P${i}`) }), StoreError, "STORE_BAD_QUERY");
    await rejects(store.devices.list({ after: "x", sort: [{ field: "oui" }] }), StoreError, "STORE_BAD_QUERY");
    await rejects(store.devices.list({ limit: -1 }), StoreError, "STORE_BAD_QUERY");
    await rejects(store.devices.list({ offset: Number.NaN }), StoreError, "STORE_BAD_QUERY");
  });
}

describe("device queries", () => {
  forEachBackend((b) => {
    describe("over a generated fleet", () => suite(b));

    test("values longer than an index row are stored and compared in full", async () => {
      const s = await b.open();
      const long = "v".repeat(10_000);
      await s.devices.recordInform({
        id: "d1", manufacturer: "M", oui: "O", productClass: "P", serialNumber: "1", at: NOW, address: null, cwmpNamespace: "1-2", cwmpVersion: null, events: [],
      });
      await s.devices.recordInform({
        id: "d2", manufacturer: "M", oui: "O", productClass: "P", serialNumber: "2", at: NOW, address: null, cwmpNamespace: "1-2", cwmpVersion: null, events: [],
      });
      await s.parameters.setValues("d1", [{ path: "Device.L", value: `${long}a`, type: "xsd:string" }], NOW);
      await s.parameters.setValues("d2", [{ path: "Device.L", value: `${long}b`, type: "xsd:string" }], NOW);
      const list = async (filter: string) => ids(await s.devices.list({ filter }));
      assert.deepEqual(await list(`Device.L = "${long}a"`), ["d1"]);
      assert.deepEqual(await list(`Device.L != "${long}a"`), ["d2"]);
      assert.deepEqual(await list(`Device.L > "${long}a"`), ["d2"]);
      assert.deepEqual(await list(`Device.L <= "${long}a"`), ["d1"]);
      assert.deepEqual(await list(`Device.L ^= "${long}b"`), ["d2"]);
      assert.deepEqual(await list(`Device.L ^= "${long}"`), ["d1", "d2"]);
      assert.deepEqual(await list(`Device.L IN ("${long}b", "x")`), ["d2"]);
      assert.deepEqual(await list(`Device.L = "${long}"`), []);
      assert.deepEqual(await list('Device.L > "v"'), ["d1", "d2"]);
      // Sorting compares the first 256 characters: these two tie there, and id decides.
      assert.deepEqual(ids(await s.devices.list({ sort: [{ field: "Device.L", direction: "desc" }] })), ["d1", "d2"]);
    });

    test("a changed value changes what it stands for: number, time, boolean, text", async () => {
      const s = await b.open();
      await s.devices.recordInform({
        id: "d1", manufacturer: "M", oui: "O", productClass: "P", serialNumber: "1", at: NOW, address: null, cwmpNamespace: "1-2", cwmpVersion: null, events: [],
      });
      const set = (value: string) => s.parameters.setValues("d1", [{ path: "Device.V", value, type: "xsd:string" }], NOW);
      const hits = async (...filters: string[]) => Promise.all(filters.map(async (f) => (await s.devices.count({ filter: f, now: NOW })) === 1));
      await set("300");
      assert.deepEqual(await hits("Device.V = 300", "Device.V = true", "Device.V < now", 'Device.V = "300"'), [true, false, false, true]);
      await set("1");
      assert.deepEqual(await hits("Device.V = 300", "Device.V = true", "Device.V < now", "Device.V = 1"), [false, true, false, true]);
      await set("2024-01-01T00:00:00Z");
      assert.deepEqual(await hits("Device.V = 1", "Device.V = true", "Device.V < now", 'Device.V = "2024-01-01T01:00:00+01:00"'), [false, false, true, true]);
      await set("text");
      assert.deepEqual(await hits("Device.V < now", "Device.V = true", "Device.V > 0", 'Device.V = "text"'), [false, false, false, true]);
      // Learning the name again (GetParameterNames) keeps the value and what it stands for.
      await set("42");
      await s.parameters.setNames("d1", "Device.", false, [{ path: "Device.V", writable: true }], NOW);
      assert.deepEqual(await hits("Device.V = 42", "Device.V > 41.5"), [true, true]);
    });

    test("queries inside a transaction see its writes", async () => {
      const s = await b.open();
      const seen = await s.transaction(async (tx) => {
        await tx.devices.recordInform({
          id: "d1", manufacturer: "M", oui: "O", productClass: "P", serialNumber: "1", at: NOW, address: null, cwmpNamespace: "1-2", cwmpVersion: null, events: [],
        });
        await tx.parameters.setValues("d1", [{ path: "Device.V", value: "5", type: "xsd:int" }], NOW);
        return tx.devices.query({ filter: "Device.V > 4", projection: ["Device.V"], count: true });
      });
      assert.deepEqual(ids(seen.devices), ["d1"]);
      assert.equal(seen.total, 1);
      assert.deepEqual(seen.devices[0]?.parameters?.map((p) => p.value), ["5"]);
    });
  });
});
