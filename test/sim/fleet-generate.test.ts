// Generated fleets (provisio fleet generate): each device what the simulator's gateways answer to a
// discovery, the same for a seed however the fleet is made (at once, or appended), written into both
// backends as their filters read values, and never over existing devices unless told.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { DeviceTree } from "../../src/sim/device-model.js";
import { FLEET_PRODUCTS, FleetGenerator, fleetDeviceId, type FleetDevice, type FleetOptions } from "../../src/sim/fleet.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { builtinModels } from "../../src/sim/models/index.js";
import { getParameterNames, getParameterValues } from "../../src/sim/rpc-parameters.js";
import { generateFleet, SimSetupError, type GenerateOptions } from "../../src/sim/runtime/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { runCli } from "../cli/support.js";
import { forEachBackend, queryDirect, type Backend } from "../support/pg.js";
import { repoRoot } from "../support/paths.js";

const FLEET: FleetOptions = { seed: 7, end: new Date(Date.UTC(2026, 10, 1)), informWindowMs: 86_400_000, serialPrefix: "T" };

function generation(o: Partial<GenerateOptions> & { devices: number }): GenerateOptions {
  return { ...FLEET, start: 0, batch: 4, replace: false, ...o };
}

/** What a device of the built-in models answers to GetParameterNames and GetParameterValues of its root. */
function discovered(d: FleetDevice): { names: Map<string, boolean>; values: Map<string, { text: string; type: string }> } {
  const model = builtinModels[d.model]!();
  const identity = makeIdentity(model.identityDefaults, { oui: d.oui, productClass: d.productClass, serialPrefix: FLEET.serialPrefix, serialDigits: 8, firstSerial: 0, seed: FLEET.seed }, d.index);
  const tree = new DeviceTree(model, identity, d.lastBootAt.getTime());
  const now = d.lastInformAt.getTime();
  tree.setPath(`${model.root.path}DeviceInfo.SoftwareVersion`, d.softwareVersion, now);
  const ctx = { tree, now, ns: "1-2" as const, strictTypes: false };
  const gpn = getParameterNames(ctx, { method: "GetParameterNames", parameterPath: model.root.path, nextLevel: false }).reply;
  const gpv = getParameterValues(ctx, { method: "GetParameterValues", parameterNames: [model.root.path] }).reply;
  assert.ok(gpn.method === "GetParameterNamesResponse" && gpv.method === "GetParameterValuesResponse");
  return {
    names: new Map(gpn.parameterList.map((p) => [p.name, p.writable])),
    values: new Map(gpv.parameterList.map((p) => [p.name, { text: p.value.text, type: p.value.type }])),
  };
}

describe("a generated device", () => {
  test("is the same for a seed and index, and another for another seed", () => {
    const a = new FleetGenerator(FLEET);
    const b = new FleetGenerator(FLEET);
    assert.deepEqual(b.device(3), a.device(3));
    assert.deepEqual(a.device(3), a.device(3));
    const other = new FleetGenerator({ ...FLEET, seed: 8 }).device(3);
    assert.notDeepEqual(other.parameters, a.device(3).parameters);
    assert.equal(fleetDeviceId(FLEET, 3), a.device(3).id);
  });

  test("holds what the simulator's gateway answers to a discovery of its whole tree", () => {
    const gen = new FleetGenerator(FLEET);
    const seen = new Set<string>();
    for (let i = 0; seen.size < 2 && i < 50; i++) {
      const d = gen.device(i);
      if (seen.has(d.model)) continue;
      seen.add(d.model);
      const { names, values } = discovered(d);
      assert.deepEqual(d.parameters.map((p) => p.path), [...names.keys()].sort(), d.model);
      for (const p of d.parameters) {
        assert.equal(p.writable, names.get(p.path), p.path);
        assert.equal(p.object, p.path.endsWith("."), p.path);
        const v = values.get(p.path);
        assert.deepEqual(p.object ? null : { text: p.value, type: p.type }, v ?? null, p.path);
      }
      // A full tree: the hundreds of values discovery stores, the device's own serial number and version.
      assert.ok(values.size > 500, `${d.model}: ${values.size} values`);
      const root = d.model === "tr181-gateway" ? "Device." : "InternetGatewayDevice.";
      assert.equal(values.get(`${root}DeviceInfo.SerialNumber`)?.text, d.serialNumber);
      assert.equal(values.get(`${root}DeviceInfo.SoftwareVersion`)?.text, d.softwareVersion);
    }
    assert.equal(seen.size, 2, "both data models are in the first 50 devices");
  });

  test("comes from the mix of products, versions and tags, with last Informs in the window", () => {
    const gen = new FleetGenerator(FLEET);
    const classes = new Map<string, number>();
    let lab = 0;
    for (let i = 0; i < 400; i++) {
      const d = gen.device(i);
      const product = FLEET_PRODUCTS.find((p) => p.productClass === d.productClass);
      assert.ok(product !== undefined && product.model === d.model && product.oui === d.oui);
      assert.ok(product.versions.some(([v]) => v === d.softwareVersion));
      classes.set(d.productClass, (classes.get(d.productClass) ?? 0) + 1);
      assert.equal(d.tags.filter((t) => t.startsWith("region-")).length, 1);
      if (d.tags.includes("lab")) lab++;
      const age = FLEET.end.getTime() - d.lastInformAt.getTime();
      assert.ok(age >= 0 && age < FLEET.informWindowMs);
      assert.ok(d.registeredAt <= d.lastBootAt && d.lastBootAt < d.lastInformAt);
    }
    assert.equal(classes.size, FLEET_PRODUCTS.length);
    // 45% of HGW4100 by weight: far from both 0 and all, whatever the draws.
    assert.ok(classes.get("HGW4100")! > 100 && classes.get("HGW4100")! < 260, String(classes.get("HGW4100")));
    assert.ok(lab > 10 && lab < 90, `lab: ${lab}`);
  });
});

