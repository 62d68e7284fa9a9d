// The parameter RPCs a CPE answers (TR-069 A.3.2.1 to A.3.2.7), on one device's tree.
// Each handler returns the response or a Fault; none throws for anything the ACS sent.

import {
  cwmpFault,
  type AddObject,
  type CwmpMessage,
  type CwmpNamespaceVersion,
  type DeleteObject,
  type GetParameterAttributes,
  type GetParameterNames,
  type GetParameterValues,
  type ParameterAttributeStruct,
  type ParameterInfoStruct,
  type ParameterValueStruct,
  type SetParameterAttributes,
  type SetParameterValues,
  type SetParameterValuesFaultStruct,
} from "../cwmp/index.js";
import { checkSetValue } from "./constraints.js";
import type { DeviceTree, Node } from "./device-model.js";
import type { ParamDef } from "./model.js";

export interface RpcContext {
  readonly tree: DeviceTree;
  readonly now: number;
  /** Namespace of the ACS's request. */
  readonly ns: CwmpNamespaceVersion;
  readonly strictTypes: boolean;
}

export interface ParameterChange {
  path: string;
  def: ParamDef;
  inst: readonly number[];
  value: string;
  /** The value before the change. */
  previous: string;
}

/** A reply, and what it changed (for the engine's side effects: ParameterKey, notifications, ...). */
export interface RpcResult {
  reply: CwmpMessage;
  /** Parameters the ACS set (SetParameterValues). */
  changed?: ParameterChange[];
  /** Parameters whose notification attribute changed (SetParameterAttributes). */
  notificationChanged?: Array<{ path: string; def: ParamDef; inst: readonly number[] }>;
  /** The table whose rows changed (AddObject/DeleteObject). */
  rowsChanged?: { table: string; deleted?: string };
  /** ParameterKey to store, when the RPC succeeded and carries one. */
  parameterKey?: string;
}

/** ManagementServer.ParameterKey is a string(32). */
const PARAMETER_KEY_MAX = 32;

function unknownName(name: string): CwmpMessage {
  return cwmpFault(9005, `Invalid parameter name: ${name}`);
}

function badKey(key: string): CwmpMessage | undefined {
  return key.length > PARAMETER_KEY_MAX ? cwmpFault(9003, `ParameterKey longer than ${PARAMETER_KEY_MAX} characters`) : undefined;
}

export function getParameterValues(ctx: RpcContext, m: GetParameterValues): RpcResult {
  const { tree, now } = ctx;
  const list: ParameterValueStruct[] = [];
  for (const name of m.parameterNames) {
    const node = tree.resolve(name, now);
    if (node === undefined) return { reply: unknownName(name) };
    tree.forEachParam(node, now, (path, def, inst) => {
      list.push({ name: path, value: { type: def.type, text: def.secret ? "" : tree.value(path, def, inst, now) } });
    });
  }
  return { reply: { method: "GetParameterValuesResponse", parameterList: list } };
}

export function getParameterNames(ctx: RpcContext, m: GetParameterNames): RpcResult {
  const { tree, now } = ctx;
  const list: ParameterInfoStruct[] = [];
  if (m.parameterPath === "" && m.nextLevel) {
    // The empty path with NextLevel true names only the root object.
    return { reply: { method: "GetParameterNamesResponse", parameterList: [{ name: tree.model.root.path, writable: false }] } };
  }
  const node = tree.resolve(m.parameterPath, now);
  if (node === undefined) return { reply: unknownName(m.parameterPath) };
  if (node.kind === "param" && m.nextLevel) {
    return { reply: cwmpFault(9003, "NextLevel must be false when ParameterPath is a parameter name") };
  }
  tree.forEachName(node, m.nextLevel, now, (name, writable) => list.push({ name, writable }));
  return { reply: { method: "GetParameterNamesResponse", parameterList: list } };
}

export function setParameterValues(ctx: RpcContext, m: SetParameterValues): RpcResult {
  const { tree, now } = ctx;
  const keyFault = badKey(m.parameterKey);
  if (keyFault !== undefined) return { reply: keyFault };
  const faults: SetParameterValuesFaultStruct[] = [];
  const changes: ParameterChange[] = [];
  const seen = new Set<string>();
  for (const p of m.parameterList) {
    if (seen.has(p.name)) return { reply: cwmpFault(9003, `${p.name} appears more than once`) };
    seen.add(p.name);
    const node = tree.resolve(p.name, now);
    if (node?.kind !== "param") {
      faults.push({ parameterName: p.name, faultCode: 9005, faultString: "Invalid parameter name" });
      continue;
    }
    if (!node.def.writable) {
      faults.push({ parameterName: p.name, faultCode: 9008, faultString: "Attempt to set a non-writable parameter" });
      continue;
    }
    const checked = checkSetValue(node.def, p.value, ctx.strictTypes);
    if (!checked.ok) {
      faults.push({ parameterName: p.name, faultCode: checked.code, faultString: checked.message });
      continue;
    }
    changes.push({ path: p.name, def: node.def, inst: node.inst, value: checked.text, previous: tree.value(p.name, node.def, node.inst, now) });
  }
  // All or nothing: one bad parameter and nothing is applied.
  if (faults.length > 0) return { reply: cwmpFault(9003, "Invalid arguments", faults) };
  for (const c of changes) tree.set(c.path, c.def, c.value);
  const status = changes.some((c) => c.def.rebootRequired) ? 1 : 0;
  return { reply: { method: "SetParameterValuesResponse", status }, changed: changes, parameterKey: m.parameterKey };
}

