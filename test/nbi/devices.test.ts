// Devices through the API: listing with filter, sort, paging (offset and keyset), projection and count;
// one device with its parameter tree; tags; deletion; and the errors of each.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Store } from "../../src/store/types.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

const N = 30;
const id = (i: number) => `00D09E-${i % 3 === 0 ? "Router" : "HGW"}-SN${String(i).padStart(2, "0")}`;

async function seed(store: Store, now: number): Promise<void> {
  for (let i = 0; i < N; i++) {
    const at = new Date(now - i * 60_000 * 7); // every 7 minutes further back
    await store.devices.recordInform({
      id: id(i), manufacturer: "Acme", oui: "00D09E", productClass: i % 3 === 0 ? "Router" : "HGW", serialNumber: `SN${String(i).padStart(2, "0")}`,
      at, address: `192.0.2.${i}`, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [{ code: i === 0 ? "0 BOOTSTRAP" : "2 PERIODIC", commandKey: "" }],
    });
    await store.parameters.setValues(id(i), [
      { path: "Device.DeviceInfo.SoftwareVersion", value: `1.${i % 4}.0`, type: "xsd:string" },
      { path: "Device.DeviceInfo.UpTime", value: String(i * 100), type: "xsd:unsignedInt" },
      { path: "Device.WiFi.SSID.1.SSID", value: `net-${i}`, type: "xsd:string" },
    ], at);
    if (i % 5 === 0) await store.devices.updateTags(id(i), ["lab"], []);
  }
}

