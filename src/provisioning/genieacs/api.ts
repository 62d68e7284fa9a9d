// The script API of GenieACS's provisions and virtual parameters, as Provisio runs them: declare(path,
// timestamps, values), clear, commit, log, ext, args and a Date fixed at the session's start. It is one
// self-contained function because its source is evaluated inside the script's isolate (sandbox.ts): it
// may use nothing from outside its own body. Node runs it too, in the unit tests of the translation.
//
// GenieACS's declarations become Provisio's (declarations.ts): a timestamp becomes a maxAge counted back
// from the session's start, `values.value` a value, `values.path` an instance count. What a declare
// returns is read from what the ACS knows; when that is not enough yet (not fetched, or older than the
// timestamp asks), reading it stops the script, the engine fetches, and the script runs again from the
// start, as every script does. docs/provisioning.md, "GenieACS scripts", has the rules.

/** What the ACS knows of one path: [value, type, object (1) or not (0), writable, valueAt, namesAt]. */
export type GenieRecord = [string | null, string | null, 0 | 1, boolean | null, number | null, number | null];

export interface GenieDevice {
  id: string;
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
  tags: string[];
  /** Events.<name>: when the ACS last saw it (ms), e.g. Inform, 1_BOOT, 0_BOOTSTRAP, Registered. */
  events: Record<string, number>;
}

export type ExtOutcome = { ok: true; value: unknown } | { ok: false; timeout: boolean; message: string };

export interface GenieInput {
  records: Record<string, GenieRecord>;
  device: GenieDevice;
  /** The device's root object ("Device." or "InternetGatewayDevice."); null when unknown. */
  root: string | null;
  /** Paths and tables the engine gave up in this session (the device faulted them): they do not exist. */
  failed: string[];
  /** Tables listed (GetParameterNames) in this session. */
  enumerated: string[];
  /** Partial paths read in this session. */
  refreshed: string[];
  /** Results of ext() calls made for this session, by JSON.stringify([file, function, args]). */
  exts: Record<string, unknown>;
}

export interface GenieDeclaration {
  path: string;
  value?: string | number | boolean;
  type?: string;
  maxAge?: number;
  notification?: number;
  accessList?: string[];
  instances?: number | { min?: number; max?: number };
}

export interface GenieOutput {
  declarations: GenieDeclaration[];
  tags: { tag: string; present: boolean }[];
  /** clear(path, timestamp): what is known under `path` from before `at` is stale. */
  clears: { path: string; at: number }[];
  /** ext() calls the script made whose results it does not have yet. */
  ext: { file: string; fn: string; args: unknown[] }[];
  logs: string[];
  /** The script stopped to wait for data (or ext results): run it again once the engine fetched it. */
  incomplete: boolean;
  result: unknown;
}

