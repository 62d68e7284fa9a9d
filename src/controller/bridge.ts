// The one-fleet bridge, sans I/O: the CWMP session engine's RPCs as USP requests, and the agent's USP
// responses as the CWMP responses or faults the engine expects. A USP device thus runs the same tasks,
// presets and provisions as a CWMP one. docs/usp.md ("One fleet") has the table, operation by operation.

import { createHash } from "node:crypto";
import { cwmpFault, type CwmpMessage, type Fault, type ParameterInfoStruct, type ParameterValueStruct, type SetParameterValuesFaultStruct, type XsdType } from "../cwmp/index.js";
import { msgBody, msgKind, type ParamError, type ParameterError, type RequestBodies, type UspMsg } from "../usp/index.js";
import { diagnosticRequest } from "./diagnostics.js";
import type { SupportedDataModel } from "./supported-dm.js";
import { cwmpFaultCodeOf, describe, faultOfUspError, notSupported } from "./faults.js";

/** One USP request to send to the agent. */
export type UspRequest = { [K in keyof RequestBodies]: { kind: K; body: RequestBodies[K]; /** Its failure does not fail the RPC. */ optional?: boolean } }[keyof RequestBodies];

export type Translation =
  /** Send these in order; give their responses to fromUsp in the same order (up to the first Error). */
  | { kind: "usp"; requests: UspRequest[] }
  /** Answered without the agent: a response, or the fault of an RPC USP has no counterpart for. */
  | { kind: "local"; response: CwmpMessage };

export interface BridgeContext {
  /** The CWMP type of a parameter (from the agent's supported data model, or the standard one); undefined: xsd:string. */
  typeOf?: (path: string) => XsdType | undefined;
  /** The instance of Device.DeviceInfo.FirmwareImage.{i}. a firmware Download goes to (default 2: the usual spare bank). */
  firmwareImage?: number;
  /**
   * The agent's whole supported data model, learnt once for its model and version (supported-dm.ts):
   * GetParameterNames takes writability from it, and commands it lacks fail before anything is sent.
   */
  dataModel?: SupportedDataModel;
}

export const FIRMWARE_FILE_TYPE = "1 Firmware Upgrade Image";
/** What a "6 CONNECTION REQUEST"-less engine asks as GetRPCMethods: the RPCs the bridge carries. */
export const BRIDGED_METHODS = ["GetRPCMethods", "GetParameterValues", "GetParameterNames", "SetParameterValues", "SetParameterAttributes", "GetParameterAttributes", "AddObject", "DeleteObject", "Reboot", "FactoryReset", "Download"];
const SUBSCRIPTIONS = "Device.LocalAgent.Subscription.";
/** IDs of the ValueChange subscriptions the bridge keeps for notification attributes. */
export const VALUE_CHANGE_ID_PREFIX = "provisio-vc-";
const DATE_UNKNOWN = "0001-01-01T00:00:00Z";

/** The ID of the subscription that stands for a parameter's notification attribute (unique key, at most 64 characters). */
export function valueChangeSubscriptionId(path: string): string {
  return VALUE_CHANGE_ID_PREFIX + createHash("sha256").update(path).digest("base64url").slice(0, 24);
}

/** Where a parameter lives and its name: "Device.A.1.B" is object "Device.A.1." and parameter "B". */
function split(path: string): { obj: string; param: string } {
  const dot = path.lastIndexOf(".");
  return { obj: path.slice(0, dot + 1), param: path.slice(dot + 1) };
}

/** A path's supported-data-model form: instance numbers become {i}. */
export function schemaPathOf(path: string): string {
  return path.replace(/\.\d+(?=\.)/g, ".{i}");
}

