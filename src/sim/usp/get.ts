// Get and GetInstances against one agent's tree.

import type { Get, GetInstances, GetInstancesResp, GetResp, StringMap } from "../../usp/index.js";
import type { DeviceTree, Node } from "../device-model.js";
import { resolveUsp } from "./paths.js";
import { uniqueKeysOf } from "./supported.js";

type PathResult = GetResp["reqPathResults"][number]["resolvedPathResults"][number];

const readable = (tree: DeviceTree, n: Node & { kind: "param" }, now: number) => (n.def.secret ? "" : tree.value(n.path, n.def, n.inst, now));

/**
 * An object's parameters, then its sub-objects' (instances, not the tables themselves), each object a
 * result with parameter names relative to it. `depth` objects deep; 0 is unlimited.
 */
function objectResults(tree: DeviceTree, node: Node, now: number, depth: number, out: PathResult[]): void {
  if (node.kind === "object") {
    const params: StringMap = {};
    tree.children(node, now, (c) => {
      if (c.kind === "param") params[c.def.name] = readable(tree, c, now);
    });
    out.push({ resolvedPath: node.path, resultParams: params });
    if (depth === 1) return;
  }
  const next = node.kind === "object" && depth > 0 ? depth - 1 : depth;
  tree.children(node, now, (c) => {
    if (c.kind !== "param") objectResults(tree, c, now, next, out);
  });
}

export function get(tree: DeviceTree, req: Get, now: number): GetResp {
  return {
    reqPathResults: req.paramPaths.map((requestedPath) => {
      const r = resolveUsp(tree, requestedPath, now, ["object", "parameter"]);
      if (!r.ok) return { requestedPath, errCode: r.errCode, errMsg: r.errMsg, resolvedPathResults: [] };
      const results: PathResult[] = [];
      const byObject = new Map<string, StringMap>();
      for (const n of r.nodes) {
        if (n.kind === "param") {
          const obj = n.path.slice(0, n.path.length - n.def.name.length);
          let params = byObject.get(obj);
          if (params === undefined) {
            byObject.set(obj, (params = {}));
            results.push({ resolvedPath: obj, resultParams: params });
          }
          params[n.def.name] = readable(tree, n, now);
        } else objectResults(tree, n, now, req.maxDepth, results);
      }
      return { requestedPath, errCode: 0, errMsg: "", resolvedPathResults: results };
    }),
  };
}

/** The unique keys of an instance, by name. */
export function uniqueKeyValues(tree: DeviceTree, node: Node & { kind: "object" }, now: number): StringMap {
  const out: StringMap = {};
  for (const set of uniqueKeysOf(node.def)) {
    for (const name of set) {
      const p = node.def.paramByName.get(name);
      if (p !== undefined) out[name] = tree.value(node.path + name, p, node.inst, now);
    }
  }
  return out;
}

function instancesBelow(tree: DeviceTree, node: Node, now: number, firstLevelOnly: boolean, out: GetInstancesResp["reqPathResults"][number]["currInsts"]): void {
  tree.children(node, now, (c) => {
    if (c.kind === "param") return;
    const isInstance = c.kind === "object" && c.def.multi;
    if (isInstance) out.push({ instantiatedObjPath: c.path, uniqueKeys: uniqueKeyValues(tree, c, now) });
    // first_level_only: the instances of the tables directly below, not the instances' own tables.
    if (!(firstLevelOnly && isInstance)) instancesBelow(tree, c, now, firstLevelOnly, out);
  });
}

export function getInstances(tree: DeviceTree, req: GetInstances, now: number): GetInstancesResp {
  return {
    reqPathResults: req.objPaths.map((requestedPath) => {
      const r = resolveUsp(tree, requestedPath, now, ["object"]);
      if (!r.ok) return { requestedPath, errCode: r.errCode, errMsg: r.errMsg, currInsts: [] };
      const currInsts: GetInstancesResp["reqPathResults"][number]["currInsts"] = [];
      for (const n of r.nodes) {
        if (n.kind === "object" && n.def.multi) currInsts.push({ instantiatedObjPath: n.path, uniqueKeys: uniqueKeyValues(tree, n, now) });
        instancesBelow(tree, n, now, req.firstLevelOnly, currInsts);
      }
      return { requestedPath, errCode: 0, errMsg: "", currInsts };
    }),
  };
}
