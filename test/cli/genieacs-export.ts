// A GenieACS installation as its exports and its NBI show it, written for the import tests from
// GenieACS's documentation (docs.genieacs.com: the NBI reference and the presets, provisions and
// virtual parameters chapters): no GenieACS code or data is used.

import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const OUI = "00D09E";
export const PRODUCT_CLASS = "GW";
export const SERIAL_PREFIX = "GA";
export const serial = (i: number) => `${SERIAL_PREFIX}${String(i + 1).padStart(6, "0")}`;

export interface Export {
  presets: Record<string, unknown>[];
  provisions: Record<string, unknown>[];
  virtual_parameters: Record<string, unknown>[];
  files: Record<string, unknown>[];
  contents: Map<string, Buffer>;
  devices: Record<string, unknown>[];
}

const at = (d: string) => new Date(d).toISOString();

/** `n` devices (and one GenieACS could hold but Provisio cannot: no serial number). */
export function genieExport(n: number): Export {
  const firmware = randomBytes(200_000);
  const config = Buffer.from("<config><ntp>pool.ntp.org</ntp></config>\n");
  const devices: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    devices.push({
      _id: `${OUI}-${PRODUCT_CLASS}-${serial(i)}`,
      _deviceId: { _Manufacturer: "Acme", _OUI: OUI, _ProductClass: PRODUCT_CLASS, _SerialNumber: serial(i) },
      _registered: at("2024-01-02T03:04:05Z"),
      _lastInform: at("2024-05-01T10:00:00Z"),
      // A comma is a tag's character in GenieACS, not in Provisio.
      _tags: i % 2 === 0 ? ["migrated", "even"] : i === 1 ? ["migrated", "a,b"] : ["migrated"],
      Device: {
        _object: true, _writable: false, _timestamp: at("2024-05-01T10:00:00Z"),
        DeviceInfo: {
          _object: true, _writable: false, _timestamp: at("2024-05-01T10:00:00Z"),
          SoftwareVersion: { _value: `1.0.${i}`, _type: "xsd:string", _timestamp: at("2024-05-01T10:00:00Z"), _writable: false },
          UpTime: { _value: 1000 + i, _type: "xsd:unsignedInt", _timestamp: at("2024-04-30T09:00:00Z"), _writable: false },
        },
        ManagementServer: {
          _object: true, _writable: false,
          PeriodicInformInterval: { _value: 600, _type: "xsd:unsignedInt", _timestamp: at("2024-05-01T10:00:00Z"), _writable: true },
          PeriodicInformEnable: { _value: true, _type: "xsd:boolean", _timestamp: at("2024-05-01T10:00:00Z"), _writable: true },
        },
      },
      VirtualParameters: { wan_ip: { _value: `192.0.2.${i % 250}`, _type: "xsd:string", _timestamp: at("2024-05-01T10:00:00Z") } },
    });
  }
  devices.push({ _id: "nameless", _deviceId: { _OUI: OUI, _ProductClass: PRODUCT_CLASS }, _lastInform: at("2024-05-01T10:00:00Z") });
  return {
    presets: [
      {
        // The expression syntax (GenieACS 1.2).
        _id: "migrated defaults", channel: "default", weight: 5, events: { "0 BOOTSTRAP": true, "1 BOOT": true },
        precondition: `Tags.migrated IS NOT NULL AND DeviceID.ProductClass = "${PRODUCT_CLASS}"`,
        configurations: [
          { type: "value", name: "Device.ManagementServer.PeriodicInformInterval", value: 1234 },
          { type: "add_tag", tag: "provisioned" },
          { type: "provision", name: "wifi-name", args: ["migrated-net"] },
        ],
      },
      {
        // The MongoDB syntax (older versions), kept as text.
        _id: "ntp", channel: "time", weight: 1, events: { "1 BOOT": true },
        precondition: JSON.stringify({ _tags: "migrated", "_deviceId._ProductClass": "OTHER" }),
        configurations: [{ type: "provision", name: "set-ntp", args: ["pool.ntp.org"] }],
      },
      { _id: "compares", weight: 0, events: {}, precondition: "Device.A = Device.B", configurations: [{ type: "provision", name: "set-ntp" }] },
      { _id: "both events", weight: 0, events: { "1 BOOT": true, "2 PERIODIC": true }, precondition: "", configurations: [{ type: "provision", name: "set-ntp" }] },
    ],
    provisions: [
      { _id: "set-ntp", script: 'const server = args[0];\ndeclare("Device.Time.NTPServer1", {value: Date.now()}, {value: server});\n' },
      { _id: "wifi-name", script: 'declare("Device.WiFi.SSID.1.SSID", {value: Date.now()}, {value: args[0]});\n' },
    ],
    virtual_parameters: [
      { _id: "wan_ip", script: 'const ip = declare("Device.IP.Interface.1.IPv4Address.1.IPAddress", {value: Date.now()});\nreturn {writable: false, value: [ip.value[0], "xsd:string"]};\n' },
      { _id: "wan ip", script: "return {writable: false, value: ['', 'xsd:string']};" },
    ],
    files: [
      { _id: "fw-2.0.bin", length: firmware.length, filename: "fw-2.0.bin", uploadDate: at("2024-03-01T00:00:00Z"), metadata: { fileType: "1 Firmware Upgrade Image", oui: OUI, productClass: PRODUCT_CLASS, version: "2.0" } },
      { _id: "gw.xml", length: config.length, filename: "gw.xml", uploadDate: at("2024-03-01T00:00:00Z"), metadata: { fileType: "3 Vendor Configuration File", oui: "", productClass: "", version: "" } },
    ],
    contents: new Map([["fw-2.0.bin", firmware], ["gw.xml", config]]),
    devices,
  };
}

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** The folder layout `provisio import genieacs --from` reads (docs/genieacs-migration.md); devices as NDJSON. */
export function writeExport(dir: string, e: Export): void {
  mkdirSync(join(dir, "files"), { recursive: true });
  for (const c of ["presets", "provisions", "virtual_parameters", "files"] as const) writeFileSync(join(dir, `${c}.json`), JSON.stringify(e[c], null, 2));
  for (const [name, content] of e.contents) writeFileSync(join(dir, "files", name), content);
  writeFileSync(join(dir, "devices.ndjson"), e.devices.map((d) => JSON.stringify(d)).join("\n") + "\n");
}
