// Which subscriptions a happening notifies (read from Device.LocalAgent.Subscription.{i}. each time:
// the table is the controller's to change), and the Notify messages waiting for their NotifyResp.

import type { DeviceTree, Node } from "../device-model.js";
import { NOTIF_TYPES, type NotifType } from "./overlay.js";

export const SUBSCRIPTIONS = "Device.LocalAgent.Subscription.";
export const CONTROLLERS = "Device.LocalAgent.Controller.";

export interface Subscription {
  path: string;
  id: string;
  type: NotifType;
  refs: string[];
  retry: boolean;
  /** The recipient controller's row ("Device.LocalAgent.Controller.1."). */
  recipient: string;
}

function rows(tree: DeviceTree, table: string, now: number): (Node & { kind: "object" })[] {
  const t = tree.resolve(table, now);
  const out: (Node & { kind: "object" })[] = [];
  if (t?.kind === "table") tree.children(t, now, (c) => c.kind === "object" && out.push(c));
  return out;
}

/** The enabled subscriptions of a type. */
export function subscriptionsOf(tree: DeviceTree, type: NotifType, now: number): Subscription[] {
  const out: Subscription[] = [];
  for (const row of rows(tree, SUBSCRIPTIONS, now)) {
    const v = (name: string) => tree.get(row.path + name, now) ?? "";
    if (v("Enable") !== "true" || v("NotifType") !== type || !(NOTIF_TYPES as readonly string[]).includes(type)) continue;
    const refs = v("ReferenceList").split(",").map((r) => r.trim()).filter((r) => r !== "");
    out.push({ path: row.path, id: v("ID"), type, refs, retry: v("NotifRetry") === "true", recipient: v("Recipient").replace(/([^.])$/, "$1.") });
  }
  return out;
}

/** The controllers' rows, with their endpoint ids. */
export function controllers(tree: DeviceTree, now: number): { path: string; endpointId: string; enabled: boolean }[] {
  return rows(tree, CONTROLLERS, now).map((r) => ({ path: r.path, endpointId: tree.get(r.path + "EndpointID", now) ?? "", enabled: tree.get(r.path + "Enable", now) === "true" }));
}

/** Subscriptions that do not survive a reboot (Persistent false) are gone after one. */
export function dropVolatileSubscriptions(tree: DeviceTree, now: number): void {
  for (const row of rows(tree, SUBSCRIPTIONS, now)) if (tree.get(row.path + "Persistent", now) !== "true") tree.deleteInstance(row, now);
}

interface Waiting {
  to: string;
  msg: Uint8Array;
  attempts: number;
  at: number;
}

/** Notify messages sent with send_resp, resent until their NotifyResp comes. */
export class Outbox {
  #waiting: Map<string, Waiting> | undefined;

  /** Keeps a Notify; `delayMs(attempts)` says when to send it again. */
  add(msgId: string, to: string, msg: Uint8Array, now: number, firstDelayMs: number): void {
    (this.#waiting ??= new Map()).set(msgId, { to, msg, attempts: 1, at: now + firstDelayMs });
  }

  /** A NotifyResp came; whether it answered one of ours. */
  ack(msgId: string): boolean {
    const had = this.#waiting?.delete(msgId) ?? false;
    if (this.#waiting?.size === 0) this.#waiting = undefined;
    return had;
  }

  has(msgId: string): boolean {
    return this.#waiting?.has(msgId) ?? false;
  }

  /** The Notifies due again now; each is rescheduled by `delayMs(attempts)`. */
  due(now: number, delayMs: (to: string, attempts: number) => number): { msgId: string; to: string; msg: Uint8Array }[] {
    const out: { msgId: string; to: string; msg: Uint8Array }[] = [];
    for (const [msgId, w] of this.#waiting ?? []) {
      if (w.at > now) continue;
      out.push({ msgId, to: w.to, msg: w.msg });
      w.at = now + delayMs(w.to, ++w.attempts);
    }
    return out;
  }

  /** Every waiting Notify, now (the agent reached the controller again). */
  all(): { msgId: string; to: string; msg: Uint8Array }[] {
    return [...(this.#waiting ?? [])].map(([msgId, w]) => ({ msgId, to: w.to, msg: w.msg }));
  }

  get nextAt(): number | undefined {
    let at: number | undefined;
    for (const w of this.#waiting?.values() ?? []) if (at === undefined || w.at < at) at = w.at;
    return at;
  }

  get size(): number {
    return this.#waiting?.size ?? 0;
  }

  clear(): void {
    this.#waiting = undefined;
  }
}
