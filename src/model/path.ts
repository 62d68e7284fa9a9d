// TR-069 parameter paths: "Device.WiFi.SSID.3.SSID" (a parameter), "Device.WiFi.SSID.3." (an object or
// a partial path: the trailing dot), "" (the whole tree, as GetParameterNames allows).
//
// The same type holds patterns: "*" stands for any one segment, "{i}" (the Broadband Forum's template
// placeholder) for one instance. Alias-based addressing ("Device.WiFi.SSID.[cpe-main].SSID", TR-069
// Amendment 4) is accepted as an instance segment.
//
// Paths are immutable; parsing is a split plus one pass over the characters. A caller that sees the same
// texts again and again (a session walking a device) can intern them with its own PathCache.

import { ModelError } from "./errors.js";

export type SegmentKind = "name" | "instance" | "alias" | "wildcard" | "placeholder";

export const WILDCARD = "*";
export const PLACEHOLDER = "{i}";

export interface ParsePathOptions {
  /** Refuse "*" and "{i}" (a name a device or an API user gives must be concrete). */
  concrete?: boolean;
}

const FLAG_INSTANCE = 1;
const FLAG_PATTERN = 2;

/** The kind of `segment`, or why it is not a valid path segment. */
function classify(segment: string): SegmentKind | string {
  const len = segment.length;
  if (len === 0) return "empty segment";
  const c0 = segment.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    for (let i = 1; i < len; i++) {
      const c = segment.charCodeAt(i);
      if (c < 48 || c > 57) return `segment "${segment}" is neither a name nor an instance number`;
    }
    if (c0 === 48 && len > 1) return `instance number "${segment}" has a leading zero`;
    if (len > 10) return `instance number "${segment}" is too large`;
    return "instance";
  }
  if (c0 === 42 /* * */) return len === 1 ? "wildcard" : `segment "${segment}": "*" must stand alone`;
  if (c0 === 123 /* { */) return segment === PLACEHOLDER ? "placeholder" : `segment "${segment}" is not "{i}"`;
  if (c0 === 91 /* [ */) {
    if (len < 3 || segment.charCodeAt(len - 1) !== 93 /* ] */) return `alias segment "${segment}" is not of the form [alias]`;
    for (let i = 1; i < len - 1; i++) {
      const c = segment.charCodeAt(i);
      if (c === 91 || c === 93 || c < 32) return `alias segment "${segment}" holds a bracket or a control character`;
    }
    return "alias";
  }
  // TR-106: a name starts with a letter or "_" and goes on with letters, digits, "_" or "-".
  if (!(c0 === 95 || (c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122))) {
    return `segment "${segment}" does not start with a letter or "_"`;
  }
  for (let i = 1; i < len; i++) {
    const c = segment.charCodeAt(i);
    if (!(c === 95 || c === 45 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) {
      return `segment "${segment}" holds "${segment[i]}", which a name cannot`;
    }
  }
  return "name";
}

function isKind(k: string): k is SegmentKind {
  return k === "name" || k === "instance" || k === "alias" || k === "wildcard" || k === "placeholder";
}

/** Does one pattern segment admit one path segment? */
function segmentMatches(pattern: string, patternKind: SegmentKind, segment: string, kind: SegmentKind): boolean {
  if (patternKind === "wildcard") return true;
  if (patternKind === "placeholder") return kind === "instance" || kind === "alias" || kind === "placeholder";
  return pattern === segment;
}

export class Path {
  /** The path as text, exactly as it would travel in a CWMP message. */
  readonly text: string;
  readonly segments: readonly string[];
  /** True for "Device.WiFi." (object or partial path) and for the empty path. */
  readonly isObject: boolean;
  private readonly kinds: readonly SegmentKind[];
  private readonly flags: number;

  private constructor(text: string, segments: readonly string[], kinds: readonly SegmentKind[], isObject: boolean) {
    this.text = text;
    this.segments = segments;
    this.kinds = kinds;
    this.isObject = isObject;
    let flags = 0;
    for (const k of kinds) {
      if (k === "instance" || k === "alias") flags |= FLAG_INSTANCE;
      else if (k === "wildcard" || k === "placeholder") flags |= FLAG_PATTERN;
    }
    this.flags = flags;
  }

  /** The empty path: the root of every data model (GetParameterNames with ParameterPath ""). */
  static readonly root: Path = new Path("", Object.freeze([]), Object.freeze([]), true);

  /** Parses a path; throws ModelError PATH_INVALID with the reason when it is not one. */
  static parse(text: string, options: ParsePathOptions = {}): Path {
    const r = Path.attempt(text, options);
    if (typeof r === "string") throw new ModelError("PATH_INVALID", `${JSON.stringify(text)} is not a valid path: ${r}`);
    return r;
  }

