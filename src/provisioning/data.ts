// What the engine knows of a device while it plans: records loaded from the store (exact paths and
// whole subtrees), each with the time its value, name and attributes were learned. The engine asks for
// more when it needs it ("load"), so a session reads only what its declarations touch.

export interface KnownRecord {
  path: string;
  object: boolean;
  value: string | null;
  type: string | null;
  writable: boolean | null;
  notification: number | null;
  accessList: string[] | null;
  /** Milliseconds since the epoch, or null when never learned. */
  valueAt: number | null;
  namesAt: number | null;
  attributesAt: number | null;
}

export class DeviceData {
  private readonly records = new Map<string, KnownRecord>();
  private readonly paths = new Set<string>();
  private readonly prefixes = new Set<string>();
  private sorted: string[] | null = null;

  /** Adds what the store returned for these exact paths and subtree prefixes (records may be absent: then they are not on the device as far as anyone knows). */
  add(records: readonly KnownRecord[], loaded: { paths?: readonly string[]; prefixes?: readonly string[] } = {}): void {
    for (const r of records) this.records.set(r.path, r);
    for (const p of loaded.paths ?? []) this.paths.add(p);
    for (const p of loaded.prefixes ?? []) this.prefixes.add(p);
    this.sorted = null;
  }

  /** Replaces or adds one record (a dry run applying what an RPC would teach). */
  put(record: KnownRecord): void {
    this.records.set(record.path, record);
    this.sorted = null;
  }

  /** Forgets `prefix` and everything under it. */
  removeSubtree(prefix: string): void {
    for (const p of [...this.records.keys()]) if (p.startsWith(prefix)) this.records.delete(p);
    this.sorted = null;
  }

  get(path: string): KnownRecord | undefined {
    return this.records.get(path);
  }

  /** Whether the store's knowledge of this exact path has been provided. */
  hasPath(path: string): boolean {
    if (this.paths.has(path)) return true;
    for (const p of this.prefixes) if (path.startsWith(p)) return true;
    return false;
  }

  /** Whether the store's knowledge of everything under `prefix` has been provided. */
  hasSubtree(prefix: string): boolean {
    for (const p of this.prefixes) if (prefix.startsWith(p)) return true;
    return false;
  }

  /** Records under `prefix` (not the prefix's own record), sorted by path. */
  under(prefix: string): KnownRecord[] {
    this.sorted ??= [...this.records.keys()].sort();
    const out: KnownRecord[] = [];
    for (const p of this.sorted) if (p.length > prefix.length && p.startsWith(prefix)) out.push(this.records.get(p)!);
    return out;
  }

  /** Instance objects directly under a table, by instance number. */
  instancesOf(table: string): string[] {
    const out: { path: string; n: number }[] = [];
    for (const r of this.under(table)) {
      if (!r.object) continue;
      const rest = r.path.slice(table.length, -1);
      if (/^[0-9]+$/.test(rest)) out.push({ path: r.path, n: Number(rest) });
    }
    return out.sort((a, b) => a.n - b.n).map((x) => x.path);
  }
}
