// Set, Add and Delete against one agent's tree, with TR-369's allow_partial and required semantics:
// a required parameter that fails fails its object; with allow_partial false any failed object fails
// the whole message (an Error 7000 listing every failure) and nothing is changed.
//
// Each handler first plans (checks everything, changes nothing), then applies; what it applied is
// returned too, for the agent's ValueChange, ObjectCreation and ObjectDeletion notifications.

import { checkXsd } from "../../cwmp/index.js";
import { errorBody, paramError, type Add, type AddResp, type Delete, type DeleteResp, type ErrorBody, type ParamError, type ParamSetting, type ParameterError, type SetRequest, type SetResp, type StringMap } from "../../usp/index.js";
import { checkLocalValue } from "../constraints.js";
import type { DeviceTree, Node } from "../device-model.js";
import type { ObjectDef } from "../model.js";
import { uniqueKeyValues } from "./get.js";
import { resolveUsp } from "./paths.js";
import { uniqueKeysOf } from "./supported.js";

/** What a request changed. */
export interface Applied {
  values: { path: string; value: string }[];
  created: { path: string; uniqueKeys: StringMap }[];
  deleted: string[];
}

export type ChangeResult<R> = { ok: true; resp: R; applied: Applied } | { ok: false; error: ErrorBody };

const noChange = (): Applied => ({ values: [], created: [], deleted: [] });

/** Why a value cannot be written to a parameter of an object, or its canonical text. */
function checkParam(def: ObjectDef, s: ParamSetting): { ok: true; text: string } | { ok: false; code: number; msg: string } {
  const p = def.paramByName.get(s.param);
  if (p === undefined) return { ok: false, code: 7010, msg: `${def.path} has no parameter ${s.param}` };
  // Add may set unique keys and other parameters a Set could not change afterwards (TR-369 allows
  // read-only parameters in Add only when the model says so; the simulator takes the writable ones).
  if (!p.writable || p.counts !== undefined) return { ok: false, code: 7013, msg: `${s.param} is read-only` };
  if (p.type !== "xsd:string" && checkXsd(p.type, s.value.trim()) !== undefined) return { ok: false, code: 7011, msg: `${JSON.stringify(s.value)} is not a ${p.type.slice(4)}` };
  const checked = checkLocalValue(p, s.value);
  if (!checked.ok) return { ok: false, code: 7012, msg: checked.message };
  if (p.constraints?.settable !== undefined && p.constraints.list === undefined && !p.constraints.settable.includes(checked.text)) return { ok: false, code: 7012, msg: `${checked.text} can be read but not set` };
  return { ok: true, text: checked.text };
}

interface PlannedObject {
  node: Node & { kind: "object" };
  writes: { name: string; path: string; text: string }[];
  paramErrs: ParameterError[];
}

/** Checks one object's settings: the writes, the optional failures, and the required failure if any. */
function planObject(node: Node & { kind: "object" }, settings: readonly ParamSetting[]): PlannedObject & { required?: ParameterError[] } {
  const out: PlannedObject & { required?: ParameterError[] } = { node, writes: [], paramErrs: [] };
  for (const s of settings) {
    const c = checkParam(node.def, s);
    if (c.ok) out.writes.push({ name: s.param, path: node.path + s.param, text: c.text });
    else if (s.required) (out.required ??= []).push({ param: s.param, errCode: c.code, errMsg: c.msg });
    else out.paramErrs.push({ param: s.param, errCode: c.code, errMsg: c.msg });
  }
  return out;
}

function write(tree: DeviceTree, o: PlannedObject, now: number, applied: Applied): StringMap {
  const updated: StringMap = {};
  for (const w of o.writes) {
    const p = o.node.def.paramByName.get(w.name)!;
    const before = tree.value(w.path, p, o.node.inst, now);
    tree.set(w.path, p, w.text);
    updated[w.name] = w.text;
    if (before !== w.text) applied.values.push({ path: w.path, value: w.text });
  }
  return updated;
}

/** The Error for allow_partial false: every failure, by full path. */
function messageFailed(what: string, errs: ParamError[]): ErrorBody {
  return errorBody(7000, `${what} failed; nothing was changed (allow_partial is false)`, errs);
}