  /** Parses a path; undefined when it is not one. */
  static tryParse(text: string, options: ParsePathOptions = {}): Path | undefined {
    const r = Path.attempt(text, options);
    return typeof r === "string" ? undefined : r;
  }

  /** Why `text` is not a valid path, or undefined when it is. */
  static check(text: string, options: ParsePathOptions = {}): string | undefined {
    const r = Path.attempt(text, options);
    return typeof r === "string" ? r : undefined;
  }

  private static attempt(text: string, options: ParsePathOptions): Path | string {
    if (typeof text !== "string") return "not a string";
    if (text.length === 0) return Path.root;
    const isObject = text.charCodeAt(text.length - 1) === 46; /* . */
    const parts = (isObject ? text.slice(0, -1) : text).split(".");
    const kinds: SegmentKind[] = new Array(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const k = classify(parts[i]!);
      if (!isKind(k)) return k;
      if (options.concrete && (k === "wildcard" || k === "placeholder")) return `"${parts[i]}" is a pattern, a concrete path is needed`;
      if (i === 0 && (k === "instance" || k === "alias")) return "a path cannot start with an instance";
      kinds[i] = k;
    }
    return new Path(text, Object.freeze(parts), Object.freeze(kinds), isObject);
  }

  /** Builds a path from segments (validated). */
  static from(segments: readonly string[], isObject: boolean): Path {
    if (segments.length === 0) return Path.root;
    return Path.parse(segments.join(".") + (isObject ? "." : ""));
  }

  get length(): number {
    return this.segments.length;
  }

  /** True for the empty path. */
  get isRoot(): boolean {
    return this.segments.length === 0;
  }

  /** True when the path holds "*" or "{i}". */
  get isPattern(): boolean {
    return (this.flags & FLAG_PATTERN) !== 0;
  }

  /** True when the path addresses at least one instance (a number or an [alias]). */
  get hasInstances(): boolean {
    return (this.flags & FLAG_INSTANCE) !== 0;
  }

  /** The last segment ("" for the root). */
  get name(): string {
    return this.segments.length === 0 ? "" : this.segments[this.segments.length - 1]!;
  }

  /** The root segment with its dot ("Device." / "InternetGatewayDevice."), "" for the empty path. */
  get rootName(): string {
    return this.segments.length === 0 ? "" : this.segments[0]! + ".";
  }

  /** Segment `i`; negative indexes count from the end. */
  segment(i: number): string | undefined {
    return this.segments[i < 0 ? this.segments.length + i : i];
  }

  /** What segment `i` is; negative indexes count from the end. */
  kind(i: number): SegmentKind | undefined {
    return this.kinds[i < 0 ? this.kinds.length + i : i];
  }

  /**
   * The object that holds this path: "A.B.C" -> "A.B.", "A.B." -> "A.", "A." -> "" (the root);
   * undefined for the root itself.
   */
  parent(): Path | undefined {
    const n = this.segments.length;
    if (n === 0) return undefined;
    return this.slice(n - 1);
  }

  /** The object path made of the first `count` segments ("" when count is 0). */
  slice(count: number): Path {
    const n = Math.max(0, Math.min(count, this.segments.length));
    if (n === 0) return Path.root;
    if (n === this.segments.length && this.isObject) return this;
    const segs = this.segments.slice(0, n);
    const text = segs.join(".") + ".";
    return new Path(text, Object.freeze(segs), Object.freeze(this.kinds.slice(0, n)), true);
  }

  /** A path one level down: `child("SSID")` on "Device.WiFi." gives "Device.WiFi.SSID". */
  child(segment: string | number, isObject = false): Path {
    const s = String(segment);
    const k = classify(s);
    if (!isKind(k)) throw new ModelError("PATH_INVALID", `cannot append ${JSON.stringify(s)}: ${k}`);
    if (this.segments.length === 0 && (k === "instance" || k === "alias")) {
      throw new ModelError("PATH_INVALID", "a path cannot start with an instance");
    }
    const base = this.isObject ? this.text : this.text + ".";
    return new Path(base + s + (isObject ? "." : ""), Object.freeze([...this.segments, s]), Object.freeze([...this.kinds, k]), isObject);
  }

  /** Does this (concrete or template) path fit `pattern`, segment by segment, object-ness included? */
  matches(pattern: Path | string): boolean {
    const p = typeof pattern === "string" ? Path.parse(pattern) : pattern;
    if (p.isObject !== this.isObject) return false;
    const n = this.segments.length;
    if (p.segments.length !== n) return false;
    if (p.text === this.text) return true;
    for (let i = n - 1; i >= 0; i--) {
      if (!segmentMatches(p.segments[i]!, p.kinds[i]!, this.segments[i]!, this.kinds[i]!)) return false;
    }
    return true;
  }

