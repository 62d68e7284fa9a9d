// A Msg as readable JSON (the session history's form): TR-369's field names, enumerations by name,
// defaults left out, the codec's oneof discriminants gone; every message type renders.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { uspDescriptor } from "../../src/usp/schema/descriptor.js";
import { msgJson, uspMsg, type MsgJsonValue } from "../../src/usp/index.js";
import { msgFixtures, notifyFixtures } from "./fixtures.js";

/** Every field name of the schemas, as the .proto files spell them, and those of the maps. */
function protoNames(): { names: Set<string>; maps: Set<string> } {
  const names = new Set<string>();
  const maps = new Set<string>();
  const walk = (ns: { nested?: Record<string, unknown> }) => {
    for (const v of Object.values(ns.nested ?? {}) as { fields?: Record<string, { protoName?: string; keyType?: string }>; nested?: Record<string, unknown> }[]) {
      for (const [name, f] of Object.entries(v.fields ?? {})) {
        names.add(f.protoName ?? name);
        if (f.keyType !== undefined) maps.add(f.protoName ?? name);
      }
      walk(v);
    }
  };
  walk(uspDescriptor as { nested?: Record<string, unknown> });
  return { names, maps };
}

/** The field names in a Msg's JSON; maps' keys are data (parameter and argument names), not fields. */
function keys(v: MsgJsonValue, maps: Set<string>, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => keys(x, maps, out));
  else if (typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      if (!maps.has(k)) keys(x, maps, out);
    }
  }
  return out;
}

describe("USP Msgs as JSON", () => {
  it("writes a Get and its GetResp as TR-369's examples do", () => {
    assert.deepEqual(msgJson(uspMsg("get", "g-1", { paramPaths: ["Device.DeviceInfo.", "Device.WiFi.SSID.*.SSID"], maxDepth: 0 })), {
      header: { msg_id: "g-1", msg_type: "GET" },
      body: { request: { get: { param_paths: ["Device.DeviceInfo.", "Device.WiFi.SSID.*.SSID"] } } },
    });
    const resp = uspMsg("getResp", "g-1", {
      reqPathResults: [
        { requestedPath: "Device.DeviceInfo.", errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.DeviceInfo.", resultParams: { SoftwareVersion: "1.0.0" } }] },
        { requestedPath: "Device.Nope.", errCode: 7026, errMsg: "Invalid path", resolvedPathResults: [] },
      ],
    });
    assert.deepEqual(msgJson(resp), {
      header: { msg_id: "g-1", msg_type: "GET_RESP" },
      body: {
        response: {
          get_resp: {
            req_path_results: [
              { requested_path: "Device.DeviceInfo.", resolved_path_results: [{ resolved_path: "Device.DeviceInfo.", result_params: { SoftwareVersion: "1.0.0" } }] },
              { requested_path: "Device.Nope.", err_code: 7026, err_msg: "Invalid path" },
            ],
          },
        },
      },
    });
  });

  it("keeps a message that is present but empty, and an Error's codes", () => {
    assert.deepEqual(msgJson(uspMsg("notifyResp", "n-1", { subscriptionId: "" })), { header: { msg_id: "n-1", msg_type: "NOTIFY_RESP" }, body: { response: { notify_resp: {} } } });
    assert.deepEqual(msgJson(uspMsg("error", "e-1", { errCode: 7004, errMsg: "bad", paramErrs: [{ paramPath: "Device.X", errCode: 7010, errMsg: "" }] })), {
      header: { msg_id: "e-1", msg_type: "ERROR" },
      body: { error: { err_code: 7004, err_msg: "bad", param_errs: [{ param_path: "Device.X", err_code: 7010 }] } },
    });
  });

  it("renders every message type with the .proto's field names only", () => {
    const { names, maps } = protoNames();
    for (const msg of [...msgFixtures.map((f) => f.msg), ...notifyFixtures]) {
      const json = msgJson(msg);
      assert.equal((json.header as { msg_type: string }).msg_type, msg.header.msgType);
      for (const k of keys(json, maps)) assert.ok(names.has(k), `${k} in ${msg.header.msgType} is a field of the schema`);
      assert.doesNotThrow(() => JSON.stringify(json), "no bigint or bytes left");
    }
  });
});
