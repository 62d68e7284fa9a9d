// timestamptz values read through a memo of the text the server sends. A device's parameter rows carry a
// handful of distinct times (each session writes its values at one time), so a full tree of about 1,100
// rows had 3,300 times to parse for two or three distinct ones: the default parser's regular expressions
// were about a tenth of the read. Every value still gets its own Date (callers may change theirs).
import pg from "pg";

const TIMESTAMPTZ = 1184;
/** Distinct texts remembered; the memo starts over past it, so a scan of many times stays bounded. */
const MAX_REMEMBERED = 4096;

const parseText = pg.types.getTypeParser(TIMESTAMPTZ, "text") as (text: string) => unknown;
const remembered = new Map<string, number>();

function parseTimestamptz(text: string): unknown {
  const ms = remembered.get(text);
  if (ms !== undefined) return new Date(ms);
  const parsed = parseText(text);
  // "infinity" comes back as a number, not a Date: passed on as the default parser gives it.
  if (!(parsed instanceof Date)) return parsed;
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(text, parsed.getTime());
  return parsed;
}

/** The type parsers of the store's connections: the defaults, with timestamptz memoized. */
export const storeTypes = {
  getTypeParser(oid: number, format?: "text" | "binary"): unknown {
    if (oid === TIMESTAMPTZ && format !== "binary") return parseTimestamptz;
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  },
};
