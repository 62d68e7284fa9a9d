// The Inform a bridged session starts with, sans I/O: the agent's identity read with one Get, what it
// notified as CWMP event codes, and the parameters a CWMP Inform carries. The device id follows from the
// identity as a CWMP device's does (src/session/device-id.ts), so one box keeps its history across
// protocols.

import { formatDateTime, type CwmpEnvelope, type DeviceIdStruct, type EventStruct, type ParameterValueStruct, type TransferComplete } from "../cwmp/index.js";
import { msgBody, type Get, type Notify, type UspMsg } from "../usp/index.js";

/** What one Get reads of an agent for its Inform. */
export const INFORM_PARAMS = [
  "Device.DeviceInfo.Manufacturer",
  "Device.DeviceInfo.ManufacturerOUI",
  "Device.DeviceInfo.ProductClass",
  "Device.DeviceInfo.SerialNumber",
  "Device.DeviceInfo.SoftwareVersion",
  "Device.DeviceInfo.HardwareVersion",
  "Device.DeviceInfo.ProvisioningCode",
  "Device.LocalAgent.EndpointID",
];

export function informGet(): Get {
  return { paramPaths: INFORM_PARAMS, maxDepth: 0 };
}

/** The values a GetResp carries, by full path (paths the agent does not have are left out). */
export function valuesOf(answer: UspMsg): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of msgBody(answer, "getResp")?.reqPathResults ?? []) {
    if (r.errCode !== 0) continue;
    for (const res of r.resolvedPathResults) for (const [k, v] of Object.entries(res.resultParams)) out.set(res.resolvedPath + k, v);
  }
  return out;
}

/**
 * The DeviceId of an agent. `os::OUI-ProductClass-SerialNumber` names it (TR-369's scheme for a device
 * that is also a CWMP one): ProductClass and SerialNumber are taken from DeviceInfo when they spell the
 * endpoint id, else read from the id itself (the last "-" ends the product class). Any other scheme:
 * DeviceInfo's OUI (000000 when it has none), no product class, and the endpoint id as serial number.
 */
export function identityOf(endpointId: string, values: ReadonlyMap<string, string>): DeviceIdStruct {
  const v = (name: string) => (values.get(`Device.DeviceInfo.${name}`) ?? "").trim();
  const manufacturer = v("Manufacturer");
  if (endpointId.startsWith("os::")) {
    const rest = endpointId.slice(4);
    const dash = rest.indexOf("-");
    const oui = dash < 0 ? rest : rest.slice(0, dash);
    const tail = dash < 0 ? "" : rest.slice(dash + 1);
    const [pc, sn] = [v("ProductClass"), v("SerialNumber")];
    if (sn !== "" && (tail === `${pc}-${sn}` || (pc === "" && tail === sn))) return { manufacturer, oui, productClass: pc, serialNumber: sn };
    const last = tail.lastIndexOf("-");
    return { manufacturer, oui, productClass: last < 0 ? "" : tail.slice(0, last), serialNumber: last < 0 ? tail : tail.slice(last + 1) };
  }
  return { manufacturer, oui: v("ManufacturerOUI") || "000000", productClass: "", serialNumber: endpointId };
}

export interface InformInput {
  endpointId: string;
  /** The answer to informGet(). */
  values: ReadonlyMap<string, string>;
  events: EventStruct[];
  /** Values notified (4 VALUE CHANGE), carried as a CWMP Inform carries them. */
  changed?: readonly { path: string; value: string }[];
  now: Date;
}

/**
 * The Inform: the values read, or, for a value change, only the values notified (the event a CWMP
 * value change makes lists what its Inform carries, and a USP agent tells exactly what changed).
 */
export function informEnvelope(input: InformInput): CwmpEnvelope {
  const changed = input.changed ?? [];
  const carried: [string, string][] = changed.length > 0 ? changed.map((c) => [c.path, c.value]) : [...input.values];
  const parameterList: ParameterValueStruct[] = carried.map(([name, text]) => ({ name, value: { type: "xsd:string", text } }));
  return {
    ns: "1-4",
    header: {},
    body: { method: "Inform", deviceId: identityOf(input.endpointId, input.values), event: input.events, maxEnvelopes: 1, currentTime: formatDateTime(input.now), retryCount: 0, parameterList },
  };
}

/** What a Notify asks the controller to do: a session with these events (and values), or nothing. */
export type NotifyEffect =
  | { kind: "session"; events: EventStruct[]; changed?: { path: string; value: string }[]; transferComplete?: TransferComplete }
  /** An OperationComplete of a command other than a Download: recorded as an event, no session needed. */
  | { kind: "operationComplete"; path: string; command: string; commandKey: string; ok: boolean; detail: Record<string, string> }
  | { kind: "none" };

const DOWNLOAD = /^Device\.DeviceInfo\.FirmwareImage\.\d+\.$/;

/** The CWMP reading of a Notify. */
export function notifyEffect(n: Notify, now: Date): NotifyEffect {
  switch (n.notification) {
    case "onBoardReq":
      return { kind: "session", events: [{ eventCode: "0 BOOTSTRAP", commandKey: "" }, { eventCode: "1 BOOT", commandKey: "" }] };
    case "event": {
      const name = n.event.objPath + n.event.eventName;
      if (name === "Device.Boot!") return { kind: "session", events: [{ eventCode: "1 BOOT", commandKey: n.event.params.CommandKey ?? "" }] };
      if (name === "Device.LocalAgent.Periodic!") return { kind: "session", events: [{ eventCode: "2 PERIODIC", commandKey: "" }] };
      return { kind: "none" };
    }
    case "valueChange":
      return { kind: "session", events: [{ eventCode: "4 VALUE CHANGE", commandKey: "" }], changed: [{ path: n.valueChange.paramPath, value: n.valueChange.paramValue }] };
    case "operComplete": {
      const o = n.operComplete;
      const ok = o.operationResp === "reqOutputArgs";
      if (o.commandName === "Download()" && DOWNLOAD.test(o.objPath)) {
        const at = formatDateTime(now);
        const faultStruct = ok ? { faultCode: 0, faultString: "" } : { faultCode: 9010, faultString: `USP ${o.cmdFailure.errCode}: ${o.cmdFailure.errMsg}` };
        return {
          kind: "session",
          events: [{ eventCode: "7 TRANSFER COMPLETE", commandKey: "" }, { eventCode: "M Download", commandKey: o.commandKey }],
          transferComplete: { method: "TransferComplete", commandKey: o.commandKey, faultStruct, startTime: at, completeTime: at },
        };
      }
      return { kind: "operationComplete", path: o.objPath, command: o.commandName, commandKey: o.commandKey, ok, detail: ok ? o.reqOutputArgs.outputArgs : { errCode: String(o.cmdFailure.errCode), errMsg: o.cmdFailure.errMsg } };
    }
    case "objCreation":
    case "objDeletion":
      return { kind: "none" };
  }
}
