// Migration 29 (issue 18.2, docs/BENCHMARKS.md "Issue 18, round 7"): on PostgreSQL the time of a
// device's last Inform moves from devices to device_informs, a row per device (SQLite keeps it in devices:
// Dialect.capabilities.informsTable). A store at the schema before it reads the same times after it, and
// every read of them (the device, lists filtered and sorted by them, the overview's counts, the tasks
// failed since the last Inform) finds the same devices, on both backends. On PostgreSQL the usual
// periodic Inform's update of devices is then a HOT update.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openStore, type Store } from "../../src/store/index.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { inform } from "./conformance.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
const at = (s: number) => new Date(T0.getTime() + s * 1000);

const overview = (s: Store, now: Date) =>
  s.fleet.overview({ now, onlineWithinMs: 60_000, versionPaths: ["Device.DeviceInfo.SoftwareVersion"], sessionsSince: Math.floor(now.getTime() / 60_000) * 60_000, top: 5 });

/** The update counts of `table` once they stop moving (a backend reports its statistics a little after its transactions). */
async function updates(url: string, table: string, atLeast: number): Promise<{ upd: number; hot: number }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [row] = await queryDirect(url, "SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relid = $1::regclass", [table]);
    const got = { upd: Number(row?.upd ?? 0), hot: Number(row?.hot ?? 0) };
    if (got.upd >= atLeast) return got;
    if (Date.now() > deadline) throw new Error(`${table}: ${got.upd} updates counted, expected at least ${atLeast}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

forEachBackend((b) => {
  const pg = b.name === "postgres";
  describe("migration 29: the last Inform's time in device_informs", () => {
    test("keeps every device's time (and the devices never seen), and every read of it finds the same devices", async () => {
      const url = await b.freshUrl();
      const before = await openStore(url, { sqlite: { migrateUpTo: 28 }, postgres: { migrateUpTo: 28 } });
      try {
        // The rows as the Informs before it wrote them (this code writes device_informs); d0 no Inform
        // created (an import's), never seen: its time is NULL.
        const date = (d: Date | null) => (d === null ? null : pg ? d.toISOString() : d.getTime());
        for (const [id, last] of [["d0", null], ["d1", at(-7200)], ["d2", at(-30)], ["d3", at(-10)]] as const) {
          await queryDirect(url, `INSERT INTO devices (id, manufacturer, oui, product_class, serial_number, registered_at, last_inform_at)
            VALUES ($1, 'Acme', '00D09E', 'Router', $2, $3, $4)`, [id, `SN-${id}`, date(at(-9999)), date(last)]);
        }
        // A task that failed after d3's last Inform, one before it.
        for (const [name, failedAt] of [["after", at(-5)], ["before", at(-20)]] as const) {
          const t = await before.tasks.create({ deviceId: "d3", name, args: null }, at(-60));
          await before.tasks.update(t.id, { status: "failed", completedAt: failedAt });
        }
      } finally {
        await before.close();
      }

      const after = await openStore(url);
      try {
        const times = Object.fromEntries((await after.devices.list()).map((d) => [d.id, d.lastInformAt?.toISOString() ?? null]));
        assert.deepEqual(times, { d0: null, d1: at(-7200).toISOString(), d2: at(-30).toISOString(), d3: at(-10).toISOString() });
        assert.deepEqual((await after.devices.get("d2"))?.lastInformAt, at(-30));
        const ids = async (filter: string, onlineWithinMs?: number) =>
          (await after.devices.list({ filter, now: at(0), ...(onlineWithinMs === undefined ? {} : { onlineWithinMs }) })).map((d) => d.id);
        assert.deepEqual(await ids("lastInform > now-1h"), ["d2", "d3"]);
        assert.deepEqual(await ids("NOT lastInform > now-1h"), ["d0", "d1"]);
        assert.deepEqual(await ids("lastInform EXISTS"), ["d1", "d2", "d3"]);
        assert.deepEqual(await ids("lastInform NOT EXISTS"), ["d0"]);
        assert.deepEqual(await ids("online", 60_000), ["d2", "d3"]);
        assert.deepEqual(await ids('productClass = "Router" AND lastInform < now-1m'), ["d1"]);
        const sorted = async (direction: "asc" | "desc") => (await after.devices.list({ sort: [{ field: "lastInform", direction }] })).map((d) => d.id);
        // Devices never seen last, either way.
        assert.deepEqual(await sorted("desc"), ["d3", "d2", "d1", "d0"]);
        assert.deepEqual(await sorted("asc"), ["d1", "d2", "d3", "d0"]);
        // Counts (on PostgreSQL, of device_informs alone when the filter is on the last Inform alone).
        for (const filter of ["lastInform > now-1h", "NOT lastInform > now-1h", "lastInform EXISTS", "lastInform NOT EXISTS", "online",
          "online OR lastInform < now-1h", "NOT (online AND lastInform > now-20s)", 'productClass = "Router" AND lastInform < now-1m']) {
          const q = { filter, now: at(0), onlineWithinMs: 60_000 };
          assert.equal(await after.devices.count(q), (await after.devices.list(q)).length, filter);
        }
        assert.equal(await after.devices.count({ filter: "lastInform > now-1h", now: at(0) }), 2);
        assert.equal(await after.devices.count({ filter: "lastInform > now-1h", now: at(0), idPrefix: "d3" }), 1);
        assert.deepEqual((await overview(after, at(0))).devices, { total: 4, online: 2, offline: 1, neverSeen: 1 });
        assert.deepEqual((await after.tasks.failedSinceInform("d3")).map((t) => t.name), ["after"]);

        // The store goes on from there: an Inform moves the time, and d0's first one gives it one.
        await after.devices.recordInform(inform("d1", { at: at(1) }));
        const first = await after.devices.recordInform(inform("d0", { at: at(2) }));
        assert.deepEqual(first.device.lastInformAt, at(2));
        assert.deepEqual(await sorted("desc"), ["d0", "d1", "d3", "d2"]);
        assert.deepEqual((await overview(after, at(2))).devices, { total: 4, online: 4, offline: 0, neverSeen: 0 });
        assert.equal(await after.devices.delete("d2"), true);
        if (pg) {
          // Deleting a device deletes its row.
          assert.deepEqual(await queryDirect(url, "SELECT device_id FROM device_informs WHERE device_id = 'd2'"), []);
        }
      } finally {
        await after.close();
      }
      const columns = pg
        ? await queryDirect(url, "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'devices' AND column_name = 'last_inform_at'")
        : await queryDirect(url, "SELECT name FROM pragma_table_info('devices') WHERE name = 'last_inform_at'");
      assert.deepEqual(columns.length, pg ? 0 : 1);
    });

    test("devices written in bulk (fleet.load) sort and filter by their times", async () => {
      const url = await b.freshUrl();
      const s = await openStore(url);
      try {
        const device = (id: string, lastInformAt: Date) => ({
          id, manufacturer: "Acme", oui: "00D09E", productClass: "Router", serialNumber: `SN-${id}`, registeredAt: at(-9999), lastInformAt,
          lastBootAt: at(-9999), address: "192.0.2.7", tags: [], parameters: [],
        });
        await s.fleet.load([device("b1", at(-100)), device("b2", at(-5)), device("b3", at(-50))]);
        assert.deepEqual((await s.devices.list({ sort: [{ field: "lastInform", direction: "desc" }] })).map((d) => [d.id, d.lastInformAt]),
          [["b2", at(-5)], ["b3", at(-50)], ["b1", at(-100)]]);
        assert.deepEqual((await s.devices.list({ filter: "lastInform > now-1m", now: at(0) })).map((d) => d.id), ["b2", "b3"]);
      } finally {
        await s.close();
      }
    });

    if (pg) {
      test("postgres: the periodic Inform's update of devices is a HOT update (it changes no indexed column)", async () => {
        const url = await b.freshUrl();
        let s = await openStore(url);
        try {
          await s.devices.recordInform(inform("h1", { at: at(0), events: [{ code: "0 BOOTSTRAP", commandKey: "" }, { code: "1 BOOT", commandKey: "" }] }));
          await s.devices.updateTags("h1", ["lab"], []);
          const reloptions = await queryDirect(url, "SELECT reloptions FROM pg_class WHERE oid = 'devices'::regclass");
          assert.deepEqual(reloptions[0]?.reloptions, ["fillfactor=90"]);
          // Closed, its backends report their statistics now.
          await s.close();
          const devices0 = await updates(url, "devices", 0);
          const informs0 = await updates(url, "device_informs", 0);
          s = await openStore(url);
          for (let i = 1; i <= 5; i++) await s.devices.recordInform(inform("h1", { at: at(60 * i) }));
          assert.deepEqual((await s.devices.get("h1"))?.lastInformAt, at(300));
          await s.close();
          const devices1 = await updates(url, "devices", devices0.upd + 5);
          const informs1 = await updates(url, "device_informs", informs0.upd + 5);
          assert.deepEqual({ upd: devices1.upd - devices0.upd, hot: devices1.hot - devices0.hot }, { upd: 5, hot: 5 });
          // The narrow row's own update changes its indexed column: not HOT, one entry in its two indexes.
          assert.equal(informs1.upd - informs0.upd, 5);
        } finally {
          await s.close().catch(() => undefined);
        }
      });
    }
  });
});