export function set(tree: DeviceTree, req: SetRequest, now: number): ChangeResult<SetResp> {
  const plans: { requestedPath: string; objects?: ReturnType<typeof planObject>[]; fail?: { code: number; msg: string } }[] = [];
  for (const u of req.updateObjs) {
    const r = resolveUsp(tree, u.objPath, now, ["object"]);
    if (!r.ok) plans.push({ requestedPath: u.objPath, fail: { code: r.errCode === 7026 ? 7016 : r.errCode, msg: r.errMsg } });
    else if (r.nodes.some((n) => n.kind !== "object")) plans.push({ requestedPath: u.objPath, fail: { code: 7026, msg: `${u.objPath} is a table, not an object` } });
    else plans.push({ requestedPath: u.objPath, objects: r.nodes.map((n) => planObject(n as Node & { kind: "object" }, u.paramSettings)) });
  }
  const failed = (p: (typeof plans)[number]) => p.fail !== undefined || p.objects!.some((o) => o.required !== undefined);
  if (!req.allowPartial && plans.some(failed)) {
    const errs: ParamError[] = [];
    for (const p of plans) {
      if (p.fail) errs.push(paramError(p.requestedPath, p.fail.code, p.fail.msg));
      for (const o of p.objects ?? []) for (const e of o.required ?? []) errs.push(paramError(o.node.path + e.param, e.errCode, e.errMsg));
    }
    return { ok: false, error: messageFailed("Set", errs) };
  }
  const applied = noChange();
  const resp: SetResp = {
    updatedObjResults: plans.map((p) => {
      if (p.fail) return { requestedPath: p.requestedPath, operStatus: { operStatus: "operFailure", operFailure: { errCode: p.fail.code, errMsg: p.fail.msg, updatedInstFailures: [] } } };
      const bad = p.objects!.filter((o) => o.required !== undefined);
      if (bad.length > 0) {
        return {
          requestedPath: p.requestedPath,
          operStatus: { operStatus: "operFailure", operFailure: { errCode: 7021, errMsg: "a required parameter failed", updatedInstFailures: bad.map((o) => ({ affectedPath: o.node.path, paramErrs: o.required! })) } },
        };
      }
      return {
        requestedPath: p.requestedPath,
        operStatus: { operStatus: "operSuccess", operSuccess: { updatedInstResults: p.objects!.map((o) => ({ affectedPath: o.node.path, paramErrs: o.paramErrs, updatedParams: write(tree, o, now, applied) })) } },
      };
    }),
  };
  return { ok: true, resp, applied };
}

/** Whether another row of the table already has these unique key values (7025). */
function duplicateKey(tree: DeviceTree, table: Node & { kind: "table" }, self: number, values: (name: string) => string | undefined, now: number): string | undefined {
  const rowDef = table.def;
  for (const set of uniqueKeysOf(rowDef)) {
    const mine = set.map(values);
    if (mine.some((v) => v === undefined || v === "")) continue;
    for (const n of tree.instancesOf(rowDef, table.inst, now, table.path)) {
      if (n === self) continue;
      const theirs = set.map((k) => tree.get(`${table.path}${n}.${k}`, now));
      if (theirs.every((v, i) => v === mine[i])) return set.join(", ");
    }
  }
  return undefined;
}

