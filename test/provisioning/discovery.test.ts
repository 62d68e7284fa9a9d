// Discovery: a new installation's default preset reads each new device's whole data model at its first
// contact, so that filters on any of its parameters match from then on; builtin:discover's arguments.
// Both backends, with a simulated TR-181 gateway over HTTP.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { builtinProvision } from "../../src/provisioning/index.js";
import { installDefaultPresets } from "../../src/server/bootstrap.js";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, startSimulation, type SessionReport } from "../../src/sim/runtime/index.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { until } from "../sim/support/runtime.js";

describe("builtin:discover", () => {
  it("reads the whole tree by default, or the subtrees it names, relative to the device's root", () => {
    assert.deepEqual(builtinProvision("builtin:discover", undefined, "Device."), { declarations: [], actions: [{ kind: "discover", paths: [""] }] });
    assert.deepEqual(builtinProvision("builtin:discover", { paths: ["DeviceInfo.", "InternetGatewayDevice.LANDevice."] }, "InternetGatewayDevice."), {
      declarations: [],
      actions: [{ kind: "discover", paths: ["InternetGatewayDevice.DeviceInfo.", "InternetGatewayDevice.LANDevice."] }],
    });
    for (const bad of [{ paths: [] }, { paths: ["DeviceInfo.SoftwareVersion"] }, { paths: "Device." }]) {
      assert.ok("error" in builtinProvision("builtin:discover", bad, "Device."), JSON.stringify(bad));
    }
  });
});

forEachBackend((backend) => {
  describe(`discovery of new devices (${backend.name})`, () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend, { settings: { provisioning: { defaultPresets: true } } });
    });
    after(() => t.stop());

    it("is a preset of a new installation, created once: a deleted one stays deleted", async () => {
      const preset = await t.api.get("/api/presets/discovery");
      assert.equal(preset.status, 200, preset.text);
      assert.deepEqual(preset.body.document.provisions, [{ name: "builtin:discover" }]);
      assert.deepEqual(preset.body.document.events, ["0 BOOTSTRAP"]);
      assert.deepEqual(await installDefaultPresets(t.acs.store, new Date()), [], "not again");
    });

    it("reads a new device's whole data model in its bootstrap session, so that filters on any parameter match", async () => {
      const reports: SessionReport[] = [];
      const sim = await startSimulation({
        acsUrl: t.url,
        devices: 1,
        model: loadModel({ builtin: "tr181-gateway" }),
        identity: { acsUsername: t.username, acsPassword: t.password, serialPrefix: "DISC" },
        connectionRequests: false,
        maxSessions: 1,
        onSession: (r) => reports.push(r),
      });
      try {
        await until(() => reports.length >= 1, 60_000, "the bootstrap session");
        assert.equal(reports[0]!.ok, true, JSON.stringify(reports[0]));
        const id = deviceIdOf(sim.devices[0]!.identity);
        const known = await t.acs.store.parameters.subtree(id, "Device.");
        // The Inform reports about ten parameters; the model has hundreds.
        assert.ok(known.filter((p) => !p.object && p.value !== null).length > 200, `${known.length} parameters known; faults: ${JSON.stringify(await t.acs.store.faults.list({ deviceId: id }))}`);
        // One getParameterNames task, done in that session, values read by name in batches of 32.
        const tasks = await t.acs.store.tasks.list({ deviceId: id });
        assert.deepEqual(tasks.map((x) => [x.name, x.status, x.args]), [["getParameterNames", "done", { parameterPath: "", batched: true }]]);
        const values = (tasks[0]!.result as { values: number }).values;
        assert.ok(values > 200, `${values} values read`);
        assert.ok(reports[0]!.exchanges >= 3 + Math.ceil(values / 32), `${reports[0]!.exchanges} exchanges for ${values} values`);
        const ssid = sim.devices[0]!.cpe.read("Device.WiFi.SSID.1.SSID", Date.now());
        const res = await t.api.get(`/api/devices?filter=${encodeURIComponent(`Device.WiFi.SSID.1.SSID = "${ssid}" AND serialNumber ^= "DISC"`)}`);
        assert.deepEqual(res.body.devices.map((d: { id: string }) => d.id), [id]);
      } finally {
        await sim.stop();
      }
      // Deleted by an operator, it is not made again at the next start.
      assert.equal((await t.api.del("/api/presets/discovery")).status, 204);
      assert.deepEqual(await installDefaultPresets(t.acs.store, new Date()), []);
      assert.equal((await t.api.get("/api/presets/discovery")).status, 404);
    });
  });
});
