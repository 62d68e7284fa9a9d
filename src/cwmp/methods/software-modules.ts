// Software module management (CWMP 1.2+): ChangeDUState and the completion reports.
// Operations and Results repeat without an array wrapper, as the schema defines them.

import { codec, emptyCodec } from "../codec/method.js";
import type { Reader } from "../codec/read.js";
import type { Writer } from "../codec/write.js";
import type { DeploymentUnitOperation, OpResultStruct } from "../types.js";
import type { XmlElement } from "../xml/scanner.js";

function operationType(el: XmlElement, r: Reader): DeploymentUnitOperation["type"] {
  const t = el.attributes?.find((a) => a.local === "type");
  if (t !== undefined) {
    const local = t.value.slice(t.value.indexOf(":") + 1);
    if (local === "InstallOpStruct") return "Install";
    if (local === "UpdateOpStruct") return "Update";
    if (local === "UninstallOpStruct") return "Uninstall";
  }
  // Without xsi:type the fields tell: an uninstall has no URL, an update names a version.
  r.warn(`ChangeDUState operation without a known xsi:type (${t?.value ?? "none"}); type inferred`);
  if (!r.has(el, "URL")) return "Uninstall";
  return r.has(el, "Version") ? "Update" : "Install";
}

function readOperation(el: XmlElement, r: Reader, path: string): DeploymentUnitOperation {
  const opt = (name: string) => r.optionalString(el, name);
  const pick = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  switch (operationType(el, r)) {
    case "Install":
      return pick({ type: "Install" as const, url: r.string(el, "URL", path), uuid: opt("UUID"), username: opt("Username"), password: opt("Password"), executionEnvRef: opt("ExecutionEnvRef") });
    case "Update":
      return pick({ type: "Update" as const, uuid: opt("UUID"), version: opt("Version"), url: opt("URL"), username: opt("Username"), password: opt("Password") });
    case "Uninstall":
      return pick({ type: "Uninstall" as const, uuid: r.string(el, "UUID", path), version: opt("Version"), executionEnvRef: opt("ExecutionEnvRef") });
  }
}

function writeOperation(op: DeploymentUnitOperation, w: Writer): void {
  w.open("Operations", `xsi:type="${w.cwmp}:${op.type}OpStruct"`);
  switch (op.type) {
    case "Install":
      w.str("URL", op.url);
      w.optStr("UUID", op.uuid);
      w.optStr("Username", op.username);
      w.optStr("Password", op.password);
      w.optStr("ExecutionEnvRef", op.executionEnvRef);
      break;
    case "Update":
      w.optStr("UUID", op.uuid);
      w.optStr("Version", op.version);
      w.optStr("URL", op.url);
      w.optStr("Username", op.username);
      w.optStr("Password", op.password);
      break;
    case "Uninstall":
      w.str("UUID", op.uuid);
      w.optStr("Version", op.version);
      w.optStr("ExecutionEnvRef", op.executionEnvRef);
      break;
  }
  w.close("Operations");
}

export const changeDUState = codec(
  "ChangeDUState",
  "1-2",
  (el, r, path) => {
    const commandKey = r.optionalString(el, "CommandKey");
    return {
      operations: r.all(el, "Operations").map((o, i) => readOperation(o, r, `${path}/Operations[${i}]`)),
      ...(commandKey === undefined ? {} : { commandKey }),
    };
  },
  (m, w) => {
    for (const op of m.operations) writeOperation(op, w);
    w.optStr("CommandKey", m.commandKey);
  },
);

export const changeDUStateResponse = emptyCodec("ChangeDUStateResponse", "1-2");

function readResult(el: XmlElement, r: Reader, path: string): OpResultStruct {
  const f = r.child(el, "Fault");
  return {
    uuid: r.string(el, "UUID", path),
    deploymentUnitRef: r.string(el, "DeploymentUnitRef", path),
    version: r.string(el, "Version", path),
    currentState: r.string(el, "CurrentState", path),
    resolved: r.bool(el, "Resolved", path),
    executionUnitRefList: r.string(el, "ExecutionUnitRefList", path),
    startTime: r.string(el, "StartTime", path),
    completeTime: r.string(el, "CompleteTime", path),
    fault: f === undefined ? { faultCode: 0, faultString: "" } : { faultCode: r.uint(f, "FaultCode", `${path}/Fault`), faultString: r.optionalString(f, "FaultString") ?? "" },
  };
}

function writeResult(res: OpResultStruct, w: Writer, operationPerformed?: string): void {
  w.str("UUID", res.uuid);
  w.str("DeploymentUnitRef", res.deploymentUnitRef);
  w.str("Version", res.version);
  w.str("CurrentState", res.currentState);
  w.bool("Resolved", res.resolved);
  w.str("ExecutionUnitRefList", res.executionUnitRefList);
  w.dateTime("StartTime", res.startTime);
  w.dateTime("CompleteTime", res.completeTime);
  w.raw("<Fault>");
  w.uint("FaultCode", res.fault.faultCode);
  w.str("FaultString", res.fault.faultString);
  w.raw("</Fault>");
  if (operationPerformed !== undefined) w.str("OperationPerformed", operationPerformed);
}

export const duStateChangeComplete = codec(
  "DUStateChangeComplete",
  "1-2",
  (el, r, path) => {
    const commandKey = r.optionalString(el, "CommandKey");
    return {
      results: r.all(el, "Results").map((s, i) => readResult(s, r, `${path}/Results[${i}]`)),
      ...(commandKey === undefined ? {} : { commandKey }),
    };
  },
  (m, w) => {
    for (const res of m.results) {
      w.raw("<Results>");
      writeResult(res, w);
      w.raw("</Results>");
    }
    w.optStr("CommandKey", m.commandKey);
  },
);

export const duStateChangeCompleteResponse = emptyCodec("DUStateChangeCompleteResponse", "1-2");

export const autonomousDUStateChangeComplete = codec(
  "AutonomousDUStateChangeComplete",
  "1-2",
  (el, r, path) => ({
    results: r.all(el, "Results").map((s, i) => ({
      ...readResult(s, r, `${path}/Results[${i}]`),
      operationPerformed: r.string(s, "OperationPerformed", `${path}/Results[${i}]`),
    })),
  }),
  (m, w) => {
    for (const res of m.results) {
      w.raw("<Results>");
      writeResult(res, w, res.operationPerformed);
      w.raw("</Results>");
    }
  },
);

export const autonomousDUStateChangeCompleteResponse = emptyCodec("AutonomousDUStateChangeCompleteResponse", "1-2");