async function open(b: Backend, ctx: TestContext): Promise<Store> {
  const s = await b.open();
  ctx.after(() => s.close());
  return s;
}

forEachBackend((b) => {
  describe("provisio fleet generate, into the store", () => {
    test("writes every device with its tags and tree, dated at its last Inform, for filters to find", async (ctx) => {
      const s = await open(b, ctx);
      const done = await generateFleet(s, generation({ devices: 6 }));
      const gen = new FleetGenerator(FLEET);
      const devices = Array.from({ length: 6 }, (_v, i) => gen.device(i));
      assert.deepEqual(done.devices, 6);
      assert.equal(done.rows, devices.reduce((n, d) => n + d.parameters.length, 0));
      assert.equal(done.values, devices.reduce((n, d) => n + d.parameters.filter((p) => !p.object).length, 0));
      assert.equal(await s.devices.count(), 6);
      const d = devices[5]!;
      const rec = await s.devices.get(d.id);
      assert.deepEqual(
        rec && { productClass: rec.productClass, serial: rec.serialNumber, tags: rec.tags, lastInformAt: rec.lastInformAt, address: rec.lastInformAddress },
        { productClass: d.productClass, serial: d.serialNumber, tags: d.tags, lastInformAt: d.lastInformAt, address: d.address },
      );
      const stored = await s.parameters.all(d.id);
      assert.deepEqual(stored.map((p) => ({ path: p.path, object: p.object, writable: p.writable, value: p.value, type: p.type })), d.parameters);
      assert.ok(stored.every((p) => p.namesAt?.getTime() === d.lastInformAt.getTime() && (p.object ? p.valueAt === null : p.valueAt?.getTime() === d.lastInformAt.getTime())));
      // The filter language reads the typed columns: text, numbers and tags all match.
      const version = d.softwareVersion;
      const root = d.model === "tr181-gateway" ? "Device." : "InternetGatewayDevice.";
      const withVersion = devices.filter((x) => x.softwareVersion === version && x.model === d.model).length;
      assert.equal(await s.devices.count({ filter: `${root}DeviceInfo.SoftwareVersion = "${version}"` }), withVersion);
      assert.equal(await s.devices.count({ filter: `${root}DeviceInfo.MemoryStatus.Total >= 1` }), devices.filter((x) => x.model === d.model).length);
      assert.equal(await s.devices.count({ filter: `tag = "${d.tags[0]}"` }), devices.filter((x) => x.tags.includes(d.tags[0]!)).length);
    });

    test("appending with --start makes the same fleet as one run; existing ids are refused, or replaced when asked", async (ctx) => {
      const whole = await open(b, ctx);
      const pieces = await open(b, ctx);
      await generateFleet(whole, generation({ devices: 9 }));
      await generateFleet(pieces, generation({ devices: 5 }));
      await generateFleet(pieces, generation({ devices: 4, start: 5 }));
      const ids = (await whole.devices.list()).map((d) => d.id);
      assert.equal(ids.length, 9);
      assert.deepEqual((await pieces.devices.list()).map((d) => d.id), ids);
      for (const id of [ids[0]!, ids[8]!]) assert.deepEqual(await pieces.parameters.all(id), await whole.parameters.all(id));

      const before = await pieces.parameters.all(ids[2]!);
      await assert.rejects(generateFleet(pieces, generation({ devices: 4, start: 7 })), (err: unknown) =>
        err instanceof SimSetupError && /2 of the devices 7 to 10 .* already/.test(err.message) && /--replace/.test(err.message));
      assert.equal(await pieces.devices.count(), 9, "nothing written");

      // A device changed since (a value set, a tag added) is written again as generated.
      await pieces.parameters.setValues(ids[2]!, [{ path: before.find((p) => !p.object)!.path, value: "changed", type: "xsd:string" }], new Date());
      await pieces.devices.updateTags(ids[2]!, ["extra"], []);
      await generateFleet(pieces, generation({ devices: 9, replace: true }));
      assert.equal(await pieces.devices.count(), 9);
      assert.deepEqual(await pieces.parameters.all(ids[2]!), before);
      assert.deepEqual((await pieces.devices.get(ids[2]!))?.tags, (await whole.devices.get(ids[2]!))?.tags);
    });

    test("a batch with an id already there fails whole (STORE_DUPLICATE)", async (ctx) => {
      const s = await open(b, ctx);
      const gen = new FleetGenerator(FLEET);
      await s.fleet.load([gen.device(1)]);
      await assert.rejects(s.fleet.load([gen.device(0), gen.device(1)]), (err: unknown) => (err as { code?: unknown }).code === "STORE_DUPLICATE");
      assert.deepEqual(await s.fleet.existing([gen.device(0).id, gen.device(1).id, "nobody"]), [gen.device(1).id]);
    });
  });
});

