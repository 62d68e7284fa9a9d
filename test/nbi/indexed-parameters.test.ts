// The operator's indexed parameters through the real API over HTTP, on both stores, with simulated
// devices registering (and writing their trees) while the pattern is filled: bad patterns are refused
// with every problem named and nothing changed; only admins choose; the change is audited; the fill
// ends ready with every device's values in the index, and filters through the API find them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pathMatches } from "../../src/model/path.js";
import { loadModel, startSimulation, type Simulation } from "../../src/sim/runtime/index.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { HttpApi } from "./http-client.js";
import { eventually, isError, startApiAcs, type ApiAcs } from "./support.js";

const URL_ = "/api/settings/parameters.indexed";
const PATTERN = "Device.WiFi.SSID.*.SSID";
const N = 6;

forEachBackend((backend) => {
  describe("indexed parameters through the API", () => {
    let t: ApiAcs;
    let sim: Simulation | null = null;
    before(async () => {
      // The default presets discover each new device's whole tree, SSIDs included.
      t = await startApiAcs(backend, { settings: { provisioning: { defaultPresets: true } } });
    });
    after(async () => {
      await sim?.stop();
      await t.stop();
    });

    it("refuses bad patterns, naming each, and changes nothing; operators may read but not choose", async () => {
      const api = new HttpApi(t.apiUrl, t.adminKey);
      const res = await api.put(URL_, { value: ["Device.WiFi.SSID.", "Device.WiFi..SSID", "Device.DeviceInfo.SoftwareVersion", PATTERN, PATTERN, "Device.WiFi.SSID.[main].SSID"] });
      assert.ok(isError(res, 400, "VALIDATION"), res.text);
      const fields = (res.body.error.details as { field: string; message: string }[]).map((p) => p.field);
      assert.deepEqual(fields, ["value[0]", "value[1]", "value[2]", "value[4]", "value[5]"]);
      assert.match(res.body.error.message, /names an object/);
      assert.ok(isError(await api.put(URL_, { value: "Device.X" }), 400, "VALIDATION"));
      const now = await api.get(URL_);
      assert.equal(now.status, 200, now.text);
      assert.deepEqual([now.body.value, now.body.patterns], [[], []]);

      const operator = new HttpApi(t.apiUrl, await t.keyFor("operator"));
      assert.ok(isError(await operator.put(URL_, { value: [PATTERN] }), 403, "FORBIDDEN"));
      assert.equal((await operator.get(URL_)).status, 200);
    });

    it("fills a chosen pattern while devices register, audits the change, and filters use it", async () => {
      const api = new HttpApi(t.apiUrl, t.adminKey);
      sim = await startSimulation({
        acsUrl: t.url,
        devices: N,
        model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": "86400" } }),
        identity: { acsUsername: t.username, acsPassword: t.password, productClass: "IDX", serialPrefix: "IX" },
        concurrency: 3,
      });
      const res = await api.put(URL_, { value: [PATTERN] });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.value, [PATTERN]);
      assert.equal(res.body.patterns[0].state, "filling");

      const audit = (await api.get("/api/audit?limit=1&action=setting.update")).body.entries[0];
      assert.deepEqual([audit?.outcome, audit?.target, audit?.before, audit?.after], [200, { type: "setting", id: "parameters.indexed" }, { value: [] }, { value: [PATTERN] }]);

      const store = t.acs.store;
      await eventually(async () => ((await store.devices.count({ filter: 'productClass = "IDX"' })) === N ? true : undefined), `${N} devices registered`, 120_000);
      await eventually(async () => ((await api.get(URL_)).body.patterns[0]?.state === "ready" ? true : undefined), "the fill to end", 60_000);
      // Every device's SSIDs are in the index, whichever wrote them (a session, or the fill).
      const expected: string[] = [];
      const values = new Map<string, string>();
      // Discovery learns the names first and reads the values after.
      await eventually(async () => {
        expected.length = 0;
        values.clear();
        let unread = 0;
        for (const d of await store.devices.list({ filter: 'productClass = "IDX"' })) {
          for (const r of await store.parameters.subtree(d.id, "Device.WiFi.SSID.")) {
            if (pathMatches(r.path, PATTERN)) {
              if (r.value === null) unread++;
              expected.push(`${d.id}|${r.path}|${r.value}`);
              if (r.path === "Device.WiFi.SSID.1.SSID") values.set(d.id, String(r.value));
            }
          }
        }
        return values.size === N && unread === 0 ? true : undefined;
      }, "every device's SSIDs read into its tree", 60_000);
      const rows = await queryDirect(t.dbUrl, "SELECT p.device_id, pp.path, p.value FROM param_index p JOIN param_paths pp ON pp.id = p.path_id");
      const indexed = rows.filter((r) => pathMatches(String(r.path), PATTERN)).map((r) => `${String(r.device_id)}|${String(r.path)}|${String(r.value)}`);
      assert.deepEqual(indexed.sort(), expected.sort());

      for (const [id, v] of values) {
        const found = await api.get(`/api/devices?count=true&filter=${encodeURIComponent(`Device.WiFi.SSID.1.SSID = "${v}"`)}`);
        assert.equal(found.status, 200, found.text);
        assert.ok((found.body.devices as { id: string }[]).some((d) => d.id === id), `${id} found by its SSID ${v}: ${found.text.slice(0, 300)}`);
        assert.equal(found.body.total, [...values.values()].filter((x) => x === v).length);
      }
      const done = (await api.get(URL_)).body;
      assert.equal(done.devices, N);
    });
  });
});