forEachBackend((backend) => {
  describe("devices", () => {
    let t: ApiAcs;
    const now = Date.now();
    before(async () => {
      t = await startApiAcs(backend, { settings: { nbi: { onlineWindow: 1800 } } });
      await seed(t.acs.store, now);
    });
    after(() => t.stop());

    const ids = (res: { body: { devices: { id: string }[] } }) => res.body.devices.map((d) => d.id);

    it("lists every device in id order by default, with the device fields", async () => {
      const res = await t.api.get("/api/devices");
      assert.equal(res.status, 200);
      assert.deepEqual(ids(res), Array.from({ length: N }, (_v, i) => id(i)).sort());
      assert.equal(res.body.total, null);
      assert.equal(res.body.next, null);
      const d0 = res.body.devices.find((d: { id: string }) => d.id === id(0));
      assert.deepEqual(
        { ...d0, registeredAt: undefined },
        {
          id: id(0), manufacturer: "Acme", oui: "00D09E", productClass: "Router", serialNumber: "SN00", registeredAt: undefined,
          lastInformAt: new Date(now).toISOString(), lastInformAddress: "192.0.2.0", lastBootAt: null, lastBootstrapAt: new Date(now).toISOString(),
          cwmpNamespace: "1-2", cwmpVersion: "1.4", credentials: "bootstrap", protocol: "cwmp", tags: ["lab"], online: true,
        },
      );
      // 29 * 7 minutes ago is outside the 30-minute window.
      assert.equal(res.body.devices.find((d: { id: string }) => d.id === id(29)).online, false);
    });

    it("filters by fields, tags, times, online state and parameter values, and counts the matches", async () => {
      const q = async (filter: string) => {
        const res = await t.api.get(`/api/devices?count=true&limit=1000&filter=${encodeURIComponent(filter)}`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.total, res.body.devices.length);
        return ids(res).sort();
      };
      const all = Array.from({ length: N }, (_v, i) => i);
      const expect = (pred: (i: number) => boolean) => all.filter(pred).map(id).sort();
      assert.deepEqual(await q('productClass = "Router"'), expect((i) => i % 3 === 0));
      assert.deepEqual(await q('tag = "lab"'), expect((i) => i % 5 === 0));
      assert.deepEqual(await q("Device.DeviceInfo.UpTime >= 2500"), expect((i) => i * 100 >= 2500));
      assert.deepEqual(await q('Device.DeviceInfo.SoftwareVersion ^= "1.2"'), expect((i) => i % 4 === 2));
      assert.deepEqual(await q("lastInform > now-20m"), expect((i) => i * 7 < 20));
      assert.deepEqual(await q("online"), expect((i) => i * 7 <= 30));
      assert.deepEqual(await q('productClass = "HGW" AND NOT tag = "lab"'), expect((i) => i % 3 !== 0 && i % 5 !== 0));
    });

    it("pages with limit and offset in any order, and with `after` (keyset) in id order", async () => {
      const sorted = await t.api.get("/api/devices?sort=-lastInform&limit=1000");
      assert.deepEqual(ids(sorted), Array.from({ length: N }, (_v, i) => id(i)));
      const page2 = await t.api.get("/api/devices?sort=-lastInform&limit=5&offset=5");
      assert.deepEqual(ids(page2), [5, 6, 7, 8, 9].map(id));
      assert.equal(page2.body.next, null, "no keyset in a non-id order");
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: { devices: { id: string }[]; next: string | null } } = await t.api.get(`/api/devices?limit=7${after === null ? "" : `&after=${encodeURIComponent(after)}`}`);
        assert.equal(res.status, 200);
        seen.push(...ids(res));
        after = res.body.next;
        pages++;
      } while (after !== null);
      assert.equal(pages, Math.ceil(N / 7));
      assert.deepEqual(seen, Array.from({ length: N }, (_v, i) => id(i)).sort());
    });

    it("sorts by a parameter value, numbers numerically, descending with -", async () => {
      const res = await t.api.get("/api/devices?sort=-Device.DeviceInfo.UpTime&limit=3");
      assert.deepEqual(ids(res), [29, 28, 27].map(id));
    });

    it("projects parameters (and object subtrees) onto each device", async () => {
      const res = await t.api.get(`/api/devices?filter=${encodeURIComponent(`id = "${id(4)}"`)}&projection=Device.DeviceInfo.UpTime,Device.WiFi.`);
      assert.equal(res.status, 200, res.text);
      const params = res.body.devices[0].parameters;
      assert.deepEqual(Object.keys(params).sort(), ["Device.DeviceInfo.UpTime", "Device.WiFi.", "Device.WiFi.SSID.", "Device.WiFi.SSID.1.", "Device.WiFi.SSID.1.SSID"]);
      assert.equal(params["Device.DeviceInfo.UpTime"].value, "400");
      assert.equal(params["Device.DeviceInfo.UpTime"].type, "xsd:unsignedInt");
      assert.equal(params["Device.WiFi."].object, true);
      const plain = await t.api.get("/api/devices?limit=1");
      assert.equal(plain.body.devices[0].parameters, undefined);
    });

    it("refuses a bad filter, sort, paging combination or limit, saying what is wrong", async () => {
      const bad = await t.api.get(`/api/devices?filter=${encodeURIComponent('productClass = "HGW" AND')}`);
      assert.ok(isError(bad, 400, "FILTER_INVALID"));
      assert.equal(bad.body.error.details.code, "FILTER_SYNTAX");
      assert.equal(typeof bad.body.error.details.position.column, "number");
      assert.ok(isError(await t.api.get("/api/devices?sort=tag"), 400, "SORT_INVALID"));
      assert.ok(isError(await t.api.get("/api/devices?sort=colour"), 400, "SORT_INVALID"));
      assert.ok(isError(await t.api.get(`/api/devices?sort=-lastInform&after=${encodeURIComponent(id(3))}`), 400, "QUERY_INVALID"));
      const limit = await t.api.get("/api/devices?limit=0");
      assert.ok(isError(limit, 400, "VALIDATION"));
      assert.deepEqual(limit.body.error.details[0], { in: "querystring", field: "limit", message: "Expected integer to be greater or equal to 1" });
      assert.ok(isError(await t.api.get("/api/devices?limit=5000"), 400, "VALIDATION"));
      const count = await t.api.get("/api/devices?count=maybe");
      assert.ok(isError(count, 400, "VALIDATION"));
      assert.match(count.body.error.message, /^querystring\.count: /);
    });

    it("refuses unknown query parameters, on endpoints with and without any, instead of ignoring them", async () => {
      const misspelt = await t.api.get("/api/devices?limt=1");
      assert.ok(isError(misspelt, 400, "VALIDATION"));
      assert.deepEqual(misspelt.body.error.details, [{ in: "querystring", field: "limt", message: "unknown query parameter; this endpoint takes filter, sort, limit, offset, after, projection, count" }]);
      const none = await t.api.get("/api/presets?x=1");
      assert.ok(isError(none, 400, "VALIDATION"));
      assert.equal(none.body.error.message, "querystring.x: unknown query parameter; this endpoint takes none");
      assert.ok(isError(await t.api.get("/api/webhooks?enabled=true"), 400, "VALIDATION"));
      assert.equal((await t.api.get("/api/devices?limit=1&count=true")).status, 200);
    });

    it("shows one device with its parameter tree, recent events, faults and pending tasks", async () => {
      await t.acs.store.faults.raise({ deviceId: id(1), channel: "session", code: "cwmp.9002", message: "Internal error", detail: null, at: new Date(now) });
      await t.acs.tasks.create(id(1), "reboot", {});
      const res = await t.api.get(`/api/devices/${encodeURIComponent(id(1))}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.device.id, id(1));
      const tree = res.body.parameters;
      assert.deepEqual(Object.keys(tree), ["Device."]);
      assert.deepEqual(Object.keys(tree["Device."].children).sort(), ["DeviceInfo.", "WiFi."]);
      const ssid = tree["Device."].children["WiFi."].children["SSID."].children["1."].children.SSID;
      assert.equal(ssid.value, "net-1");
      assert.equal(ssid.type, "xsd:string");
      assert.equal(ssid.object, false);
      assert.equal(ssid.children, undefined);
      assert.equal(typeof ssid.valueAt, "string");
      assert.equal(tree["Device."].children["DeviceInfo."].object, true);
      assert.deepEqual(res.body.events, [{ at: new Date(now - 7 * 60_000).toISOString(), code: "2 PERIODIC", commandKey: "" }]);
      assert.deepEqual(res.body.faults.map((f: { code: string; channel: string }) => [f.channel, f.code]), [["session", "cwmp.9002"]]);
      assert.equal(res.body.pendingTasks, 1);

      const flat = await t.api.get(`/api/devices/${encodeURIComponent(id(1))}?parameters=flat&prefix=Device.DeviceInfo.`);
      assert.deepEqual(Object.keys(flat.body.parameters), ["Device.DeviceInfo.", "Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.UpTime"]);
      assert.equal(flat.body.parameters["Device.DeviceInfo.UpTime"].value, "100");
      const none = await t.api.get(`/api/devices/${encodeURIComponent(id(1))}?parameters=none&events=0`);
      assert.deepEqual([none.body.parameters, none.body.events], [{}, []]);
      assert.ok(isError(await t.api.get(`/api/devices/${encodeURIComponent(id(1))}?parameters=everything`), 400, "VALIDATION"));
      assert.ok(isError(await t.api.get("/api/devices/no-such-device"), 404, "DEVICE_NOT_FOUND"));
    });

    it("adds and removes tags idempotently, and refuses tags it could not store", async () => {
      const dev = encodeURIComponent(id(2));
      assert.deepEqual((await t.api.put(`/api/devices/${dev}/tags/blue`)).body, { tags: ["blue"] });
      assert.deepEqual((await t.api.put(`/api/devices/${dev}/tags/blue`)).body, { tags: ["blue"] });
      assert.deepEqual((await t.api.put(`/api/devices/${dev}/tags/${encodeURIComponent("floor 2")}`)).body, { tags: ["blue", "floor 2"] });
      assert.deepEqual((await t.api.del(`/api/devices/${dev}/tags/blue`)).body, { tags: ["floor 2"] });
      assert.deepEqual((await t.api.del(`/api/devices/${dev}/tags/blue`)).body, { tags: ["floor 2"] });
      const filtered = await t.api.get(`/api/devices?filter=${encodeURIComponent('tag = "floor 2"')}`);
      assert.deepEqual(ids(filtered), [id(2)]);
      assert.ok(isError(await t.api.put(`/api/devices/${dev}/tags/a%2Cb`), 400, "VALIDATION"));
      assert.ok(isError(await t.api.put("/api/devices/no-such-device/tags/blue"), 404, "DEVICE_NOT_FOUND"));
    });

    it("deletes a device with everything attached, and records the event", async () => {
      const dev = encodeURIComponent(id(3));
      assert.equal((await t.api.del(`/api/devices/${dev}`)).status, 204);
      assert.equal(await t.acs.store.devices.get(id(3)), null);
      assert.deepEqual(await t.acs.store.parameters.all(id(3)), []);
      assert.ok(isError(await t.api.del(`/api/devices/${dev}`), 404, "DEVICE_NOT_FOUND"));
      const events = await outboxEvents(t.acs.store, (e) => e.deviceId === id(3), (l) => l.length > 0);
      assert.deepEqual(events.map((e) => [e.type, e.deviceId]), [["device.deleted", id(3)]]);
    });

    it("shows the USP agent a USP device is: endpoint id, MTP, last seen, and whether this process reaches it", async () => {
      const dev = encodeURIComponent(id(4));
      assert.equal((await t.api.get(`/api/devices/${dev}?parameters=none`)).body.usp, null);
      const seen = new Date(now - 60_000);
      await t.acs.store.uspEndpoints.record({ endpointId: "os::00D09E-HGW-SN04", deviceId: id(4), mtp: "websocket", route: "ws-1", lastSeen: seen });
      const res = await t.api.get(`/api/devices/${dev}?parameters=none`);
      assert.equal(res.body.device.protocol, "usp");
      // Recorded by another process (or before a restart): no agent of this process has it.
      assert.deepEqual(res.body.usp, { endpointId: "os::00D09E-HGW-SN04", mtp: "websocket", lastSeen: seen.toISOString(), connected: false, dataModel: null });
      // MQTT: the broker holds agents' connections, so whether it is connected cannot be told.
      await t.acs.store.uspEndpoints.record({ endpointId: "os::00D09E-HGW-SN04", deviceId: id(4), mtp: "mqtt", route: "usp/agent/os::00D09E-HGW-SN04", lastSeen: new Date(now) });
      assert.deepEqual((await t.api.get(`/api/devices/${dev}?parameters=none`)).body.usp, { endpointId: "os::00D09E-HGW-SN04", mtp: "mqtt", lastSeen: new Date(now).toISOString(), connected: null, dataModel: null });
      // The model learnt for its OUI, product class and software version: its counts.
      const { oui, productClass } = res.body.device;
      await t.acs.store.parameters.setValues(id(4), [{ path: "Device.DeviceInfo.SoftwareVersion", value: "9.9", type: "xsd:string" }], new Date(now));
      await t.acs.store.uspDataModels.put({ oui, productClass, softwareVersion: "9.9", learntAt: seen, complete: true, objects: 2, parameters: 7, commands: 1, events: 0, model: "{\"v\":1,\"objects\":{\"Device.\":{\"c\":{\"Reboot()\":[\"s\"]}}}}" });
      assert.deepEqual((await t.api.get(`/api/devices/${dev}?parameters=none`)).body.usp.dataModel, { oui, productClass, softwareVersion: "9.9", learntAt: seen.toISOString(), complete: true, objects: 2, parameters: 7, commands: 1, events: 0 });
      const dm = (await t.api.get(`/api/devices/${dev}/usp/data-model`)).body.dataModel;
      assert.deepEqual([dm.commandList, dm.eventList], [[{ path: "Device.Reboot()", async: false, inputArgs: [] }], []]);
      const none = await t.api.get(`/api/devices/${encodeURIComponent(id(2))}/usp/data-model`);
      assert.deepEqual([none.status, none.body], [200, { dataModel: null }]);
      assert.equal((await t.api.get(`/api/devices/${encodeURIComponent(id(3))}/usp/data-model`)).status, 404, "deleted above");
    });
  });
});
