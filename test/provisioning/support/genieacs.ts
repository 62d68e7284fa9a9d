// What GenieACS-dialect scripts see of a session, for the tests that run the API without a session: one
// TR-181 device at a fixed time, with the records given.

import type { GenieInput, GenieRecord } from "../../../src/provisioning/genieacs/api.js";

export const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
export const HOUR = 3_600_000;

export function genieInput(records: Record<string, GenieRecord> = {}, more: Partial<GenieInput> = {}): GenieInput {
  return {
    records,
    device: { id: "00259E-HGW-SN1", manufacturer: "Acme", oui: "00259E", productClass: "HGW", serialNumber: "SN1", tags: ["lab"], events: { Inform: NOW, "1_BOOT": NOW - HOUR } },
    root: "Device.",
    failed: [],
    enumerated: [],
    refreshed: [],
    exts: {},
    ...more,
  };
}
