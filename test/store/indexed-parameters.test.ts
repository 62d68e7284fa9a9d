// The operator's indexed parameters (migration 28) on both backends: a chosen pattern is filled into
// param_index in steps while other stores (processes) write trees, and ends up holding exactly every
// matching record; filters on it find what the trees say; a removed pattern's rows go; a fill stopped
// by a restart resumes where it was. On PostgreSQL, the fill waits for transactions older than the
// change (docs/scale.md).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pg from "pg";
import { pathMatches } from "../../src/model/path.js";
import { openStore, type Store } from "../../src/store/index.js";
import { isIndexedPath } from "../../src/store/sql/indexed-paths.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { inform } from "./conformance.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const PATTERN = "Device.WiFi.SSID.*.SSID";
const ssid = (i: number) => `Device.WiFi.SSID.${i}.SSID`;

async function device(s: Store, id: string, ssids: string[]): Promise<void> {
  await s.devices.recordInform(inform(id, { at: T0 }));
  await s.parameters.setValues(id, [
    ...ssids.map((v, i) => ({ path: ssid(i + 1), value: v, type: "xsd:string" })),
    { path: "Device.WiFi.SSID.1.Enable", value: "true", type: "xsd:boolean" },
    { path: "Device.DeviceInfo.SoftwareVersion", value: "1.0", type: "xsd:string" },
  ], T0);
}

/** Steps the background work until it is idle (at most `max` steps). */
async function settle(s: Store, batch = 2, max = 500): Promise<void> {
  for (let i = 0; i < max; i++) if ((await s.indexedParameters.step(batch, T0)) === "idle") return;
  assert.fail("the indexed parameters' work did not settle");
}

const sortRows = (rows: string[][]) => rows.map((r) => r.join("|")).sort();

/** What param_index holds of the chosen (not built-in) paths that fit `pattern`, as device|path|value. */
async function indexRows(url: string, pattern = PATTERN): Promise<string[]> {
  const rows = await queryDirect(url, "SELECT p.device_id, pp.path, p.value FROM param_index p JOIN param_paths pp ON pp.id = p.path_id");
  return sortRows(rows.filter((r) => !isIndexedPath(String(r.path)) && pathMatches(String(r.path), pattern))
    .map((r) => [String(r.device_id), String(r.path), String(r.value)]));
}

/** What the trees hold of the paths that fit `pattern`, as device|path|value. */
async function treeRows(s: Store, pattern = PATTERN): Promise<string[]> {
  const out: string[][] = [];
  for (const d of await s.devices.list({})) {
    for (const r of await s.parameters.all(d.id)) if (!r.path.endsWith(".") && pathMatches(r.path, pattern)) out.push([d.id, r.path, String(r.value)]);
  }
  return sortRows(out);
}

/** The devices whose trees have `path` = `value`, by the trees themselves. */
async function byTrees(s: Store, path: string, value: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await s.devices.list({})) if ((await s.parameters.get(d.id, [path]))[0]?.value === value) out.push(d.id);
  return out;
}

