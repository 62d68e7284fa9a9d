// Conformance of USP data models (migration 24) on both backends: kept once per OUI, product class and
// software version, replaced when learnt again, and found for a device by its OUI, product class and stored
// SoftwareVersion (the summary without the model unless asked for); shared, so a device's deletion leaves them.

import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import type { Store, UspDataModelRecord } from "../../src/store/index.js";
import { forEachBackend, type Backend } from "../support/pg.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

async function fresh(b: Backend, ctx: TestContext): Promise<Store> {
  const s = await b.open();
  ctx.after(() => s.close());
  return s;
}

async function device(s: Store, id: string, productClass: string, softwareVersion: string | null): Promise<void> {
  await s.devices.recordInform({ id, manufacturer: "M", oui: "00D09E", productClass, serialNumber: id, at: T0, address: null, cwmpNamespace: "1-4", cwmpVersion: "1.4", events: [] });
  if (softwareVersion !== null) await s.parameters.setValues(id, [{ path: "Device.DeviceInfo.SoftwareVersion", value: softwareVersion, type: "xsd:string" }], T0);
}

function model(productClass: string, softwareVersion: string, o: Partial<UspDataModelRecord> = {}): UspDataModelRecord {
  return { oui: "00D09E", productClass, softwareVersion, learntAt: T0, complete: true, objects: 3, parameters: 40, commands: 2, events: 1, model: `{"v":1,"objects":{"${productClass}":{}}}`, ...o };
}

forEachBackend((b) => {
  describe("USP data models", () => {
    test("are kept per OUI, product class and software version, and replaced when learnt again", async (ctx) => {
      const s = await fresh(b, ctx);
      const key = { oui: "00D09E", productClass: "HGW", softwareVersion: "1.0" };
      assert.equal(await s.uspDataModels.get(key), null);
      await s.transaction((tx) => tx.uspDataModels.put(model("HGW", "1.0")));
      await s.uspDataModels.put(model("HGW", "2.0", { complete: false, objects: 1 }));
      assert.deepEqual(await s.uspDataModels.get(key), model("HGW", "1.0"));
      assert.deepEqual(await s.uspDataModels.get({ ...key, softwareVersion: "2.0" }), model("HGW", "2.0", { complete: false, objects: 1 }));
      assert.equal(await s.uspDataModels.get({ ...key, oui: "000000" }), null);
      const later = new Date(T0.getTime() + 60_000);
      await s.uspDataModels.put(model("HGW", "1.0", { learntAt: later, parameters: 41, model: "{\"v\":1,\"objects\":{}}" }));
      assert.deepEqual(await s.uspDataModels.get(key), model("HGW", "1.0", { learntAt: later, parameters: 41, model: "{\"v\":1,\"objects\":{}}" }));
    });

    test("are found for a device by its OUI, product class and stored software version", async (ctx) => {
      const s = await fresh(b, ctx);
      await s.uspDataModels.put(model("HGW", "1.0"));
      await s.uspDataModels.put(model("HGW", "2.0", { parameters: 50 }));
      await device(s, "00D09E-HGW-a", "HGW", "1.0");
      await device(s, "00D09E-HGW-b", "HGW", "2.0");
      await device(s, "00D09E-HGW-c", "HGW", "3.0");
      await device(s, "00D09E-OTHER-d", "OTHER", "1.0");
      await device(s, "00D09E-HGW-e", "HGW", null);
      assert.deepEqual(await s.uspDataModels.ofDevice("00D09E-HGW-a"), model("HGW", "1.0", { model: "" }));
      assert.deepEqual(await s.uspDataModels.ofDevice("00D09E-HGW-a", { model: true }), model("HGW", "1.0"));
      assert.equal((await s.uspDataModels.ofDevice("00D09E-HGW-b"))?.parameters, 50);
      for (const id of ["00D09E-HGW-c", "00D09E-OTHER-d", "00D09E-HGW-e", "nobody"]) assert.equal(await s.uspDataModels.ofDevice(id), null, id);
      // A new software version reported: the device's model follows it.
      await s.parameters.setValues("00D09E-HGW-a", [{ path: "Device.DeviceInfo.SoftwareVersion", value: "2.0", type: "xsd:string" }], T0);
      assert.equal((await s.uspDataModels.ofDevice("00D09E-HGW-a"))?.softwareVersion, "2.0");
      // Shared by every device of the model: a device's deletion leaves it.
      await s.devices.delete("00D09E-HGW-a");
      assert.equal((await s.uspDataModels.ofDevice("00D09E-HGW-b"))?.softwareVersion, "2.0");
    });
  });
});
