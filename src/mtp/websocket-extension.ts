// TR-369's `bbf-usp-protocol` WebSocket extension, by which each end of a USP WebSocket names its
// Endpoint ID in the handshake: `Sec-WebSocket-Extensions: bbf-usp-protocol; eid="os::012345-SN1"`.
// Written here rather than with ws's extension parser, which takes only tokens as parameter values and
// so refuses every Endpoint ID (`:` is not a token character). Pure.

import { isEndpointId } from "../usp/index.js";

export const USP_EXTENSION = "bbf-usp-protocol";

/** What a Sec-WebSocket-Extensions header says of the USP extension. */
export type UspExtension = { offered: false } | { offered: true; eid: string } | { offered: true; error: string };

interface Extension {
  name: string;
  params: Map<string, string | null>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Splits on `sep` outside quoted strings; null when a quote is left open. */
function split(text: string, sep: string): string[] | null {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === "\\") i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) return null;
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function unquote(value: string): string | null {
  if (!value.startsWith('"')) return TOKEN.test(value) ? value : null;
  if (value.length < 2 || !value.endsWith('"')) return null;
  return value.slice(1, -1).replace(/\\(.)/g, "$1");
}

/** RFC 6455's extension list (comma-separated, `;` parameters, values tokens or quoted strings); null when malformed. */
function parseExtensions(header: string): Extension[] | null {
  const items = split(header, ",");
  if (items === null) return null;
  const out: Extension[] = [];
  for (const item of items) {
    if (item === "") continue;
    const parts = split(item, ";");
    if (parts === null || !TOKEN.test(parts[0] ?? "")) return null;
    const params = new Map<string, string | null>();
    for (const p of parts.slice(1)) {
      const eq = p.indexOf("=");
      const key = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
      if (!TOKEN.test(key)) return null;
      const value = eq < 0 ? null : unquote(p.slice(eq + 1).trim());
      if (eq >= 0 && value === null) return null;
      params.set(key, value);
    }
    out.push({ name: (parts[0] ?? "").toLowerCase(), params });
  }
  return out;
}

/** Reads the USP extension of a Sec-WebSocket-Extensions header (one value, or several as Node gives them). */
export function readUspExtension(header: string | string[] | undefined): UspExtension {
  if (header === undefined) return { offered: false };
  const text = Array.isArray(header) ? header.join(", ") : header;
  if (!text.toLowerCase().includes(USP_EXTENSION)) return { offered: false };
  const extensions = parseExtensions(text);
  if (extensions === null) return { offered: true, error: "Sec-WebSocket-Extensions is malformed" };
  const usp = extensions.filter((e) => e.name === USP_EXTENSION);
  if (usp.length === 0) return { offered: false };
  if (usp.length > 1) return { offered: true, error: `${USP_EXTENSION} is given more than once` };
  const eid = usp[0]?.params.get("eid");
  if (eid === undefined || eid === null) return { offered: true, error: `${USP_EXTENSION} names no eid` };
  if (!isEndpointId(eid)) return { offered: true, error: `${USP_EXTENSION} eid ${JSON.stringify(eid)} is not an Endpoint ID` };
  return { offered: true, eid };
}

/** The extension naming `eid`, for a Sec-WebSocket-Extensions header. */
export function formatUspExtension(eid: string): string {
  return `${USP_EXTENSION}; eid="${eid.replace(/["\\]/g, "\\$&")}"`;
}

/** The header without the USP extension (null when nothing is left), for code that knows only the others. */
export function withoutUspExtension(header: string): string | null {
  const items = split(header, ",");
  if (items === null) return header;
  const rest = items.filter((item) => item !== "" && (split(item, ";")?.[0] ?? "").toLowerCase() !== USP_EXTENSION);
  return rest.length === 0 ? null : rest.join(", ");
}
