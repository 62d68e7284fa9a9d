// Each process's copy of the alarm rules, compiled once (filter parsed, paths as patterns, condition
// checked) and matched in memory, so that an Inform costs no read of the rules: the store's revision
// is read at most every refreshMs (and at once after this process changed a rule).

import { conditionProblems, type AlarmCondition } from "../alarms/index.js";
import { evaluate, parse, type FilterNode } from "../query/index.js";
import { deviceForFilter } from "./device-filter.js";
import type { AlarmRuleRecord, DeviceRecord, StoreTx } from "../store/types.js";
import type { Logger } from "./logger.js";

export interface CompiledRule {
  rule: AlarmRuleRecord;
  condition: AlarmCondition;
  /** null: every device. */
  filter: FilterNode | null;
  /** Value rules: the path as a pattern (`*` one instance number). */
  path: RegExp | null;
}

function pathPattern(path: string): RegExp {
  const parts = path.split(".").map((seg) => (seg === "*" ? "\\d+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${parts.join("\\.")}$`);
}

/** A stored rule ready to evaluate; throws when its filter or condition is not one (the API checks both first). */
export function compileRule(rule: AlarmRuleRecord): CompiledRule {
  const condition = rule.condition as unknown as AlarmCondition;
  const problems = conditionProblems(condition);
  if (problems.length > 0) throw new Error(problems.join("; "));
  const filter = rule.filter.trim() === "" ? null : parse(rule.filter);
  return { rule, condition, filter, path: condition.kind === "value" ? pathPattern(condition.path) : null };
}

export class AlarmRuleCache {
  private rules: CompiledRule[] = [];
  private revision: string | null = null;
  private checkedAt = -Infinity;

  constructor(private readonly o: { refreshMs: number; log: Logger }) {}

  /** The enabled rules, reloaded when the store's revision moved (checked at most every refreshMs). */
  async current(tx: Pick<StoreTx, "alarms">, now: number): Promise<readonly CompiledRule[]> {
    if (now - this.checkedAt < this.o.refreshMs) return this.rules;
    this.checkedAt = now;
    const revision = await tx.alarms.revision();
    if (revision === this.revision) return this.rules;
    const rules: CompiledRule[] = [];
    for (const r of await tx.alarms.listRules()) {
      if (!r.enabled) continue;
      try {
        rules.push(compileRule(r));
      } catch (err) {
        this.o.log.error({ rule: r.name, err: (err as Error).message }, "stored alarm rule is invalid; ignored");
      }
    }
    this.rules = rules;
    this.revision = revision;
    return rules;
  }

  /** This process changed a rule: the next call reads the store. */
  invalidate(): void {
    this.checkedAt = -Infinity;
  }
}

/** Whether a rule applies to a device, reading the parameters its filter needs. */
export async function ruleApplies(tx: Pick<StoreTx, "parameters" | "alarms">, r: CompiledRule, device: DeviceRecord, now: Date, onlineWithinMs: number): Promise<boolean> {
  if (r.filter === null) return true;
  return evaluate(r.filter, await deviceForFilter(tx, device, r.filter), { now, onlineWithinMs });
}
