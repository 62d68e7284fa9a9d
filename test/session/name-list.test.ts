import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dropNames, packNames, takeNames } from "../../src/session/tasks/name-list.js";

const names = [
  "Device.DeviceInfo.Manufacturer", "Device.DeviceInfo.ModelName", "Device.Hosts.Host.1.IPAddress", "Device.Hosts.Host.10.IPAddress",
  "Device.Hosts.Host.1.", "Device.", "", "Device.WiFi.SSID.1.SSID", "Device.WiFi.SSID.1.SSID", "Dévice.ünïcode.名前", "Device.WiFi.SSID.1.SSIDAdvertisementEnabled",
];

describe("a batched read's names, front coded", () => {
  it("gives back every name in order, whatever they share (none, all, a name twice, the empty name, unicode)", () => {
    assert.deepEqual(takeNames(packNames(names), Infinity), names);
    assert.deepEqual(takeNames(packNames([]), 10), []);
  });

  it("shares what a name has in common with the one before", () => {
    assert.deepEqual(packNames(["Device.A.B", "Device.A.C", "X"]), [0, "Device.A.B", 9, "C", 0, "X"]);
  });

  it("takes and drops names from the front, any number at a time, as if the list were decoded", () => {
    for (let step = 1; step <= names.length + 1; step++) {
      let packed = packNames(names);
      const read: string[] = [];
      while (packed.length > 0) {
        const batch = takeNames(packed, step);
        assert.deepEqual(batch, names.slice(read.length, read.length + step));
        read.push(...batch);
        packed = dropNames(packed, step);
        assert.deepEqual(takeNames(packed, Infinity), names.slice(read.length), `after ${read.length} names, ${step} at a time`);
      }
      assert.deepEqual(read, names);
    }
  });
});
