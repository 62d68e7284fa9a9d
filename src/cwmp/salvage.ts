// A CPE's Fault that is not well-formed XML (its detail inside a faultstring it never closed, say) still
// says which fault it is: refused as XML, the session would only learn that the CPE answered nothing.
// Only the CWMP fault code and string are read back from the text, and only when the body plainly is a
// Fault; anything else that is not well-formed stays refused.

import type { CwmpEnvelope, CwmpNamespaceVersion } from "./types.js";
import { FORBIDDEN_CHAR } from "./xml/scanner.js";

const FAULT = /<(?:[\w.-]+:)?Fault[\s>]/;
const FAULT_CODE = /<(?:[\w.-]+:)?FaultCode\s*>\s*(\d{1,9})\s*<\/(?:[\w.-]+:)?FaultCode\s*>/;
const FAULT_STRING = /<(?:[\w.-]+:)?FaultString\s*>([^<]*)<\/(?:[\w.-]+:)?FaultString\s*>/;
const ID = /<(?:[\w.-]+:)?ID\b[^>]*>([^<]*)<\/(?:[\w.-]+:)?ID\s*>/;
const NS = /urn:dslforum-org:cwmp-(1-[0-4])\b/;
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

// The text may hold what made it not well-formed: characters XML cannot carry, which could be neither
// echoed (the ID) nor stored (PostgreSQL refuses U+0000), become U+FFFD.
const FORBIDDEN_ALL = new RegExp(FORBIDDEN_CHAR.source, "g");

function unescape(text: string): string {
  const decoded = text.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) => ENTITIES[name]!).trim();
  return (decoded.replace(FORBIDDEN_ALL, "\uFFFD") as string & { toWellFormed(): string }).toWellFormed();
}

/** The Fault in `text`, or undefined when the text is no Fault with a readable CWMP FaultCode. */
export function salvageFault(text: string): CwmpEnvelope | undefined {
  const code = FAULT_CODE.exec(text);
  if (code === null || !FAULT.test(text)) return undefined;
  const id = ID.exec(text);
  return {
    ns: (NS.exec(text)?.[1] ?? "1-0") as CwmpNamespaceVersion,
    header: id === null ? {} : { id: unescape(id[1]!) },
    body: { method: "Fault", faultcode: "Client", faultstring: "", detail: { faultCode: Number(code[1]), faultString: unescape(FAULT_STRING.exec(text)?.[1] ?? "") } },
  };
}
