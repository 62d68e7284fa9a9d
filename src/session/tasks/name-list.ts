// The names a batched read has still to read, as a task's state keeps them between exchanges. The
// session's state is written to the store at every exchange, so a discovery's list (about 900 names of
// 45 characters) was written whole at each of its 30 or so exchanges. Front coded (each name as the
// length it shares with the one before and the rest of it), the simulated TR-181 gateway's names take
// 42% of it; and only the names still to read are kept, so the list shrinks as the read goes on.
// Dropping the names read decodes only those (and the next, written whole), not the whole list.

/** Front coded names: a number (the characters shared with the previous name) then a string (the rest), per name. */
export type PackedNames = (number | string)[];

export function packNames(names: readonly string[]): PackedNames {
  const out: PackedNames = [];
  let previous = "";
  for (const name of names) {
    const max = Math.min(previous.length, name.length);
    let shared = 0;
    while (shared < max && previous.charCodeAt(shared) === name.charCodeAt(shared)) shared++;
    out.push(shared, name.slice(shared));
    previous = name;
  }
  return out;
}

/** The first `n` names. */
export function takeNames(packed: PackedNames, n: number): string[] {
  const out: string[] = [];
  let previous = "";
  for (let i = 0; i + 1 < packed.length && out.length < n; i += 2) {
    previous = previous.slice(0, Number(packed[i])) + String(packed[i + 1]);
    out.push(previous);
  }
  return out;
}

/** The names after the first `n`: the first of them written whole, the rest as they were (not decoded). */
export function dropNames(packed: PackedNames, n: number): PackedNames {
  if (2 * n >= packed.length) return [];
  const next = takeNames(packed, n + 1)[n]!;
  return [0, next, ...packed.slice(2 * n + 2)];
}
