// A device as a filter evaluated in memory reads it (query/evaluate.ts): the parameters the filter
// names and, when it reads alarm.active or alarm.severity, the device's active alarms, so that memory
// and the store's SQL (store/sql/filter.ts) give the same answer.

import { highestSeverity } from "../alarms/index.js";
import { analyze, fieldKind, filterDevice, type FilterDevice, type FilterNode } from "../query/index.js";
import type { DeviceRecord, StoreTx } from "../store/types.js";

export async function deviceForFilter(tx: Pick<StoreTx, "parameters" | "alarms">, device: DeviceRecord, ast: FilterNode): Promise<FilterDevice> {
  const info = analyze(ast);
  const params = info.parameters.length > 0 ? await tx.parameters.get(device.id, info.parameters) : [];
  if (!info.fields.some((f) => fieldKind(f) === "alarm")) return filterDevice(device, params);
  const active = (await tx.alarms.openFor(device.id)).filter((a) => a.state === "active");
  return { ...filterDevice(device, params), alarms: { active: active.length, severity: highestSeverity(active.map((a) => a.severity)) } };
}
