// A device's identity from its index: serial number from a prefix and a counter, OUI and product
// class from the options or the model, per-device credentials from templates.

import { hashString, mix } from "./rng.js";
import type { DeviceIdentity, IdentityDefaults } from "./source.js";

export interface IdentityOptions {
  manufacturer?: string;
  /** Six hex digits; stored uppercase. */
  oui?: string;
  productClass?: string;
  serialPrefix?: string;
  /** Digits of the counter part of the serial number (zero-padded). Default 6. */
  serialDigits?: number;
  /** Counter of the device with index 0. Default 1. */
  firstSerial?: number;
  /** Factory ManagementServer.URL. */
  acsUrl?: string;
  /**
   * Templates for the credentials and the connection-request URL. Placeholders: {serial}, {oui},
   * {productClass}, {index}, and {secret} (a per-device string derived from the seed).
   */
  acsUsername?: string;
  acsPassword?: string;
  connectionRequestUrl?: string;
  connectionRequestUsername?: string;
  connectionRequestPassword?: string;
  /** Mixed into every device's seed: another value gives other MACs, host tables and counters. */
  seed?: number;
}

const OUI = /^[0-9A-Fa-f]{6}$/;

export function makeIdentity(defaults: IdentityDefaults, options: IdentityOptions, index: number): DeviceIdentity {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`device index ${index} is not a non-negative integer`);
  const oui = (options.oui ?? defaults.oui).toUpperCase();
  if (!OUI.test(oui)) throw new RangeError(`OUI ${JSON.stringify(oui)} is not six hex digits`);
  const productClass = options.productClass ?? defaults.productClass;
  const digits = options.serialDigits ?? 6;
  const serialNumber = (options.serialPrefix ?? defaults.serialPrefix) + String((options.firstSerial ?? 1) + index).padStart(digits, "0");
  const seed = mix(hashString(`${oui}-${productClass}-${serialNumber}`), options.seed ?? 0);
  const fill = (template: string): string => fillTemplate(template, { serialNumber, oui, productClass, index, seed });
  return {
    index,
    manufacturer: options.manufacturer ?? defaults.manufacturer,
    oui,
    productClass,
    serialNumber,
    seed,
    acsUrl: options.acsUrl ?? "http://127.0.0.1:7547/",
    acsUsername: fill(options.acsUsername ?? "{oui}-{serial}"),
    acsPassword: fill(options.acsPassword ?? "{secret}"),
    connectionRequestUrl: fill(options.connectionRequestUrl ?? "http://127.0.0.1:7548/{serial}"),
    connectionRequestUsername: fill(options.connectionRequestUsername ?? "{serial}"),
    connectionRequestPassword: fill(options.connectionRequestPassword ?? "cr-{secret}"),
  };
}

/**
 * A per-device value from a template: {serial}, {oui}, {productClass}, {index} and {secret} (a string
 * derived from the device's seed) are replaced. Credentials in the identity are made this way, and so
 * are the per-device factory values of the connection-request options (STUN and XMPP accounts).
 */
export function fillTemplate(template: string, id: Pick<DeviceIdentity, "serialNumber" | "oui" | "productClass" | "index" | "seed">): string {
  if (!template.includes("{")) return template;
  return template
    .replaceAll("{serial}", id.serialNumber)
    .replaceAll("{oui}", id.oui)
    .replaceAll("{productClass}", id.productClass)
    .replaceAll("{index}", String(id.index))
    .replaceAll("{secret}", mix(id.seed, 0x5ec7e7).toString(36).padStart(7, "0"));
}
