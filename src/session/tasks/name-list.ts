// The names a batched read has still to read, as a task's state keeps them between exchanges. The
// session's state is written to the store at every exchange, so a discovery's list (about 800 names of
// 45 characters) was written whole about 26 times per device. Front coded (each name as the length it
// shares with the one before and the rest of it), names of one data model take about a third of it;
// and only the names still to read are kept, so the list shrinks as the read goes on.

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

export function unpackNames(packed: PackedNames): string[] {
  const out: string[] = [];
  let previous = "";
  for (let i = 0; i + 1 < packed.length; i += 2) {
    previous = previous.slice(0, Number(packed[i])) + String(packed[i + 1]);
    out.push(previous);
  }
  return out;
}
