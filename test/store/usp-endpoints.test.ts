// Conformance of USP endpoints (migration 23) on both backends: an agent recorded as it is seen makes its
// device a USP one (listed and filtered as such), is found by endpoint id and by device, moves with the
// route it was seen on last, and goes with its device.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Store } from "../../src/store/index.js";
import { forEachBackend, freshStore } from "../support/pg.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const at = (s: number) => new Date(T0.getTime() + s * 1000);

async function device(s: Store, id: string): Promise<void> {
  await s.devices.recordInform({ id, manufacturer: "M", oui: "00D09E", productClass: "HGW", serialNumber: id, at: T0, address: null, cwmpNamespace: "1-4", cwmpVersion: "1.4", events: [] });
}

forEachBackend((b) => {
  describe("USP endpoints", () => {
    test("make their device a USP one, are found by endpoint and device, and follow the route seen last", async (ctx) => {
      const s = await freshStore(b, ctx);
      await device(s, "00D09E-HGW-usp1");
      await device(s, "00D09E-HGW-cwmp1");
      assert.equal((await s.devices.get("00D09E-HGW-usp1"))?.protocol, "cwmp");
      assert.equal(await s.uspEndpoints.get("os::00D09E-HGW-usp1"), null);

      await s.transaction((tx) => tx.uspEndpoints.record({ endpointId: "os::00D09E-HGW-usp1", deviceId: "00D09E-HGW-usp1", mtp: "websocket", route: "ws-1", lastSeen: T0 }));
      assert.equal((await s.devices.get("00D09E-HGW-usp1"))?.protocol, "usp");
      assert.equal((await s.devices.get("00D09E-HGW-cwmp1"))?.protocol, "cwmp");
      assert.deepEqual(await s.uspEndpoints.get("os::00D09E-HGW-usp1"), { endpointId: "os::00D09E-HGW-usp1", deviceId: "00D09E-HGW-usp1", mtp: "websocket", route: "ws-1", lastSeen: T0 });

      // Seen again over another MTP: the same row moves.
      await s.uspEndpoints.record({ endpointId: "os::00D09E-HGW-usp1", deviceId: "00D09E-HGW-usp1", mtp: "mqtt", route: "usp/agent/os::00D09E-HGW-usp1", lastSeen: at(60) });
      const again = await s.uspEndpoints.ofDevice("00D09E-HGW-usp1");
      assert.deepEqual([again?.mtp, again?.route, again?.lastSeen.getTime()], ["mqtt", "usp/agent/os::00D09E-HGW-usp1", at(60).getTime()]);
      assert.equal(await s.uspEndpoints.ofDevice("00D09E-HGW-cwmp1"), null);

      // The filter language reads the protocol, and refuses a value it cannot have.
      assert.deepEqual((await s.devices.list({ filter: 'protocol = "usp"' })).map((d) => d.id), ["00D09E-HGW-usp1"]);
      assert.deepEqual((await s.devices.list({ filter: 'protocol = "cwmp"' })).map((d) => d.id), ["00D09E-HGW-cwmp1"]);
      await assert.rejects(s.devices.list({ filter: 'protocol = "tr069"' }), /protocol is "cwmp" or "usp"/);
    });

    test("go with their device", async (ctx) => {
      const s = await freshStore(b, ctx);
      await device(s, "00D09E-HGW-gone");
      await s.uspEndpoints.record({ endpointId: "os::00D09E-HGW-gone", deviceId: "00D09E-HGW-gone", mtp: "websocket", route: "ws-9", lastSeen: T0 });
      await s.devices.delete("00D09E-HGW-gone");
      assert.equal(await s.uspEndpoints.get("os::00D09E-HGW-gone"), null);
    });
  });
});
