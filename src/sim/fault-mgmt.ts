// Device.FaultMgmt. (TR-181): alarms a device raises and clears, in its own tables, sans-I/O.
//
// A raised alarm is looked up in SupportedAlarm (a "*" or empty field there matches anything); its
// ReportingMechanism says where the event goes: every event is logged in HistoryEvent, "0 Expedited"
// ones also in ExpeditedEvent and "1 Queued" ones in QueuedEvent; "3 Disabled" alarms are ignored.
// CurrentAlarm holds the alarms not cleared, one per EventType, ProbableCause and SpecificProblem (the
// same alarm raised again is a ChangedAlarm of the same row). The event tables roll: once full, the
// next event overwrites the oldest row, instance 1 first, as the data model describes. How the device
// tells the ACS (an expedited alarm informs at once) is the engine's part (cpe.ts).

import { formatDateTime } from "../cwmp/index.js";
import { checkLocalValue } from "./constraints.js";
import type { DeviceTree } from "./device-model.js";
import { SimError } from "./errors.js";
import type { ObjectDef } from "./model.js";

export const SEVERITIES = ["Critical", "Major", "Minor", "Warning", "Indeterminate"] as const;
export type Severity = (typeof SEVERITIES)[number];
export type ReportingMechanism = "0 Expedited" | "1 Queued" | "2 Logged" | "3 Disabled";

/** An alarm to raise: it must match a SupportedAlarm row. */
export interface AlarmSpec {
  eventType: string;
  probableCause: string;
  specificProblem?: string;
  /** Default: the SupportedAlarm row's, or Indeterminate when that row matches any. */
  perceivedSeverity?: Severity;
  managedObjectInstance?: string;
  additionalText?: string;
  additionalInformation?: string;
}

/** A current alarm: by its AlarmIdentifier, or by what identifies it (SpecificProblem default empty). */
export type AlarmKey = { alarmIdentifier: string } | { eventType: string; probableCause: string; specificProblem?: string };

export interface AlarmOutcome {
  /** The CurrentAlarm's AlarmIdentifier; undefined when the alarm is disabled. */
  alarmIdentifier: string | undefined;
  mechanism: ReportingMechanism;
  /** The ExpeditedEvent or QueuedEvent row written, for the ACS to be told of. */
  reportRow: string | undefined;
}

/** What the device keeps between events: the last AlarmIdentifier, events written per rolling table. */
export interface FaultMgmtState {
  alarms: number;
  written: Record<string, number>;
}

/** Event tables without a maxEntries in the model keep this many rows. */
const DEFAULT_LOG_ROWS = 64;
const MECHANISMS: readonly string[] = ["0 Expedited", "1 Queued", "2 Logged", "3 Disabled"];

type Fields = Record<string, string>;

export class FaultMgmt {
  private readonly root: string;

  constructor(
    private readonly tree: DeviceTree,
    private readonly state: FaultMgmtState,
    private readonly now: number,
  ) {
    this.root = `${tree.model.root.path}FaultMgmt.`;
    if (tree.model.objectAt(`${this.root}CurrentAlarm.{i}.`) === undefined) {
      throw new SimError("SIM_UNKNOWN_PATH", `the model ${tree.model.name} has no ${this.root}CurrentAlarm table`);
    }
  }

