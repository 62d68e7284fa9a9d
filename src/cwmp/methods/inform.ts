// Session-level RPCs: Inform and its response, GetRPCMethods (both directions), Kicked.

import { codec, emptyCodec } from "../codec/method.js";
import type { Writer } from "../codec/write.js";
import { readParameterList, writeParameterValueList } from "./parameters.js";

export const inform = codec(
  "Inform",
  "1-0",
  (el, r, path) => {
    const id = r.child(el, "DeviceId");
    if (id === undefined) return r.invalid(`${path}/DeviceId`, "Inform has no DeviceId");
    const idPath = `${path}/DeviceId`;
    return {
      deviceId: {
        manufacturer: r.string(id, "Manufacturer", idPath),
        oui: r.string(id, "OUI", idPath),
        productClass: r.string(id, "ProductClass", idPath),
        serialNumber: r.string(id, "SerialNumber", idPath),
      },
      event: r.items(el, "Event", path).map((s, i) => ({
        eventCode: r.string(s, "EventCode", `${path}/Event[${i}]`),
        commandKey: r.optionalString(s, "CommandKey") ?? "",
      })),
      maxEnvelopes: r.uint(el, "MaxEnvelopes", path),
      currentTime: r.string(el, "CurrentTime", path),
      retryCount: r.uint(el, "RetryCount", path),
      parameterList: readParameterList(el, r, path),
    };
  },
  (m, w) => {
    w.raw("<DeviceId>");
    w.str("Manufacturer", m.deviceId.manufacturer);
    w.str("OUI", m.deviceId.oui);
    w.str("ProductClass", m.deviceId.productClass);
    w.str("SerialNumber", m.deviceId.serialNumber);
    w.raw("</DeviceId>");
    w.openArray("Event", "cwmp:EventStruct", m.event.length);
    for (const e of m.event) {
      w.raw("<EventStruct>");
      w.str("EventCode", e.eventCode);
      w.str("CommandKey", e.commandKey);
      w.raw("</EventStruct>");
    }
    w.close("Event");
    w.uint("MaxEnvelopes", m.maxEnvelopes);
    w.dateTime("CurrentTime", m.currentTime);
    w.uint("RetryCount", m.retryCount);
    writeParameterValueList(m.parameterList, w);
  },
);

export const informResponse = codec(
  "InformResponse",
  "1-0",
  (el, r, path) => ({ maxEnvelopes: r.uint(el, "MaxEnvelopes", path) }),
  (m, w) => w.uint("MaxEnvelopes", m.maxEnvelopes),
);

export const getRPCMethods = emptyCodec("GetRPCMethods", "1-0");

function writeMethodList(list: string[], w: Writer): void {
  w.openArray("MethodList", "xsd:string", list.length);
  for (const s of list) w.str("string", s);
  w.close("MethodList");
}

export const getRPCMethodsResponse = codec(
  "GetRPCMethodsResponse",
  "1-0",
  (el, r, path) => ({ methodList: r.items(el, "MethodList", path).map((c) => c.text.trim()) }),
  (m, w) => writeMethodList(m.methodList, w),
);

export const kicked = codec(
  "Kicked",
  "1-0",
  (el, r, path) => ({
    command: r.string(el, "Command", path),
    referer: r.string(el, "Referer", path),
    arg: r.string(el, "Arg", path),
    next: r.string(el, "Next", path),
  }),
  (m, w) => {
    w.str("Command", m.command);
    w.str("Referer", m.referer);
    w.str("Arg", m.arg);
    w.str("Next", m.next);
  },
);

export const kickedResponse = codec(
  "KickedResponse",
  "1-0",
  (el, r, path) => ({ nextUrl: r.string(el, "NextURL", path) }),
  (m, w) => w.str("NextURL", m.nextUrl),
);
