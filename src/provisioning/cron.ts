// Cron expressions for preset schedules: five fields (minute hour day-of-month month day-of-week),
// each "*", a number, a range "a-b", a list "a,b", or a step "*/n" / "a-b/n". Times are UTC. When both
// day fields are restricted, a day matches either (as classic cron does).

export class CronError extends Error {
  readonly code = "PROVISION_CRON";
  constructor(readonly expression: string, message: string) {
    super(`cron "${expression}": ${message}`);
    this.name = "CronError";
  }
}

interface Field {
  values: Set<number>;
  any: boolean;
}

const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function parseField(expr: string, text: string, [min, max]: [number, number]): Field {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/") as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(expr, `bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (range === "*") {
      lo = min;
      hi = max;
    } else if (range.includes("-")) {
      [lo, hi] = range.split("-").map(Number) as [number, number];
    } else {
      lo = hi = Number(range);
      if (stepText !== undefined) hi = max;
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < min || hi > max || lo > hi) throw new CronError(expr, `"${part}" is outside ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, any: text === "*" };
}

export interface Cron {
  expression: string;
  matches(at: Date): boolean;
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronError(expression, "expected 5 fields: minute hour day-of-month month day-of-week");
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(expression, p, RANGES[i]!)) as [Field, Field, Field, Field, Field];
  if (dow.values.has(7)) dow.values.add(0);
  return {
    expression,
    matches(at: Date): boolean {
      if (!minute.values.has(at.getUTCMinutes()) || !hour.values.has(at.getUTCHours()) || !month.values.has(at.getUTCMonth() + 1)) return false;
      const domOk = dom.values.has(at.getUTCDate());
      const dowOk = dow.values.has(at.getUTCDay());
      if (dom.any || dow.any) return domOk && dowOk;
      return domOk || dowOk;
    },
  };
}

/** Whether `now` is within `durationSeconds` after a moment the cron matches (a schedule window). */
export function inWindow(cron: Cron, durationSeconds: number, now: Date): boolean {
  const start = Math.floor(now.getTime() / 60_000) * 60_000;
  const steps = Math.min(Math.ceil(durationSeconds / 60), 60 * 24 * 31);
  for (let i = 0; i <= steps; i++) {
    const t = new Date(start - i * 60_000);
    if (now.getTime() - t.getTime() > durationSeconds * 1000) break;
    if (cron.matches(t)) return true;
  }
  return false;
}
