// Quick filters by protocol beside the filter box: each sets `protocol = "..."` in the filter (ANDed
// with what is there), or takes it out; the filter box shows the result, so nothing is hidden.

import type { Protocol } from "../api/types.js";
import { PROTOCOL_NAMES } from "../components/ProtocolBadge.js";

const CLAUSE = /^protocol\s*=\s*"(cwmp|usp)"$/;

/** The filter's top-level AND clauses (outside string literals and parentheses), and whether an OR joins any at that level. */
function split(filter: string): { clauses: string[]; or: boolean } {
  const clauses: string[] = [];
  let or = false;
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && /^\sOR\s/i.test(filter.slice(i, i + 4))) or = true;
    else if (depth === 0 && /^\sAND\s/i.test(filter.slice(i, i + 5))) {
      clauses.push(filter.slice(start, i));
      start = i + 5;
      i += 3;
    }
  }
  clauses.push(filter.slice(start));
  return { clauses: clauses.map((s) => s.trim()).filter((s) => s !== ""), or };
}

/** The protocol every device the filter matches has by one of its top-level AND clauses, if any. */
export function protocolOf(filter: string): Protocol | null {
  const { clauses, or } = split(filter);
  if (or) return null;
  for (const c of clauses) {
    const m = CLAUSE.exec(c);
    if (m) return m[1] as Protocol;
  }
  return null;
}

/** The filter keeping to `protocol` (null: to any): its protocol clause replaced, the rest as it was. */
export function withProtocol(filter: string, protocol: Protocol | null): string {
  const { clauses, or } = split(filter);
  if (or) return protocol === null ? filter.trim() : `protocol = "${protocol}" AND (${filter.trim()})`;
  const rest = clauses.filter((c) => !CLAUSE.test(c));
  return [...(protocol === null ? [] : [`protocol = "${protocol}"`]), ...rest].join(" AND ");
}

export function ProtocolFilter({ filter, onApply }: { filter: string; onApply(filter: string): void }) {
  const current = protocolOf(filter);
  const choices: [Protocol | null, string][] = [[null, "Any protocol"], ["cwmp", `${PROTOCOL_NAMES.cwmp.short} only`], ["usp", `${PROTOCOL_NAMES.usp.short} only`]];
  return (
    <div class="chips" role="group" aria-label="Protocol">
      {choices.map(([p, label]) => (
        <button key={label} type="button" class="chip" aria-pressed={current === p} onClick={() => onApply(withProtocol(filter, p))}>
          {label}
        </button>
      ))}
    </div>
  );
}