/** The API for one run. Everything the script gets is on it; `finish` says what the run asked for. */
export function genieacsApi(input: GenieInput, now: number, args: unknown) {
  type Seg = { kind: "name"; name: string } | { kind: "any" } | { kind: "alias"; keys: { name: string; value: string }[] };
  type Parsed = { root: string; segs: Seg[] };
  type Match = { path: string; rec: GenieRecord | null; value?: [unknown, string] };
  type Need = { value?: number; path?: number };

  const INTERRUPT = { genieacsInterrupt: true };
  const out: GenieOutput = { declarations: [], tags: [], clears: [], ext: [], logs: [], incomplete: false, result: null };
  /** Whether what was declared so far is what the device has (for commit()). */
  let settled = true;
  const keys = Object.keys(input.records).sort();
  // Wider than device paths' names: Events.1_BOOT, Tags.<name>.
  const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

  const interrupt = (): never => {
    out.incomplete = true;
    throw INTERRUPT;
  };

  function parse(path: unknown): Parsed {
    if (typeof path !== "string" || path.length === 0) throw new TypeError("declare/clear: the path must be a non-empty string");
    const segs: Seg[] = [];
    let i = 0;
    while (i < path.length) {
      if (path[i] === "[") {
        const end = path.indexOf("]", i);
        if (end === -1) throw new TypeError(`${path}: "[" without "]"`);
        const body = path.slice(i + 1, end);
        const pairs = body.length === 0 ? [] : body.split(",");
        const keys = pairs.map((pair) => {
          const colon = pair.indexOf(":");
          if (colon === -1) throw new TypeError(`${path}: an alias filter is [Key:value,...]`);
          const name = pair.slice(0, colon).trim();
          if (!NAME.test(name)) throw new TypeError(`${path}: "${name}" is not a parameter name (keys of alias filters are names of the instance's own parameters)`);
          return { name, value: pair.slice(colon + 1) };
        });
        if (keys.length === 0) throw new TypeError(`${path}: an empty alias filter matches nothing; use "*"`);
        segs.push({ kind: "alias", keys });
        i = end + 1;
      } else {
        const dot = path.indexOf(".", i);
        const seg = dot === -1 ? path.slice(i) : path.slice(i, dot);
        if (seg === "*") segs.push({ kind: "any" });
        else if (NAME.test(seg)) segs.push({ kind: "name", name: seg });
        else throw new TypeError(`${path}: "${seg}" is not a path segment`);
        i = dot === -1 ? path.length : dot;
      }
      if (i < path.length) {
        if (path[i] !== ".") throw new TypeError(`${path}: expected "." at ${i}`);
        i++;
        if (i === path.length) throw new TypeError(`${path}: a path does not end with "."`);
      }
    }
    const first = segs[0];
    return { root: first !== undefined && first.kind === "name" ? first.name : "", segs };
  }

  /** Provisio's text for these segments (declarations.ts): [Key:v] becomes [Key="v"]. */
  function provisio(segs: readonly Seg[]): string {
    return segs
      .map((s) => (s.kind === "name" ? s.name : s.kind === "any" ? "*" : `[${s.keys.map((k) => `${k.name}="${k.value.replace(/["\\]/g, (c) => "\\" + c)}"`).join(",")}]`))
      .join(".");
  }

  /** Seconds back from the session's start that a timestamp allows (1: whenever known). */
  function maxAgeOf(t: unknown): number | undefined {
    if (t === undefined || t === null) return undefined;
    if (typeof t !== "number" || !Number.isFinite(t)) throw new TypeError("declare: a timestamp must be a number (milliseconds since the epoch)");
    return Math.max(0, Math.floor((now - t) / 1000));
  }

  function typed(value: string | null, type: string | null): [unknown, string] | undefined {
    if (value === null) return undefined;
    const t = type ?? "xsd:string";
    if (t === "xsd:boolean") return [value === "1" || value.toLowerCase() === "true", t];
    if (/^xsd:(unsignedInt|int|unsignedLong|long|decimal)$/.test(t) && value.trim() !== "" && !Number.isNaN(Number(value))) return [Number(value), t];
    if (t === "xsd:dateTime") {
      const ms = Date.parse(value);
      return Number.isNaN(ms) ? [value, t] : [ms, t];
    }
    return [value, t];
  }

  function same(have: [unknown, string] | undefined, want: unknown): boolean {
    if (have === undefined) return false;
    const [v] = have;
    if (typeof v === "boolean") return v === (want === true || want === "true" || want === 1 || want === "1");
    if (typeof v === "number" && typeof want !== "boolean" && want !== "" && !Number.isNaN(Number(want))) return v === Number(want);
    return String(v) === String(want);
  }

  const failed = (path: string) => input.failed.some((f) => path === f || path.startsWith(f.endsWith(".") ? f : f + "."));
  const clearedAt = (path: string) => out.clears.filter((c) => path === c.path || path.startsWith(c.path + ".")).reduce((m, c) => Math.max(m, c.at), -Infinity);

  /** Children of an object path (ends with "."): objects (with ".") and parameters, as the ACS knows them. */
  function children(base: string): string[] {
    const seen: string[] = [];
    for (const k of keys) {
      if (!k.startsWith(base) || k.length === base.length) continue;
      const rest = k.slice(base.length);
      const dot = rest.indexOf(".");
      const child = dot === -1 ? k : base + rest.slice(0, dot + 1);
      if (seen[seen.length - 1] !== child && !seen.includes(child)) seen.push(child);
    }
    return seen;
  }

  /** Whether the ACS knows which children `base` has, as recently as `need.path` asks. */
  function listed(base: string, need: Need): boolean {
    if (input.enumerated.includes(base) || input.refreshed.includes(base)) return true;
    const rec = input.records[base];
    const at = Math.max(need.path ?? -Infinity, clearedAt(base.slice(0, -1)));
    if (rec !== undefined && rec[5] !== null && rec[5] >= at) return true;
    return at === -Infinity && children(base).length > 0;
  }

  function fresh(path: string, rec: GenieRecord, need: Need): boolean {
    const at = Math.max(need.value ?? -Infinity, clearedAt(path));
    return rec[0] !== null && (at === -Infinity || (rec[4] !== null && rec[4] >= at));
  }

  /** The device's parameters and objects the segments reach, and whether that is all there is to know. */
  function matchDevice(segs: readonly Seg[], need: Need, wantValue: boolean): { matches: Match[]; known: boolean } {
    let current = [""];
    let known = true;
    const last = segs.length - 1;
    segs.forEach((seg, i) => {
      const next: string[] = [];
      for (const base of current) {
        if (seg.kind === "name") {
          next.push(base + seg.name + (i === last ? "" : "."));
          continue;
        }
        if (failed(base)) continue;
        if (!listed(base, need)) {
          known = false;
          continue;
        }
        for (const child of children(base)) {
          if (!child.endsWith(".") && i !== last) continue;
          if (seg.kind === "any") {
            next.push(i === last ? child.replace(/\.$/, "") : child);
            continue;
          }
          if (!child.endsWith(".")) continue;
          let ok = true;
          for (const k of seg.keys) {
            const rec = input.records[child + k.name];
            if (rec === undefined || rec[0] === null) {
              if (!failed(child + k.name)) known = false;
              ok = false;
            } else if (!same(typed(rec[0], rec[1]), k.value)) ok = false;
          }
          if (ok) next.push(i === last ? child.slice(0, -1) : child);
        }
      }
      current = next;
    });
    const matches: Match[] = [];
    for (const path of current) {
      const param = input.records[path];
      const object = input.records[path + "."];
      if (param !== undefined && param[2] === 0) {
        if (wantValue && !fresh(path, param, need)) {
          if (!failed(path)) known = false;
          continue;
        }
        const m: Match = { path, rec: param };
        const v = typed(param[0], param[1]);
        if (v !== undefined) m.value = v;
        matches.push(m);
      } else if (object !== undefined || keys.some((k) => k.startsWith(path + "."))) {
        matches.push({ path, rec: object ?? [null, null, 1, null, null, null] });
      } else if (!failed(path)) {
        known = false;
      }
    }
    return { matches, known };
  }

  /** The device record's own fields: DeviceID.*, Events.*, Tags.* (always known). */
  function matchRecord(p: Parsed): Match[] {
    const d = input.device;
    const table: Record<string, [unknown, string]> = {};
    if (p.root === "DeviceID") {
      Object.assign(table, { ID: [d.id, "xsd:string"], Manufacturer: [d.manufacturer, "xsd:string"], OUI: [d.oui, "xsd:string"], ProductClass: [d.productClass, "xsd:string"], SerialNumber: [d.serialNumber, "xsd:string"] });
    } else if (p.root === "Events") {
      for (const [name, at] of Object.entries(d.events)) table[name] = [at, "xsd:dateTime"];
    } else {
      for (const tag of d.tags) table[tag] = [true, "xsd:boolean"];
    }
    const seg = p.segs[1];
    if (p.segs.length !== 2 || seg === undefined || seg.kind === "alias") throw new TypeError(`${p.root}.<name> or ${p.root}.* is all there is under ${p.root}`);
    return Object.keys(table)
      .filter((name) => seg.kind === "any" || seg.name === name)
      .map((name) => ({ path: `${p.root}.${name}`, rec: null, value: table[name]! }));
  }

  function wrapper(matches: Match[], known: boolean): object {
    const first = () => {
      if (!known) interrupt();
      return matches[0];
    };
    return {
      get size() {
        if (!known) interrupt();
        return matches.length;
      },
      get path() {
        return first()?.path;
      },
      get value() {
        return first()?.value;
      },
      get writable() {
        const m = first();
        return m === undefined ? undefined : m.rec === null ? false : m.rec[3] === true;
      },
      get object() {
        const m = first();
        return m === undefined ? undefined : m.rec !== null && m.rec[2] === 1;
      },
      *[Symbol.iterator]() {
        if (!known) interrupt();
        for (const m of matches) yield wrapper([m], true);
      },
    };
  }

  function valueOf(v: unknown): { value: string | number | boolean; type?: string } {
    const [value, type] = Array.isArray(v) ? v : [v, undefined];
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") throw new TypeError("declare: a value is a string, number or boolean, or [value, type]");
    if (type !== undefined && typeof type !== "string") throw new TypeError("declare: the type of [value, type] must be a string such as \"xsd:string\"");
    return type === undefined ? { value } : { value, type };
  }

  function declare(path: unknown, timestamps?: Record<string, unknown> | null, values?: Record<string, unknown> | null): object {
    const ts = timestamps ?? {};
    const vals = values ?? {};
    const p = parse(path);
    const lastSeg = p.segs[p.segs.length - 1]!;
    if (p.root === "DeviceID" || p.root === "Events") {
      if (Object.keys(vals).length > 0) throw new TypeError(`${String(path)}: ${p.root}.* cannot be set`);
      return wrapper(matchRecord(p), true);
    }
    if (p.root === "Tags") {
      if (vals.value !== undefined) {
        if (lastSeg.kind !== "name" || p.segs.length !== 2) throw new TypeError(`${String(path)}: a tag is set as Tags.<name>`);
        const v = Array.isArray(vals.value) ? (vals.value as unknown[])[0] : vals.value;
        out.tags.push({ tag: lastSeg.name, present: v === true || v === "true" || v === 1 });
      }
      return wrapper(matchRecord(p), true);
    }
    if (p.root === "VirtualParameters") {
      if (p.segs.length !== 2 || lastSeg.kind !== "name") throw new TypeError(`${String(path)}: a virtual parameter is VirtualParameters.<name>`);
      const d: GenieDeclaration = { path: provisio(p.segs) };
      const age = maxAgeOf(ts.value);
      if (age !== undefined) d.maxAge = age;
      if (vals.value !== undefined) Object.assign(d, { value: valueOf(vals.value).value });
      out.declarations.push(d);
      const rec = input.records[d.path];
      return wrapper(rec === undefined ? [] : [{ path: d.path, rec, ...(typed(rec[0], rec[1]) === undefined ? {} : { value: typed(rec[0], rec[1])! }) }], true);
    }
    // The other data model's paths (a script written for both) are not on this device.
    if (input.root !== null && (p.root === "Device" || p.root === "InternetGatewayDevice") && p.root + "." !== input.root) return wrapper([], true);

    const need: Need = {};
    const valueAge = maxAgeOf(ts.value);
    const pathAge = maxAgeOf(ts.path ?? ts.object ?? ts.writable);
    if (typeof ts.value === "number") need.value = ts.value;
    const pathTs = [ts.path, ts.object, ts.writable].filter((t): t is number => typeof t === "number");
    if (pathTs.length > 0) need.path = Math.max(...pathTs);
    const text = provisio(p.segs);
    const trailing = lastSeg.kind !== "name";
    if (trailing) {
      if (vals.value !== undefined) throw new TypeError(`${String(path)}: a value is declared on a parameter, not on instances`);
      const prefixConcrete = p.segs.slice(0, -1).every((s) => s.kind === "name");
      if (vals.path !== undefined) {
        const n = vals.path;
        const instances = typeof n === "number" ? n : Array.isArray(n) ? { min: Number(n[0]), max: Number(n[1]) } : NaN;
        if (typeof instances === "number" ? !Number.isInteger(instances) || instances < 0 : !(instances.min >= 0 && instances.max >= instances.min)) {
          throw new TypeError(`${String(path)}: values.path is a number of instances or [min, max]`);
        }
        out.declarations.push({ path: text + ".", instances, ...(pathAge === undefined ? {} : { maxAge: pathAge }) });
      } else {
        // Which instances (or children) there are: listed again when older than the path timestamp.
        out.declarations.push({ path: text + ".", instances: { min: 0 }, ...(pathAge === undefined ? {} : { maxAge: pathAge }) });
        // "X.*" with a value timestamp: X's values too, read as one partial path.
        if (lastSeg.kind === "any" && prefixConcrete && valueAge !== undefined) out.declarations.push({ path: provisio(p.segs.slice(0, -1)) + ".", maxAge: valueAge });
      }
    } else {
      const d: GenieDeclaration = { path: text };
      // Without a timestamp the value is still read once when the ACS does not know it (as with 1).
      d.maxAge = Math.min(valueAge ?? Infinity, pathAge ?? Infinity, 1e12);
      if (vals.value !== undefined) Object.assign(d, valueOf(vals.value));
      if (typeof vals.notification === "number") d.notification = vals.notification;
      if (Array.isArray(vals.accessList)) d.accessList = vals.accessList.map(String);
      out.declarations.push(d);
    }
    const { matches, known } = matchDevice(p.segs, need, !trailing);
    if (!known) settled = false;
    else if (vals.value !== undefined && matches.some((m) => !same(m.value, valueOf(vals.value).value))) settled = false;
    else if (vals.path !== undefined) {
      const [min, max] = Array.isArray(vals.path) ? vals.path.map(Number) : [Number(vals.path), Number(vals.path)];
      if (matches.length < min! || matches.length > max!) settled = false;
    }
    return wrapper(matches, known);
  }

  function clear(path: unknown, timestamp: unknown): void {
    const p = parse(path);
    if (p.segs.some((s) => s.kind !== "name")) throw new TypeError(`clear(${String(path)}): the path must name one object or parameter (no "*" or alias filter)`);
    if (typeof timestamp !== "number") throw new TypeError("clear(path, timestamp): the timestamp must be a number");
    out.clears.push({ path: provisio(p.segs), at: Math.min(timestamp, now) });
  }

  function commit(): void {
    if (!settled) interrupt();
  }

  function log(message: unknown, meta?: unknown): void {
    if (out.logs.length >= 50) return;
    const text = typeof message === "string" ? message : JSON.stringify(message);
    out.logs.push((meta === undefined ? text : `${text} ${JSON.stringify(meta)}`).slice(0, 500));
  }

  function ext(file: unknown, fn: unknown, ...rest: unknown[]): unknown {
    if (typeof file !== "string" || typeof fn !== "string") throw new TypeError("ext(file, function, ...args): file and function are strings");
    const key = JSON.stringify([file, fn, rest]);
    if (Object.prototype.hasOwnProperty.call(input.exts, key)) return input.exts[key];
    if (!out.ext.some((c) => JSON.stringify([c.file, c.fn, c.args]) === key)) out.ext.push({ file, fn, args: rest });
    return interrupt();
  }

  // Date.now() and new Date() are the session's start; Date.now(interval) the start of the current
  // interval, shifted per device so that a fleet's hourly refreshes do not all fall due at once.
  let spread = 0;
  for (const c of input.device.id) spread = (spread * 31 + c.charCodeAt(0)) % 2147483647;
  const RealDate = Date;
  class SessionDate extends RealDate {
    constructor(...a: unknown[]) {
      if (a.length === 0) super(now);
      else super(...(a as [string]));
    }
    static override now(interval?: unknown): number {
      if (typeof interval !== "number" || !(interval > 0)) return now;
      const offset = spread % interval;
      return now - ((((now - offset) % interval) + interval) % interval);
    }
  }

  return {
    args,
    declare,
    clear,
    commit,
    log,
    ext,
    Date: SessionDate,
    /** Whether an exception is the API stopping the script to wait for data. */
    interrupted: (e: unknown) => e === INTERRUPT,
    finish(result: unknown): GenieOutput {
      out.result = result === undefined ? null : result;
      return out;
    },
  };
}
