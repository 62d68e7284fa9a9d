// Device.FaultMgmt. of the built-in TR-181 gateway: the alarms it can raise (one per reporting
// mechanism, so that an ACS sees each way of being told), and room for the alarms raised (src/sim/fault-mgmt.ts).

import { str, strW, time, uint, type ModelBuilder } from "./dsl.js";

const SEVERITY = ["Critical", "Major", "Minor", "Warning", "Indeterminate"];
const MECHANISM = ["0 Expedited", "1 Queued", "2 Logged", "3 Disabled"];

/** Events kept in each rolling table (HistoryEvent, ExpeditedEvent, QueuedEvent). */
export const FAULT_LOG_ROWS = { history: 32, expedited: 16, queued: 16 } as const;

export function addFaultMgmt(b: ModelBuilder): void {
  b.obj("FaultMgmt.", {
    SupportedAlarmNumberOfEntries: uint(),
    MaxCurrentAlarmEntries: uint("16"),
    CurrentAlarmNumberOfEntries: uint(),
    HistoryEventNumberOfEntries: uint(),
    ExpeditedEventNumberOfEntries: uint(),
    QueuedEventNumberOfEntries: uint(),
  });
  b.obj("FaultMgmt.SupportedAlarm.{i}.", {
    EventType: str("", { maxLen: 64 }),
    ProbableCause: str("", { maxLen: 64 }),
    SpecificProblem: str("", { maxLen: 128 }),
    PerceivedSeverity: str("", { enum: ["", "*", "Cleared", ...SEVERITY] }),
    ReportingMechanism: strW("2 Logged", { enum: MECHANISM }),
  });
  // ITU-T X.733 event types and probable causes; a "*" matches any value when the alarm is raised.
  b.rows("FaultMgmt.SupportedAlarm.", [
    { EventType: "Communications Alarm", ProbableCause: "Loss of signal", SpecificProblem: "WAN link down", PerceivedSeverity: "Major", ReportingMechanism: "0 Expedited" },
    { EventType: "Environmental Alarm", ProbableCause: "Temperature unacceptable", SpecificProblem: "*", PerceivedSeverity: "*", ReportingMechanism: "0 Expedited" },
    { EventType: "Processing Error Alarm", ProbableCause: "CPU cycles limit exceeded", SpecificProblem: "*", PerceivedSeverity: "*", ReportingMechanism: "1 Queued" },
    { EventType: "Quality of Service Alarm", ProbableCause: "Threshold crossed", SpecificProblem: "*", PerceivedSeverity: "*", ReportingMechanism: "2 Logged" },
    { EventType: "Processing Error Alarm", ProbableCause: "Software error", SpecificProblem: "*", PerceivedSeverity: "*", ReportingMechanism: "3 Disabled" },
  ]);
  const alarm = {
    ManagedObjectInstance: str("", { maxLen: 512 }),
    EventType: str("", { maxLen: 64 }),
    ProbableCause: str("", { maxLen: 64 }),
    SpecificProblem: str("", { maxLen: 128 }),
  };
  const texts = { AdditionalText: str("", { maxLen: 256 }), AdditionalInformation: str("", { maxLen: 256 }) };
  b.obj("FaultMgmt.CurrentAlarm.{i}.", {
    AlarmIdentifier: str("", { maxLen: 64 }),
    AlarmRaisedTime: time(),
    AlarmChangedTime: time(),
    ...alarm,
    PerceivedSeverity: str("Indeterminate", { enum: SEVERITY }),
    ...texts,
  });
  const event = () => ({
    EventTime: time(),
    AlarmIdentifier: str("", { maxLen: 64 }),
    NotificationType: str("NewAlarm", { enum: ["NewAlarm", "ChangedAlarm", "ClearedAlarm"] }),
    ...alarm,
    PerceivedSeverity: str("Indeterminate", { enum: ["Cleared", ...SEVERITY] }),
    ...texts,
  });
  b.obj("FaultMgmt.HistoryEvent.{i}.", event(), { maxEntries: FAULT_LOG_ROWS.history });
  b.obj("FaultMgmt.ExpeditedEvent.{i}.", event(), { maxEntries: FAULT_LOG_ROWS.expedited });
  b.obj("FaultMgmt.QueuedEvent.{i}.", event(), { maxEntries: FAULT_LOG_ROWS.queued });
}
