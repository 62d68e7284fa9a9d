// A Msg as readable JSON, the way TR-369's examples write Msgs: the .proto's own field names
// (msg_id, param_paths), enumerations by name, and only the fields that are set (as proto3's JSON
// mapping leaves out defaults). For people reading a session's history; the codec never reads it back.

import type { TypePlan } from "./convert.js";
import { msgPlan } from "./schema/index.js";
import type { UspMsg } from "./types/messages.js";

export type MsgJson = { [key: string]: MsgJsonValue };
export type MsgJsonValue = string | number | boolean | MsgJson | MsgJsonValue[];

/** protobufjs camel-cases every field name of these schemas from its snake_case; this undoes it. */
const protoName = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** One value as JSON: submessages whenever present (a oneof's member may be empty); scalars as they are. */
function element(v: unknown, plan: TypePlan | undefined): MsgJsonValue {
  if (plan !== undefined) return json(plan, v as Record<string, unknown>);
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  return v as string | number | boolean;
}

const isDefault = (v: unknown) => v === "" || v === 0 || v === 0n || v === false || (v instanceof Uint8Array && v.length === 0);

function json(plan: TypePlan, o: Record<string, unknown>): MsgJson {
  const out: MsgJson = {};
  // The codec's oneof discriminants (msgBody, reqType) are no fields: the member set says it already.
  for (const f of plan.fields) {
    const v = o[f.name];
    if (v === undefined || v === null) continue;
    if (f.map) {
      if (Object.keys(v as object).length > 0) out[protoName(f.name)] = { ...(v as Record<string, string>) };
    } else if (f.repeated) {
      if ((v as unknown[]).length > 0) out[protoName(f.name)] = (v as unknown[]).map((x) => element(x, f.message));
    } else if (f.message !== undefined || !isDefault(v)) {
      out[protoName(f.name)] = element(v, f.message);
    }
  }
  return out;
}

/** The Msg's header and body as JSON, with TR-369's field names; defaults left out. */
export function msgJson(msg: UspMsg): MsgJson {
  return json(msgPlan, msg as unknown as Record<string, unknown>);
}
