// What happened in the ACS. Each event is written to the store's outbox in the transaction that made it
// true (so it exists if and only if the change does), and emitted on this process's EventBus after that
// transaction commits (logs, metrics, waiting callers). The REST API's event stream and webhooks read
// the outbox (event-feed.ts), so they see the events of every ACS process sharing the database.

import type { JsonValue, NewOutboxEvent, StoreTx } from "../store/types.js";

export type AcsEvent =
  | { type: "device.registered"; deviceId: string; at: Date }
  | { type: "device.inform"; deviceId: string; at: Date; events: string[]; address: string | null }
  | { type: "device.boot"; deviceId: string; at: Date }
  | { type: "device.valueChange"; deviceId: string; at: Date; parameters: { path: string; value: string }[] }
  | { type: "device.deleted"; deviceId: string; at: Date }
  /** A USP agent notified an instance created (ObjectCreation): its path, unique keys, and the values read of it (docs/usp.md). */
  | { type: "device.objectCreated"; deviceId: string; at: Date; path: string; uniqueKeys: { [key: string]: string }; parameters: { path: string; value: string }[] }
  /** A USP agent notified an instance deleted (ObjectDeletion): its path, and how many stored objects and parameters went with it. */
  | { type: "device.objectDeleted"; deviceId: string; at: Date; path: string; removed: number }
  | { type: "task.created"; deviceId: string; at: Date; taskId: string; name: string }
  | { type: "task.completed"; deviceId: string; at: Date; taskId: string; name: string; result: JsonValue }
  | { type: "task.failed"; deviceId: string; at: Date; taskId: string; name: string; fault: { code: string; message: string }; willRetry: boolean }
  | { type: "task.cancelled"; deviceId: string; at: Date; taskId: string; name: string }
  | { type: "fault.raised"; deviceId: string; at: Date; channel: string; code: string; message: string }
  | { type: "fault.cleared"; deviceId: string; at: Date; channel: string }
  | { type: "transfer.complete"; deviceId: string; at: Date; commandKey: string; taskId: string | null; faultCode: number; faultString: string; autonomous: boolean }
  | { type: "session.ended"; deviceId: string; at: Date; reason: string }
  /** A Bulk Data report body was stored (docs/bulkdata.md): its reports, values, and the latest collection time. */
  | { type: "device.bulkData"; deviceId: string; at: Date; reports: number; values: number; collectedAt: string }
  /** A diagnostic run settled: complete, error (the device's Error_* state in `state`), cancelled, failed or timeout. */
  | {
      type: "diagnostic.completed";
      deviceId: string;
      at: Date;
      diagnosticId: string;
      kind: string;
      status: string;
      state: string | null;
      fleetId: string | null;
      fault?: { code: string; message: string };
    }
  /** The device answered a connection request (accepted), or UDP datagrams were sent. */
  | { type: "connectionRequest.succeeded"; deviceId: string; at: Date; method: string; outcome: string; target: string; durationMs: number; taskId: string | null }
  /** Every method tried failed, or there was none to try (`outcome` "no-method"). */
  | { type: "connectionRequest.failed"; deviceId: string; at: Date; method: string | null; outcome: string; code: string; detail: string; taskId: string | null }
  /** An alarm became active, or ended (docs/alarms.md); deviceId null for one about no one device. */
  | { type: "alarm.raised" | "alarm.cleared"; deviceId: string | null; at: Date; alarmId: string; source: string; ruleId: string | null; severity: string; text: string }
  /** Acknowledged (`acknowledged` true) or the acknowledgement withdrawn, by a user or API key. */
  | { type: "alarm.acknowledged"; deviceId: string | null; at: Date; alarmId: string; source: string; ruleId: string | null; severity: string; text: string; acknowledged: boolean; by: string }
  /** Firmware campaigns (docs/files.md): about no one device, so deviceId is null. */
  | { type: "campaign.started"; deviceId: null; at: Date; campaignId: string; name: string; fileId: string }
  | { type: "campaign.paused"; deviceId: null; at: Date; campaignId: string; name: string; reason: string; counts: { [state: string]: number } }
  | { type: "campaign.resumed"; deviceId: null; at: Date; campaignId: string; name: string }
  | { type: "campaign.completed"; deviceId: null; at: Date; campaignId: string; name: string; counts: { [state: string]: number } }
  | { type: "campaign.aborted"; deviceId: null; at: Date; campaignId: string; name: string; counts: { [state: string]: number } };

export type AcsEventType = AcsEvent["type"];

/** Every event type, for validation and documentation. */
export const ACS_EVENT_TYPES: readonly AcsEventType[] = [
  "device.registered", "device.inform", "device.boot", "device.valueChange", "device.deleted", "device.objectCreated", "device.objectDeleted",
  "task.created", "task.completed", "task.failed", "task.cancelled",
  "fault.raised", "fault.cleared", "transfer.complete", "session.ended", "diagnostic.completed", "device.bulkData",
  "connectionRequest.succeeded", "connectionRequest.failed",
  "alarm.raised", "alarm.cleared", "alarm.acknowledged",
  "campaign.started", "campaign.paused", "campaign.resumed", "campaign.completed", "campaign.aborted",
];

export type EventListener = (event: AcsEvent) => void;

/** An event as JSON: `at` as an ISO string, everything else as it is. */
export function eventJson(e: AcsEvent): { [key: string]: JsonValue } {
  return { ...(e as unknown as { [key: string]: JsonValue }), at: e.at.toISOString() };
}

export function toOutbox(events: readonly AcsEvent[]): NewOutboxEvent[] {
  return events.map((e) => ({ type: e.type, deviceId: e.deviceId, at: e.at, payload: eventJson(e) }));
}

/** Writes events to the outbox inside `tx`; returns them, to be emitted once it commits. */
export async function recordEvents<E extends readonly AcsEvent[]>(tx: StoreTx, events: E): Promise<E> {
  await tx.outbox.append(toOutbox(events));
  return events;
}

/** An in-process fan-out. A listener that throws is reported, never allowed to break the ACS. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();
  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AcsEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
