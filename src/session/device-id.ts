// A device's id: OUI-ProductClass-SerialNumber (ProductClass left out when empty). Each part keeps
// [A-Za-z0-9.~] and writes anything else as _XX (hex of its UTF-8 bytes), so ids are URL-safe as
// they stand, "-" only ever separates parts, and no two identities share an id.

import type { DeviceIdStruct } from "../cwmp/index.js";

function escapePart(part: string): string {
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
