// GenieACS matches text with MongoDB's $regex and the expression syntax's LIKE; Provisio with "starts
// with", "contains" and a glob (docs/filters.md). The regular expressions that are globs in disguise
// (anchors, literals, `.`, `.*`) translate; any other is refused rather than approximated.

import type { CompareOp, FilterNode, Target } from "../query/index.js";
import { Unmappable } from "./errors.js";

type Part = { lit: string } | "*" | "?";

function push(parts: Part[], p: Part): void {
  const last = parts[parts.length - 1];
  if (typeof p !== "string" && last !== undefined && typeof last !== "string") last.lit += p.lit;
  else if (!(p === "*" && last === "*")) parts.push(typeof p === "string" ? p : { lit: p.lit });
}

const escapeGlob = (s: string) => s.replace(/[*?\\]/g, (c) => `\\${c}`);

/** The narrowest Provisio comparison that matches the whole text against `parts`. */
function compare(target: Target, parts: Part[]): FilterNode {
  const node = (op: CompareOp, value: string): FilterNode => ({ kind: "compare", target, op, value: { kind: "string", value } });
  const lits = parts.filter((p): p is { lit: string } => typeof p !== "string");
  if (parts.length === 0) return node("=", "");
  if (lits.length === parts.length) return node("=", lits[0]!.lit);
  if (parts.length === 2 && typeof parts[0] !== "string" && parts[1] === "*") return node("^=", lits[0]!.lit);
  if (parts.length === 3 && parts[0] === "*" && parts[2] === "*" && lits.length === 1) return node("*=", lits[0]!.lit);
  if (parts.length === 1 && parts[0] === "*") return { kind: "exists", target };
  return node("~=", parts.map((p) => (typeof p === "string" ? p : escapeGlob(p.lit))).join(""));
}

/** A MongoDB $regex as a Provisio comparison, or Unmappable. */
export function regexFilter(target: Target, source: string, options: string): FilterNode {
  if (options.replace(/[sm]/g, "") !== "") throw new Unmappable(`the regular expression /${source}/${options}: its options (Provisio's patterns are case-sensitive)`);
  const parts: Part[] = [];
  let i = 0;
  const anchoredStart = source.startsWith("^");
  if (anchoredStart) i = 1;
  else parts.push("*");
  let anchoredEnd = false;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "$" && i === source.length - 1) {
      anchoredEnd = true;
      i++;
    } else if (c === "\\") {
      const n = source[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) throw new Unmappable(`the regular expression /${source}/: the class or escape \\${n ?? ""}`);
      push(parts, { lit: n });
      i += 2;
    } else if (c === ".") {
      const q = source[i + 1];
      if (q === "+") push(parts, "?");
      push(parts, q === "*" || q === "+" ? "*" : "?");
      i += q === "*" || q === "+" ? 2 : 1;
    } else if ("[](){}|+*?^$".includes(c)) {
      throw new Unmappable(`the regular expression /${source}/: ${JSON.stringify(c)} has no equivalent in Provisio's patterns (only ^, $, ., .* and literal text)`);
    } else {
      push(parts, { lit: c });
      i++;
    }
  }
  if (!anchoredEnd) push(parts, "*");
  return compare(target, parts);
}

/** An SQL LIKE pattern (`%` any run, `_` one character, `\` escapes) as a Provisio comparison. */
export function likeFilter(target: Target, pattern: string): FilterNode {
  const parts: Part[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "%") push(parts, "*");
    else if (c === "_") push(parts, "?");
    else if (c === "\\" && i + 1 < pattern.length) push(parts, { lit: pattern[++i]! });
    else push(parts, { lit: c });
  }
  return compare(target, parts);
}