/** The USP requests that carry a CWMP RPC, or its local answer. */
export function toUsp(rpc: CwmpMessage, ctx: BridgeContext = {}): Translation {
  switch (rpc.method) {
    case "GetRPCMethods":
      return { kind: "local", response: { method: "GetRPCMethodsResponse", methodList: BRIDGED_METHODS } };
    case "GetParameterValues":
      return usp({ kind: "get", body: { paramPaths: rpc.parameterNames.map(rooted), maxDepth: 0 } });
    case "GetParameterNames": {
      const path = rooted(rpc.parameterPath);
      const requests: UspRequest[] = [
        { kind: "get", body: { paramPaths: [path], maxDepth: 0 } },
        { kind: "getInstances", body: { objPaths: [path.endsWith(".") ? path : split(path).obj], firstLevelOnly: false }, optional: true },
      ];
      // Writability from the model learnt for the agent's model and version, else asked for this subtree.
      if (ctx.dataModel === undefined) {
        requests.push({ kind: "getSupportedDm", body: { objPaths: [schemaPathOf(path.endsWith(".") ? path : split(path).obj)], firstLevelOnly: false, returnCommands: false, returnEvents: false, returnParams: true, returnUniqueKeySets: false }, optional: true });
      }
      return { kind: "usp", requests };
    }
    case "SetParameterValues": {
      // A diagnostic's request is its command (diagnostics.ts).
      const diagnostic = diagnosticRequest(rpc.parameterList);
      if (diagnostic !== null) return "problem" in diagnostic ? { kind: "local", response: cwmpFault(9003, diagnostic.problem) } : operate(diagnostic.diagnostic.command, rpc.parameterKey, diagnostic.inputArgs, ctx);
      const byObj = new Map<string, { param: string; value: string; required: boolean }[]>();
      for (const p of rpc.parameterList) {
        const { obj, param } = split(p.name);
        const list = byObj.get(obj) ?? [];
        list.push({ param, value: p.value.text, required: true });
        byObj.set(obj, list);
      }
      return usp({ kind: "set", body: { allowPartial: false, updateObjs: [...byObj].map(([objPath, paramSettings]) => ({ objPath, paramSettings })) } });
    }
    case "AddObject":
      return usp({ kind: "add", body: { allowPartial: false, createObjs: [{ objPath: rpc.objectName, paramSettings: [] }] } });
    case "DeleteObject":
      return usp({ kind: "delete", body: { allowPartial: false, objPaths: [rpc.objectName] } });
    case "Reboot":
      return operate("Device.Reboot()", rpc.commandKey, {}, ctx);
    case "FactoryReset":
      return operate("Device.FactoryReset()", "", {}, ctx);
    case "Download": {
      if (rpc.fileType !== FIRMWARE_FILE_TYPE) return { kind: "local", response: notSupported("Download", `file type "${rpc.fileType}": only "${FIRMWARE_FILE_TYPE}" has a USP command`) };
      if (rpc.delaySeconds > 0) return { kind: "local", response: notSupported("Download", "a DelaySeconds") };
      const args: Record<string, string> = { URL: rpc.url, AutoActivate: "true" };
      if (rpc.username !== "") args.Username = rpc.username;
      if (rpc.password !== "") args.Password = rpc.password;
      if (rpc.fileSize > 0) args.FileSize = String(rpc.fileSize);
      return operate(`Device.DeviceInfo.FirmwareImage.${ctx.firmwareImage ?? 2}.Download()`, rpc.commandKey, args, ctx);
    }
    case "SetParameterAttributes": {
      const changed = rpc.parameterList.filter((p) => p.notificationChange);
      if (changed.length === 0) return { kind: "local", response: { method: "SetParameterAttributesResponse" } };
      const requests: UspRequest[] = [
        { kind: "delete", body: { allowPartial: true, objPaths: changed.map((p) => `${SUBSCRIPTIONS}[ID=="${valueChangeSubscriptionId(rooted(p.name))}"].`) }, optional: true },
      ];
      const on = changed.filter((p) => p.notification > 0);
      if (on.length > 0) {
        requests.push({
          kind: "add",
          body: {
            allowPartial: false,
            createObjs: on.map((p) => ({
              objPath: SUBSCRIPTIONS,
              paramSettings: [
                { param: "ID", value: valueChangeSubscriptionId(rooted(p.name)), required: true },
                { param: "NotifType", value: "ValueChange", required: true },
                { param: "ReferenceList", value: rooted(p.name), required: true },
                { param: "Persistent", value: "true", required: false },
                { param: "Enable", value: "true", required: true },
              ],
            })),
          },
        });
      }
      return { kind: "usp", requests };
    }
    case "GetParameterAttributes":
      return usp({ kind: "get", body: { paramPaths: [SUBSCRIPTIONS], maxDepth: 0 } });
    default:
      return { kind: "local", response: notSupported(rpc.method) };
  }
}