  /**
   * Is this path at or below the object `prefix` (which may be a pattern)? The root prefix covers
   * everything; a parameter path as prefix covers only itself.
   */
  startsWith(prefix: Path | string): boolean {
    const p = typeof prefix === "string" ? Path.parse(prefix) : prefix;
    const n = p.segments.length;
    if (!p.isObject) return this.matches(p);
    if (n > this.segments.length) return false;
    if (n === this.segments.length && !this.isObject) return false;
    for (let i = 0; i < n; i++) {
      if (!segmentMatches(p.segments[i]!, p.kinds[i]!, this.segments[i]!, this.kinds[i]!)) return false;
    }
    return true;
  }

  /**
   * The Broadband Forum template of this path: every instance number, alias and "*" becomes "{i}"
   * ("Device.WiFi.SSID.3.SSID" -> "Device.WiFi.SSID.{i}.SSID"). Returns this path when nothing changes.
   */
  toTemplate(): Path {
    if ((this.flags & FLAG_INSTANCE) === 0 && !this.kinds.includes("wildcard")) return this;
    const segs = this.segments.map((s, i) => {
      const k = this.kinds[i];
      return k === "instance" || k === "alias" || k === "wildcard" ? PLACEHOLDER : s;
    });
    const kinds = this.kinds.map((k) => (k === "instance" || k === "alias" || k === "wildcard" ? "placeholder" : k));
    return new Path(segs.join(".") + (this.isObject ? "." : ""), Object.freeze(segs), Object.freeze(kinds), this.isObject);
  }

  /** The template text without building a Path: what data-model lookups key on. */
  templateText(): string {
    if ((this.flags & FLAG_INSTANCE) === 0 && !this.kinds.includes("wildcard")) return this.text;
    return this.toTemplate().text;
  }

  /** The instance numbers along the path, in order ("Device.A.2.B.7.C" -> [2, 7]); aliases are skipped. */
  instanceNumbers(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.segments.length; i++) if (this.kinds[i] === "instance") out.push(Number(this.segments[i]));
    return out;
  }

  /**
   * Fills the "{i}" (and "*") segments with the given instances, in order: the reverse of toTemplate.
   * Throws PATH_INVALID when the count differs.
   */
  fill(instances: readonly (number | string)[]): Path {
    let k = 0;
    const segs = this.segments.map((s, i) => {
      const kind = this.kinds[i];
      if (kind !== "placeholder" && kind !== "wildcard") return s;
      if (k >= instances.length) throw new ModelError("PATH_INVALID", `${this.text} has more placeholders than the ${instances.length} instances given`);
      return String(instances[k++]);
    });
    if (k !== instances.length) throw new ModelError("PATH_INVALID", `${this.text} has ${k} placeholders, ${instances.length} instances given`);
    return Path.parse(segs.join(".") + (this.isObject ? "." : ""));
  }

  /** The same path as an object path ("A.B" -> "A.B."); itself when already one. */
  asObject(): Path {
    if (this.isObject) return this;
    return new Path(this.text + ".", this.segments, this.kinds, true);
  }

  equals(other: Path | string): boolean {
    return this.text === (typeof other === "string" ? other : other.text);
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}

/** Parses a path; throws ModelError PATH_INVALID when it is not one. */
export function parsePath(text: string, options?: ParsePathOptions): Path {
  return Path.parse(text, options);
}

/** Why `text` is not a valid path, or undefined. */
export function checkPath(text: string, options?: ParsePathOptions): string | undefined {
  return Path.check(text, options);
}

/** Shorthand for matching texts: does `path` fit `pattern` ("*" any segment, "{i}" any instance)? */
export function pathMatches(path: string, pattern: string): boolean {
  return Path.parse(path).matches(Path.parse(pattern));
}

/** "Device.WiFi.SSID.3.SSID" -> "Device.WiFi.SSID.{i}.SSID". Throws PATH_INVALID on a bad path. */
export function toTemplate(path: string): string {
  return Path.parse(path).templateText();
}

/**
 * Interns parsed paths, so that a caller handling the same names many times parses each once and can
 * compare by identity. Owned by its caller (no global cache); forgets everything when full.
 */
export class PathCache {
  private readonly map = new Map<string, Path>();
  private readonly maxSize: number;
  constructor(maxSize = 100_000) {
    this.maxSize = maxSize;
  }

  get(text: string): Path {
    let p = this.map.get(text);
    if (p === undefined) {
      p = Path.parse(text);
      if (this.map.size >= this.maxSize) this.map.clear();
      this.map.set(text, p);
    }
    return p;
  }

  get size(): number {
    return this.map.size;
  }
}
