// The rules of a firmware campaign that need no I/O: its settings, the maintenance window, and the
// failure threshold that pauses it. Times are UTC.

import { CronError, parseCron } from "../provisioning/index.js";
import type { CampaignCounts, CampaignDeviceState, JsonValue } from "../store/types.js";

export type Cron = ReturnType<typeof parseCron>;

export const CAMPAIGN_DEVICE_STATES: readonly CampaignDeviceState[] = ["pending", "in_progress", "succeeded", "failed", "skipped", "cancelled"];

/**
 * When new devices may start: every day between two times ("01:00" to "05:00"; an end before the
 * start runs past midnight; equal times, all day), optionally only on some days of the week (0 Sunday
 * .. 6 Saturday, the day the window opens); or from each moment a cron expression matches, for
 * `duration` seconds.
 */
export type MaintenanceWindow = { start: string; end: string; days?: number[] } | { cron: string; duration: number };

export interface CampaignSettings {
  /** Devices taken into the campaign at a time; the next batch starts when this one has settled. */
  batchSize: number;
  /** Devices with a download in progress at once. */
  concurrency: number;
  /** Null: any time. */
  window: MaintenanceWindow | null;
  /** Pause once this many devices have failed (null: no such limit). */
  maxFailures: number | null;
  /** Pause once this share (0..1) of the settled devices has failed, counted from minSettled devices on. */
  maxFailureRate: number | null;
  minSettled: number;
  /** Wake each device with a connection request when its download is queued. */
  connectionRequest: boolean;
  /** Seconds a device's download task may take before it counts as failed. */
  taskExpiry: number;
  /** Attempts of each download task (the task queue's retries). */
  maxAttempts: number;
}

export class CampaignRuleError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "CampaignRuleError";
  }
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutes(text: string): number {
  const m = HHMM.exec(text)!;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Checks a window (CampaignRuleError naming the field); returns it as given. */
export function checkWindow(w: MaintenanceWindow): MaintenanceWindow {
  if ("cron" in w) {
    try {
      parseCron(w.cron);
    } catch (err) {
      if (err instanceof CronError) throw new CampaignRuleError("window.cron", err.message);
      throw err;
    }
    if (!(Number.isFinite(w.duration) && w.duration >= 60 && w.duration <= 31 * 86400)) throw new CampaignRuleError("window.duration", "seconds, from 60 to 31 days");
    return w;
  }
  if (!HHMM.test(w.start)) throw new CampaignRuleError("window.start", "a time HH:MM (UTC)");
  if (!HHMM.test(w.end)) throw new CampaignRuleError("window.end", "a time HH:MM (UTC)");
  if (w.days !== undefined && (w.days.length === 0 || w.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6))) {
    throw new CampaignRuleError("window.days", "days of the week, 0 (Sunday) to 6");
  }
  return w;
}

const DAY = 86_400_000;

/** The window's current opening [start, end) around `now`, or null when it is closed. */
export function currentWindow(w: MaintenanceWindow | null, now: Date, cronCache?: Map<string, Cron>): { start: Date; end: Date } | null {
  if (w === null) return { start: new Date(0), end: new Date(8.64e15) };
  const t = now.getTime();
  if ("cron" in w) {
    let cron = cronCache?.get(w.cron);
    if (cron === undefined) {
      cron = parseCron(w.cron);
      cronCache?.set(w.cron, cron);
    }
    // The latest minute at or before now that the cron matches, within the duration.
    const minute = Math.floor(t / 60_000) * 60_000;
    for (let at = minute; t - at < w.duration * 1000; at -= 60_000) {
      if (cron.matches(new Date(at))) return { start: new Date(at), end: new Date(at + w.duration * 1000) };
    }
    return null;
  }
  const startM = minutes(w.start);
  const endM = minutes(w.end);
  const midnight = Math.floor(t / DAY) * DAY;
  const length = ((endM - startM + 1440) % 1440 || 1440) * 60_000;
  // The opening that began today, or the one that began yesterday and runs past midnight.
  for (const dayStart of [midnight, midnight - DAY]) {
    const start = dayStart + startM * 60_000;
    if (t >= start && t < start + length) {
      const day = new Date(dayStart).getUTCDay();
      if (w.days !== undefined && !w.days.includes(day)) continue;
      return { start: new Date(start), end: new Date(start + length) };
    }
  }
  return null;
}

/** Why the campaign must pause, or null when its failures are within bounds. */
export function thresholdReached(counts: CampaignCounts, s: Pick<CampaignSettings, "maxFailures" | "maxFailureRate" | "minSettled">): string | null {
  const failed = counts.failed;
  if (s.maxFailures !== null && failed >= s.maxFailures) return `${failed} devices failed (maxFailures ${s.maxFailures})`;
  const settled = counts.succeeded + counts.failed;
  if (s.maxFailureRate !== null && settled >= Math.max(1, s.minSettled) && failed / settled >= s.maxFailureRate) {
    return `${failed} of ${settled} settled devices failed (maxFailureRate ${s.maxFailureRate})`;
  }
  return null;
}

export const DEFAULT_CAMPAIGN_SETTINGS: Omit<CampaignSettings, "taskExpiry" | "maxAttempts"> = {
  batchSize: 100,
  concurrency: 10,
  window: null,
  maxFailures: null,
  maxFailureRate: null,
  minSettled: 10,
  connectionRequest: true,
};

function num(v: unknown, d: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : d;
}

/** Settings as stored, read back with defaults for what is missing. */
export function readSettings(v: JsonValue, defaults: Pick<CampaignSettings, "taskExpiry" | "maxAttempts">): CampaignSettings {
  const o = v !== null && typeof v === "object" && !Array.isArray(v) ? v : {};
  const w = o.window;
  return {
    batchSize: num(o.batchSize, DEFAULT_CAMPAIGN_SETTINGS.batchSize),
    concurrency: num(o.concurrency, DEFAULT_CAMPAIGN_SETTINGS.concurrency),
    window: w !== null && typeof w === "object" && !Array.isArray(w) ? (w as unknown as MaintenanceWindow) : null,
    maxFailures: typeof o.maxFailures === "number" ? o.maxFailures : null,
    maxFailureRate: typeof o.maxFailureRate === "number" ? o.maxFailureRate : null,
    minSettled: num(o.minSettled, DEFAULT_CAMPAIGN_SETTINGS.minSettled),
    connectionRequest: typeof o.connectionRequest === "boolean" ? o.connectionRequest : DEFAULT_CAMPAIGN_SETTINGS.connectionRequest,
    taskExpiry: num(o.taskExpiry, defaults.taskExpiry),
    maxAttempts: num(o.maxAttempts, defaults.maxAttempts),
  };
}
