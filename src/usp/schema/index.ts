// The TR-369 schemas loaded once from the generated descriptor; nothing here changes after loading.

import protobuf from "protobufjs/light.js";
import { planOf, type TypePlan } from "../convert.js";
import { uspDescriptor } from "./descriptor.js";

const root = protobuf.Root.fromJSON(uspDescriptor);
root.resolveAll();

export const RecordType = root.lookupType("usp_record.Record");
export const MsgType = root.lookupType("usp.Msg");

/** What the codec's walk needs of each, worked out once (src/usp/convert.ts). */
export const recordPlan: TypePlan = planOf(RecordType);
export const msgPlan: TypePlan = planOf(MsgType);

export type { Type } from "protobufjs/light.js";
