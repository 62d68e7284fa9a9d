// Reading one string field out of protobuf bytes that the codec refused: the msg_id of a Msg that does
// not decode, so its Error can still name it, and the from_id of a Record, so it can be told why.

function varint(b: Uint8Array, at: number): [number, number] | undefined {
  let v = 0;
  let mul = 1;
  for (let i = at; i < b.length && i < at + 8; i++) {
    v += (b[i]! & 0x7f) * mul;
    if ((b[i]! & 0x80) === 0) return [v, i + 1];
    mul *= 128;
  }
  return undefined;
}

/** The bytes of the first length-delimited field `field` at the top level of `b`. */
function lengthDelimited(b: Uint8Array, field: number): Uint8Array | undefined {
  let at = 0;
  while (at < b.length) {
    const tag = varint(b, at);
    if (tag === undefined) return undefined;
    at = tag[1];
    const wire = tag[0] % 8;
    if (wire === 2) {
      const len = varint(b, at);
      if (len === undefined || len[1] + len[0] > b.length) return undefined;
      if (Math.floor(tag[0] / 8) === field) return b.subarray(len[1], len[1] + len[0]);
      at = len[1] + len[0];
    } else if (wire === 0) {
      const v = varint(b, at);
      if (v === undefined) return undefined;
      at = v[1];
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else return undefined;
  }
  return undefined;
}

/** The string at a path of field numbers (`[1, 1]`: a Msg's header.msg_id), if the bytes get that far. */
export function peekString(bytes: Uint8Array, fields: readonly number[]): string | undefined {
  let b: Uint8Array | undefined = bytes;
  for (const f of fields) {
    b = lengthDelimited(b, f);
    if (b === undefined) return undefined;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
}