/** Notification values that ask for a session on change (CWMP active, and the lightweight active ones). */
function isActive(n: number): boolean {
  return n === 2 || n === 5 || n === 6;
}

export function getParameterAttributes(ctx: RpcContext, m: GetParameterAttributes): RpcResult {
  const { tree, now } = ctx;
  const list: ParameterAttributeStruct[] = [];
  for (const name of m.parameterNames) {
    const node = tree.resolve(name, now);
    if (node === undefined) return { reply: unknownName(name) };
    tree.forEachParam(node, now, (path, def) => {
      list.push({ name: path, notification: tree.notificationOf(path, def), accessList: [...tree.accessListOf(path)] });
    });
  }
  return { reply: { method: "GetParameterAttributesResponse", parameterList: list } };
}

export function setParameterAttributes(ctx: RpcContext, m: SetParameterAttributes): RpcResult {
  const { tree, now } = ctx;
  // Lightweight notifications (3 to 6) exist from cwmp-1-2 on.
  const maxNotification = ctx.ns >= "1-2" ? 6 : 2;
  const notifications: Array<{ path: string; def: ParamDef; inst: readonly number[]; n: number }> = [];
  const accessLists: Array<{ path: string; list: string[] }> = [];
  for (const s of m.parameterList) {
    const node: Node | undefined = tree.resolve(s.name, now);
    if (node === undefined) return { reply: unknownName(s.name) };
    if (s.notificationChange && (!Number.isInteger(s.notification) || s.notification < 0 || s.notification > maxNotification)) {
      return { reply: cwmpFault(9003, `Notification ${s.notification} is not allowed in cwmp-${ctx.ns}`) };
    }
    if (s.accessListChange) {
      const bad = s.accessList.find((a) => a !== "Subscriber");
      if (bad !== undefined) return { reply: cwmpFault(9003, `unknown AccessList entry ${JSON.stringify(bad)}`) };
    }
    let refused: string | undefined;
    tree.forEachParam(node, now, (path, def, inst) => {
      if (s.notificationChange) {
        const n = s.notification;
        const deny = (def.activeNotify === "forceEnabled" && n !== 2) || (def.activeNotify === "canDeny" && isActive(n));
        // For a parameter named in full the refusal is a fault; under a partial path the parameters
        // that cannot take the setting keep theirs.
        if (deny) {
          if (node.kind === "param") refused ??= path;
        } else {
          notifications.push({ path, def, inst, n });
        }
      }
      if (s.accessListChange) accessLists.push({ path, list: s.accessList });
    });
    if (refused !== undefined) return { reply: cwmpFault(9009, `Notification request rejected for ${refused}`) };
  }
  for (const a of notifications) tree.setNotification(a.path, a.def, a.n);
  for (const a of accessLists) tree.setAccessList(a.path, a.list);
  return {
    reply: { method: "SetParameterAttributesResponse" },
    notificationChanged: notifications.map(({ path, def, inst }) => ({ path, def, inst })),
  };
}

export function addObject(ctx: RpcContext, m: AddObject): RpcResult {
  const { tree, now } = ctx;
  const keyFault = badKey(m.parameterKey);
  if (keyFault !== undefined) return { reply: keyFault };
  const node = tree.resolve(m.objectName, now);
  // Only a writable table takes new rows; anything else is not a name AddObject accepts.
  if (node?.kind !== "table" || !node.def.writable || node.def.volatile !== undefined) {
    return { reply: cwmpFault(9005, `${m.objectName} is not a multi-instance object that can be added to`) };
  }
  if (tree.instancesOf(node.def, node.inst, now, node.path).length >= node.def.maxEntries) {
    return { reply: cwmpFault(9004, `${m.objectName} holds its maximum of ${node.def.maxEntries} instances`) };
  }
  const instanceNumber = tree.addInstance(node, now);
  return {
    reply: { method: "AddObjectResponse", instanceNumber, status: 0 },
    rowsChanged: { table: node.path },
    parameterKey: m.parameterKey,
  };
}

export function deleteObject(ctx: RpcContext, m: DeleteObject): RpcResult {
  const { tree, now } = ctx;
  const keyFault = badKey(m.parameterKey);
  if (keyFault !== undefined) return { reply: keyFault };
  const node = tree.resolve(m.objectName, now);
  if (node?.kind !== "object" || !node.def.multi || !node.def.writable || node.def.volatile !== undefined) {
    return { reply: cwmpFault(9005, `${m.objectName} is not an object instance that can be deleted`) };
  }
  const table = node.path.slice(0, node.path.length - String(node.inst[node.inst.length - 1]).length - 1);
  tree.deleteInstance(node, now);
  return {
    reply: { method: "DeleteObjectResponse", status: 0 },
    rowsChanged: { table, deleted: node.path },
    parameterKey: m.parameterKey,
  };
}