/** `own`: values the agent gives a new row of a table itself (a subscription's Recipient), before the controller's. */
export function add(tree: DeviceTree, req: Add, now: number, own: (def: ObjectDef) => StringMap = () => ({})): ChangeResult<AddResp> {
  type Plan = { requestedPath: string; table?: Node & { kind: "table" }; settings: readonly ParamSetting[]; fail?: { code: number; msg: string }; required?: ParameterError[] };
  const plans: Plan[] = [];
  for (const c of req.createObjs) {
    const r = resolveUsp(tree, c.objPath, now, ["object"]);
    const plan: Plan = { requestedPath: c.objPath, settings: c.paramSettings };
    plans.push(plan);
    if (!r.ok) plan.fail = { code: r.errCode === 7026 ? 7016 : r.errCode, msg: r.errMsg };
    else if (r.nodes.length !== 1) plan.fail = { code: 7026, msg: `${c.objPath} names ${r.nodes.length} tables; Add takes one` };
    else if (r.nodes[0]!.kind !== "table") plan.fail = { code: 7018, msg: `${c.objPath} is not a table` };
    else {
      const table = r.nodes[0] as Node & { kind: "table" };
      plan.table = table;
      if (!table.def.writable) plan.fail = { code: 7019, msg: `instances of ${c.objPath} cannot be created` };
      else if (tree.instancesOf(table.def, table.inst, now, table.path).length >= table.def.maxEntries) plan.fail = { code: 7017, msg: `${c.objPath} holds its most instances (${table.def.maxEntries})` };
      else {
        // Checked against a row that does not exist yet: only its definition matters here.
        const probe = { kind: "object" as const, path: table.path + "0.", def: table.def, inst: [...table.inst, 0] };
        const checked = planObject(probe, c.paramSettings);
        if (checked.required) plan.required = checked.required;
        const mine = own(table.def);
        const dup = duplicateKey(tree, table, 0, (k) => checked.writes.find((w) => w.name === k)?.text ?? mine[k], now);
        if (dup !== undefined) plan.fail = { code: 7025, msg: `another instance of ${c.objPath} has the same ${dup}` };
      }
    }
  }
  if (!req.allowPartial && plans.some((p) => p.fail || p.required)) {
    const errs = plans.flatMap((p) => [
      ...(p.fail ? [paramError(p.requestedPath, p.fail.code, p.fail.msg)] : []),
      ...(p.required ?? []).map((e) => paramError(p.requestedPath + e.param, e.errCode, e.errMsg)),
    ]);
    return { ok: false, error: messageFailed("Add", errs) };
  }
  const applied = noChange();
  const resp: AddResp = {
    createdObjResults: plans.map((p) => {
      if (p.fail || p.required) {
        const f = p.fail ?? { code: 7021, msg: `required parameter ${p.required![0]!.param} failed: ${p.required![0]!.errMsg}` };
        return { requestedPath: p.requestedPath, operStatus: { operStatus: "operFailure", operFailure: { errCode: f.code, errMsg: f.msg } } };
      }
      const table = p.table!;
      const n = tree.addInstance(table, now);
      const row = { kind: "object" as const, path: `${table.path}${n}.`, def: table.def, inst: [...table.inst, n] };
      const planned = planObject(row, p.settings);
      for (const [name, text] of Object.entries(own(table.def))) tree.set(row.path + name, table.def.paramByName.get(name)!, text);
      write(tree, planned, now, noChange());
      const uniqueKeys = uniqueKeyValues(tree, row, now);
      applied.created.push({ path: row.path, uniqueKeys });
      return { requestedPath: p.requestedPath, operStatus: { operStatus: "operSuccess", operSuccess: { instantiatedPath: row.path, paramErrs: planned.paramErrs, uniqueKeys } } };
    }),
  };
  return { ok: true, resp, applied };
}

export function del(tree: DeviceTree, req: Delete, now: number): ChangeResult<DeleteResp> {
  type Plan = { requestedPath: string; rows: (Node & { kind: "object" })[]; fail?: { code: number; msg: string } };
  const plans: Plan[] = req.objPaths.map((objPath) => {
    const r = resolveUsp(tree, objPath, now, ["object"]);
    // Deleting an instance that is already gone is no failure: the outcome the controller wants holds.
    if (!r.ok) return r.errCode === 7026 && /\.\d+\.$/.test(objPath) ? { requestedPath: objPath, rows: [] } : { requestedPath: objPath, rows: [], fail: { code: r.errCode, msg: r.errMsg } };
    const rows = r.nodes.filter((n): n is Node & { kind: "object" } => n.kind === "object" && n.def.multi);
    if (rows.length !== r.nodes.length) return { requestedPath: objPath, rows: [], fail: { code: 7018, msg: `${objPath} does not name instances of a table` } };
    const locked = rows.find((n) => !n.def.writable);
    if (locked) return { requestedPath: objPath, rows: [], fail: { code: 7024, msg: `instances of ${locked.def.path} cannot be deleted` } };
    return { requestedPath: objPath, rows };
  });
  if (!req.allowPartial && plans.some((p) => p.fail)) {
    return { ok: false, error: messageFailed("Delete", plans.filter((p) => p.fail).map((p) => paramError(p.requestedPath, p.fail!.code, p.fail!.msg))) };
  }
  const applied = noChange();
  const resp: DeleteResp = {
    deletedObjResults: plans.map((p) => {
      if (p.fail) return { requestedPath: p.requestedPath, operStatus: { operStatus: "operFailure", operFailure: { errCode: p.fail.code, errMsg: p.fail.msg } } };
      const affectedPaths: string[] = [];
      for (const row of p.rows) {
        if (tree.resolve(row.path, now) === undefined) continue;
        tree.deleteInstance(row, now);
        affectedPaths.push(row.path);
        applied.deleted.push(row.path);
      }
      return { requestedPath: p.requestedPath, operStatus: { operStatus: "operSuccess", operSuccess: { affectedPaths, unaffectedPathErrs: [] } } };
    }),
  };
  return { ok: true, resp, applied };
}
