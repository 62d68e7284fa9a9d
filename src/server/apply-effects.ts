// Applies a session's effects to the store, inside the caller's transaction, and says which events
// to emit once it commits.

import { unconfirmedIn, type Effect } from "../session/index.js";
import type { DeviceRecord, ParameterValueUpdate, StoreTx, TaskRecord } from "../store/types.js";
import { isSecretPath, storedSecret } from "../provisioning/secret-values.js";
import { syncSetCredentials, type CredentialSyncOptions } from "./credential-sync.js";
import type { AcsEvent } from "./events.js";
import { afterBoot, afterTransfer, verifyingResult } from "./firmware-check.js";
import { DIAGNOSTICS_COMPLETE, markRequested, queueResultReads, settleDiagnostic } from "./diagnostics.js";
import type { MetricRecorder } from "./metric-recorder.js";
import type { AlarmService } from "./alarms.js";
import type { SessionFacts } from "./alarm-transitions.js";

/** The fault channels of provisioning (a provision's code and path follow). */
export const PROVISION_FAULTS = "provisions:";

export interface TaskPolicy {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface ApplyContext {
  tx: StoreTx;
  deviceId: string;
  now: Date;
  address: string | null;
  policy: TaskPolicy;
  /** Records credentials the ACS set on the device; without it they are not recorded. */
  credentials?: CredentialSyncOptions;
  /** Records reported values as samples of the metrics defined for the device; without it, none are. */
  metrics?: MetricRecorder;
  /** Told the device's record as the Inform left it (so that the caller need not read it again). */
  informed?: (device: DeviceRecord) => void;
  /** Alarm rules evaluated on what the exchange recorded; without it, none are. */
  alarms?: AlarmService;
  /** Told when the effects queued a task for the device (its session should run it). */
  taskQueued?: () => void;
}

/** The back-off before attempt `attempts + 1`: the base, doubled at each attempt, capped. */
export function retryDelayMs(attempts: number, policy: TaskPolicy): number {
  return Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

/** A task id from a CommandKey made by commandKeyOf (the id without its dashes), or null. */
export function taskIdFromCommandKey(key: string): string | null {
  const m = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i.exec(key.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase() : null;
}

type InformEffect = Extract<Effect, { type: "inform" }>;
type SetValuesEffect = Extract<Effect, { type: "setValues" }>;

function recordInform(e: InformEffect, ctx: ApplyContext): Promise<{ created: boolean; device: DeviceRecord }> {
  return ctx.tx.devices.recordInform({
    id: e.deviceId,
    manufacturer: e.identity.manufacturer,
    oui: e.identity.oui,
    productClass: e.identity.productClass,
    serialNumber: e.identity.serialNumber,
    at: ctx.now,
    address: ctx.address,
    cwmpNamespace: e.ns,
    cwmpVersion: e.cwmpVersion,
    events: e.events.map((ev) => ({ code: ev.eventCode, commandKey: ev.commandKey })),
  });
}

/** Writes values; returns them as stored. */
async function writeValues(e: SetValuesEffect, ctx: ApplyContext): Promise<ParameterValueUpdate[]> {
  const { tx, deviceId, now } = ctx;
  // Secrets are never stored in clear (only a digest, see secret-values.ts).
  const stored = e.values.some((v) => isSecretPath(v.path)) ? e.values.map((v) => (isSecretPath(v.path) ? { ...v, value: storedSecret(v.value) } : v)) : e.values;
  await tx.parameters.setValues(deviceId, stored, now);
  // What the device reported (its Inform, a read): not values the ACS itself set.
  if (ctx.metrics !== undefined && e.set !== true) await ctx.metrics.recordObservations(tx, deviceId, stored, now);
  return stored;
}

/** The writes of an Inform's own effects, issued before applyEffects waits for them. */
export interface InformWrites {
  recorded: Promise<{ created: boolean; device: DeviceRecord }>;
  /** The values it reported, as stored; null when it reported none. */
  values: Promise<ParameterValueUpdate[]> | null;
}

/**
 * Issues, without waiting, the writes of an Inform's effects when `effects` starts with them
 * (AcsSession.informEffects): the device's Inform and the values it reported, which depend on nothing
 * the exchange reads. Issued together, and with whatever the caller issues in the same turn (its first
 * reads), they travel in one round trip on PostgreSQL; the database runs them in order. Give the result
 * to applyEffects, which waits for them where it would have written them.
 */
export function startInformWrites(effects: readonly Effect[], ctx: ApplyContext): InformWrites | null {
  const [first, second] = effects;
  if (first?.type !== "inform") return null;
  const recorded = recordInform(first, ctx);
  recorded.catch(() => undefined);
  const values = second?.type === "setValues" && second.set !== true ? writeValues(second, ctx) : null;
  values?.catch(() => undefined);
  return { recorded, values };
}

export async function applyEffects(effects: readonly Effect[], ctx: ApplyContext, started?: InformWrites | null): Promise<AcsEvent[]> {
  const events: AcsEvent[] = [];
  const { tx, deviceId, now } = ctx;
  const taskOf = async (id: string): Promise<TaskRecord | null> => {
    const t = await tx.tasks.get(id);
    return t !== null && t.deviceId === deviceId ? t : null;
  };
  const finishTask = async (task: TaskRecord, outcome: { ok: true; result: unknown } | { ok: false; code: string; message: string; detail?: unknown; retry: boolean }) => {
    const channel = `task:${task.id}`;
    if (outcome.ok) {
      await tx.tasks.update(task.id, { status: "done", result: outcome.result as never, completedAt: now, lastFault: null });
      if (await tx.faults.clearChannel(deviceId, channel)) events.push({ type: "fault.cleared", deviceId, at: now, channel });
      events.push({ type: "task.completed", deviceId, at: now, taskId: task.id, name: task.name, result: outcome.result as never });
      return;
    }
    const attempts = task.attempts + 1;
    const again = outcome.retry && attempts < task.maxAttempts;
    const fault = { code: outcome.code, message: outcome.message, ...(outcome.detail === undefined ? {} : { detail: outcome.detail as never }) };
    // A session that broke off (timeout, a new Inform) is no fault of the task: it runs again in the
    // device's next session, without back-off. Its attempts still count, so a CPE that dies on an RPC
    // cannot loop forever.
    const interrupted = outcome.code.startsWith("session.");
    await tx.tasks.update(task.id, again
      ? { status: "pending", attempts, lastFault: fault, notBefore: interrupted ? null : new Date(now.getTime() + retryDelayMs(attempts, ctx.policy)) }
      : { status: "failed", attempts, lastFault: fault, completedAt: now });
    await tx.faults.raise({ deviceId, channel, code: outcome.code, message: outcome.message, detail: (outcome.detail ?? null) as never, at: now });
    events.push({ type: "fault.raised", deviceId, at: now, channel, code: outcome.code, message: outcome.message });
    events.push({ type: "task.failed", deviceId, at: now, taskId: task.id, name: task.name, fault: { code: outcome.code, message: outcome.message }, willRetry: again });
    if (!again && task.name === "diagnostic") {
      const d = await tx.diagnostics.get(task.id);
      const e = d === null ? null : await settleDiagnostic(tx, d, { status: "failed", fault: { code: outcome.code, message: outcome.message } }, now);
      if (e !== null) events.push(e);
    }
  };

  // What alarm rules look at, gathered as the effects are applied.
  const facts: SessionFacts = { device: null, informEvents: null, values: [], settled: [] };
  // The Inform's own parameters follow its "inform" effect; with 4 VALUE CHANGE they are the change.
  let informValuesChanged = false;
  // A reboot settles firmware downloads waiting for their version check (firmware-check.ts), once the
  // Inform's own parameters (its SoftwareVersion) are stored.
  let rebooted = false;
  // The Inform's writes, issued together (startInformWrites) unless the caller already did.
  let ahead = started ?? startInformWrites(effects, ctx);
  let valuesAhead: Promise<ParameterValueUpdate[]> | null = null;
  for (const e of effects) {
    switch (e.type) {
      case "inform": {
        const recording = ahead?.recorded ?? recordInform(e, ctx);
        valuesAhead = ahead?.values ?? null;
        ahead = null;
        const { created, device } = await recording;
        ctx.informed?.(device);
        facts.device = device;
        facts.informEvents = e.events.map((ev) => ev.eventCode);
        if (created) events.push({ type: "device.registered", deviceId, at: now });
        events.push({ type: "device.inform", deviceId, at: now, events: e.events.map((ev) => ev.eventCode), address: ctx.address });
        if (e.events.some((ev) => ev.eventCode.trim() === "1 BOOT")) events.push({ type: "device.boot", deviceId, at: now });
        informValuesChanged = e.events.some((ev) => ev.eventCode.trim() === "4 VALUE CHANGE");
        rebooted ||= e.events.some((ev) => ev.eventCode.trim() === "1 BOOT" || ev.eventCode.trim() === "0 BOOTSTRAP");
        if (e.events.some((ev) => ev.eventCode.trim() === DIAGNOSTICS_COMPLETE)) await queueResultReads(tx, deviceId, now);
        break;
      }
      case "setValues": {
        // The values an Inform reported are the effect that follows it, written with it.
        const stored = await (valuesAhead ?? writeValues(e, ctx));
        valuesAhead = null;
        for (const v of stored) facts.values.push({ path: v.path, value: v.value });
        if (e.set === true && ctx.credentials !== undefined) {
          for (const note of await syncSetCredentials(tx, deviceId, e.values, now, ctx.credentials)) {
            await tx.faults.raise({ deviceId, channel: "credentials", code: "credentials.incomplete", message: note, detail: null, at: now });
            events.push({ type: "fault.raised", deviceId, at: now, channel: "credentials", code: "credentials.incomplete", message: note });
          }
        }
        if (informValuesChanged) {
          events.push({ type: "device.valueChange", deviceId, at: now, parameters: stored.map((v) => ({ path: v.path, value: v.value })) });
          informValuesChanged = false;
        }
        break;
      }
      case "setNames":
        await tx.parameters.setNames(deviceId, e.requestPath, e.nextLevel, e.names, now);
        break;
      case "setAttributes":
        await tx.parameters.setAttributes(deviceId, e.attributes, now);
        break;
      case "deleteSubtree":
        await tx.parameters.deleteSubtree(deviceId, e.prefix);
        break;
      case "taskDone": {
        const task = await taskOf(e.taskId);
        if (task !== null) await finishTask(task, { ok: true, result: e.result });
        break;
      }
      case "taskWaiting": {
        const task = await taskOf(e.taskId);
        // A task that had failed, found under way by the device's Inform (confirm.ts), is no longer over.
        if (task !== null) await tx.tasks.update(e.taskId, { status: "waiting", result: e.result, ...(task.completedAt === null ? {} : { completedAt: null }) });
        break;
      }
      case "taskFault": {
        const task = await taskOf(e.taskId);
        if (task !== null) await finishTask(task, { ok: false, code: e.fault.code, message: e.fault.message, detail: e.fault.detail, retry: e.retry });
        break;
      }
      case "diagnosticRequested":
        await markRequested(tx, deviceId, e.diagnosticId, now);
        break;
      case "diagnosticResult": {
        // "running": the device reported another diagnostic complete, not this one; it stays requested.
        if (e.outcome === "running") break;
        const d = await tx.diagnostics.get(e.diagnosticId);
        if (d === null || d.deviceId !== deviceId) break;
        const settled = await settleDiagnostic(tx, d, { status: e.outcome, state: e.state === "" ? null : e.state, results: e.results, fault: e.fault ?? null }, now);
        if (settled === null) break;
        events.push(settled);
        const task = await taskOf(d.id);
        if (task !== null && (task.status === "waiting" || task.status === "pending")) await finishTask(task, { ok: true, result: { status: e.outcome, state: e.state } });
        break;
      }
      case "transferComplete":
      case "duStateChangeComplete": {
        const id = taskIdFromCommandKey(e.commandKey);
        const task = id === null ? null : await taskOf(id);
        const failure =
          e.type === "transferComplete"
            ? e.fault.faultCode !== 0 ? e.fault : null
            : e.results.find((r) => r.fault.faultCode !== 0)?.fault ?? null;
        // A task that failed with this RPC's answer lost (its attempts used up) is settled by it too: the
        // completion names it by its CommandKey, the task's alone (confirm.ts).
        const lost = task?.status === "failed" && unconfirmedIn(task.lastFault?.detail)?.key === e.commandKey;
        if (task !== null && (task.status === "waiting" || task.status === "pending" || lost)) {
          const base = (task.result ?? {}) as Record<string, unknown>;
          if (failure === null) {
            const result = e.type === "transferComplete" ? { ...base, startTime: e.startTime, completeTime: e.completeTime } : { ...base, results: e.results };
            const settled = e.type === "transferComplete" ? await afterTransfer(tx, task, deviceId, result as never) : { ok: true as const, result };
            if (settled === null) await tx.tasks.update(task.id, { status: "waiting", result: verifyingResult(task, result as never, now) });
            else await finishTask(task, settled);
          } else {
            await finishTask(task, { ok: false, code: `cwmp.${failure.faultCode}`, message: failure.faultString, retry: false });
          }
        }
        if (e.type === "transferComplete") {
          events.push({
            type: "transfer.complete",
            deviceId,
            at: now,
            commandKey: e.commandKey,
            taskId: task?.id ?? null,
            faultCode: e.fault.faultCode,
            faultString: e.fault.faultString,
            autonomous: false,
          });
        }
        break;
      }
      case "autonomousTransferComplete":
        events.push({ type: "transfer.complete", deviceId, at: now, commandKey: "", taskId: null, faultCode: e.fault.faultCode, faultString: e.fault.faultString, autonomous: true });
        break;
      case "sessionFault":
        await tx.faults.raise({ deviceId, channel: "session", code: e.code, message: e.message, detail: null, at: now });
        events.push({ type: "fault.raised", deviceId, at: now, channel: "session", code: e.code, message: e.message });
        break;
      case "sessionEnded":
        events.push({ type: "session.ended", deviceId, at: now, reason: e.reason });
        break;
      case "provisionFault": {
        const channel = `${PROVISION_FAULTS}${e.code}:${e.path ?? ""}`;
        const message = e.path === undefined ? e.message : `${e.path}: ${e.message}`;
        await tx.faults.raise({ deviceId, channel, code: e.code, message, detail: e.path === undefined ? null : { path: e.path }, at: now });
        // 9009 is the refusal of a notification: remembered, so that alarms do not ask again every session (alarm-notifications.ts).
        if (e.code === "cwmp.9009" && e.path !== undefined) await tx.alarms.refuseNotification(deviceId, e.path, now);

        events.push({ type: "fault.raised", deviceId, at: now, channel, code: e.code, message });
        break;
      }
      case "provisionsDone":
        // A session that applied every provision cleanly clears what earlier sessions could not do (a
        // device that had none on record as the session began spares the read).
        if (e.faults === 0 && e.earlierFaults !== false) {
          for (const f of await tx.faults.list({ deviceId })) {
            if (f.channel.startsWith(PROVISION_FAULTS) && (await tx.faults.clear(f.id))) events.push({ type: "fault.cleared", deviceId, at: now, channel: f.channel });
          }
        }
        break;
      case "autonomousDuStateChangeComplete":
      case "requestDownload":
      case "kicked":
        // Recorded by provisioning (its own issue); nothing to store yet.
        break;
    }
  }
  if (rebooted) for (const v of await afterBoot(tx, deviceId)) await finishTask(v.task, v.outcome);
  if (ctx.alarms !== undefined) {
    for (const e of events) if (e.type === "diagnostic.completed") facts.settled.push(e.diagnosticId);
    events.push(...(await ctx.alarms.onExchange(tx, deviceId, facts, now, ctx.taskQueued)));
  }
  return events;
}
