// The Inform event queue and its retention rules (TR-069 3.7.1.5, event codes table).
//
// Events wait in the queue until an Inform carrying them is acknowledged by an InformResponse. A
// failed session keeps them for the retry, except 6 CONNECTION REQUEST, which is never retried; a
// reboot drops the events that describe the previous boot (VALUE CHANGE, DIAGNOSTICS COMPLETE, ...).
// 7 TRANSFER COMPLETE, 11 DU STATE CHANGE COMPLETE and their M events are not stored here: they are
// derived from the pending TransferComplete/DUStateChangeComplete requests, which keeps them exactly
// as long as the standard says (until the matching response arrives).

import type { EventStruct } from "../cwmp/index.js";

export const EVENT = {
  bootstrap: "0 BOOTSTRAP",
  boot: "1 BOOT",
  periodic: "2 PERIODIC",
  scheduled: "3 SCHEDULED",
  valueChange: "4 VALUE CHANGE",
  connectionRequest: "6 CONNECTION REQUEST",
  transferComplete: "7 TRANSFER COMPLETE",
  diagnosticsComplete: "8 DIAGNOSTICS COMPLETE",
  duStateChangeComplete: "11 DU STATE CHANGE COMPLETE",
  mReboot: "M Reboot",
  mScheduleInform: "M ScheduleInform",
  mDownload: "M Download",
  mScheduleDownload: "M ScheduleDownload",
  mUpload: "M Upload",
  mChangeDUState: "M ChangeDUState",
} as const;

interface Rule {
  /** Kept for the retry when the session fails. */
  retry: boolean;
  /** Kept across a reboot. */
  reboot: boolean;
}

const RULES: Readonly<Record<string, Rule>> = {
  [EVENT.bootstrap]: { retry: true, reboot: true },
  [EVENT.boot]: { retry: true, reboot: false },
  [EVENT.periodic]: { retry: true, reboot: true },
  [EVENT.scheduled]: { retry: true, reboot: true },
  [EVENT.valueChange]: { retry: true, reboot: false },
  [EVENT.connectionRequest]: { retry: false, reboot: false },
  [EVENT.diagnosticsComplete]: { retry: true, reboot: false },
  [EVENT.mReboot]: { retry: true, reboot: true },
  [EVENT.mScheduleInform]: { retry: true, reboot: true },
};

const DEFAULT_RULE: Rule = { retry: true, reboot: true };

interface Queued {
  code: string;
  commandKey: string;
  /** Carried by the Inform in flight. */
  sent: boolean;
}

export interface EventQueueState {
  events: Array<[code: string, commandKey: string]>;
}

/** Numbered events first in code order, then M and vendor events in arrival order. */
export function sortEvents(events: EventStruct[]): EventStruct[] {
  const rank = (code: string): number => {
    const n = /^(\d+) /.exec(code);
    return n ? Number(n[1]) : 1000;
  };
  return events.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e.eventCode) - rank(b.e.eventCode) || a.i - b.i).map((x) => x.e);
}

export class EventQueue {
  private list: Queued[] = [];

  /**
   * Queues an event. Single events (numbered codes) are queued once; M events once per CommandKey.
   * An event already carried by the Inform in flight is queued again: that Inform reports the earlier
   * occurrence only.
   */
  add(code: string, commandKey = ""): void {
    const multiple = code.startsWith("M ");
    if (this.list.some((e) => !e.sent && e.code === code && (!multiple || e.commandKey === commandKey))) return;
    this.list.push({ code, commandKey: multiple ? commandKey : "", sent: false });
  }

  has(code: string): boolean {
    return this.list.some((e) => e.code === code);
  }

  get size(): number {
    return this.list.length;
  }

  /** The events for an Inform; they are in flight until acknowledged() or failed(). */
  forInform(): EventStruct[] {
    const out: EventStruct[] = [];
    const seen = new Set<string>();
    for (const e of this.list) {
      e.sent = true;
      const key = `${e.code}\u0000${e.commandKey}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ eventCode: e.code, commandKey: e.commandKey });
    }
    return out;
  }

  /** The InformResponse arrived: the events it carried are delivered. Returns their codes. */
  acknowledged(): string[] {
    const delivered = this.list.filter((e) => e.sent).map((e) => e.code);
    this.list = this.list.filter((e) => !e.sent);
    return delivered;
  }

  /** The session failed before the InformResponse: keep what the standard retries. */
  failed(): void {
    this.list = this.list.filter((e) => RULES[e.code]?.retry ?? DEFAULT_RULE.retry);
    for (const e of this.list) e.sent = false;
    this.dedupe();
  }

  /** The device rebooted: drop what described the previous boot. */
  rebooted(): void {
    this.list = this.list.filter((e) => RULES[e.code]?.reboot ?? DEFAULT_RULE.reboot);
    for (const e of this.list) e.sent = false;
    this.dedupe();
  }

  clear(): void {
    this.list = [];
  }

  private dedupe(): void {
    const seen = new Set<string>();
    this.list = this.list.filter((e) => {
      const key = `${e.code}\u0000${e.commandKey}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  toJSON(): EventQueueState {
    return { events: this.list.map((e) => [e.code, e.commandKey]) };
  }

  static fromJSON(state: EventQueueState): EventQueue {
    const q = new EventQueue();
    for (const [code, key] of state.events) q.list.push({ code, commandKey: key, sent: false });
    return q;
  }
}
