// Text patterns: `*=` (contains) and `~=` (a glob: `*` any run of characters, `?` one character, `\`
// makes the next `*`, `?` or `\` literal). Both are case-sensitive and count characters as code points,
// as `=` and `^=` do. Matching is a linear scan with one backtrack point (no regular expression), so a
// pattern costs at most (text length x pattern length) steps, and the number of `*` is bounded.

export type PatternPart = { kind: "text"; text: string } | { kind: "any" } | { kind: "one" };

/** Most `*` wildcards in one pattern: keeps the database's matching cost small whoever sends it. */
export const MAX_PATTERN_STARS = 16;

/** Why a `~=` pattern is not valid, or undefined. */
export function globProblem(pattern: string): string | undefined {
  let stars = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") stars++;
    if (c !== "\\") continue;
    const e = pattern[i + 1];
    if (e !== "*" && e !== "?" && e !== "\\") {
      return `in a ~= pattern, \\ only makes *, ? or \\ literal (write "\\\\*" in the filter text for a literal *)`;
    }
    i++;
  }
  return stars > MAX_PATTERN_STARS ? `a ~= pattern holds at most ${MAX_PATTERN_STARS} * wildcards` : undefined;
}

function push(parts: PatternPart[], part: PatternPart): void {
  const last = parts.at(-1);
  if (part.kind === "any" && last?.kind === "any") return;
  if (part.kind === "text" && last?.kind === "text") parts[parts.length - 1] = { kind: "text", text: last.text + part.text };
  else if (part.kind !== "text" || part.text !== "") parts.push(part);
}

/** The pattern of `*=` (contains) or `~=` (glob, which must be valid) with the string `value`. */
export function patternOf(op: "*=" | "~=", value: string): PatternPart[] {
  const parts: PatternPart[] = [];
  if (op === "*=") {
    push(parts, { kind: "any" });
    push(parts, { kind: "text", text: value });
    push(parts, { kind: "any" });
    return parts;
  }
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "*") push(parts, { kind: "any" });
    else if (c === "?") push(parts, { kind: "one" });
    else if (c === "\\") push(parts, { kind: "text", text: value[++i] ?? "" });
    else push(parts, { kind: "text", text: c });
  }
  return parts;
}

/** The literal text every match starts with ("" when the pattern starts with a wildcard). */
export function literalPrefix(parts: readonly PatternPart[]): string {
  const first = parts[0];
  return first?.kind === "text" ? first.text : "";
}

type Token = { kind: "char"; cp: number } | { kind: "any" } | { kind: "one" };

function tokens(parts: readonly PatternPart[]): Token[] {
  const out: Token[] = [];
  for (const p of parts) {
    if (p.kind !== "text") out.push(p);
    else for (const ch of p.text) out.push({ kind: "char", cp: ch.codePointAt(0)! });
  }
  return out;
}

/** Does `text` match the pattern as a whole? */
export function matchPattern(parts: readonly PatternPart[], text: string): boolean {
  const pat = tokens(parts);
  const s = Array.from(text, (ch) => ch.codePointAt(0)!);
  let i = 0;
  let j = 0;
  // The last `*` seen and where its match in `s` would resume: widening it by one character is the only
  // backtrack ever needed, since a later `*` can absorb whatever an earlier one would have.
  let star = -1;
  let resume = 0;
  while (i < s.length) {
    const t = pat[j];
    if (t !== undefined && (t.kind === "one" || (t.kind === "char" && t.cp === s[i]))) {
      i++;
      j++;
    } else if (t?.kind === "any") {
      star = j++;
      resume = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++resume;
    } else {
      return false;
    }
  }
  while (pat[j]?.kind === "any") j++;
  return j === pat.length;
}
