// Resolves a path name or search path against a data model held as a parameter map (full parameter
// path to value, as a Get answers it), so a controller and the simulator read search paths alike.
//
// Comparisons in expressions: a quoted literal compares as a string; an unquoted one compares as a
// number when both sides are numbers, as a boolean when it is true or false (the parameter's "1" and
// "0" included), and as a string otherwise. A condition whose parameter is absent does not hold.

import { parsePath } from "./parse.js";
import type { Condition, Segment, UspPath } from "./types.js";

export type ParameterMap = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

interface Node {
  children: Map<string, Node>;
  /** Set on parameters only. */
  value?: string;
}

export interface Match {
  /** A concrete path: an object ends with `.`, a command with `()`, an event with `!`. */
  path: string;
  /** The value, for a parameter. */
  value?: string;
}

/**
 * A parameter map as a tree, built once and resolved against many times. Keys are full parameter
 * paths; a key ending with `.` declares an object that may have no parameters (an empty instance).
 */
export class ParameterTree {
  readonly #root: Node = { children: new Map() };

  constructor(params: ParameterMap) {
    const entries = params instanceof Map ? params.entries() : Object.entries(params);
    for (const [path, value] of entries) {
      const parts = path.split(".");
      const isObject = parts[parts.length - 1] === "";
      if (isObject) parts.pop();
      let node = this.#root;
      for (const part of parts) {
        let child = node.children.get(part);
        if (!child) node.children.set(part, (child = { children: new Map() }));
        node = child;
      }
      if (!isObject) node.value = value;
    }
  }

  /** What a path (text or parsed) names that the tree holds, in instance order. */
  resolve(path: string | UspPath): Match[] {
    return resolveIn(this.#root, typeof path === "string" ? parsePath(path) : path);
  }
}

/** Resolves one path against a parameter map (build a ParameterTree to resolve many). */
export function resolvePath(path: string | UspPath, params: ParameterMap): Match[] {
  return new ParameterTree(params).resolve(path);
}

const isInstance = (name: string) => /^[1-9][0-9]*$/.test(name);

function instancesOf(node: Node): [string, Node][] {
  return [...node.children].filter(([k]) => isInstance(k)).sort((a, b) => Number(a[0]) - Number(b[0]));
}

/** The object a reference value names ("Device.IP.Interface.1" or with a trailing dot), if it exists. */
function lookup(root: Node, ref: string): [string, Node] | undefined {
  const path = ref.trim().replace(/\.$/, "");
  if (path === "") return undefined;
  let node: Node | undefined = root;
  for (const part of path.split(".")) {
    node = node.children.get(part);
    if (!node) return undefined;
  }
  return node.value === undefined ? [`${path}.`, node] : undefined;
}

function follow(root: Node, node: Node, seg: Extract<Segment, { type: "reference" }>): [string, Node][] {
  const value = node.children.get(seg.name)?.value;
  if (value === undefined) return [];
  let refs: string[];
  if (seg.item === undefined) refs = [value];
  else {
    const items = value.split(",");
    refs = seg.item === "*" ? items : items[seg.item - 1] === undefined ? [] : [items[seg.item - 1]!];
  }
  return refs.map((r) => lookup(root, r)).filter((x) => x !== undefined);
}

/** Every node (with its path) a run of segments reaches from the given ones. */
function walk(root: Node, from: [string, Node][], segments: readonly Segment[]): [string, Node][] {
  let at = from;
  for (const seg of segments) {
    const next: [string, Node][] = [];
    for (const [path, node] of at) {
      switch (seg.type) {
        case "name": {
          const child = node.children.get(seg.name);
          if (child) next.push([`${path}${seg.name}.`, child]);
          break;
        }
        case "instance": {
          const child = node.children.get(String(seg.instance));
          if (child) next.push([`${path}${seg.instance}.`, child]);
          break;
        }
        case "wildcard":
          for (const [k, child] of instancesOf(node)) next.push([`${path}${k}.`, child]);
          break;
        case "filter":
          for (const [k, child] of instancesOf(node)) if (seg.conditions.every((c) => holds(root, child, c))) next.push([`${path}${k}.`, child]);
          break;
        case "reference":
          next.push(...follow(root, node, seg));
          break;
      }
    }
    at = next;
  }
  return at;
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false, "1": true, "0": false };

function compare(actual: string, c: Condition): boolean {
  let order: number | undefined;
  const a = Number(actual);
  const b = Number(c.value);
  if (!c.quoted && actual.trim() !== "" && Number.isFinite(a) && Number.isFinite(b)) order = Math.sign(a - b);
  else if (!c.quoted && (c.value === "true" || c.value === "false")) {
    const actualBool = BOOLEANS[actual];
    if (actualBool === undefined) return c.op === "!=";
    order = actualBool === BOOLEANS[c.value] ? 0 : undefined;
    if (order === undefined) return c.op === "!=";
  } else order = actual < c.value ? -1 : actual > c.value ? 1 : 0;
  switch (c.op) {
    case "==":
      return order === 0;
    case "!=":
      return order !== 0;
    case "<":
      return order < 0;
    case ">":
      return order > 0;
    case "<=":
      return order <= 0;
    case ">=":
      return order >= 0;
  }
}

function holds(root: Node, instance: Node, c: Condition): boolean {
  const reached = walk(root, [["", instance]], c.path);
  return reached.some(([, n]) => n.value !== undefined && compare(n.value, c));
}

function resolveIn(root: Node, p: UspPath): Match[] {
  const objectSegments = p.kind === "object" ? p.segments : p.segments.slice(0, -1);
  const objects = walk(root, [["", root]], objectSegments).filter(([, n]) => n.value === undefined);
  const seen = new Set<string>();
  const out: Match[] = [];
  const add = (m: Match) => {
    if (seen.has(m.path)) return;
    seen.add(m.path);
    out.push(m);
  };
  const last = p.segments[p.segments.length - 1]!;
  const leaf = last.type === "name" ? last.name : "";
  for (const [objPath, node] of objects) {
    if (p.kind === "object") add({ path: objPath });
    else if (p.kind === "command") add({ path: `${objPath}${leaf}()` });
    else if (p.kind === "event") add({ path: `${objPath}${leaf}!` });
    else {
      const value = node.children.get(leaf)?.value;
      if (value !== undefined) add({ path: `${objPath}${leaf}`, value });
    }
  }
  return out;
}
