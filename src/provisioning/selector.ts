// Paths in declarations: concrete segments, "*" (every instance of a table) and key selectors
// "[Key=Value,Key2=Value2]" (the instances whose key parameters have these values), e.g.
//   Device.WiFi.SSID.*.Enable
//   Device.NAT.PortMapping.[ExternalPort=8080,Protocol=TCP].InternalPort
//   Device.NAT.PortMapping.[ExternalPort=8080,Protocol=TCP].        (the instances themselves)
// Selector values may be double-quoted ("a, b"), and contain dots unquoted (an IP address).

export type Segment =
  | { kind: "name"; name: string }
  | { kind: "any" }
  | { kind: "select"; keys: { name: string; value: string }[] };

export interface PathPattern {
  text: string;
  segments: Segment[];
  /** Ends with ".": names objects (or instances), not a parameter. */
  object: boolean;
  /** Has "*" or a selector. */
  pattern: boolean;
}

export class SelectorError extends Error {
  readonly code = "PROVISION_PATH";
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "SelectorError";
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$|^[0-9]+$/;

export function parsePattern(text: string): PathPattern {
  const segments: Segment[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new SelectorError(text, msg);
  };
  if (text.length === 0) fail("empty path");
  while (i < text.length) {
    if (text[i] === "[") {
      const keys: { name: string; value: string }[] = [];
      i++;
      for (;;) {
        const eq = text.indexOf("=", i);
        if (eq === -1) fail("selector without '='");
        const name = text.slice(i, eq).trim();
        if (!NAME.test(name)) fail(`selector key "${name}" is not a parameter name`);
        i = eq + 1;
        let value = "";
        if (text[i] === '"') {
          i++;
          for (; i < text.length && text[i] !== '"'; i++) {
            if (text[i] === "\\" && i + 1 < text.length) i++;
            value += text[i];
          }
          if (text[i] !== '"') fail("unterminated quoted selector value");
          i++;
        } else {
          const end = text.slice(i).search(/[,\]]/);
          if (end === -1) fail("unterminated selector");
          value = text.slice(i, i + end).trim();
          i += end;
        }
        keys.push({ name, value });
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          break;
        }
        fail("expected ',' or ']' in selector");
      }
      segments.push({ kind: "select", keys });
    } else {
      const dot = text.indexOf(".", i);
      const seg = dot === -1 ? text.slice(i) : text.slice(i, dot);
      if (seg === "*") segments.push({ kind: "any" });
      else if (NAME.test(seg)) segments.push({ kind: "name", name: seg });
      else fail(`"${seg}" is not a path segment`);
      i = dot === -1 ? text.length : dot;
    }
    if (i < text.length) {
      if (text[i] !== ".") fail(`expected "." after segment at ${i}`);
      i++;
      if (i === text.length) return { text, segments, object: true, pattern: segments.some((s) => s.kind !== "name") };
    }
  }
  const last = segments[segments.length - 1]!;
  if (last.kind !== "name") fail("a parameter path cannot end with '*' or a selector; add '.' to name the instances");
  return { text, segments, object: false, pattern: segments.some((s) => s.kind !== "name") };
}

// Every plan of every session parses its declarations' paths again, and a fleet's presets repeat the
// same few paths: a third of the planning's allocations in the sessions benchmark were these parses.
const PARSED_LIMIT = 4096;
const parsed = new Map<string, PathPattern>();

/**
 * parsePattern for the engine, remembered: the same text gives the same (unchanged) pattern, so a
 * caller must not modify it. Texts that fail are parsed (and fail) each time.
 */
export function cachedPattern(text: string): PathPattern {
  let p = parsed.get(text);
  if (p !== undefined) return p;
  p = parsePattern(text);
  // Presets written by the API could grow it without end: past the bound it starts over.
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(text, p);
  return p;
}

/** A stable key for one selector position: the object path it applies to plus its keys. */
export function selectorKey(objectPath: string, keys: { name: string; value: string }[]): string {
  return `${objectPath}[${keys.map((k) => `${k.name}=${JSON.stringify(k.value)}`).join(",")}]`;
}
