// The condition that keeps a list of rows attached to devices (tasks, faults) to the devices a filter
// matches: a tenant's. A semi-join on the devices table with the filter compiled as the device list
// compiles it, so the two cannot disagree about which devices are in.
import { toFilter } from "../../query/index.js";
import type { DeviceScope } from "../types.js";
import type { Dialect } from "./dialect.js";
import { compileFilter, SqlParams } from "./filter.js";

/** `column IN (devices the scope's filter matches)`, binding its values after those already in `params`. */
export function deviceScopeCondition(column: string, scope: DeviceScope, dialect: Dialect, params: unknown[]): string {
  const p = new SqlParams();
  p.values.push(...params);
  const cond = compileFilter(toFilter(scope.filter), dialect, { now: scope.now, ...(scope.onlineWithinMs !== undefined ? { onlineWithinMs: scope.onlineWithinMs } : {}) }, p);
  params.push(...p.values.slice(params.length));
  return `${column} IN (SELECT d.id FROM devices d WHERE ${cond})`;
}