  raise(spec: AlarmSpec): AlarmOutcome {
    const supported = this.supportedFor(spec.eventType, spec.probableCause, spec.specificProblem ?? "", spec.perceivedSeverity);
    if (supported === undefined) {
      const severity = spec.perceivedSeverity === undefined ? "" : ` with severity ${spec.perceivedSeverity}`;
      throw new SimError("SIM_UNKNOWN_ALARM", `no SupportedAlarm matches ${describe(spec)}${severity}`);
    }
    const mechanism = this.mechanismOf(supported);
    if (mechanism === "3 Disabled") return { alarmIdentifier: undefined, mechanism, reportRow: undefined };
    const sv = supported.PerceivedSeverity ?? "";
    const severity = spec.perceivedSeverity ?? (SEVERITIES.includes(sv as Severity) ? sv : "Indeterminate");
    const time = formatDateTime(new Date(this.now));
    const fields: Fields = {
      EventType: spec.eventType,
      ProbableCause: spec.probableCause,
      SpecificProblem: spec.specificProblem ?? "",
      PerceivedSeverity: severity,
      ManagedObjectInstance: spec.managedObjectInstance ?? "",
      AdditionalText: spec.additionalText ?? "",
      AdditionalInformation: spec.additionalInformation ?? "",
    };
    const table = `${this.root}CurrentAlarm.`;
    // Checked before anything changes: an alarm that does not fit the tables leaves them as they were.
    this.check(table, fields);
    const existing = this.findCurrent({ eventType: spec.eventType, probableCause: spec.probableCause, specificProblem: spec.specificProblem ?? "" });
    let row: string;
    let id: string;
    let raisedAt = time;
    if (existing !== undefined) {
      row = existing.path;
      id = existing.fields.AlarmIdentifier ?? "";
      raisedAt = existing.fields.AlarmRaisedTime ?? time;
    } else {
      row = this.currentRowForNew(table);
      id = String(++this.state.alarms);
    }
    this.write(row, { AlarmIdentifier: id, AlarmRaisedTime: raisedAt, AlarmChangedTime: time, ...fields });
    const event = { EventTime: time, AlarmIdentifier: id, NotificationType: existing === undefined ? "NewAlarm" : "ChangedAlarm", ...fields };
    return { alarmIdentifier: id, mechanism, reportRow: this.logEvent(mechanism, event) };
  }

  clear(key: AlarmKey): AlarmOutcome {
    const current = this.findCurrent(key);
    if (current === undefined) throw new SimError("SIM_UNKNOWN_ALARM", `no current alarm ${describe(key)}`);
    const f = current.fields;
    const supported = this.supportedFor(f.EventType ?? "", f.ProbableCause ?? "", f.SpecificProblem ?? "", f.PerceivedSeverity);
    const mechanism = supported === undefined ? "2 Logged" : this.mechanismOf(supported);
    const node = this.tree.resolve(current.path, this.now);
    if (node?.kind === "object") this.tree.deleteInstance(node, this.now);
    const id = f.AlarmIdentifier ?? "";
    if (mechanism === "3 Disabled") return { alarmIdentifier: id, mechanism, reportRow: undefined };
    const event: Fields = {
      EventTime: formatDateTime(new Date(this.now)), AlarmIdentifier: id, NotificationType: "ClearedAlarm",
      ManagedObjectInstance: f.ManagedObjectInstance ?? "", EventType: f.EventType ?? "", ProbableCause: f.ProbableCause ?? "",
      SpecificProblem: f.SpecificProblem ?? "", PerceivedSeverity: "Cleared", AdditionalText: f.AdditionalText ?? "",
      AdditionalInformation: f.AdditionalInformation ?? "",
    };
    return { alarmIdentifier: id, mechanism, reportRow: this.logEvent(mechanism, event) };
  }

  // ---- tables ----

  private rowsOf(table: string): Array<{ path: string; fields: Fields }> {
    const node = this.tree.resolve(table, this.now);
    if (node?.kind !== "table") return [];
    return this.tree.instancesOf(node.def, node.inst, this.now, node.path).map((n) => {
      const path = `${table}${n}.`;
      const fields: Fields = {};
      for (const p of node.def.params) fields[p.name] = this.tree.get(path + p.name, this.now) ?? "";
      return { path, fields };
    });
  }

  /** The first SupportedAlarm row that matches: "*" or an empty field there matches anything. */
  private supportedFor(eventType: string, cause: string, problem: string, severity: string | undefined): Fields | undefined {
    const fits = (v: string | undefined, want: string) => v === "*" || v === "" || v === want;
    return this.rowsOf(`${this.root}SupportedAlarm.`).find(({ fields: f }) =>
      fits(f.EventType, eventType) && fits(f.ProbableCause, cause) && fits(f.SpecificProblem, problem) && (severity === undefined || fits(f.PerceivedSeverity, severity)),
    )?.fields;
  }

