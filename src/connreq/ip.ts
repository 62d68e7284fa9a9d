// IP address text <-> bytes, for STUN address attributes. Output follows RFC 5952 (lowercase,
// longest zero run compressed, IPv4-mapped addresses in dotted form) so addresses compare as text.

import { isIPv4, isIPv6 } from "node:net";

export type IpFamily = "IPv4" | "IPv6";

export function parseIp(text: string): { family: IpFamily; bytes: Buffer } | null {
  if (isIPv4(text)) return { family: "IPv4", bytes: Buffer.from(text.split(".").map(Number)) };
  const noZone = text.replace(/%.*$/, "");
  if (!isIPv6(noZone)) return null;
  let head = noZone;
  const tail: number[] = [];
  // A trailing dotted quad stands for the last two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(head);
  if (v4) {
    const b = (v4[1] as string).split(".").map(Number) as [number, number, number, number];
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
    head = head.slice(0, -(v4[1] as string).length);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  let words: number[];
  const gap = head.indexOf("::");
  if (gap >= 0) {
    const left = groups(head.slice(0, gap));
    const right = [...groups(head.slice(gap + 2)), ...tail];
    words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    words = [...groups(head), ...tail];
  }
  if (words.length !== 8) return null;
  const bytes = Buffer.alloc(16);
  words.forEach((w, k) => bytes.writeUInt16BE(w, k * 2));
  return { family: "IPv6", bytes };
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
  const b = Buffer.from(bytes);
  const words = Array.from({ length: 8 }, (_, k) => b.readUInt16BE(k * 2));
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${Array.from(b.subarray(12)).join(".")}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (words[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && words[e] === 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** "::ffff:192.0.2.1" (what a dual-stack socket reports for an IPv4 peer) -> "192.0.2.1". */
export function unmapIPv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m && isIPv4(m[1] as string) ? (m[1] as string) : address;
}