/**
 * The CWMP response (or Fault) to `rpc` from the agent's answers to toUsp's requests, in order. A USP
 * Error stops the RPC: it may be the last answer given.
 */
export function fromUsp(rpc: CwmpMessage, answers: readonly UspMsg[], ctx: BridgeContext = {}): CwmpMessage {
  const translation = toUsp(rpc, ctx);
  if (translation.kind === "local") return translation.response;
  for (const [i, req] of translation.requests.entries()) {
    const answer = answers[i];
    if (answer === undefined) return cwmpFault(9002, `the agent did not answer the ${req.kind} that carries ${rpc.method}`);
    const error = msgBody(answer, "error");
    if (error !== undefined && req.optional !== true) return errorFault(rpc, error.errCode, error.errMsg, error.paramErrs);
    const expected = `${req.kind}Resp`;
    if (error === undefined && msgKind(answer) !== expected) return cwmpFault(9002, `the agent answered ${msgKind(answer)} to a ${req.kind}`);
  }
  const first = answers[0]!;
  switch (rpc.method) {
    case "GetParameterValues":
      return getValues(first, ctx);
    case "GetParameterNames":
      return getNames(rooted(rpc.parameterPath), rpc.nextLevel, answers, ctx.dataModel === undefined ? writability(answers[2]) : (p) => ctx.dataModel!.writable(p));
    case "SetParameterValues":
      if (translation.requests[0]!.kind === "operate") return operateFailure(first) ?? { method: "SetParameterValuesResponse", status: 0 };
      return setValues(first);
    case "AddObject":
      return addObject(first);
    case "DeleteObject":
      return deleteObject(first);
    case "Reboot":
    case "FactoryReset": {
      const failure = operateFailure(first);
      return failure ?? { method: `${rpc.method}Response` };
    }
    case "Download": {
      const failure = operateFailure(first, 9010);
      if (failure !== null) return failure;
      const result = msgBody(first, "operateResp")!.operationResults[0]!;
      // Asynchronous (the usual): its OperationComplete becomes the TransferComplete.
      return { method: "DownloadResponse", status: result.operationResp === "reqObjPath" ? 1 : 0, startTime: DATE_UNKNOWN, completeTime: DATE_UNKNOWN };
    }
    case "SetParameterAttributes": {
      const add = answers[1] === undefined ? undefined : msgBody(answers[1], "addResp");
      const failed = add?.createdObjResults.find((r) => r.operStatus.operStatus === "operFailure");
      if (failed !== undefined && failed.operStatus.operStatus === "operFailure") return faultOfUspError(failed.operStatus.operFailure.errCode, failed.operStatus.operFailure.errMsg);
      return { method: "SetParameterAttributesResponse" };
    }
    case "GetParameterAttributes":
      return getAttributes(rpc.parameterNames.map(rooted), first);
    default:
      return notSupported(rpc.method);
  }
}

function usp(...requests: UspRequest[]): Translation {
  return { kind: "usp", requests };
}

function operate(command: string, commandKey: string, inputArgs: Record<string, string>, ctx: BridgeContext): Translation {
  if (ctx.dataModel?.hasCommand(command) === false) return { kind: "local", response: cwmpFault(9000, `${command} is not supported by this agent: its data model (GetSupportedDM) has no such command`) };
  return usp({ kind: "operate", body: { command, commandKey, sendResp: true, inputArgs } });
}

/** CWMP's empty name is the whole tree. */
function rooted(path: string): string {
  return path === "" ? "Device." : path;
}

