// A device's id: OUI-ProductClass-SerialNumber (ProductClass left out when empty). Each part keeps
// [A-Za-z0-9.~] and writes anything else as _XX (hex of its UTF-8 bytes), so ids are URL-safe as
// they stand, "-" only ever separates parts, and no two identities share an id.

import type { DeviceIdStruct } from "../cwmp/index.js";

const KEPT = /^[A-Za-z0-9.~]*$/;

function escapePart(part: string): string {
  // Most parts need no escape: every exchange computes its device's id.
  if (KEPT.test(part)) return part;
  let out = "";
  for (const byte of Buffer.from(part, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9.~]/.test(c) ? c : "_" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

export function deviceIdOf(id: Pick<DeviceIdStruct, "oui" | "productClass" | "serialNumber">): string {
  const parts = [id.oui.trim(), id.productClass.trim(), id.serialNumber.trim()].filter((p, i) => i !== 1 || p.length > 0);
  return parts.map(escapePart).join("-");
}

/** TR-069 DeviceIdStruct's maximum lengths, in characters (the cwmp-1-2 schema: OUI is exactly 6). */
export const DEVICE_ID_FIELD_LIMITS = { manufacturer: 64, oui: 6, productClass: 64, serialNumber: 64 } as const;

/**
 * The longest id deviceIdOf can make from fields within those limits: every character escaped from
 * four UTF-8 bytes, and two separators. The API takes ids up to this length, so that it can address
 * every device the ACS registers.
 */
export const MAX_DEVICE_ID_LENGTH = (DEVICE_ID_FIELD_LIMITS.oui + DEVICE_ID_FIELD_LIMITS.productClass + DEVICE_ID_FIELD_LIMITS.serialNumber) * 4 * 3 + 2;

/** The first DeviceId field longer than TR-069 allows (trimmed, in characters), or undefined. */
export function overlongIdentityField(id: DeviceIdStruct): { field: keyof typeof DEVICE_ID_FIELD_LIMITS; length: number } | undefined {
  for (const field of ["manufacturer", "oui", "productClass", "serialNumber"] as const) {
    const text = id[field].trim();
    // Characters, not UTF-16 units: counted only when the units alone could exceed the limit.
    if (text.length > DEVICE_ID_FIELD_LIMITS[field] && [...text].length > DEVICE_ID_FIELD_LIMITS[field]) return { field, length: [...text].length };
  }
  return undefined;
}
