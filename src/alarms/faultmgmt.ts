// TR-181 Device.FaultMgmt.CurrentAlarm.{i}. as Provisio alarms: each entry is one alarm whose dedupe
// key is its AlarmIdentifier; an alarm Provisio holds from FaultMgmt whose identifier is no longer among
// the entries is cleared. Pure: the input is the device's parameters under the object as stored.

import type { Severity } from "./severity.js";

export const CURRENT_ALARM = "Device.FaultMgmt.CurrentAlarm.";
export const CURRENT_ALARM_COUNT = "Device.FaultMgmt.CurrentAlarmNumberOfEntries";

export interface FaultMgmtAlarm {
  /** AlarmIdentifier. */
  key: string;
  severity: Severity;
  text: string;
  /** The entry's other fields, as the device reported them. */
  detail: {
    instance: string;
    eventType: string;
    probableCause: string;
    specificProblem: string;
    perceivedSeverity: string;
    additionalText: string;
    additionalInformation: string;
    managedObjectInstance: string;
    alarmRaisedTime: string;
    alarmChangedTime: string;
  };
}

/**
 * PerceivedSeverity (X.733) to Provisio's. Indeterminate (and anything unknown) is kept as a warning
 * rather than dropped: the device says something is wrong. Cleared is no alarm.
 */
export function mapPerceivedSeverity(s: string): Severity | null {
  switch (s.trim()) {
    case "Critical": return "critical";
    case "Major": return "major";
    case "Minor": return "minor";
    case "Cleared": return null;
    default: return "warning";
  }
}

/** The current alarms of a device, from its parameters (path -> value); entries without an AlarmIdentifier are skipped. */
export function currentAlarms(values: ReadonlyMap<string, string | null>): FaultMgmtAlarm[] {
  const entries = new Map<string, Map<string, string>>();
  for (const [path, value] of values) {
    if (!path.startsWith(CURRENT_ALARM) || value === null) continue;
    const m = /^(\d+)\.(\w+)$/.exec(path.slice(CURRENT_ALARM.length));
    if (m === null) continue;
    let e = entries.get(m[1]!);
    if (e === undefined) entries.set(m[1]!, (e = new Map()));
    e.set(m[2]!, value);
  }
  const out: FaultMgmtAlarm[] = [];
  const seen = new Set<string>();
  for (const [instance, e] of [...entries].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const key = e.get("AlarmIdentifier") ?? "";
    if (key === "" || seen.has(key)) continue;
    const perceived = e.get("PerceivedSeverity") ?? "";
    const severity = mapPerceivedSeverity(perceived);
    if (severity === null) continue;
    seen.add(key);
    const f = (name: string) => e.get(name) ?? "";
    const text = [f("EventType"), f("ProbableCause"), f("SpecificProblem")].filter((s) => s !== "").join(": ") || f("AdditionalText") || `FaultMgmt alarm ${key}`;
    out.push({
      key,
      severity,
      text,
      detail: {
        instance: `${CURRENT_ALARM}${instance}.`,
        eventType: f("EventType"),
        probableCause: f("ProbableCause"),
        specificProblem: f("SpecificProblem"),
        perceivedSeverity: perceived,
        additionalText: f("AdditionalText"),
        additionalInformation: f("AdditionalInformation"),
        managedObjectInstance: f("ManagedObjectInstance"),
        alarmRaisedTime: f("AlarmRaisedTime"),
        alarmChangedTime: f("AlarmChangedTime"),
      },
    });
  }
  return out;
}