function errorFault(rpc: CwmpMessage, errCode: number, errMsg: string, paramErrs: readonly ParamError[]): Fault {
  if (rpc.method === "SetParameterValues" && paramErrs.length > 0) {
    const entries: SetParameterValuesFaultStruct[] = paramErrs.map((p) => ({ parameterName: p.paramPath, faultCode: cwmpFaultCodeOf(p.errCode), faultString: describe(p.errCode, p.errMsg) }));
    return faultOfUspError(errCode, errMsg, entries, 9003);
  }
  if (rpc.method === "Download" && errCode === 7022) return faultOfUspError(errCode, errMsg, undefined, 9010);
  return faultOfUspError(errCode, errMsg);
}

function getValues(answer: UspMsg, ctx: BridgeContext): CwmpMessage {
  const resp = msgBody(answer, "getResp")!;
  const list: ParameterValueStruct[] = [];
  for (const r of resp.reqPathResults) {
    // A CWMP read is all or nothing: one bad name faults it (the engine then asks for each task's alone).
    if (r.errCode !== 0) return faultOfUspError(r.errCode, `${r.requestedPath}: ${r.errMsg}`);
    for (const res of r.resolvedPathResults) {
      for (const [name, text] of Object.entries(res.resultParams)) {
        const path = res.resolvedPath + name;
        list.push({ name: path, value: { type: ctx.typeOf?.(path) ?? "xsd:string", text } });
      }
    }
  }
  return { method: "GetParameterValuesResponse", parameterList: list };
}

function getNames(path: string, nextLevel: boolean, answers: readonly UspMsg[], writable: (path: string) => boolean): CwmpMessage {
  const resp = msgBody(answers[0]!, "getResp")!;
  const names = new Map<string, boolean>();
  const base = path.endsWith(".") ? path : "";
  const add = (name: string) => {
    if (name === base || !name.startsWith(base)) return;
    const rest = name.slice(base.length);
    const depth = rest.split(".").length - (name.endsWith(".") ? 1 : 0);
    if (nextLevel && depth > 1) return;
    names.set(name, writable(name));
  };
  const addObjectAndParents = (obj: string) => {
    // Every object between the asked path and this one exists too.
    const parts = obj.slice(0, -1).split(".");
    for (let i = 1; i <= parts.length; i++) add(parts.slice(0, i).join(".") + ".");
  };
  for (const r of resp.reqPathResults) {
    if (r.errCode !== 0) return faultOfUspError(r.errCode, `${r.requestedPath}: ${r.errMsg}`);
    for (const res of r.resolvedPathResults) {
      addObjectAndParents(res.resolvedPath);
      for (const name of Object.keys(res.resultParams)) {
        const full = res.resolvedPath + name;
        if (full.endsWith(".")) addObjectAndParents(full);
        else {
          addObjectAndParents(split(full).obj);
          add(full);
        }
      }
    }
  }
  // Instances without parameters of their own show only in GetInstances.
  const inst = answers[1] === undefined ? undefined : msgBody(answers[1], "getInstancesResp");
  for (const r of inst?.reqPathResults ?? []) for (const c of r.currInsts) addObjectAndParents(c.instantiatedObjPath);
  const parameterList: ParameterInfoStruct[] = [...names].map(([name, w]) => ({ name, writable: w }));
  return { method: "GetParameterNamesResponse", parameterList };
}

/** Whether a path is writable, from a GetSupportedDMResp (read-only when the agent gave none). */
function writability(answer: UspMsg | undefined): (path: string) => boolean {
  const writableParams = new Set<string>();
  const writableObjs = new Set<string>();
  const dm = answer === undefined ? undefined : msgBody(answer, "getSupportedDmResp");
  for (const r of dm?.reqObjResults ?? []) {
    for (const o of r.supportedObjs) {
      if (o.access !== "OBJ_READ_ONLY") writableObjs.add(o.supportedObjPath);
      for (const p of o.supportedParams) if (p.access !== "PARAM_READ_ONLY") writableParams.add(o.supportedObjPath + p.paramName);
    }
  }
  return (path) => {
    const schema = schemaPathOf(path);
    if (!path.endsWith(".")) return writableParams.has(schema);
    // A table (addable) object: CWMP marks the table itself writable, not its instances.
    return /\.\{i\}\.$/.test(schema) ? false : writableObjs.has(schema + "{i}.");
  };
}

