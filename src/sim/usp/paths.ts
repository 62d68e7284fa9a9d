// USP path names and search paths against one agent's DeviceTree. Plain paths resolve on the tree
// directly; search paths go through src/usp's ParameterTree (the evaluator the controller uses), fed
// only the part of the device below the path's last plain object, so a search in one table does not
// read the whole device.

import { parsePath, ParameterTree, type PathKind, type UspPath } from "../../usp/index.js";
import type { DeviceTree, Node } from "../device-model.js";

export type Resolved =
  | { ok: true; path: UspPath; nodes: Node[] }
  /** 7008 path syntax, 7026 a plain path that names nothing. */
  | { ok: false; errCode: number; errMsg: string };

/** The object path before the first search segment ("Device.IP.Interface." for "Device.IP.Interface.*.Name"). */
function plainPrefix(p: UspPath): string {
  let out = "";
  for (const s of p.segments) {
    if (s.type === "name") out += s.name + ".";
    else if (s.type === "instance") out += s.instance + ".";
    else break;
  }
  return out;
}

/** Parameters (secrets read as "") and every object at or below a node, as a ParameterTree wants them. */
export function parameterMap(tree: DeviceTree, node: Node, now: number, out = new Map<string, string>()): Map<string, string> {
  if (node.kind === "param") {
    out.set(node.path, node.def.secret ? "" : tree.value(node.path, node.def, node.inst, now));
    return out;
  }
  if (node.kind === "object") out.set(node.path, "");
  tree.children(node, now, (c) => parameterMap(tree, c, now, out));
  return out;
}

/**
 * The objects (instances, not tables), parameters, or the objects holding a command or event, that a
 * path names now. A search path that names nothing is no error; a plain one is (7026).
 */
export function resolveUsp(tree: DeviceTree, text: string, now: number, kinds: readonly PathKind[]): Resolved {
  let p: UspPath;
  try {
    p = parsePath(text, { kinds });
  } catch (e) {
    return { ok: false, errCode: 7008, errMsg: (e as Error).message };
  }
  const target = p.kind === "command" || p.kind === "event" ? text.slice(0, text.lastIndexOf(".") + 1) : text;
  if (!p.search) {
    const node = tree.resolve(target, now);
    if (node === undefined) return { ok: false, errCode: 7026, errMsg: `${text} names nothing this agent has` };
    return { ok: true, path: p, nodes: [node] };
  }
  const prefix = p.segments.some((s) => s.type === "reference" || (s.type === "filter" && s.conditions.some((c) => c.path.some((x) => x.type === "reference")))) ? tree.model.root.path : plainPrefix(p);
  const start = tree.resolve(prefix, now);
  if (start === undefined) return { ok: true, path: p, nodes: [] };
  const params = parameterMap(tree, start, now);
  const nodes: Node[] = [];
  for (const m of new ParameterTree(params).resolve(p)) {
    const at = p.kind === "command" || p.kind === "event" ? m.path.slice(0, m.path.lastIndexOf(".") + 1) : m.path;
    const node = tree.resolve(at, now);
    if (node !== undefined) nodes.push(node);
  }
  return { ok: true, path: p, nodes };
}

/** Whether a reference-list entry of a subscription names a concrete path (or an object above it). */
export function refersTo(tree: DeviceTree, ref: string, concrete: string, now: number): boolean {
  if (ref === concrete || (ref.endsWith(".") && concrete.startsWith(ref) && !ref.includes("*") && !ref.includes("["))) return true;
  if (!ref.includes("*") && !ref.includes("[") && !ref.includes("+")) return false;
  const suffix = ref.endsWith("()") || ref.endsWith("!") ? ref.slice(ref.lastIndexOf(".") + 1) : "";
  const r = resolveUsp(tree, ref, now, ["object", "parameter", "command", "event"]);
  if (!r.ok) return false;
  return r.nodes.some((n) => n.path + suffix === concrete || (n.kind !== "param" && suffix === "" && concrete.startsWith(n.path)));
}

/** A table path pattern of a subscription ("Device.NAT.PortMapping.", with `*`, or an object above tables: "Device.") against a table path. */
export function tableMatches(ref: string, table: string): boolean {
  if (ref === table || (ref.endsWith(".") && table.startsWith(ref) && !ref.includes("*") && !ref.includes("["))) return true;
  const re = new RegExp("^" + ref.split(".").map((s) => (s === "*" || s.startsWith("[") ? "[0-9]+" : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("\\.") + "$");
  return re.test(table);
}