forEachBackend((b) => {
  describe("indexed parameters chosen by the operator", () => {
    test("a pattern is filled while two other stores write, and ends up holding every matching record; filters agree with the trees", async () => {
      const url = await b.freshUrl();
      const [a, w1, w2] = [await openStore(url), await openStore(url), await openStore(url)];
      try {
        for (let i = 0; i < 10; i++) await device(a, `d${i}`, [`net-${i % 3}`, `guest-${i}`]);
        // The writers know the set as it was (no pattern): they wrote before it changed.
        await w1.parameters.setValues("d0", [{ path: ssid(1), value: "net-0", type: "xsd:string" }], T0);
        await w2.parameters.setValues("d1", [{ path: ssid(1), value: "net-1", type: "xsd:string" }], T0);

        const listed = await a.indexedParameters.set([PATTERN], T0);
        assert.deepEqual(listed.map((p) => [p.pattern, p.state]), [[PATTERN, "filling"]]);
        let step = 0;
        for (;;) {
          const r = await a.indexedParameters.step(2, T0);
          if (r === "idle") break;
          step++;
          // Between steps: a changed value (patched), a new instance (a new path), one deleted, a new
          // device, on devices the fill has passed and on devices it has not reached.
          const w = step % 2 === 0 ? w1 : w2;
          const i = step % 10;
          await w.parameters.setValues(`d${i}`, [{ path: ssid(1), value: `changed-${step}`, type: "xsd:string" }], T0);
          await w.parameters.setValues(`d${(i + 5) % 10}`, [{ path: ssid(3), value: `third-${step}`, type: "xsd:string" }], T0);
          if (step === 3) await w.parameters.deleteSubtree("d8", "Device.WiFi.SSID.2.");
          if (step === 4) await device(w, "d10", ["late"]);
          assert.ok(step < 200, "the fill did not end");
        }
        assert.equal((await a.indexedParameters.list())[0]?.state, "ready");
        // Written after the fill ended, by a store that has not read the set since it changed.
        await w1.parameters.setValues("d2", [{ path: ssid(2), value: "after", type: "xsd:string" }], T0);
        await w2.parameters.setNames("d3", "Device.WiFi.SSID.", false, [
          { path: "Device.WiFi.SSID.1.", writable: false }, { path: ssid(1), writable: true },
        ], T0);

        const trees = await treeRows(a);
        assert.ok(trees.length >= 20);
        assert.deepEqual(await indexRows(url), trees);
        assert.equal((await indexRows(url)).some((r) => r.includes("Device.WiFi.SSID.2.SSID")), true);
        // Filters (on every store, each knowing the set or learning it) find what the trees say.
        for (const s of [a, w1, w2]) {
          for (const [path, value] of [[ssid(1), "net-2"], [ssid(2), "after"], [ssid(3), `third-1`], [ssid(1), "nothing"]] as const) {
            const f = `${path} = "${value}"`;
            assert.deepEqual((await s.devices.list({ filter: f })).map((d) => d.id).sort(), (await byTrees(a, path, value)).sort(), f);
            assert.equal(await s.devices.count({ filter: f }), (await byTrees(a, path, value)).length, f);
          }
          // Sorted by the chosen parameter: by value, descending, then by id.
          const sorted = await s.devices.list({ filter: `${ssid(1)} ^= "net"`, sort: [{ field: ssid(1), direction: "desc" }] });
          const expected = (await treeRows(a, ssid(1))).map((r) => r.split("|")).filter((r) => r[2]!.startsWith("net"))
            .sort((x, y) => (x[2]! < y[2]! ? 1 : x[2]! > y[2]! ? -1 : x[0]! < y[0]! ? -1 : 1)).map((r) => r[0]);
          assert.deepEqual(sorted.map((d) => d.id), expected);
        }
      } finally {
        await Promise.all([a.close(), w1.close(), w2.close()]);
      }
    });

    test("a removed pattern stops being kept and its rows go; paths another pattern fits stay", async () => {
      const url = await b.freshUrl();
      const [s, reader] = [await openStore(url), await openStore(url)];
      try {
        for (let i = 0; i < 5; i++) await device(s, `d${i}`, [`net-${i}`, "guest"]);
        await s.indexedParameters.set([PATTERN, "Device.WiFi.SSID.2.SSID"], T0);
        await settle(s);
        assert.equal((await indexRows(url)).length, 10);
        // Another store reads SSID.1 from the index while it is ready...
        assert.deepEqual((await reader.devices.list({ filter: `${ssid(1)} = "net-3"` })).map((d) => d.id), ["d3"]);
        await s.indexedParameters.set(["Device.WiFi.SSID.2.SSID"], T0);
        assert.deepEqual((await s.indexedParameters.list()).map((p) => [p.pattern, p.state]), [["Device.WiFi.SSID.*.SSID", "removing"], ["Device.WiFi.SSID.2.SSID", "ready"]]);
        await settle(s);
        assert.deepEqual((await s.indexedParameters.list()).map((p) => p.pattern), ["Device.WiFi.SSID.2.SSID"]);
        assert.deepEqual(await indexRows(url), await treeRows(s, "Device.WiFi.SSID.2.SSID"));
        // Not kept any more: a new value of SSID.1 has no row; a filter on it still finds it (in the trees).
        await s.parameters.setValues("d0", [{ path: ssid(1), value: "renamed", type: "xsd:string" }], T0);
        assert.deepEqual(await indexRows(url, ssid(1)), []);
        assert.deepEqual((await s.devices.list({ filter: `${ssid(1)} = "renamed"` })).map((d) => d.id), ["d0"]);
        // ...and, its rows gone, from the trees again, though it wrote nothing meanwhile.
        assert.deepEqual((await reader.devices.list({ filter: `${ssid(1)} = "renamed"` })).map((d) => d.id), ["d0"]);
        assert.equal(await reader.devices.count({ filter: `${ssid(1)} ^= "net-"` }), 4);
        assert.deepEqual((await s.devices.list({ filter: `${ssid(2)} = "guest"` })).map((d) => d.id).sort(), ["d0", "d1", "d2", "d3", "d4"]);
        // Chosen again: filled again.
        await s.indexedParameters.set([PATTERN], T0);
        await settle(s);
        assert.deepEqual(await indexRows(url), await treeRows(s));
        // "{i}" fits instance numbers only; an Enable is not an SSID.
        const instances = "Device.WiFi.SSID.{i}.Enable";
        await s.indexedParameters.set([instances], T0);
        await settle(s);
        assert.deepEqual(await indexRows(url, PATTERN), []);
        assert.deepEqual(await indexRows(url, instances), await treeRows(s, instances));
        assert.equal((await indexRows(url, instances)).length, 5);
      } finally {
        await Promise.all([s.close(), reader.close()]);
      }
    });

    test("a fill stopped by a restart resumes where it was", async () => {
      const url = await b.freshUrl();
      const first = await openStore(url);
      for (let i = 0; i < 9; i++) await device(first, `d${i}`, [`net-${i}`]);
      await first.indexedParameters.set([PATTERN], T0);
      let r = await first.indexedParameters.step(3, T0);
      while (r === "waiting") r = await first.indexedParameters.step(3, T0);
      assert.equal(r, "more");
      const part = (await first.indexedParameters.list())[0]!;
      assert.deepEqual([part.state, part.done], ["filling", 3]);
      await first.close();

      const again = await openStore(url);
      try {
        await again.parameters.setValues("d1", [{ path: ssid(1), value: "while-down", type: "xsd:string" }], T0);
        await settle(again, 3);
        const done = (await again.indexedParameters.list())[0]!;
        assert.deepEqual([done.state, done.done], ["ready", 9]);
        assert.deepEqual(await indexRows(url), await treeRows(again));
        assert.deepEqual((await again.devices.list({ filter: `${ssid(1)} = "while-down"` })).map((d) => d.id), ["d1"]);
      } finally {
        await again.close();
      }
    });

    if (b.name === "postgres") {
      test("postgres: the fill waits for transactions older than the change, and a writer that read the set before it is not missed", async () => {
        const url = await b.freshUrl();
        const [a, w] = [await openStore(url), await openStore(url)];
        const holder = new pg.Client({ connectionString: url });
        try {
          for (let i = 0; i < 3; i++) await device(a, `d${i}`, [`net-${i}`]);
          await w.parameters.setValues("d0", [{ path: ssid(1), value: "net-0", type: "xsd:string" }], T0);
          // Another connection holds d0's tree, so that w's write begins (and reads the set) now but
          // takes the row, and writes, only once the pattern has been chosen.
          await holder.connect();
          await holder.query("BEGIN");
          await holder.query("SELECT device_id FROM device_trees WHERE device_id = 'd0' FOR UPDATE");
          const write = w.parameters.setNames("d0", "Device.WiFi.SSID.", false, [{ path: ssid(1), writable: true }, { path: "Device.WiFi.SSID.1.", writable: true }], T0)
            .then(() => w.parameters.setValues("d0", [{ path: ssid(1), value: "written-late", type: "xsd:string" }], T0));
          await waitFor(async () => Number((await queryDirect(url, "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"))[0]!.n) > 0);
          await a.indexedParameters.set([PATTERN], T0);
          assert.equal(await a.indexedParameters.step(2, T0), "waiting");
          assert.equal(await a.indexedParameters.step(2, T0), "waiting");
          await holder.query("COMMIT");
          await write;
          await settle(a);
          assert.deepEqual(await indexRows(url), await treeRows(a));
          assert.ok((await indexRows(url)).includes(`d0|${ssid(1)}|written-late`));
        } finally {
          await holder.end().catch(() => undefined);
          await Promise.all([a.close(), w.close()]);
        }
      });
    }
  });
});

async function waitFor(cond: () => Promise<boolean>, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > until) assert.fail("the condition was not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
