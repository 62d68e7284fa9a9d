// Checking a typed value before it is sent (the API checks again; this says what is wrong at once).

export interface Checked {
  ok: boolean;
  value?: string | number | boolean;
  error?: string;
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  "xsd:int": [-(2n ** 31n), 2n ** 31n - 1n],
  "xsd:unsignedInt": [0n, 2n ** 32n - 1n],
  "xsd:long": [-(2n ** 63n), 2n ** 63n - 1n],
  "xsd:unsignedLong": [0n, 2n ** 64n - 1n],
};

/** The value to send for `text` typed as `type` (an xsd type), or why it does not fit. */
export function checkValue(type: string | null, text: string): Checked {
  const t = type ?? "xsd:string";
  const range = INT_RANGES[t];
  if (range) {
    if (!/^-?\d+$/.test(text.trim())) return { ok: false, error: `${t} needs a whole number` };
    const n = BigInt(text.trim());
    if (n < range[0] || n > range[1]) return { ok: false, error: `${t} goes from ${range[0]} to ${range[1]}` };
    return { ok: true, value: Number.isSafeInteger(Number(n)) ? Number(n) : text.trim() };
  }
  if (t === "xsd:boolean") {
    if (!/^(true|false|1|0)$/.test(text.trim())) return { ok: false, error: "xsd:boolean is true or false" };
    return { ok: true, value: text.trim() === "true" || text.trim() === "1" };
  }
  if (t === "xsd:dateTime") {
    if (Number.isNaN(Date.parse(text.trim()))) return { ok: false, error: "xsd:dateTime is a date and time such as 2026-01-31T12:00:00Z" };
    return { ok: true, value: text.trim() };
  }
  if (t === "xsd:base64" && !/^[A-Za-z0-9+/]*={0,2}$/.test(text.trim())) return { ok: false, error: "xsd:base64 takes only base64 characters" };
  if (t === "xsd:hexBinary" && !/^([0-9A-Fa-f]{2})*$/.test(text.trim())) return { ok: false, error: "xsd:hexBinary is pairs of hexadecimal digits" };
  return { ok: true, value: text };
}
