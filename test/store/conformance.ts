// The storage conformance suite: what every backend must do, run on real databases (sqlite.test.ts,
// postgres.test.ts). Backend-specific behaviour (locking across processes, files) is tested beside it.
import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import { openStore, StoreError, type InformUpdate, type JsonValue, type NewTask, type ParameterRecord, type Store, type StoreTx } from "../../src/store/index.js";
import { parse } from "../../src/query/index.js";
import { postgresDialect } from "../../src/store/postgres/dialect.js";
import { compileFilter, SqlParams } from "../../src/store/sql/filter.js";
import { sqliteDialect } from "../../src/store/sqlite/dialect.js";
import { queryDirect, type Backend } from "../support/pg.js";

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
/** A time `ms` after T0, with a millisecond part so that truncation to seconds would show. */
export const at = (ms = 0) => new Date(T0 + ms);

export function inform(id: string, over: Partial<InformUpdate> = {}): InformUpdate {
  return {
    id, manufacturer: "Acme", oui: "00D09E", productClass: "Router", serialNumber: `SN-${id}`, at: at(), address: "192.0.2.7:7547",
    cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [{ code: "2 PERIODIC", commandKey: "" }], ...over,
  };
}

function paths(records: ParameterRecord[]): string[] {
  return records.map((r) => r.path);
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** A new store on an empty database, closed when the test ends (so a suite holds few connections at once). */
async function fresh(b: Backend, ctx: TestContext): Promise<Store> {
  const s = await b.open();
  ctx.after(() => s.close());
  return s;
}

async function withDevices(b: Backend, ctx: TestContext, ...ids: string[]): Promise<Store> {
  const s = await fresh(b, ctx);
  for (const id of ids) await s.devices.recordInform(inform(id));
  return s;
}

export function conformance(b: Backend): void {
  describe("devices", () => {
    test("the first Inform creates the device with every field, and get returns it", async (ctx) => {
      const s = await fresh(b, ctx);
      assert.equal(s.backend, b.name);
      const u = inform("00D09E-Router-1", { events: [{ code: "1 BOOT", commandKey: "" }, { code: "4 VALUE CHANGE", commandKey: "" }] });
      const { device, created } = await s.devices.recordInform(u);
      assert.equal(created, true);
      const expected = {
        id: "00D09E-Router-1", manufacturer: "Acme", oui: "00D09E", productClass: "Router", serialNumber: "SN-00D09E-Router-1",
        registeredAt: at(), lastInformAt: at(), lastInformAddress: "192.0.2.7:7547", lastBootAt: at(), lastBootstrapAt: null,
        cwmpNamespace: "1-2", cwmpVersion: "1.4", credentials: "bootstrap", protocol: "cwmp", tags: [],
      };
      assert.deepEqual(device, expected);
      assert.deepEqual(await s.devices.get(u.id), expected);
      assert.equal(await s.devices.get("nope"), null);
    });

    test("later Informs update identity and last-inform fields; BOOT and BOOTSTRAP set their times; every event is kept", async (ctx) => {
      const s = await fresh(b, ctx);
      await s.devices.recordInform(inform("d1", { events: [{ code: "0 BOOTSTRAP", commandKey: "" }, { code: "1 BOOT", commandKey: "" }] }));
      const second = await s.devices.recordInform(inform("d1", {
        at: at(60_000), manufacturer: "Acme Inc", productClass: "Router2", address: null, cwmpNamespace: "1-4", cwmpVersion: null,
        events: [{ code: "2 PERIODIC", commandKey: "" }],
      }));
      assert.equal(second.created, false);
      assert.equal(second.device.registeredAt.getTime(), at().getTime());
      assert.equal(second.device.manufacturer, "Acme Inc");
      assert.equal(second.device.productClass, "Router2");
      assert.deepEqual(second.device.lastInformAt, at(60_000));
      assert.equal(second.device.lastInformAddress, null);
      assert.equal(second.device.cwmpNamespace, "1-4");
      assert.equal(second.device.cwmpVersion, null);
      // No boot event this time: the earlier times stay.
      assert.deepEqual(second.device.lastBootAt, at());
      assert.deepEqual(second.device.lastBootstrapAt, at());
      const third = await s.devices.recordInform(inform("d1", { at: at(120_000), events: [{ code: "1 BOOT", commandKey: "" }, { code: "M Reboot", commandKey: "ck-1" }] }));
      assert.deepEqual(third.device.lastBootAt, at(120_000));
      assert.deepEqual(third.device.lastBootstrapAt, at());

      const events = await s.events.list("d1");
      assert.deepEqual(events.map((e) => [e.at.getTime() - T0, e.code, e.commandKey]), [
        [120_000, "1 BOOT", ""], [120_000, "M Reboot", "ck-1"],
        [60_000, "2 PERIODIC", ""],
        [0, "0 BOOTSTRAP", ""], [0, "1 BOOT", ""],
      ]);
      assert.ok(events.every((e) => e.deviceId === "d1"));
      assert.deepEqual((await s.events.list("d1", 2)).map((e) => e.code), ["1 BOOT", "M Reboot"]);
      assert.deepEqual(await s.events.list("other"), []);
    });

    test("an Inform with many events keeps each (small and large lists take different statements)", async (ctx) => {
      const s = await fresh(b, ctx);
      const many = Array.from({ length: 12 }, (_, i) => ({ code: `M X_ACME_${i}`, commandKey: `k${i}` }));
      await s.devices.recordInform(inform("d1", { events: many }));
      const kept = await s.events.list("d1");
      assert.deepEqual(kept.map((e) => [e.code, e.commandKey]).sort(), many.map((e) => [e.code, e.commandKey]).sort());
    });

    test("prune deletes recorded events older than a time, from the oldest, at most `limit` at a time", async (ctx) => {
      const s = await fresh(b, ctx);
      // d1 and d2 inform every minute, in turn: 5 Informs each, at 0..4 and 0.5..4.5 minutes.
      for (let i = 0; i < 5; i++) {
        await s.devices.recordInform(inform("d1", { at: at(i * 60_000) }));
        await s.devices.recordInform(inform("d2", { at: at(i * 60_000 + 30_000), events: [{ code: "2 PERIODIC", commandKey: "" }, { code: "M X", commandKey: "k" }] }));
      }
      const times = async (id: string) => (await s.events.list(id)).map((e) => (e.at.getTime() - at().getTime()) / 1000);
      // Before 2 minutes: d1 at 0 and 60, d2 at 30 and 90 (two events each): 6 rows, deleted 4 then 2.
      assert.equal(await s.events.prune(at(120_000), 4), 4);
      assert.equal(await s.events.prune(at(120_000), 4), 2);
      assert.equal(await s.events.prune(at(120_000), 4), 0);
      assert.deepEqual(await times("d1"), [240, 180, 120]);
      assert.deepEqual(await times("d2"), [270, 270, 210, 210, 150, 150]);
      // It only looks at the oldest `limit` rows: one recorded late with an old time waits for those before it.
      await s.devices.recordInform(inform("d1", { at: at(0) }));
      assert.equal(await s.events.prune(at(110_000), 1), 0);
      assert.equal(await s.events.prune(at(110_000), 100), 1);
      assert.deepEqual(await times("d1"), [240, 180, 120]);
    });

    test("an Inform without events stores none", async (ctx) => {
      const s = await fresh(b, ctx);
      await s.devices.recordInform(inform("d1", { events: [] }));
      assert.deepEqual(await s.events.list("d1"), []);
    });

    test("list sorts by id and filters by id prefix (taken literally) and tag; count agrees", async (ctx) => {
      const s = await withDevices(b, ctx, "b-2", "a-1", "a_1", "a%1", "ab", "c");
      assert.deepEqual((await s.devices.list()).map((d) => d.id), ["a%1", "a-1", "a_1", "ab", "b-2", "c"]);
      assert.deepEqual((await s.devices.list({ idPrefix: "a_" })).map((d) => d.id), ["a_1"]);
      assert.deepEqual((await s.devices.list({ idPrefix: "a%" })).map((d) => d.id), ["a%1"]);
      assert.deepEqual((await s.devices.list({ idPrefix: "a" })).map((d) => d.id), ["a%1", "a-1", "a_1", "ab"]);
      assert.equal(await s.devices.count({ idPrefix: "a" }), 4);
      assert.equal(await s.devices.count(), 6);
      assert.deepEqual((await s.devices.list({ limit: 2, offset: 1 })).map((d) => d.id), ["a-1", "a_1"]);
      assert.deepEqual((await s.devices.list({ offset: 4 })).map((d) => d.id), ["b-2", "c"]);
      assert.deepEqual((await s.devices.list({ limit: 0 })).map((d) => d.id), []);

      await s.devices.updateTags("c", ["lab"], []);
      await s.devices.updateTags("a-1", ["lab", "east"], []);
      const lab = await s.devices.list({ tag: "lab" });
      assert.deepEqual(lab.map((d) => [d.id, d.tags]), [["a-1", ["east", "lab"]], ["c", ["lab"]]]);
      assert.deepEqual((await s.devices.list({ tag: "lab", idPrefix: "a" })).map((d) => d.id), ["a-1"]);
      assert.equal(await s.devices.count({ tag: "lab" }), 2);
      assert.equal(await s.devices.count({ tag: "none" }), 0);
    });

    test("updateTags adds and removes (removal wins), returns the sorted list, and null for an unknown device", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      assert.deepEqual(await s.devices.updateTags("d1", ["z", "a", "z"], []), ["a", "z"]);
      assert.deepEqual(await s.devices.updateTags("d1", ["m"], ["z", "not-there"]), ["a", "m"]);
      assert.deepEqual(await s.devices.updateTags("d1", ["q"], ["q"]), ["a", "m"]);
      assert.deepEqual(await s.devices.updateTags("d1", [], []), ["a", "m"]);
      assert.deepEqual((await s.devices.get("d1"))?.tags, ["a", "m"]);
      assert.equal(await s.devices.updateTags("missing", ["x"], []), null);
    });

    test("delete removes the device and everything attached to it, and nothing of other devices", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      for (const id of ["d1", "d2"]) {
        await s.devices.updateTags(id, ["t"], []);
        await s.parameters.setValues(id, [{ path: "Device.X", value: "1", type: "xsd:int" }], at());
        await s.tasks.create({ deviceId: id, name: "reboot", args: null }, at());
        await s.faults.raise({ deviceId: id, channel: "session", code: "c", message: "m", detail: null, at: at() });
        await s.credentials.put({ username: `u-${id}`, deviceId: id, passwordHash: "h", digestHa1: "x", realm: "r", createdAt: at() });
        await s.sessions.acquire(id, `s-${id}`, {}, at(1000));
      }
      await s.credentials.put({ username: "shared", deviceId: null, passwordHash: "h", digestHa1: "x", realm: "r", createdAt: at() });

      assert.equal(await s.devices.delete("d1"), true);
      assert.equal(await s.devices.get("d1"), null);
      assert.deepEqual(await s.parameters.all("d1"), []);
      assert.deepEqual(await s.events.list("d1"), []);
      assert.deepEqual(await s.tasks.list({ deviceId: "d1" }), []);
      assert.deepEqual(await s.faults.list({ deviceId: "d1" }), []);
      assert.deepEqual(await s.credentials.forDevice("d1"), []);
      assert.equal(await s.credentials.get("u-d1"), null);
      assert.equal(await s.sessions.get("s-d1"), null);
      assert.equal(await s.devices.count({ tag: "t" }), 1);
      // The device can come back and take a session at once.
      await s.devices.recordInform(inform("d1"));
      assert.deepEqual((await s.devices.get("d1"))?.tags, []);
      assert.notEqual(await s.sessions.acquire("d1", "s-new", {}, at(1000)), null);

      assert.equal((await s.parameters.all("d2")).length, 2);
      assert.equal((await s.events.list("d2")).length, 1);
      assert.equal((await s.tasks.list({ deviceId: "d2" })).length, 1);
      assert.equal((await s.faults.list({ deviceId: "d2" })).length, 1);
      assert.equal((await s.credentials.forDevice("d2")).length, 1);
      assert.notEqual(await s.sessions.get("s-d2"), null);
      assert.notEqual(await s.credentials.get("shared"), null);
      assert.equal(await s.devices.delete("d1-never"), false);
    });

    test("deleteMany and updateTagsMany act on the devices named, pass over unknown ids, and leave the others", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2", "d3");
      for (const id of ["d1", "d2", "d3"]) {
        await s.devices.updateTags(id, ["old"], []);
        await s.sessions.acquire(id, `s-${id}`, {}, at(1000));
        await s.credentials.put({ username: `u-${id}`, deviceId: id, passwordHash: "h", digestHa1: "x", realm: "r", createdAt: at() });
      }
      await s.devices.updateTagsMany(["d1", "d2", "nobody"], ["new", "x", "new"], ["old", "x"]);
      assert.deepEqual((await s.devices.get("d1"))?.tags, ["new"]);
      assert.deepEqual((await s.devices.get("d2"))?.tags, ["new"]);
      assert.deepEqual((await s.devices.get("d3"))?.tags, ["old"]);
      assert.equal(await s.devices.count({ tag: "new" }), 2);
      await s.devices.updateTagsMany([], ["z"], []);
      assert.equal(await s.devices.count({ tag: "z" }), 0);

      assert.equal(await s.devices.deleteMany(["d1", "d3", "nobody"]), 2);
      assert.deepEqual((await s.devices.list()).map((d) => d.id), ["d2"]);
      assert.equal(await s.sessions.get("s-d1"), null);
      assert.equal(await s.credentials.get("u-d3"), null);
      assert.notEqual(await s.sessions.get("s-d2"), null);
      assert.equal(await s.devices.deleteMany([]), 0);
    });
  });

  describe("parameters", () => {
    test("setValues creates missing parent objects, sorted by path, with value, type and times", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [
        { path: "Device.WiFi.SSID.1.SSID", value: "home", type: "xsd:string" },
        { path: "Device.DeviceInfo.UpTime", value: "42", type: "xsd:unsignedInt" },
      ], at(5));
      const all = await s.parameters.all("d1");
      assert.deepEqual(paths(all), [
        "Device.", "Device.DeviceInfo.", "Device.DeviceInfo.UpTime", "Device.WiFi.", "Device.WiFi.SSID.", "Device.WiFi.SSID.1.",
        "Device.WiFi.SSID.1.SSID",
      ]);
      const empty = { value: null, type: null, writable: null, notification: null, accessList: null, valueAt: null, namesAt: null, attributesAt: null };
      assert.deepEqual(all[0], { path: "Device.", object: true, ...empty });
      assert.deepEqual(all[5], { path: "Device.WiFi.SSID.1.", object: true, ...empty });
      assert.deepEqual(all[6], {
        path: "Device.WiFi.SSID.1.SSID", object: false, value: "home", type: "xsd:string", writable: null, notification: null,
        accessList: null, valueAt: at(5), namesAt: at(5), attributesAt: null,
      });
      assert.deepEqual(await s.parameters.all("other"), []);
    });

    test("a transaction's reads of a tree see its own writes and deletes; the store's own reads see other transactions' commits", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      const valuesOf = (records: ParameterRecord[]) => records.filter((p) => !p.object).map((p) => [p.path, p.value]);
      await s.parameters.setValues("d1", [{ path: "Device.A", value: "1", type: "xsd:int" }], at(1));
      await s.transaction(async (tx) => {
        assert.deepEqual(valuesOf(await tx.parameters.get("d1", ["Device.A"])), [["Device.A", "1"]]);
        await tx.parameters.setValues("d1", [{ path: "Device.A", value: "2", type: "xsd:int" }, { path: "Device.B.C", value: "x", type: "xsd:string" }], at(2));
        assert.deepEqual(valuesOf(await tx.parameters.all("d1")), [["Device.A", "2"], ["Device.B.C", "x"]]);
        assert.deepEqual((await tx.parameters.get("d1", ["Device.A"]))[0]?.valueAt, at(2));
        assert.equal(await tx.parameters.deleteSubtree("d1", "Device.B."), 2);
        assert.deepEqual(paths(await tx.parameters.all("d1")), ["Device.", "Device.A"]);
        await tx.parameters.setAttributes("d1", [{ path: "Device.A", notification: 1, accessList: [] }], at(3));
        assert.equal((await tx.parameters.get("d1", ["Device.A"]))[0]?.notification, 1);
        assert.equal(await tx.devices.delete("d1"), true);
        assert.deepEqual(await tx.parameters.all("d1"), []);
      });
      assert.deepEqual(await s.parameters.all("d1"), []);
      // A transaction that read a tree and then failed leaves nothing behind for the next one.
      await s.parameters.setValues("d2", [{ path: "Device.A", value: "1", type: "xsd:int" }], at(1));
      await assert.rejects(s.transaction(async (tx) => {
        await tx.parameters.setValues("d2", [{ path: "Device.A", value: "9", type: "xsd:int" }], at(2));
        assert.deepEqual(valuesOf(await tx.parameters.all("d2")), [["Device.A", "9"]]);
        throw new Error("rolled back");
      }), /rolled back/);
      await s.transaction(async (tx) => assert.deepEqual(valuesOf(await tx.parameters.all("d2")), [["Device.A", "1"]]));
      // The store's reads outside a transaction are each read again.
      assert.deepEqual(valuesOf(await s.parameters.all("d2")), [["Device.A", "1"]]);
      await s.transaction((tx) => tx.parameters.setValues("d2", [{ path: "Device.A", value: "3", type: "xsd:int" }], at(3)));
      assert.deepEqual(valuesOf(await s.parameters.all("d2")), [["Device.A", "3"]]);
    });

    test("setValues updates values but leaves what names and attributes learned, and existing parents alone", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setNames("d1", "Device.", false, [
        { path: "Device.", writable: false }, { path: "Device.WiFi.", writable: true }, { path: "Device.WiFi.Enable", writable: true },
      ], at(1));
      await s.parameters.setAttributes("d1", [{ path: "Device.WiFi.Enable", notification: 2, accessList: ["Subscriber"] }], at(2));
      await s.parameters.setValues("d1", [{ path: "Device.WiFi.Enable", value: "true", type: "xsd:boolean" }], at(3));
      await s.parameters.setValues("d1", [{ path: "Device.WiFi.Enable", value: "false", type: "xsd:boolean" }], at(4));
      const [root, wifi, enable] = await s.parameters.all("d1");
      assert.deepEqual(root, { path: "Device.", object: true, value: null, type: null, writable: false, notification: null, accessList: null, valueAt: null, namesAt: at(1), attributesAt: null });
      assert.equal(wifi?.writable, true);
      assert.deepEqual(wifi?.namesAt, at(1));
      assert.deepEqual(enable, {
        path: "Device.WiFi.Enable", object: false, value: "false", type: "xsd:boolean", writable: true, notification: 2,
        accessList: ["Subscriber"], valueAt: at(4), namesAt: at(4), attributesAt: at(2),
      });
    });

    test("setValues of values already stored refreshes their times; a changed type or a new path in the batch is written in full", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [
        { path: "Device.DeviceInfo.UpTime", value: "42", type: "xsd:unsignedInt" },
        { path: "Device.DeviceInfo.ModelName", value: "HGW", type: "xsd:string" },
      ], at(1));
      await s.parameters.setValues("d1", [
        { path: "Device.DeviceInfo.UpTime", value: "42", type: "xsd:unsignedInt" },
        { path: "Device.DeviceInfo.ModelName", value: "HGW", type: "xsd:int" },
        { path: "Device.Time.CurrentLocalTime", value: "2025-05-06T07:08:09Z", type: "xsd:dateTime" },
      ], at(2));
      const byPath = new Map((await s.parameters.all("d1")).map((p) => [p.path, p]));
      assert.deepEqual([byPath.get("Device.DeviceInfo.UpTime")?.value, byPath.get("Device.DeviceInfo.UpTime")?.valueAt, byPath.get("Device.DeviceInfo.UpTime")?.namesAt], ["42", at(2), at(2)]);
      assert.deepEqual([byPath.get("Device.DeviceInfo.ModelName")?.type, byPath.get("Device.DeviceInfo.ModelName")?.valueAt], ["xsd:int", at(2)]);
      assert.equal(byPath.get("Device.Time.CurrentLocalTime")?.valueAt?.getTime(), at(2).getTime());
      assert.equal(byPath.get("Device.Time.")?.object, true, "the new path's parent object is created");
      // The typed columns the filters use follow the values that did not change, too.
      const found = await s.devices.list({ filter: 'Device.DeviceInfo.UpTime = 42 AND Device.Time.CurrentLocalTime > "2025-01-01T00:00:00Z"' });
      assert.deepEqual(found.map((dev) => dev.id), ["d1"]);
    });

    test("inside a transaction, reads after each kind of write see it, as a read after the commit does", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      const v = (path: string, value: string, type = "xsd:string") => ({ path, value, type });
      await s.parameters.setValues("d1", [v("Device.DeviceInfo.UpTime", "1", "xsd:unsignedInt"), v("Device.WiFi.SSID.1.SSID", "a")], at(1));
      const seen = await s.transaction(async (tx) => {
        const steps: string[][] = [];
        const show = async () => steps.push((await tx.parameters.all("d1")).map((p) => `${p.path}=${p.value ?? ""}@${p.valueAt?.getTime() ?? "-"}/${p.writable ?? "-"}/${p.notification ?? "-"}`));
        await show(); // read first: the transaction keeps the tree
        await tx.parameters.setValues("d1", [v("Device.DeviceInfo.UpTime", "2", "xsd:unsignedInt")], at(2)); // a path the tree has
        await show();
        await tx.parameters.setValues("d1", [v("Device.WiFi.SSID.2.SSID", "b")], at(3)); // a new path, with its parent
        await show();
        await tx.parameters.setNames("d1", "Device.WiFi.", false, [{ path: "Device.WiFi.SSID.2.SSID", writable: true }], at(4));
        await show();
        await tx.parameters.setAttributes("d1", [{ path: "Device.WiFi.SSID.2.SSID", notification: 2, accessList: [] }], at(5));
        await show();
        assert.deepEqual((await tx.parameters.get("d1", ["Device.WiFi.SSID.2.SSID", "Device.DeviceInfo.UpTime"])).map((p) => p.value), ["2", "b"]);
        assert.equal(await tx.parameters.deleteSubtree("d1", "Device.WiFi.SSID.2."), 2);
        await show();
        // Another device's tree is its own.
        assert.deepEqual(await tx.parameters.all("d2"), []);
        return steps;
      });
      const after = (await s.parameters.all("d1")).map((p) => `${p.path}=${p.value ?? ""}@${p.valueAt?.getTime() ?? "-"}/${p.writable ?? "-"}/${p.notification ?? "-"}`);
      assert.deepEqual(seen.at(-1), after);
      assert.ok(seen[1]!.includes(`Device.DeviceInfo.UpTime=2@${at(2).getTime()}/-/-`), seen[1]!.join(" "));
      assert.ok(seen[2]!.includes(`Device.WiFi.SSID.2.SSID=b@${at(3).getTime()}/-/-`) && seen[2]!.includes("Device.WiFi.SSID.2.=@-/-/-"), seen[2]!.join(" "));
      assert.ok(!seen[3]!.some((x) => x.startsWith("Device.WiFi.SSID.1.")), "setNames of the whole subtree dropped SSID.1");
      assert.ok(seen[4]!.includes(`Device.WiFi.SSID.2.SSID=b@${at(3).getTime()}/true/2`), seen[4]!.join(" "));
      assert.ok(!after.some((x) => x.startsWith("Device.WiFi.SSID.2")));
    });

    test("setValues refreshes the times of any number of unchanged values, on that device only", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      // 75 unchanged values: more than one statement refreshes on SQLite (64 at most), the last padded.
      const values = Array.from({ length: 76 }, (_, i) => ({ path: `Device.X.P${String(i).padStart(2, "0")}`, value: String(i), type: "xsd:int" }));
      await s.parameters.setValues("d1", values, at(1));
      await s.parameters.setValues("d2", values.slice(0, 3), at(1));
      await s.parameters.setValues("d1", [...values.slice(0, 75), { ...values[75]!, value: "changed" }], at(2));
      await s.parameters.setValues("d2", values.slice(0, 3), at(1));
      const d1 = (await s.parameters.all("d1")).filter((p) => !p.object);
      assert.equal(d1.length, 76);
      assert.deepEqual(d1.filter((p) => p.valueAt?.getTime() !== at(2).getTime() || p.namesAt?.getTime() !== at(2).getTime()).map((p) => p.path), []);
      assert.deepEqual(d1.map((p) => p.value), [...values.slice(0, 75).map((v) => v.value), "changed"]);
      assert.deepEqual((await s.parameters.all("d2")).filter((p) => !p.object).map((p) => [p.path, p.valueAt]), values.slice(0, 3).map((v) => [v.path, at(1)]));
    });

    test("setValues with a path twice keeps the last, and an empty batch does nothing", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [
        { path: "Device.A", value: "1", type: "xsd:int" }, { path: "Device.A", value: "2", type: "xsd:int" },
      ], at());
      await s.parameters.setValues("d1", [], at(1));
      assert.deepEqual((await s.parameters.all("d1")).map((p) => [p.path, p.value]), [["Device.", null], ["Device.A", "2"]]);
    });

    test("values keep their text exactly (unicode, quotes, backslashes, empty, long)", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      const texts = ["", "a'b\"c\\d", "ünï😀code", "{\"json\":[1,2]}", "x".repeat(10_000), "line\nbreak\ttab", "NULL", "{}"];
      await s.parameters.setValues("d1", texts.map((value, i) => ({ path: `Device.V${i}`, value, type: "xsd:string" })), at());
      const got = await s.parameters.get("d1", texts.map((_v, i) => `Device.V${i}`));
      assert.deepEqual(got.map((p) => p.value), texts);
    });

    test("a value rewritten from text to an integer, a date-time and back reads and filters as last written, attributes kept", async (ctx) => {
      // The trees keep an integer as its number alone and a text as itself (sql/tree.ts): each rewrite
      // of an existing record must drop what the previous form had.
      const s = await withDevices(b, ctx, "d1", "d2");
      await s.parameters.setValues("d1", [{ path: "Device.X.V", value: "abc", type: "xsd:string" }], at(1));
      await s.parameters.setAttributes("d1", [{ path: "Device.X.V", notification: 2, accessList: ["Subscriber"] }], at(2));
      await s.parameters.setValues("d2", [{ path: "Device.X.V", value: "7", type: "xsd:int" }], at(1));
      const ids = async (filter: string) => (await s.devices.list({ filter, now: at(0) })).map((d) => d.id);
      const steps: [string, string, string[]][] = [
        ["42", "xsd:int", ["Device.X.V = 42", 'Device.X.V = "42"', "Device.X.V > 8"]],
        ["2025-05-01T10:00:00Z", "xsd:dateTime", ['Device.X.V < "2025-06-01"', 'Device.X.V ^= "2025-"']],
        ["true", "xsd:boolean", ["Device.X.V = true", 'Device.X.V = "true"']],
        ["abc", "xsd:string", ['Device.X.V = "abc"', 'Device.X.V *= "b"']],
        ["-0", "xsd:string", ["Device.X.V = 0", 'Device.X.V = "-0"']],
      ];
      for (const [i, [value, type, filters]] of steps.entries()) {
        await s.parameters.setValues("d1", [{ path: "Device.X.V", value, type }], at(10 + i));
        const [rec] = await s.parameters.get("d1", ["Device.X.V"]);
        assert.deepEqual([rec?.value, rec?.type, rec?.valueAt, rec?.namesAt, rec?.notification, rec?.accessList, rec?.attributesAt],
          [value, type, at(10 + i), at(10 + i), 2, ["Subscriber"], at(2)], value);
        for (const f of filters) assert.deepEqual(await ids(f), ["d1"], `${value}: ${f}`);
        assert.deepEqual(await ids('Device.X.V = "abc"'), value === "abc" ? ["d1"] : [], value);
        assert.deepEqual(await ids("Device.X.V > 40"), value === "42" ? ["d1"] : [], value);
      }
    });

    test("a large batch is stored in full", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      const values = Array.from({ length: 3000 }, (_v, i) => ({ path: `Device.Hosts.Host.${i % 300}.P${i}`, value: String(i), type: "xsd:int" }));
      await s.parameters.setValues("d1", values, at());
      const all = await s.parameters.all("d1");
      assert.equal(all.length, 3000 + 300 + 3);
      assert.deepEqual(paths(all), [...paths(all)].sort());
      assert.equal((await s.parameters.get("d1", values.map((v) => v.path))).length, 3000);
    });

    test("get returns the existing records of exactly the given paths, sorted", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      await s.parameters.setValues("d1", [
        { path: "Device.B", value: "b", type: "xsd:string" }, { path: "Device.A", value: "a", type: "xsd:string" },
      ], at());
      await s.parameters.setValues("d2", [{ path: "Device.C", value: "c", type: "xsd:string" }], at());
      assert.deepEqual(paths(await s.parameters.get("d1", ["Device.B", "Device.C", "Device.A", "Device.", "Device.A"])), ["Device.", "Device.A", "Device.B"]);
      assert.deepEqual(await s.parameters.get("d1", []), []);
      assert.deepEqual(await s.parameters.get("d1", ["Device.Nope"]), []);
    });

    test("typesOf gives the reported types of exactly the given paths on exactly the given devices", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2", "d3");
      await s.parameters.setValues("d1", [
        { path: "Device.A", value: "1", type: "xsd:int" }, { path: "Device.B", value: "b", type: "xsd:string" },
      ], at());
      await s.parameters.setValues("d2", [{ path: "Device.A", value: "true", type: "xsd:boolean" }], at());
      await s.parameters.setValues("d3", [{ path: "Device.A", value: "7", type: "xsd:unsignedInt" }], at());
      const got = await s.parameters.typesOf(["d1", "d2", "d1", "nope"], ["Device.A", "Device.B", "Device.Nope"]);
      const key = (r: { deviceId: string; path: string }) => `${r.deviceId} ${r.path}`;
      assert.deepEqual(got.sort((x, y) => key(x).localeCompare(key(y))), [
        { deviceId: "d1", path: "Device.A", type: "xsd:int" },
        { deviceId: "d1", path: "Device.B", type: "xsd:string" },
        { deviceId: "d2", path: "Device.A", type: "xsd:boolean" },
      ]);
      assert.deepEqual(await s.parameters.typesOf([], ["Device.A"]), []);
      assert.deepEqual(await s.parameters.typesOf(["d1"], []), []);
    });

    test("subtree is the object itself and what lies under it, never siblings sharing a text prefix", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [
        { path: "Device.WiFi.SSID.1.SSID", value: "a", type: "xsd:string" },
        { path: "Device.WiFi.SSIDCount", value: "1", type: "xsd:unsignedInt" },
        { path: "Device.WiFiX.Y", value: "y", type: "xsd:string" },
        { path: "Device.WiFi", value: "odd", type: "xsd:string" },
      ], at());
      assert.deepEqual(paths(await s.parameters.subtree("d1", "Device.WiFi.SSID.")), ["Device.WiFi.SSID.", "Device.WiFi.SSID.1.", "Device.WiFi.SSID.1.SSID"]);
      assert.deepEqual(paths(await s.parameters.subtree("d1", "Device.WiFi.")), [
        "Device.WiFi.", "Device.WiFi.SSID.", "Device.WiFi.SSID.1.", "Device.WiFi.SSID.1.SSID", "Device.WiFi.SSIDCount",
      ]);
      // Without the final dot: the parameter of that name and the object's subtree, not "Device.WiFiX.".
      assert.deepEqual(paths(await s.parameters.subtree("d1", "Device.WiFi")), [
        "Device.WiFi", "Device.WiFi.", "Device.WiFi.SSID.", "Device.WiFi.SSID.1.", "Device.WiFi.SSID.1.SSID", "Device.WiFi.SSIDCount",
      ]);
      assert.deepEqual(paths(await s.parameters.subtree("d1", "Device.WiFi.SSIDCount")), ["Device.WiFi.SSIDCount"]);
      assert.equal((await s.parameters.subtree("d1", "")).length, (await s.parameters.all("d1")).length);
      assert.deepEqual(await s.parameters.subtree("d1", "Device.Nope."), []);
    });

    test("setNames with nextLevel false replaces the whole subtree under the request path", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [
        { path: "Device.WiFi.SSID.1.SSID", value: "keep", type: "xsd:string" },
        { path: "Device.WiFi.SSID.2.SSID", value: "gone", type: "xsd:string" },
        { path: "Device.WiFi.Old", value: "gone", type: "xsd:string" },
        { path: "Device.LAN.X", value: "outside", type: "xsd:string" },
      ], at());
      await s.parameters.setNames("d1", "Device.WiFi.", false, [
        { path: "Device.WiFi.", writable: false },
        { path: "Device.WiFi.SSID.1.SSID", writable: true },
        { path: "Device.WiFi.Radio.1.Enable", writable: true },
      ], at(10));
      const all = await s.parameters.all("d1");
      assert.deepEqual(paths(all), [
        "Device.", "Device.LAN.", "Device.LAN.X", "Device.WiFi.", "Device.WiFi.Radio.", "Device.WiFi.Radio.1.", "Device.WiFi.Radio.1.Enable",
        "Device.WiFi.SSID.", "Device.WiFi.SSID.1.", "Device.WiFi.SSID.1.SSID",
      ]);
      const byPath = new Map(all.map((p) => [p.path, p]));
      assert.equal(byPath.get("Device.WiFi.SSID.1.SSID")?.value, "keep");
      assert.equal(byPath.get("Device.WiFi.SSID.1.SSID")?.writable, true);
      assert.deepEqual(byPath.get("Device.WiFi.SSID.1.SSID")?.namesAt, at(10));
      assert.deepEqual(byPath.get("Device.WiFi.SSID.1.SSID")?.valueAt, at());
      assert.equal(byPath.get("Device.WiFi.")?.writable, false);
      assert.equal(byPath.get("Device.WiFi.Radio.1.Enable")?.object, false);
      assert.equal(byPath.get("Device.WiFi.Radio.1.")?.object, true);
      assert.equal(byPath.get("Device.LAN.X")?.value, "outside");
    });

    test("setNames with nextLevel false and an empty answer empties the subtree but keeps the request path", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [{ path: "Device.WiFi.SSID.1.SSID", value: "x", type: "xsd:string" }], at());
      await s.parameters.setNames("d1", "Device.WiFi.", false, [], at(1));
      assert.deepEqual(paths(await s.parameters.all("d1")), ["Device.", "Device.WiFi."]);
    });

    test("setNames with nextLevel true: listed children stay with their subtrees, the rest go with theirs", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [
        { path: "Device.WiFi.SSID.1.SSID", value: "keep", type: "xsd:string" },
        { path: "Device.WiFi.SSID.1.Stats.Bytes", value: "1", type: "xsd:unsignedInt" },
        { path: "Device.WiFi.SSID.2.SSID", value: "gone", type: "xsd:string" },
        { path: "Device.WiFi.SSID.Count", value: "gone", type: "xsd:string" },
        { path: "Device.WiFi.SSID.3", value: "was a parameter", type: "xsd:string" },
        { path: "Device.WiFi.Other.X", value: "outside", type: "xsd:string" },
      ], at());
      await s.parameters.setNames("d1", "Device.WiFi.SSID.", true, [
        { path: "Device.WiFi.SSID.1.", writable: false },
        { path: "Device.WiFi.SSID.3.", writable: true },
        { path: "Device.WiFi.SSID.Enable", writable: true },
      ], at(10));
      const all = await s.parameters.all("d1");
      assert.deepEqual(paths(all), [
        "Device.", "Device.WiFi.", "Device.WiFi.Other.", "Device.WiFi.Other.X", "Device.WiFi.SSID.",
        "Device.WiFi.SSID.1.", "Device.WiFi.SSID.1.SSID", "Device.WiFi.SSID.1.Stats.", "Device.WiFi.SSID.1.Stats.Bytes",
        "Device.WiFi.SSID.3.", "Device.WiFi.SSID.Enable",
      ]);
      const byPath = new Map(all.map((p) => [p.path, p]));
      assert.equal(byPath.get("Device.WiFi.SSID.1.SSID")?.value, "keep");
      assert.equal(byPath.get("Device.WiFi.SSID.1.")?.writable, false);
      assert.deepEqual(byPath.get("Device.WiFi.SSID.3.")?.namesAt, at(10));
      assert.equal(byPath.get("Device.WiFi.SSID.")?.namesAt, null);
    });

    test("setNames on the root with nextLevel true keeps only the listed top-level objects", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [
        { path: "Device.A", value: "1", type: "xsd:int" }, { path: "InternetGatewayDevice.B", value: "2", type: "xsd:int" },
      ], at());
      await s.parameters.setNames("d1", "", true, [{ path: "Device.", writable: false }], at(1));
      assert.deepEqual(paths(await s.parameters.all("d1")), ["Device.", "Device.A"]);
    });

    test("setAttributes stores notification and access list, creating missing records and parents", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [{ path: "Device.A.B", value: "v", type: "xsd:string" }], at());
      await s.parameters.setAttributes("d1", [
        { path: "Device.A.B", notification: 1, accessList: [] },
        { path: "Device.C.D", notification: 2, accessList: ["Subscriber", "Other"] },
      ], at(7));
      const all = await s.parameters.all("d1");
      assert.deepEqual(paths(all), ["Device.", "Device.A.", "Device.A.B", "Device.C.", "Device.C.D"]);
      const byPath = new Map(all.map((p) => [p.path, p]));
      assert.deepEqual(byPath.get("Device.A.B"), {
        path: "Device.A.B", object: false, value: "v", type: "xsd:string", writable: null, notification: 1, accessList: [],
        valueAt: at(), namesAt: at(), attributesAt: at(7),
      });
      assert.deepEqual(byPath.get("Device.C.D")?.accessList, ["Subscriber", "Other"]);
      assert.equal(byPath.get("Device.C.D")?.value, null);
      assert.equal(byPath.get("Device.C.")?.attributesAt, null);
    });

    test("deleteSubtree removes the object and everything under it and says how many", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      const values = [
        { path: "Device.IP.Interface.1.Name", value: "a", type: "xsd:string" },
        { path: "Device.IP.Interface.1.IPv4Address.1.IPAddress", value: "b", type: "xsd:string" },
        { path: "Device.IP.Interface.10.Name", value: "c", type: "xsd:string" },
      ];
      await s.parameters.setValues("d1", values, at());
      await s.parameters.setValues("d2", values, at());
      assert.equal(await s.parameters.deleteSubtree("d1", "Device.IP.Interface.1."), 5);
      assert.deepEqual(paths(await s.parameters.all("d1")), [
        "Device.", "Device.IP.", "Device.IP.Interface.", "Device.IP.Interface.10.", "Device.IP.Interface.10.Name",
      ]);
      assert.equal((await s.parameters.all("d2")).length, 10);
      assert.equal(await s.parameters.deleteSubtree("d1", "Device.IP.Interface.1."), 0);
    });

    test("writing parameters of a device that does not exist is refused with a typed error", async (ctx) => {
      const s = await fresh(b, ctx);
      await rejectsWith(s.parameters.setValues("ghost", [{ path: "Device.A", value: "1", type: "xsd:int" }], at()), "STORE_UNKNOWN_REFERENCE");
    });
  });

  describe("tasks", () => {
    test("create fills the defaults; get reads it back; args keep their JSON", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      const args = { parameterValues: [["Device.A", "1", "xsd:int"]], nested: { ok: true, n: 1.5, none: null }, text: "ü" };
      const t = await s.tasks.create({ deviceId: "d1", name: "setParameterValues", args }, at(1));
      assert.match(t.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(t, {
        id: t.id, deviceId: "d1", name: "setParameterValues", args, status: "pending", createdAt: at(1), expiresAt: null, notBefore: null,
        attempts: 0, maxAttempts: t.maxAttempts, lastFault: null, result: null, completedAt: null,
      });
      assert.ok(t.maxAttempts >= 1);
      assert.deepEqual(await s.tasks.get(t.id), t);
      const u = await s.tasks.create({ deviceId: "d1", name: "reboot", args: null, expiresAt: at(100), maxAttempts: 5 }, at(2));
      assert.deepEqual([u.expiresAt, u.maxAttempts, u.args], [at(100), 5, null]);
      assert.equal(await s.tasks.get("00000000-0000-0000-0000-000000000000"), null);
      // From plain JavaScript, a missing JSON value is stored as null rather than refused.
      const bare = await s.tasks.create({ deviceId: "d1", name: "reboot" } as NewTask, at(3));
      assert.equal(bare.args, null);
      await rejectsWith(s.tasks.create({ deviceId: "ghost", name: "reboot", args: null }, at()), "STORE_UNKNOWN_REFERENCE");
    });

    test("createMany writes every task in the order given, as create would; a missing device writes none", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2", "d3");
      const args = { parameterValues: [["Device.A", "1", "xsd:int"]], nested: { ok: true, n: 1.5, none: null }, text: "ü" };
      assert.deepEqual(await s.tasks.createMany([], at()), []);
      const made = await s.tasks.createMany([
        { deviceId: "d2", name: "setParameterValues", args },
        { deviceId: "d1", name: "reboot", args: null, expiresAt: at(100), maxAttempts: 5 },
        { deviceId: "d3", name: "reboot" } as NewTask,
        { deviceId: "d2", name: "factoryReset", args: [] },
      ], at(1));
      assert.deepEqual(made.map((t) => [t.deviceId, t.name]), [["d2", "setParameterValues"], ["d1", "reboot"], ["d3", "reboot"], ["d2", "factoryReset"]]);
      assert.equal(new Set(made.map((t) => t.id)).size, 4);
      for (const t of made) assert.deepEqual(await s.tasks.get(t.id), t);
      assert.deepEqual([made[1]!.expiresAt, made[1]!.maxAttempts, made[2]!.args, made[0]!.expiresAt], [at(100), 5, null, null]);
      assert.deepEqual(made[0], {
        id: made[0]!.id, deviceId: "d2", name: "setParameterValues", args, status: "pending", createdAt: at(1), expiresAt: null, notBefore: null,
        attempts: 0, maxAttempts: made[0]!.maxAttempts, lastFault: null, result: null, completedAt: null,
      });
      // Creation order is the order given, as the queue runs them.
      assert.deepEqual((await s.tasks.list({ deviceId: "d2" })).map((t) => t.id), [made[0]!.id, made[3]!.id]);
      assert.deepEqual((await s.tasks.runnable("d2", at(2))).map((t) => t.name), ["setParameterValues", "factoryReset"]);
      await rejectsWith(s.tasks.createMany([{ deviceId: "d1", name: "reboot", args: null }, { deviceId: "ghost", name: "reboot", args: null }], at(3)), "STORE_UNKNOWN_REFERENCE");
      assert.equal((await s.tasks.list()).length, 4);
    });

    test("runnable: pending tasks of the device that may run now, in creation order", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      const now = at(1000);
      const mk = (name: string, created: number, extra: { expiresAt?: Date } = {}) =>
        s.tasks.create({ deviceId: "d1", name, args: null, ...extra }, at(created));
      const later = await mk("created-later", 20);
      const first = await mk("first", 10);
      const sameTime = await mk("same-time-second", 10);
      const backedOff = await mk("backed-off", 5);
      await s.tasks.update(backedOff.id, { notBefore: at(2000) });
      const retryDue = await mk("retry-due", 6);
      await s.tasks.update(retryDue.id, { notBefore: now });
      await mk("expired", 7, { expiresAt: now });
      const notYetExpired = await mk("expires-later", 8, { expiresAt: at(1001) });
      const done = await mk("done", 9);
      await s.tasks.update(done.id, { status: "done" });
      await s.tasks.create({ deviceId: "d2", name: "other-device", args: null }, at(1));
      assert.deepEqual((await s.tasks.runnable("d1", now)).map((t) => t.id), [retryDue.id, notYetExpired.id, first.id, sameTime.id, later.id]);
      assert.deepEqual((await s.tasks.runnable("d1", at(2000))).map((t) => t.name), ["backed-off", "retry-due", "first", "same-time-second", "created-later"]);
      assert.deepEqual(await s.tasks.runnable("nobody", now), []);
    });

    test("failedSinceInform: the device's tasks that failed after its last Inform, in creation order", async (ctx) => {
      const s = await withDevices(b, ctx, "d2");
      await s.devices.recordInform(inform("d1", { at: at(100) }));
      const mk = async (name: string, status: "failed" | "done" | "pending", completed: number | null, deviceId = "d1") => {
        const t = await s.tasks.create({ deviceId, name, args: null }, at(completed ?? 0));
        return s.tasks.update(t.id, { status, completedAt: completed === null ? null : at(completed) });
      };
      const second = await mk("failed-second", "failed", 300);
      const first = await mk("failed-first", "failed", 101);
      await mk("failed-before-the-inform", "failed", 100);
      await mk("done-after", "done", 200);
      await mk("pending", "pending", null);
      await mk("other-device", "failed", 10_000, "d2");
      assert.deepEqual((await s.tasks.failedSinceInform("d1")).map((t) => t.id), [first!.id, second!.id]);
      await s.devices.recordInform(inform("d1", { at: at(400) }));
      assert.deepEqual(await s.tasks.failedSinceInform("d1"), []);
      assert.deepEqual(await s.tasks.failedSinceInform("nobody"), []);
    });

    test("sessionHistory.recordMany: several devices' sessions in one write, each device keeping its newest; all or none", async (ctx) => {
      const s = await withDevices(b, ctx, "h1", "h2");
      const summary = { events: ["2 PERIODIC"], rpcs: [], cpeRequests: [], tasks: { done: 0, failed: 0 }, faults: [], envelopesDropped: 0 };
      const row = (deviceId: string, sessionId: string, t: number) => ({ deviceId, sessionId, startedAt: at(t), endedAt: at(t + 1), outcome: "completed", summary, envelopes: null });
      await s.sessionHistory.record(row("h1", "old", 1), 2);
      await s.sessionHistory.recordMany([row("h1", "a", 10), row("h2", "b", 11), row("h1", "c", 12), row("h2", "d", 13), row("h2", "e", 14)], 2);
      assert.deepEqual((await s.sessionHistory.list("h1", 10)).map((r) => r.sessionId), ["c", "a"]);
      assert.deepEqual((await s.sessionHistory.list("h2", 10)).map((r) => r.sessionId), ["e", "d"]);
      assert.deepEqual((await s.sessionHistory.get("h2", "d"))?.endedAt, at(14));
      await assert.rejects(s.sessionHistory.recordMany([row("h1", "f", 20), row("nobody", "g", 21)], 2), (err: unknown) => err instanceof StoreError && err.code === "STORE_UNKNOWN_REFERENCE");
      assert.deepEqual((await s.sessionHistory.list("h1", 10)).map((r) => r.sessionId), ["c", "a"], "nothing of a failed batch stays");
      await s.sessionHistory.recordMany([], 2);
    });

    test("sessionHistory keeps a big session's envelopes whole (deflated on SQLite), a small one's as text", async (ctx) => {
      const url = await b.freshUrl();
      const s = await openStore(url);
      ctx.after(() => s.close());
      await s.devices.recordInform(inform("h1"));
      const summary = { events: ["0 BOOTSTRAP"], rpcs: [], cpeRequests: [], tasks: { done: 0, failed: 0 }, faults: [], envelopesDropped: 0 };
      // A discovery's answer: thousands of parameters, much alike.
      const xml = (n: number) => `<cwmp:GetParameterValuesResponse>${Array.from({ length: n }, (_v, i) => `<ParameterValueStruct><Name>Device.WiFi.SSID.${i}.Name</Name><Value xsi:type="xsd:string">net-${i}</Value></ParameterValueStruct>`).join("")}</cwmp:GetParameterValuesResponse>`;
      const envelopes = (n: number) => [
        { protocol: "cwmp" as const, direction: "sent" as const, at: at(1), xml: "<cwmp:GetParameterValues/>", truncated: false },
        { protocol: "cwmp" as const, direction: "received" as const, at: at(2), xml: xml(n), truncated: false },
      ];
      const big = { deviceId: "h1", sessionId: "big", startedAt: at(1), endedAt: at(3), outcome: "completed", summary, envelopes: envelopes(2000) };
      const small = { ...big, sessionId: "small", envelopes: envelopes(3) };
      await s.sessionHistory.record(big, 5);
      await s.sessionHistory.recordMany([small], 5);
      assert.deepEqual((await s.sessionHistory.get("h1", "big"))?.envelopes, big.envelopes);
      assert.deepEqual((await s.sessionHistory.get("h1", "small"))?.envelopes, small.envelopes);
      if (b.name === "sqlite") {
        const stored = await queryDirect(url, "SELECT session_id, typeof(envelopes) AS kind, length(envelopes) AS bytes FROM session_history ORDER BY session_id");
        const json = JSON.stringify(big.envelopes).length;
        assert.deepEqual(stored.map((r) => [r.session_id, r.kind]), [["big", "blob"], ["small", "text"]]);
        assert.ok(Number(stored[0]!.bytes) * 5 < json, `${String(stored[0]!.bytes)} bytes stored for ${json} of JSON`);
      }
    });

    test("atInform: runnable and failedSinceInform in one statement, each as they say", async (ctx) => {
      const s = await withDevices(b, ctx, "d2");
      await s.devices.recordInform(inform("d1", { at: at(100) }));
      const mk = async (name: string, status: "failed" | "done" | "pending", created: number, completed: number | null, deviceId = "d1") => {
        const t = await s.tasks.create({ deviceId, name, args: null }, at(created));
        return (await s.tasks.update(t.id, { status, completedAt: completed === null ? null : at(completed) }))!;
      };
      const failedLate = await mk("failed-late", "failed", 5, 300);
      const pendingLate = await mk("pending-late", "pending", 20, null);
      const failed = await mk("failed", "failed", 1, 101);
      const pending = await mk("pending", "pending", 2, null);
      const backedOff = await mk("backed-off", "pending", 3, null);
      await s.tasks.update(backedOff.id, { notBefore: at(2000) });
      await mk("failed-before-the-inform", "failed", 4, 100);
      await mk("done-after", "done", 6, 200);
      await mk("other-device", "failed", 7, 10_000, "d2");
      await mk("other-device-pending", "pending", 8, null, "d2");
      const now = at(1000);
      const both = await s.tasks.atInform("d1", now);
      assert.deepEqual(both.runnable.map((t) => t.id), [pending.id, pendingLate.id]);
      assert.deepEqual(both.failedSinceInform.map((t) => t.id), [failed.id, failedLate.id]);
      // The same as the two reads it stands for, at any moment.
      for (const when of [now, at(2000)]) {
        const one = await s.tasks.atInform("d1", when);
        assert.deepEqual(one.runnable, await s.tasks.runnable("d1", when));
        assert.deepEqual(one.failedSinceInform, await s.tasks.failedSinceInform("d1"));
      }
      await s.devices.recordInform(inform("d1", { at: at(400) }));
      assert.deepEqual((await s.tasks.atInform("d1", now)).failedSinceInform, []);
      assert.deepEqual(await s.tasks.atInform("nobody", now), { runnable: [], failedSinceInform: [] });
    });

    test("update applies only the given fields and returns the new record; null for an unknown task", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      const t = await s.tasks.create({ deviceId: "d1", name: "download", args: { url: "http://x" }, expiresAt: at(50) }, at());
      const fault = { code: "cwmp.9002", message: "Internal error", detail: { faultString: "boom", list: [1, 2] } };
      const u1 = await s.tasks.update(t.id, { attempts: 1, lastFault: fault, notBefore: at(30) });
      assert.deepEqual(u1, { ...t, attempts: 1, lastFault: fault, notBefore: at(30) });
      const u2 = await s.tasks.update(t.id, { status: "done", result: { ok: [true] }, completedAt: at(40), lastFault: null, notBefore: null, expiresAt: null });
      assert.deepEqual(u2, { ...t, attempts: 1, status: "done", result: { ok: [true] }, completedAt: at(40), lastFault: null, notBefore: null, expiresAt: null });
      assert.deepEqual(await s.tasks.update(t.id, {}), u2);
      assert.deepEqual(await s.tasks.get(t.id), u2);
      assert.equal(await s.tasks.update("00000000-0000-0000-0000-000000000000", { status: "done" }), null);
      assert.equal(await s.tasks.update("00000000-0000-0000-0000-000000000000", {}), null);
    });

    test("expire marks pending and waiting tasks whose time has passed, and only those", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      const due = await s.tasks.create({ deviceId: "d1", name: "a", args: null, expiresAt: at(10) }, at());
      const exact = await s.tasks.create({ deviceId: "d1", name: "b", args: null, expiresAt: at(20) }, at());
      const future = await s.tasks.create({ deviceId: "d1", name: "c", args: null, expiresAt: at(21) }, at());
      const never = await s.tasks.create({ deviceId: "d1", name: "d", args: null }, at());
      const finished = await s.tasks.create({ deviceId: "d1", name: "e", args: null, expiresAt: at(1) }, at());
      await s.tasks.update(finished.id, { status: "failed" });
      // accepted by the CPE, its TransferComplete never came: it expires too
      const waiting = await s.tasks.create({ deviceId: "d1", name: "f", args: null, expiresAt: at(5) }, at());
      await s.tasks.update(waiting.id, { status: "waiting" });
      assert.equal(await s.tasks.expire(at(20)), 3);
      assert.equal((await s.tasks.get(waiting.id))?.status, "expired");
      assert.equal((await s.tasks.get(due.id))?.status, "expired");
      assert.equal((await s.tasks.get(exact.id))?.status, "expired");
      assert.deepEqual((await s.tasks.get(exact.id))?.completedAt, at(20));
      assert.equal((await s.tasks.get(future.id))?.status, "pending");
      assert.equal((await s.tasks.get(never.id))?.status, "pending");
      assert.equal((await s.tasks.get(finished.id))?.status, "failed");
      assert.equal(await s.tasks.expire(at(20)), 0);
    });

    test("prune deletes finished tasks completed before a time, oldest first, at most `limit` at a time, and nothing unfinished", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      const make = async (name: string, status: "done" | "failed" | "cancelled" | "expired" | "pending" | "waiting", completed: number | null) => {
        const t = await s.tasks.create({ deviceId: name.startsWith("x") ? "d2" : "d1", name, args: null }, at());
        await s.tasks.update(t.id, { status, ...(completed === null ? {} : { completedAt: at(completed) }) });
        return t.id;
      };
      const oldest = await make("done-1", "done", 1);
      const failed = await make("x-failed-2", "failed", 2);
      const cancelled = await make("cancelled-3", "cancelled", 3);
      const expired = await make("expired-4", "expired", 4);
      const recent = await make("done-50", "done", 50);
      const pending = await make("pending", "pending", null);
      const waiting = await make("waiting", "waiting", null);
      // A task revived after it had finished (confirm.ts) is waiting again: its old completion is no end.
      const revived = await make("revived", "waiting", 2);
      assert.equal(await s.tasks.prune(at(10), 2), 2);
      const left = async () => (await s.tasks.list({ limit: 100 })).map((t) => t.id).sort();
      assert.deepEqual(await left(), [cancelled, expired, recent, pending, waiting, revived].sort(), "the two oldest went first");
      assert.equal(await s.tasks.prune(at(10), 100), 2);
      assert.deepEqual(await left(), [recent, pending, waiting, revived].sort());
      assert.equal(await s.tasks.prune(at(10), 100), 0);
      assert.equal(await s.tasks.get(oldest), null);
      assert.equal(await s.tasks.get(failed), null);
    });

    test("list filters by device and status, pages, oldest first; pendingCount counts", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      const a = await s.tasks.create({ deviceId: "d1", name: "a", args: null }, at(3));
      const bb = await s.tasks.create({ deviceId: "d2", name: "b", args: null }, at(1));
      const c = await s.tasks.create({ deviceId: "d1", name: "c", args: null }, at(2));
      const d = await s.tasks.create({ deviceId: "d1", name: "d", args: null }, at(2));
      await s.tasks.update(c.id, { status: "cancelled" });
      assert.deepEqual((await s.tasks.list()).map((t) => t.name), ["b", "c", "d", "a"]);
      assert.deepEqual((await s.tasks.list({ deviceId: "d1" })).map((t) => t.id), [c.id, d.id, a.id]);
      assert.deepEqual((await s.tasks.list({ status: ["pending"] })).map((t) => t.id), [bb.id, d.id, a.id]);
      assert.deepEqual((await s.tasks.list({ status: ["cancelled", "done"], deviceId: "d1" })).map((t) => t.id), [c.id]);
      assert.deepEqual(await s.tasks.list({ status: [] }), []);
      assert.deepEqual((await s.tasks.list({ limit: 2, offset: 1 })).map((t) => t.name), ["c", "d"]);
      assert.equal(await s.tasks.pendingCount(), 3);
      assert.equal(await s.tasks.pendingCount("d1"), 2);
      assert.equal(await s.tasks.pendingCount("nobody"), 0);
    });

    test("retry wakes: due retries are claimed once across stores on one database, and their wakes recorded per attempt", async () => {
      const url = await b.freshUrl();
      const one = await openStore(url);
      const two = await openStore(url);
      try {
        await one.devices.recordInform(inform("d1"));
        const mk = async (name: string, patch: Parameters<Store["tasks"]["update"]>[1]) => {
          const t = await one.tasks.create({ deviceId: "d1", name, args: null }, at());
          return (await one.tasks.update(t.id, patch))!;
        };
        const late = await mk("late", { attempts: 1, notBefore: at(20) });
        const due = await mk("due", { attempts: 1, notBefore: at(10) });
        await mk("fresh", {});
        await mk("failed", { attempts: 3, notBefore: at(5), status: "failed" });
        await mk("expired-meanwhile", { attempts: 1, notBefore: at(5), expiresAt: at(15) });
        assert.deepEqual((await two.tasks.dueRetries(at(15), 10)).map((t) => t.name), ["due"]);
        assert.deepEqual((await two.tasks.dueRetries(at(20), 10)).map((t) => t.name), ["due", "late"]);
        assert.deepEqual((await two.tasks.dueRetries(at(20), 1)).map((t) => t.name), ["due"]);
        // Not before its back-off has passed; then once, whichever store asks.
        assert.equal(await one.tasks.claimRetryWake(late.id, at(19)), false);
        const claims = await Promise.all([one.tasks.claimRetryWake(due.id, at(15)), two.tasks.claimRetryWake(due.id, at(15))]);
        assert.deepEqual(claims.sort(), [false, true]);
        assert.deepEqual((await one.tasks.dueRetries(at(20), 10)).map((t) => t.name), ["late"]);
        // The next failure backs off again: its retry may be claimed anew.
        await one.tasks.update(due.id, { attempts: 2, notBefore: at(40) });
        assert.deepEqual((await one.tasks.dueRetries(at(40), 10)).map((t) => t.name), ["late", "due"]);

        assert.deepEqual(await one.tasks.wakes([due.id, late.id]), new Map());
        await one.tasks.recordWake(due.id, at(16), "refused");
        assert.deepEqual(await two.tasks.wakes([due.id, late.id]), new Map([[due.id, { at: at(16), outcome: "refused", attempts: 2 }]]));
        assert.deepEqual(await two.tasks.wakes([]), new Map());
        // A task's record does not change with its wakes.
        assert.deepEqual(await one.tasks.get(due.id), { ...due, attempts: 2, notBefore: at(40) });
      } finally {
        await one.close();
        await two.close();
      }
    });
  });

  describe("faults", () => {
    test("raise on a new channel starts at 0 retries; again on the same channel bumps and refreshes it", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      const f1 = await s.faults.raise({ deviceId: "d1", channel: "task:1", code: "cwmp.9001", message: "denied", detail: { a: 1 }, at: at(1) });
      assert.deepEqual(f1, { id: f1.id, deviceId: "d1", channel: "task:1", code: "cwmp.9001", message: "denied", detail: { a: 1 }, retries: 0, at: at(1) });
      const f2 = await s.faults.raise({ deviceId: "d1", channel: "task:1", code: "timeout", message: "no answer", detail: null, at: at(2) });
      assert.deepEqual(f2, { id: f1.id, deviceId: "d1", channel: "task:1", code: "timeout", message: "no answer", detail: null, retries: 1, at: at(2) });
      const f3 = await s.faults.raise({ deviceId: "d1", channel: "task:1", code: "timeout", message: "no answer", detail: null, at: at(3) });
      assert.equal(f3.retries, 2);
      const other = await s.faults.raise({ deviceId: "d1", channel: "session", code: "x", message: "y", detail: [1], at: at(0) });
      assert.notEqual(other.id, f1.id);
      assert.equal(other.retries, 0);
      assert.deepEqual((await s.faults.list({ deviceId: "d1" })).map((f) => [f.channel, f.retries]), [["session", 0], ["task:1", 2]]);
    });

    test("concurrent raises on one channel leave one fault counting them all", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await Promise.all(Array.from({ length: 10 }, (_v, i) => s.faults.raise({ deviceId: "d1", channel: "c", code: "x", message: "m", detail: i, at: at(i) })));
      const list = await s.faults.list();
      assert.equal(list.length, 1);
      assert.equal(list[0]?.retries, 9);
    });

    test("list filters and pages; clear and clearChannel remove and say whether they did", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      const a = await s.faults.raise({ deviceId: "d1", channel: "a", code: "c", message: "m", detail: null, at: at(1) });
      await s.faults.raise({ deviceId: "d2", channel: "a", code: "c", message: "m", detail: null, at: at(2) });
      await s.faults.raise({ deviceId: "d1", channel: "b", code: "c", message: "m", detail: null, at: at(3) });
      assert.deepEqual((await s.faults.list()).map((f) => [f.deviceId, f.channel]), [["d1", "a"], ["d2", "a"], ["d1", "b"]]);
      assert.deepEqual((await s.faults.list({ limit: 1, offset: 1 })).map((f) => f.deviceId), ["d2"]);
      assert.equal(await s.faults.clear(a.id), true);
      assert.equal(await s.faults.clear(a.id), false);
      assert.equal(await s.faults.clearChannel("d1", "b"), true);
      assert.equal(await s.faults.clearChannel("d1", "b"), false);
      assert.deepEqual((await s.faults.list()).map((f) => [f.deviceId, f.channel]), [["d2", "a"]]);
      await rejectsWith(s.faults.raise({ deviceId: "ghost", channel: "a", code: "c", message: "m", detail: null, at: at() }), "STORE_UNKNOWN_REFERENCE");
    });

    test("anyOnChannels says whether the device has a fault on a channel starting with the prefix, taken literally", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      await s.faults.raise({ deviceId: "d1", channel: "provisions:cwmp.9005:Device.X", code: "c", message: "m", detail: null, at: at(1) });
      await s.faults.raise({ deviceId: "d2", channel: "provisionsX", code: "c", message: "m", detail: null, at: at(1) });
      await s.faults.raise({ deviceId: "d2", channel: "task:1", code: "c", message: "m", detail: null, at: at(1) });
      assert.equal(await s.faults.anyOnChannels("d1", "provisions:"), true);
      assert.equal(await s.faults.anyOnChannels("d2", "provisions:"), false, "another channel sharing the letters, and another device's");
      assert.equal(await s.faults.anyOnChannels("d2", "provisions%"), false, "a LIKE wildcard is a letter here");
      assert.equal(await s.faults.anyOnChannels("d2", "task:"), true);
      assert.equal(await s.faults.anyOnChannels("ghost", "task:"), false);
    });
  });

  describe("sessions", () => {
    test("acquire takes a free device; another session is refused while the lease lasts; the holder may take it again", async (ctx) => {
      const s = await fresh(b, ctx);
      // No device record is needed: the lock can be taken before the first Inform is stored.
      const first = await s.sessions.acquire("d1", "s1", { phase: "inform" }, at(30_000));
      assert.deepEqual(first, { id: "s1", deviceId: "d1", state: { phase: "inform" }, version: first?.version, expiresAt: at(30_000) });
      assert.equal(await s.sessions.acquire("d1", "s2", {}, at(60_000)), null);
      assert.deepEqual(await s.sessions.get("s1"), first);
      const again = await s.sessions.acquire("d1", "s1", { phase: "again" }, at(40_000));
      assert.equal(again?.id, "s1");
      assert.deepEqual(again?.state, { phase: "again" });
      assert.deepEqual(again?.expiresAt, at(40_000));
      assert.ok((again?.version ?? 0) > (first?.version ?? 0));
      // Other devices are independent.
      assert.notEqual(await s.sessions.acquire("d2", "s2", {}, at(60_000)), null);
      assert.equal(await s.sessions.get("nope"), null);
    });

    test("a lapsed session is not taken over by acquire: it is found by device and ended once, by its version", async (ctx) => {
      const s = await fresh(b, ctx);
      const old = await s.sessions.acquire("d1", "s1", { n: 1 }, at(30_000));
      assert.ok(old);
      assert.deepEqual(await s.sessions.ofDevice("d1"), old);
      assert.equal(await s.sessions.ofDevice("d2"), null);
      assert.equal(await s.sessions.acquire("d1", "s2", { n: 2 }, at(90_000)), null, "lapsed or not, the session holds the device until ended");
      assert.equal(await s.sessions.end("s1", old.version + 1), false);
      assert.equal(await s.sessions.end("s1", old.version), true);
      assert.equal(await s.sessions.end("s1", old.version), false, "ended once");
      const taken = await s.sessions.acquire("d1", "s2", { n: 2 }, at(90_000));
      assert.equal(taken?.id, "s2");
      assert.equal(await s.sessions.save("s1", old.version, { n: 3 }, at(99_000)), null);
      assert.deepEqual((await s.sessions.ofDevice("d1"))?.state, { n: 2 });
    });

    test("of concurrent transactions ending one session by its version and taking the device, exactly one ends it", async (ctx) => {
      const s = await fresh(b, ctx);
      assert.ok(await s.sessions.acquire("d1", "old", {}, at(10)));
      const results = await Promise.all(Array.from({ length: 6 }, (_v, i) => s.transaction(async (tx) => {
        const rec = await tx.sessions.ofDevice("d1");
        const ended = rec !== null && rec.id === "old" && (await tx.sessions.end(rec.id, rec.version));
        return { ended, took: (await tx.sessions.acquire("d1", `new${i}`, {}, at(1000))) !== null };
      })));
      assert.equal(results.filter((r) => r.ended).length, 1, JSON.stringify(results));
      assert.equal(results.filter((r) => r.took).length, 1, JSON.stringify(results));
    });

    test("save succeeds once per version: a stale version is refused", async (ctx) => {
      const s = await fresh(b, ctx);
      const a = await s.sessions.acquire("d1", "s1", { step: 0 }, at(30_000));
      assert.ok(a);
      const b1 = await s.sessions.save("s1", a.version, { step: 1 }, at(60_000));
      assert.deepEqual(b1, { id: "s1", deviceId: "d1", state: { step: 1 }, version: a.version + 1, expiresAt: at(60_000) });
      assert.equal(await s.sessions.save("s1", a.version, { step: "racer" }, at(60_000)), null);
      assert.deepEqual(await s.sessions.get("s1"), b1);
      assert.equal(await s.sessions.save("nope", 1, {}, at()), null);
    });

    test("of concurrent saves with the same version exactly one wins", async (ctx) => {
      const s = await fresh(b, ctx);
      const a = await s.sessions.acquire("d1", "s1", 0, at(30_000));
      assert.ok(a);
      const results = await Promise.all(Array.from({ length: 8 }, (_v, i) => s.sessions.save("s1", a.version, i, at(60_000))));
      const winners = results.filter((r) => r !== null);
      assert.equal(winners.length, 1);
      assert.deepEqual((await s.sessions.get("s1"))?.state, winners[0]?.state);
    });

    test("end frees the device at once; expired lists lapsed leases, soonest first, up to a limit", async (ctx) => {
      const s = await fresh(b, ctx);
      await s.sessions.acquire("d1", "s1", {}, at(10));
      await s.sessions.acquire("d2", "s2", {}, at(30));
      await s.sessions.acquire("d3", "s3", {}, at(20));
      await s.sessions.acquire("d4", "s4", {}, at(100));
      assert.deepEqual((await s.sessions.expired(at(30))).map((r) => r.id), ["s1", "s3", "s2"]);
      assert.deepEqual((await s.sessions.expired(at(30), 2)).map((r) => r.id), ["s1", "s3"]);
      assert.deepEqual(await s.sessions.expired(at(9)), []);
      await s.sessions.end("s1");
      await s.sessions.end("s1");
      assert.equal(await s.sessions.get("s1"), null);
      assert.deepEqual((await s.sessions.expired(at(30))).map((r) => r.id), ["s3", "s2"]);
      assert.equal((await s.sessions.acquire("d4", "x", {}, at(200))), null);
      assert.equal((await s.sessions.acquire("d1", "y", {}, at(200)))?.id, "y", "an ended session frees its device");
      await s.sessions.end("s4");
      assert.equal((await s.sessions.acquire("d4", "x", {}, at(200)))?.id, "x");
    });

    test("of many concurrent acquires for one device exactly one wins", async (ctx) => {
      const s = await fresh(b, ctx);
      const results = await Promise.all(Array.from({ length: 20 }, (_v, i) => s.sessions.acquire("d1", `s${i}`, { i }, at(30_000))));
      const winners = results.filter((r) => r !== null);
      assert.equal(winners.length, 1);
      assert.equal((await s.sessions.get(winners[0]?.id ?? ""))?.deviceId, "d1");
    });

    test("a session write as its transaction's last statement commits with the rest; one that finds the session moved on fails it", async (ctx) => {
      const s = await fresh(b, ctx);
      const last = { last: true };
      // Each write comes after another of the same transaction, as the CWMP handler's do (the outbox).
      const taken = await s.transaction(async (tx) => {
        await tx.settings.set("k", "acquired");
        return tx.sessions.acquire("d1", "s1", { n: 1 }, at(30_000), last);
      });
      assert.equal(taken?.id, "s1");
      assert.equal(await s.settings.get("k"), "acquired");
      const saved = await s.transaction(async (tx) => {
        await tx.settings.set("k", "saved");
        return tx.sessions.save("s1", taken!.version, { n: 2 }, at(60_000), last);
      });
      assert.deepEqual(saved, { id: "s1", deviceId: "d1", state: { n: 2 }, version: taken!.version + 1, expiresAt: at(60_000) });
      assert.equal(await s.settings.get("k"), "saved");

      // Moved on: the caller fails the transaction on the answer (as the handler does), and nothing of it stays.
      const refused = async (write: (tx: StoreTx) => Promise<unknown>) => {
        await assert.rejects(s.transaction(async (tx) => {
          await tx.settings.set("k", "lost");
          const r = await write(tx);
          assert.ok(r === null || r === false, "the write reports the session moved on");
          throw new Error("moved on");
        }), /moved on/);
        assert.equal(await s.settings.get("k"), "saved");
      };
      await refused((tx) => tx.sessions.acquire("d1", "s2", {}, at(90_000), last));
      await refused((tx) => tx.sessions.save("s1", taken!.version, { n: 3 }, at(90_000), last));
      await refused((tx) => tx.sessions.end("s1", taken!.version, last));
      assert.deepEqual(await s.sessions.get("s1"), saved);

      const ended = await s.transaction(async (tx) => {
        await tx.settings.set("k", "ended");
        return tx.sessions.end("s1", saved!.version, last);
      });
      assert.equal(ended, true);
      assert.equal(await s.sessions.get("s1"), null);
      // Without a version, a session already gone is no failure: the rest commits.
      const again = await s.transaction(async (tx) => {
        await tx.settings.set("k", "gone");
        return tx.sessions.end("s1", undefined, last);
      });
      assert.equal(again, false);
      assert.equal(await s.settings.get("k"), "gone");
    });

    test("JSON states of every shape round-trip", async (ctx) => {
      const s = await fresh(b, ctx);
      const states: JsonValue[] = [null, true, 0, -1.25, "text", [], {}, { b: 1, a: [null, { c: "ü" }] }];
      for (const [i, state] of states.entries()) {
        const r = await s.sessions.acquire(`d${i}`, `s${i}`, state, at(1000));
        assert.deepEqual(r?.state, state);
        assert.deepEqual((await s.sessions.get(`s${i}`))?.state, state);
      }
    });
  });

  describe("settings and credentials", () => {
    test("settings: absent reads undefined, JSON null is a value, set overwrites", async (ctx) => {
      const s = await fresh(b, ctx);
      assert.equal(await s.settings.get("k"), undefined);
      await s.settings.set("k", null);
      assert.equal(await s.settings.get("k"), null);
      await s.settings.set("k", { list: [1, "2", false], nested: { x: null } });
      assert.deepEqual(await s.settings.get("k"), { list: [1, "2", false], nested: { x: null } });
      await s.settings.set("k", "plain");
      assert.equal(await s.settings.get("k"), "plain");
    });

    test("setIfAbsent: the first writer wins, later ones read its value", async (ctx) => {
      const s = await fresh(b, ctx);
      assert.deepEqual(await s.settings.setIfAbsent("secret", { v: "first" }), { v: "first" });
      assert.deepEqual(await s.settings.setIfAbsent("secret", { v: "second" }), { v: "first" });
      assert.deepEqual(await s.settings.get("secret"), { v: "first" });
      const racing = await Promise.all(Array.from({ length: 10 }, (_v, i) => s.settings.setIfAbsent("race", i)));
      assert.equal(new Set(racing).size, 1);
      assert.equal(await s.settings.get("race"), racing[0]);
      assert.equal(await s.settings.setIfAbsent("nullish", null), null);
      assert.equal(await s.settings.setIfAbsent("nullish", 5), null);
    });

    test("credentials: put creates or replaces, get, forDevice sorted, delete", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      const c = { username: "cpe-b", deviceId: "d1", passwordHash: "scrypt$16384$8$1$salt$hash", digestHa1: "0123abcd", realm: "provisio", createdAt: at(3) };
      await s.credentials.put(c);
      await s.credentials.put({ ...c, username: "cpe-a" });
      await s.credentials.put({ ...c, username: "bootstrap", deviceId: null });
      assert.deepEqual(await s.credentials.get("cpe-b"), c);
      assert.deepEqual((await s.credentials.forDevice("d1")).map((x) => x.username), ["cpe-a", "cpe-b"]);
      // A login with, in the same read, whether a device has credentials of its own.
      assert.deepEqual(await s.credentials.forLogin("bootstrap", "d1"), { credential: { ...c, username: "bootstrap", deviceId: null }, deviceHasOwn: true });
      assert.deepEqual(await s.credentials.forLogin("bootstrap", "d2"), { credential: { ...c, username: "bootstrap", deviceId: null }, deviceHasOwn: false });
      assert.deepEqual(await s.credentials.forLogin("cpe-b", "d1"), { credential: c, deviceHasOwn: true });
      assert.equal(await s.credentials.forLogin("nobody", "d1"), null);
      const replaced = { ...c, passwordHash: "new", digestHa1: "ffff", realm: "other", createdAt: at(9), deviceId: null };
      await s.credentials.put(replaced);
      assert.deepEqual(await s.credentials.get("cpe-b"), replaced);
      assert.deepEqual((await s.credentials.forDevice("d1")).map((x) => x.username), ["cpe-a"]);
      assert.equal(await s.credentials.delete("cpe-b"), true);
      assert.equal(await s.credentials.delete("cpe-b"), false);
      assert.equal(await s.credentials.get("cpe-b"), null);
      // a device's own credentials may be stored before its first Inform (pre-provisioning)
      await s.credentials.put({ ...c, username: "x", deviceId: "ghost" });
      assert.equal((await s.credentials.get("x"))?.deviceId, "ghost");
    });

    test("a device's credentials source: bootstrap until the store holds credentials of its own, own after, in the writes' transaction", async (ctx) => {
      const s = await withDevices(b, ctx, "d1", "d2");
      const source = async (id: string) => (await s.devices.get(id))?.credentials;
      const bootstrapIds = async () => (await s.devices.list({ filter: 'credentials = "bootstrap"' })).map((d) => d.id);
      const c = { username: "shared", deviceId: null, passwordHash: "h", digestHa1: "a1", realm: "provisio", createdAt: at() };
      await s.credentials.put(c);
      assert.deepEqual([await source("d1"), await source("d2")], ["bootstrap", "bootstrap"]);
      await s.credentials.put({ ...c, username: "cpe-1", deviceId: "d1" });
      assert.deepEqual([await source("d1"), await source("d2")], ["own", "bootstrap"]);
      assert.deepEqual(await bootstrapIds(), ["d2"]);
      assert.equal(await s.devices.count({ filter: 'credentials = "own"' }), 1);
      // The username moves to d2: d1 has none left.
      await s.credentials.put({ ...c, username: "cpe-1", deviceId: "d2" });
      assert.deepEqual([await source("d1"), await source("d2")], ["bootstrap", "own"]);
      await s.credentials.put({ ...c, username: "cpe-2", deviceId: "d2" });
      await s.credentials.delete("cpe-1");
      assert.equal(await source("d2"), "own", "one of its own is left");
      await s.credentials.delete("cpe-2");
      assert.equal(await source("d2"), "bootstrap");
      // Shared again: the username no longer names a device's own.
      await s.credentials.put({ ...c, username: "cpe-3", deviceId: "d1" });
      await s.credentials.put({ ...c, username: "cpe-3", deviceId: null });
      assert.equal(await source("d1"), "bootstrap");
      // Stored before the device's first Inform (pre-provisioning): the device starts with its own.
      await s.credentials.put({ ...c, username: "cpe-4", deviceId: "d3" });
      assert.equal((await s.devices.recordInform(inform("d3"))).device.credentials, "own");
      assert.deepEqual(await bootstrapIds(), ["d1", "d2"]);
      // Inside a transaction its reads see the change; a rollback undoes it with the credentials.
      await assert.rejects(s.transaction(async (tx) => {
        await tx.credentials.put({ ...c, username: "cpe-5", deviceId: "d1" });
        assert.equal((await tx.devices.get("d1"))?.credentials, "own");
        throw new Error("undo");
      }), /undo/);
      assert.equal(await source("d1"), "bootstrap");
      assert.equal(await s.credentials.get("cpe-5"), null);
    });
  });

  describe("digest nonces", () => {
    test("use: a count must be higher than the last one recorded; 0 (no count) makes a nonce single-use; prune forgets expired ones", async (ctx) => {
      const s = await fresh(b, ctx);
      assert.equal(await s.digestNonces.use("n1", 1, at(100)), true);
      assert.equal(await s.digestNonces.use("n1", 1, at(100)), false, "the same count again is a replay");
      assert.equal(await s.digestNonces.use("n1", 3, at(100)), true, "counts may skip");
      assert.equal(await s.digestNonces.use("n1", 2, at(100)), false, "a lower count is a replay");
      assert.equal(await s.digestNonces.use("n1", 0xffffffff, at(100)), true, "the largest count fits");
      assert.equal(await s.digestNonces.use("legacy", 0, at(50)), true);
      assert.equal(await s.digestNonces.use("legacy", 0, at(50)), false);
      // Racing logins with one nonce and count: exactly one wins.
      const racing = await Promise.all(Array.from({ length: 6 }, () => s.transaction((tx) => tx.digestNonces.use("race", 1, at(100)))));
      assert.equal(racing.filter(Boolean).length, 1);
      // A use inside a transaction that rolls back is not recorded.
      await assert.rejects(s.transaction(async (tx) => {
        await tx.digestNonces.use("rolled-back", 1, at(100));
        throw new Error("roll back");
      }));
      assert.equal(await s.digestNonces.use("rolled-back", 1, at(100)), true);
      assert.equal(await s.digestNonces.prune(at(60)), 1, "only the nonce that expired before the cut");
      assert.equal(await s.digestNonces.use("legacy", 0, at(50)), true, "a pruned nonce is forgotten");
      assert.equal(await s.digestNonces.use("n1", 1, at(100)), false);
    });
  });

  describe("transactions", () => {
    test("commit makes every write visible and returns the callback's value", async (ctx) => {
      const s = await fresh(b, ctx);
      const out = await s.transaction(async (tx) => {
        await tx.devices.recordInform(inform("d1"));
        await tx.parameters.setValues("d1", [{ path: "Device.A", value: "1", type: "xsd:int" }], at());
        const task = await tx.tasks.create({ deviceId: "d1", name: "reboot", args: null }, at());
        // Reads inside see the transaction's own writes.
        assert.equal((await tx.tasks.runnable("d1", at())).length, 1);
        return task.id;
      });
      assert.notEqual(await s.devices.get("d1"), null);
      assert.equal((await s.parameters.all("d1")).length, 2);
      assert.equal((await s.tasks.get(out))?.name, "reboot");
    });

    test("a throw rolls everything back and rethrows", async (ctx) => {
      const s = await withDevices(b, ctx, "d0");
      const boom = new Error("boom");
      await assert.rejects(s.transaction(async (tx) => {
        await tx.devices.recordInform(inform("d1"));
        await tx.parameters.setValues("d0", [{ path: "Device.A", value: "1", type: "xsd:int" }], at());
        await tx.settings.set("k", 1);
        await tx.sessions.acquire("d0", "s", {}, at(1000));
        throw boom;
      }), (err) => err === boom);
      assert.equal(await s.devices.get("d1"), null);
      assert.deepEqual(await s.parameters.all("d0"), []);
      assert.equal(await s.settings.get("k"), undefined);
      assert.equal(await s.sessions.get("s"), null);
    });

    test("a failed statement whose error the callback swallowed still rolls the transaction back", async (ctx) => {
      const s = await fresh(b, ctx);
      await rejectsWith(s.transaction(async (tx) => {
        await tx.settings.set("k", 1);
        await tx.tasks.create({ deviceId: "ghost", name: "x", args: null }, at()).catch(() => undefined);
        return "pretend all is well";
      }), "STORE_TX_ABORTED");
      assert.equal(await s.settings.get("k"), undefined);
    });

    test("tx cannot be used after its transaction ended", async (ctx) => {
      const s = await fresh(b, ctx);
      const leaked = await s.transaction(async (tx) => tx);
      await rejectsWith(leaked.settings.get("k"), "STORE_TX_CLOSED");
    });

    test("calls on the store while a transaction is open are not part of it", async (ctx) => {
      const s = await fresh(b, ctx);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const tx = s.transaction(async (t) => {
        await t.settings.set("in-tx", true);
        entered();
        await gate;
        throw new Error("roll back");
      });
      await inside;
      // Issued while the transaction is open (on SQLite they wait for it; on PostgreSQL they run beside it).
      const outsideWrite = s.settings.set("outside", true);
      const outsideRead = s.settings.get("in-tx");
      release();
      await assert.rejects(tx, /roll back/);
      await outsideWrite;
      assert.equal(await outsideRead, undefined);
      assert.equal(await s.settings.get("outside"), true);
      assert.equal(await s.settings.get("in-tx"), undefined);
    });

    test("multi-statement methods are atomic inside and outside transactions", async (ctx) => {
      const s = await withDevices(b, ctx, "d1");
      await s.parameters.setValues("d1", [{ path: "Device.A.B", value: "1", type: "xsd:int" }], at());
      // A name update for a device that does not exist fails as a whole and leaves nothing behind.
      await rejectsWith(s.parameters.setNames("ghost", "Device.", false, [{ path: "Device.X", writable: true }], at()), "STORE_UNKNOWN_REFERENCE");
      const result = await s.transaction(async (tx) => {
        await tx.parameters.setNames("d1", "Device.", true, [{ path: "Device.C.", writable: false }], at(1));
        return tx.parameters.all("d1");
      });
      assert.deepEqual(paths(result), ["Device.", "Device.C."]);
      assert.deepEqual(paths(await s.parameters.all("d1")), ["Device.", "Device.C."]);
    });
  });

  describe("migrations and reopening", () => {
    test("reopening keeps the data, and migrations are not applied twice", async () => {
      const url = await b.freshUrl();
      const first = await openStore(url);
      await first.devices.recordInform(inform("d1", { at: new Date(Date.UTC(2030, 11, 31, 23, 59, 59, 999)) }));
      await first.parameters.setValues("d1", [{ path: "Device.A", value: "kept", type: "xsd:string" }], at());
      await first.close();
      const second = await openStore(url);
      try {
        assert.deepEqual((await second.devices.get("d1"))?.lastInformAt, new Date(Date.UTC(2030, 11, 31, 23, 59, 59, 999)));
        assert.equal((await second.parameters.get("d1", ["Device.A"]))[0]?.value, "kept");
      } finally {
        await second.close();
      }
      const versions = await queryDirect(url, "SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version");
      assert.ok(versions.length >= 1);
      assert.ok(versions.every((v) => Number(v.n) === 1));
    });

    test("several stores opening a new database at once all succeed and apply each migration once", async () => {
      const url = await b.freshUrl();
      const stores = await Promise.all(Array.from({ length: 5 }, () => openStore(url)));
      try {
        await stores[0]?.settings.set("k", "v");
        for (const st of stores) assert.equal(await st.settings.get("k"), "v");
      } finally {
        await Promise.all(stores.map((st) => st.close()));
      }
      const versions = await queryDirect(url, "SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version");
      assert.deepEqual(versions.map((v) => Number(v.n)), versions.map(() => 1));
      assert.equal(Number(versions[0]?.version), 1);
    });

    test("migration 9 sets the credentials source of the devices already there from their credentials", async () => {
      const url = await b.freshUrl();
      const first = await openStore(url);
      for (const id of ["d-own", "d-boot"]) await first.devices.recordInform(inform(id));
      const c = { username: "shared", deviceId: null, passwordHash: "h", digestHa1: "a1", realm: "provisio", createdAt: at() };
      await first.credentials.put(c);
      await first.credentials.put({ ...c, username: "cpe-own", deviceId: "d-own" });
      await first.close();
      // Back to the schema before migration 9, the credentials kept.
      await queryDirect(url, "DROP INDEX devices_credentials");
      await queryDirect(url, "ALTER TABLE devices DROP COLUMN credentials");
      await queryDirect(url, "DELETE FROM schema_migrations WHERE version = 9");
      assert.equal(Number((await queryDirect(url, "SELECT COUNT(*) AS n FROM cpe_credentials"))[0]?.n), 2);
      const second = await openStore(url);
      try {
        assert.equal((await second.devices.get("d-own"))?.credentials, "own");
        assert.equal((await second.devices.get("d-boot"))?.credentials, "bootstrap");
        assert.deepEqual((await second.devices.list({ filter: 'credentials = "bootstrap"' })).map((d) => d.id), ["d-boot"]);
      } finally {
        await second.close();
      }
    });

    test("the devices on bootstrap credentials, and their count, are read from the index devices_credentials", async () => {
      const url = await b.freshUrl();
      await (await openStore(url)).close();
      // Many devices with credentials of their own and two without, so that the planner prefers the index.
      const many = b.name === "postgres"
        ? "INSERT INTO devices (id, manufacturer, oui, product_class, serial_number, registered_at, credentials) SELECT 'd' || g, 'A', 'O', 'P', 'S' || g, now(), CASE WHEN g % 1000 = 0 THEN 'bootstrap' ELSE 'own' END FROM generate_series(1, 2000) g"
        : "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 2000) INSERT INTO devices (id, manufacturer, oui, product_class, serial_number, registered_at, credentials) SELECT 'd' || n, 'A', 'O', 'P', 'S' || n, 0, CASE WHEN n % 1000 = 0 THEN 'bootstrap' ELSE 'own' END FROM g";
      await queryDirect(url, many);
      await queryDirect(url, "ANALYZE");
      const params = new SqlParams();
      const where = compileFilter(parse('credentials = "bootstrap"'), b.name === "postgres" ? postgresDialect : sqliteDialect, { now: at() }, params);
      for (const sql of [`SELECT COUNT(*) FROM devices d WHERE ${where}`, `SELECT d.id FROM devices d WHERE ${where} ORDER BY d.id LIMIT 100`]) {
        const plan = await queryDirect(url, `EXPLAIN ${b.name === "postgres" ? "" : "QUERY PLAN "}${sql}`, params.values);
        assert.match(plan.map((r) => String(r["QUERY PLAN"] ?? r.detail)).join("\n"), /devices_credentials/, sql);
      }
      const s = await openStore(url);
      try {
        assert.equal(await s.devices.count({ filter: 'credentials = "bootstrap"' }), 2);
      } finally {
        await s.close();
      }
    });

    test("housekeeping's expiry of pending and waiting tasks reads the index tasks_pending_expiry, not the whole table (migration 31)", async () => {
      const url = await b.freshUrl();
      await (await openStore(url)).close();
      // Many finished tasks and a few still to run, so that the planner prefers the index.
      await queryDirect(url, b.name === "postgres"
        ? "INSERT INTO devices (id, manufacturer, oui, product_class, serial_number, registered_at) VALUES ('d1', 'A', 'O', 'P', 'S', now())"
        : "INSERT INTO devices (id, manufacturer, oui, product_class, serial_number, registered_at) VALUES ('d1', 'A', 'O', 'P', 'S', 0)");
      const status = "CASE WHEN n % 500 = 0 THEN 'waiting' WHEN n % 499 = 0 THEN 'pending' ELSE 'done' END";
      await queryDirect(url, b.name === "postgres"
        ? `INSERT INTO tasks (id, device_id, name, args, status, created_at, expires_at, attempts, max_attempts) SELECT 't' || n, 'd1', 'reboot', '{}', ${status}, now(), now() + interval '1 day', 0, 3 FROM generate_series(1, 5000) n`
        : `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000) INSERT INTO tasks (id, device_id, name, args, status, created_at, expires_at, attempts, max_attempts) SELECT 't' || n, 'd1', 'reboot', '{}', ${status}, 0, ${Date.now() + 86_400_000}, 0, 3 FROM g`);
      await queryDirect(url, "ANALYZE");
      const s = await openStore(url);
      try {
        // The statement the store runs (SqlTaskRepo.expire), as it runs it.
        const sql = "UPDATE tasks SET status = 'expired', completed_at = $1 WHERE status IN ('pending', 'waiting') AND expires_at IS NOT NULL AND expires_at <= $1";
        const when = b.name === "postgres" ? at() : at().getTime();
        const plan = await queryDirect(url, `EXPLAIN ${b.name === "postgres" ? "" : "QUERY PLAN "}${sql}`, [when]);
        assert.match(plan.map((r) => String(r["QUERY PLAN"] ?? r.detail)).join("\n"), /tasks_pending_expiry/);
        // And it expires both kinds once they are due (and nothing finished).
        assert.equal(await s.tasks.expire(new Date(Date.now() + 2 * 86_400_000)), 20);
      } finally {
        await s.close();
      }
    });

    test("a database from a newer Provisio is refused", async () => {
      const url = await b.freshUrl();
      await (await openStore(url)).close();
      await queryDirect(url, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [9999, "from the future", "2099-01-01"]);
      await rejectsWith(openStore(url), "STORE_SCHEMA_TOO_NEW");
    });

    test("a closed store refuses calls", async () => {
      const s = await openStore(await b.freshUrl());
      await s.close();
      await s.close();
      await rejectsWith(s.settings.get("k"), "STORE_CLOSED");
    });
  });
}
