// What happened in the ACS, told to whoever listens (logs now; the REST API's event stream and
// webhooks later). Emitted after the transaction that made them true has committed.

import type { JsonValue } from "../store/types.js";

export type AcsEvent =
  | { type: "device.registered"; deviceId: string; at: Date }
  | { type: "device.inform"; deviceId: string; at: Date; events: string[]; address: string | null }
  | { type: "device.boot"; deviceId: string; at: Date }
  | { type: "device.valueChange"; deviceId: string; at: Date; parameters: { path: string; value: string }[] }
  | { type: "task.completed"; deviceId: string; at: Date; taskId: string; name: string; result: JsonValue }
  | { type: "task.failed"; deviceId: string; at: Date; taskId: string; name: string; fault: { code: string; message: string }; willRetry: boolean }
  | { type: "fault.raised"; deviceId: string; at: Date; channel: string; code: string; message: string }
  | { type: "fault.cleared"; deviceId: string; at: Date; channel: string }
  | { type: "transfer.complete"; deviceId: string; at: Date; commandKey: string; taskId: string | null; faultCode: number; faultString: string; autonomous: boolean }
  | { type: "session.ended"; deviceId: string; at: Date; reason: string };

export type AcsEventType = AcsEvent["type"];

export type EventListener = (event: AcsEvent) => void;

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