  private mechanismOf(supported: Fields): ReportingMechanism {
    const m = supported.ReportingMechanism ?? "";
    return (MECHANISMS.includes(m) ? m : "2 Logged") as ReportingMechanism;
  }

  private findCurrent(key: AlarmKey): { path: string; fields: Fields } | undefined {
    return this.rowsOf(`${this.root}CurrentAlarm.`).find(({ fields: f }) =>
      "alarmIdentifier" in key
        ? f.AlarmIdentifier === key.alarmIdentifier
        : f.EventType === key.eventType && f.ProbableCause === key.probableCause && f.SpecificProblem === (key.specificProblem ?? ""),
    );
  }

  /** A new row, or when MaxCurrentAlarmEntries are in use the one changed longest ago. */
  private currentRowForNew(table: string): string {
    const max = Number(this.tree.get(`${this.root}MaxCurrentAlarmEntries`, this.now) ?? "0");
    const rows = this.rowsOf(table);
    if (max > 0 && rows.length >= max) {
      // Times have a second's precision: among alarms changed in one second, the first raised goes.
      const oldest = [...rows].sort((a, b) => (a.fields.AlarmChangedTime ?? "").localeCompare(b.fields.AlarmChangedTime ?? "") || Number(a.fields.AlarmIdentifier) - Number(b.fields.AlarmIdentifier))[0]!;
      return oldest.path;
    }
    return this.addRow(table);
  }

  private addRow(table: string): string {
    const node = this.tree.resolve(table, this.now);
    if (node?.kind !== "table") throw new SimError("SIM_UNKNOWN_PATH", `the model has no table ${table}`);
    return `${table}${this.tree.addInstance(node, this.now)}.`;
  }

  /** Writes the event to HistoryEvent and the mechanism's table; returns the latter's row. */
  private logEvent(mechanism: ReportingMechanism, event: Fields): string | undefined {
    this.roll("HistoryEvent", event);
    if (mechanism === "0 Expedited") return this.roll("ExpeditedEvent", event);
    if (mechanism === "1 Queued") return this.roll("QueuedEvent", event);
    return undefined;
  }

  private roll(name: string, event: Fields): string | undefined {
    const table = `${this.root}${name}.`;
    const def: ObjectDef | undefined = this.tree.model.objectAt(`${table}{i}.`);
    if (def === undefined) return undefined;
    const limit = Number.isFinite(def.maxEntries) && def.maxEntries > 0 ? def.maxEntries : DEFAULT_LOG_ROWS;
    const rows = this.rowsOf(table);
    const written = this.state.written[name] ?? rows.length;
    this.state.written[name] = written + 1;
    const row = rows.length < limit ? this.addRow(table) : rows[written % limit]!.path;
    this.write(row, event);
    return row;
  }

  private check(table: string, fields: Fields): void {
    for (const [name, text] of Object.entries(fields)) {
      if (name === "PerceivedSeverity" && !SEVERITIES.includes(text as Severity)) {
        throw new SimError("SIM_BAD_VALUE", `PerceivedSeverity ${JSON.stringify(text)} is not one of ${SEVERITIES.join(", ")}`);
      }
      const def = this.tree.model.paramAt(`${table}{i}.${name}`);
      const checked = def === undefined ? undefined : checkLocalValue(def, text);
      if (checked !== undefined && !checked.ok) throw new SimError("SIM_BAD_VALUE", `${name}: ${checked.message}`);
    }
  }

  /** Stores the fields the row's table has (already checked; the event tables take the same texts). */
  private write(row: string, fields: Fields): void {
    for (const [name, text] of Object.entries(fields)) {
      const node = this.tree.resolve(row + name, this.now);
      if (node?.kind === "param") this.tree.set(row + name, node.def, text);
    }
  }
}

function describe(key: AlarmKey | AlarmSpec): string {
  if ("alarmIdentifier" in key) return `with AlarmIdentifier ${JSON.stringify(key.alarmIdentifier)}`;
  return `${JSON.stringify(key.eventType)} / ${JSON.stringify(key.probableCause)} / ${JSON.stringify(key.specificProblem ?? "")}`;
}