describe("provisio fleet generate, the command", () => {
  test("prints a summary, refuses to write over the devices it made, and records itself in the audit trail", async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), "provisio-fleet-"));
    ctx.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = `sqlite:${join(dir, "fleet.db")}`;
    const args = ["fleet", "generate", "--db", db, "-n", "3", "--seed", "7", "--at", "2026-11-01T00:00:00Z", "--serial-prefix", "T", "--json"];
    const first = await runCli([...args, "--new-database"], { cwd: repoRoot });
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout) as { devices: number; values: number; rows: number; bytesOnDisk: number };
    assert.equal(summary.devices, 3);
    assert.ok(summary.values > 1500 && summary.rows > summary.values && summary.bytesOnDisk > 0, first.stdout);
    assert.deepEqual((await queryDirect(db, "SELECT id FROM devices ORDER BY id")).map((r) => r.id), [0, 1, 2].map((i) => fleetDeviceId(FLEET, i)).sort());
    const audit = await queryDirect(db, "SELECT action FROM audit_log");
    assert.deepEqual(audit.map((r) => r.action), ["device.generate"]);

    const again = await runCli([...args, "--start", "2"], { cwd: repoRoot });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /1 of the devices 2 to 4 of this seed are in the database already/);
    assert.equal((await queryDirect(db, "SELECT COUNT(*) AS n FROM devices"))[0]!.n, 3);
    const bad = await runCli([...args, "--at", "yesterday"], { cwd: repoRoot });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--at yesterday: expected a time/);
  });

  test("--jobs: worker threads write their shares of the same fleet, checked whole before any writes", async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), "provisio-fleet-jobs-"));
    ctx.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = `sqlite:${join(dir, "fleet.db")}`;
    const args = ["fleet", "generate", "--db", db, "--seed", "7", "--at", "2026-11-01T00:00:00Z", "--serial-prefix", "T", "--json", "--jobs", "2", "--batch", "2"];
    const first = await runCli([...args, "-n", "5", "--new-database"], { cwd: repoRoot });
    assert.equal(first.code, 0, first.stderr);
    const gen = new FleetGenerator(FLEET);
    const devices = Array.from({ length: 5 }, (_v, i) => gen.device(i));
    const summary = JSON.parse(first.stdout) as { devices: number; rows: number };
    assert.deepEqual(summary.devices, 5);
    assert.equal(summary.rows, devices.reduce((n, d) => n + d.parameters.length, 0));
    const store = await openStore(db);
    try {
      assert.deepEqual((await store.devices.list()).map((d) => d.id), devices.map((d) => d.id).sort());
      // The first and the last device: each worker's.
      for (const d of [devices[0]!, devices[4]!]) {
        const stored = await store.parameters.all(d.id);
        assert.deepEqual(stored.map((p) => ({ path: p.path, object: p.object, writable: p.writable, value: p.value, type: p.type })), d.parameters);
      }
    } finally {
      await store.close();
    }
    // Devices 3 and 4 are there: refused before either worker writes devices 5 and 6.
    const again = await runCli([...args, "-n", "4", "--start", "3"], { cwd: repoRoot });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /2 of the devices 3 to 6 of this seed are in the database already/);
    assert.equal((await queryDirect(db, "SELECT COUNT(*) AS n FROM devices"))[0]!.n, 5);
  });
});