function setValues(answer: UspMsg): CwmpMessage {
  const resp = msgBody(answer, "setResp")!;
  const entries: SetParameterValuesFaultStruct[] = [];
  for (const r of resp.updatedObjResults) {
    if (r.operStatus.operStatus === "operFailure") {
      const f = r.operStatus.operFailure;
      for (const inst of f.updatedInstFailures) entries.push(...paramFaults(inst.affectedPath, inst.paramErrs));
      if (f.updatedInstFailures.length === 0) return faultOfUspError(f.errCode, `${r.requestedPath}: ${f.errMsg}`);
    } else {
      for (const inst of r.operStatus.operSuccess.updatedInstResults) entries.push(...paramFaults(inst.affectedPath, inst.paramErrs));
    }
  }
  if (entries.length > 0) return cwmpFault(9003, "the agent refused some of the values", entries);
  // USP has no "applied after a reboot" (CWMP's status 1): what it set is set.
  return { method: "SetParameterValuesResponse", status: 0 };
}

function paramFaults(obj: string, errs: readonly ParameterError[]): SetParameterValuesFaultStruct[] {
  return errs.map((e) => ({ parameterName: obj + e.param, faultCode: cwmpFaultCodeOf(e.errCode), faultString: describe(e.errCode, e.errMsg) }));
}

function addObject(answer: UspMsg): CwmpMessage {
  const r = msgBody(answer, "addResp")!.createdObjResults[0];
  if (r === undefined) return cwmpFault(9002, "the agent's AddResp has no result");
  if (r.operStatus.operStatus === "operFailure") return faultOfUspError(r.operStatus.operFailure.errCode, r.operStatus.operFailure.errMsg);
  const m = /\.(\d+)\.$/.exec(r.operStatus.operSuccess.instantiatedPath);
  if (m === null) return cwmpFault(9002, `the agent created ${JSON.stringify(r.operStatus.operSuccess.instantiatedPath)}, which has no instance number`);
  return { method: "AddObjectResponse", instanceNumber: Number(m[1]), status: 0 };
}

function deleteObject(answer: UspMsg): CwmpMessage {
  const r = msgBody(answer, "deleteResp")!.deletedObjResults[0];
  if (r === undefined) return cwmpFault(9002, "the agent's DeleteResp has no result");
  if (r.operStatus.operStatus === "operFailure") return faultOfUspError(r.operStatus.operFailure.errCode, r.operStatus.operFailure.errMsg);
  const unaffected = r.operStatus.operSuccess.unaffectedPathErrs[0];
  if (unaffected !== undefined) return faultOfUspError(unaffected.errCode, `${unaffected.unaffectedPath}: ${unaffected.errMsg}`);
  return { method: "DeleteObjectResponse", status: 0 };
}

/** The fault of an Operate that failed at once; null when it ran or started. */
function operateFailure(answer: UspMsg, failureCode?: number): Fault | null {
  const r = msgBody(answer, "operateResp")!.operationResults[0];
  if (r === undefined) return cwmpFault(9002, "the agent's OperateResp has no result");
  if (r.operationResp !== "cmdFailure") return null;
  return faultOfUspError(r.cmdFailure.errCode, r.cmdFailure.errMsg, undefined, failureCode);
}

function getAttributes(names: readonly string[], answer: UspMsg): CwmpMessage {
  const watched = new Set<string>();
  for (const r of msgBody(answer, "getResp")!.reqPathResults) {
    for (const res of r.resolvedPathResults) {
      const p = res.resultParams;
      if (p.NotifType === "ValueChange" && p.Enable !== "false" && p.Enable !== "0" && (p.ID ?? "").startsWith(VALUE_CHANGE_ID_PREFIX)) {
        for (const ref of (p.ReferenceList ?? "").split(",")) if (ref !== "") watched.add(ref.trim());
      }
    }
  }
  // Active (2): a USP agent notifies at once, as CWMP's active notification does.
  return { method: "GetParameterAttributesResponse", parameterList: names.map((name) => ({ name, notification: watched.has(name) ? 2 : 0, accessList: [] })) };
}
