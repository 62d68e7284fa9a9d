// Parameter path arithmetic the repositories need: ancestors, subtree ranges, child keys.
// Paths of objects end with "."; "" is the root (the whole tree).

/** The object paths above `path`, outermost first ("A.B.C" -> "A.", "A.B."; "A.B." -> "A."). */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  const end = path.endsWith(".") ? path.length - 1 : path.length;
  for (let i = path.indexOf("."); i !== -1 && i < end; i = path.indexOf(".", i + 1)) {
    out.push(path.slice(0, i + 1));
  }
  return out;
}

export function isObjectPath(path: string): boolean {
  return path === "" || path.endsWith(".");
}

/**
 * The smallest string greater than every string that starts with `prefix`, in code point order (SQLite's
 * BINARY collation and PostgreSQL's "C" collation on UTF-8 both order by code point), or null when
 * there is none. With it, "starts with prefix" becomes an index range: prefix <= s < upper.
 */
export function prefixUpperBound(prefix: string): string | null {
  const cps = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (cps.length > 0) {
    const last = cps.pop() ?? 0;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return String.fromCodePoint(...cps, next);
    }
  }
  return null;
}

/** Length in code points (what SQL's length() and substr() count). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
