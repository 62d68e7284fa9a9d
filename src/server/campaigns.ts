// Firmware campaigns: created, changed, paused, resumed and aborted by operators (CampaignService),
// and advanced by a runner in every ACS process (campaign-runner.ts). Every change of a campaign is
// made in a transaction that first locks its row, so an operator's pause and a runner's step never
// interleave, whichever processes they run in; events are written with the change (the outbox).

import { randomUUID } from "node:crypto";
import { CAMPAIGN_DEVICE_STATES, checkWindow, CampaignRuleError, readSettings, type CampaignSettings, type MaintenanceWindow } from "../files/campaign-rules.js";
import { FileError } from "../files/index.js";
import { parse } from "../query/index.js";
import type { CampaignCounts, CampaignDeviceRecord, CampaignDeviceState, CampaignRecord, CampaignStatus, JsonValue, Store, StoreTx, TaskRecord } from "../store/types.js";
import { recordEvents, type AcsEvent } from "./events.js";

export class CampaignError extends Error {
  constructor(
    readonly code: "CAMPAIGN_NOT_FOUND" | "CAMPAIGN_STATE",
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "CampaignError";
  }
}

export interface NewCampaign {
  name: string;
  filter: string;
  fileId: string;
  batchSize?: number;
  concurrency?: number;
  window?: MaintenanceWindow | null;
  maxFailures?: number | null;
  maxFailureRate?: number | null;
  minSettled?: number;
  connectionRequest?: boolean;
  taskExpiry?: number;
  maxAttempts?: number;
  /** false: created paused (start it with resume). Default true. */
  start?: boolean;
  /** The tenant of the principal creating it; `filter` must already be narrowed to its devices. */
  tenant?: string | null;
}

export type CampaignChanges = Partial<Omit<NewCampaign, "filter" | "fileId" | "start" | "tenant">>;

export interface CampaignDefaults {
  taskExpiry: number;
  maxAttempts: number;
}

export function emptyCounts(): CampaignCounts {
  return Object.fromEntries(CAMPAIGN_DEVICE_STATES.map((s) => [s, 0])) as CampaignCounts;
}

function settingsJson(s: CampaignSettings): JsonValue {
  return { ...s, window: s.window as unknown as JsonValue };
}

function checkSettings(s: CampaignSettings): CampaignSettings {
  const int = (field: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new CampaignRuleError(field, `an integer from ${min} to ${max}`);
  };
  int("batchSize", s.batchSize, 1, 100_000);
  int("concurrency", s.concurrency, 1, 100_000);
  if (s.maxFailures !== null) int("maxFailures", s.maxFailures, 1, Number.MAX_SAFE_INTEGER);
  if (s.maxFailureRate !== null && !(s.maxFailureRate > 0 && s.maxFailureRate <= 1)) throw new CampaignRuleError("maxFailureRate", "a share greater than 0, at most 1");
  int("minSettled", s.minSettled, 1, Number.MAX_SAFE_INTEGER);
  if (!(Number.isFinite(s.taskExpiry) && s.taskExpiry >= 1)) throw new CampaignRuleError("taskExpiry", "seconds, at least 1");
  int("maxAttempts", s.maxAttempts, 1, 100);
  if (s.window !== null) checkWindow(s.window);
  return s;
}

function apply(base: CampaignSettings, c: CampaignChanges): CampaignSettings {
  return checkSettings({
    batchSize: c.batchSize ?? base.batchSize,
    concurrency: c.concurrency ?? base.concurrency,
    window: c.window !== undefined ? c.window : base.window,
    maxFailures: c.maxFailures !== undefined ? c.maxFailures : base.maxFailures,
    maxFailureRate: c.maxFailureRate !== undefined ? c.maxFailureRate : base.maxFailureRate,
    minSettled: c.minSettled ?? base.minSettled,
    connectionRequest: c.connectionRequest ?? base.connectionRequest,
    taskExpiry: c.taskExpiry ?? base.taskExpiry,
    maxAttempts: c.maxAttempts ?? base.maxAttempts,
  });
}

const countsJson = (c: CampaignCounts) => ({ ...c }) as { [state: string]: number };

/** Cancels a task that has not finished, with its event (in the caller's transaction). */
export async function cancelTask(tx: StoreTx, task: TaskRecord, now: Date): Promise<AcsEvent[]> {
  if (task.status !== "pending" && task.status !== "waiting") return [];
  await tx.tasks.update(task.id, { status: "cancelled", completedAt: now });
  return [{ type: "task.cancelled", deviceId: task.deviceId, at: now, taskId: task.id, name: task.name }];
}

export class CampaignService {
  constructor(
    private readonly store: Store,
    private readonly defaults: CampaignDefaults,
    private readonly publish: (events: readonly AcsEvent[]) => void = () => {},
    private readonly clock: () => Date = () => new Date(),
  ) {}

  settingsOf(c: CampaignRecord): CampaignSettings {
    return readSettings(c.settings, this.defaults);
  }

  async create(n: NewCampaign): Promise<CampaignRecord> {
    parse(n.filter); // FilterError for a filter that is not one
    const settings = apply(readSettings({}, this.defaults), n);
    const now = this.clock();
    const out = await this.store.transaction(async (tx) => {
      const file = await tx.files.get(n.fileId);
      if (file === null || file.kind !== "file") throw new FileError("FILE_NOT_FOUND", `no file ${n.fileId}`);
      const start = n.start !== false;
      const campaign = await tx.campaigns.create({
        id: randomUUID(), name: n.name, filter: n.filter, fileId: n.fileId, status: start ? "running" : "paused", pauseReason: start ? null : "created",
        settings: settingsJson(settings), cursor: null, enumerated: false, batch: 0, counts: emptyCounts(), claimedBy: null, claimUntil: null,
        createdAt: now, updatedAt: now, completedAt: null, tenant: n.tenant ?? null,
      });
      const events: AcsEvent[] = start ? [{ type: "campaign.started", deviceId: null, at: now, campaignId: campaign.id, name: campaign.name, fileId: campaign.fileId }] : [];
      return { campaign, events: await recordEvents(tx, events) };
    });
    this.publish(out.events);
    return out.campaign;
  }

  get(id: string): Promise<CampaignRecord | null> {
    return this.store.campaigns.get(id);
  }

  list(q?: { status?: CampaignStatus[]; tenant?: string; limit?: number; offset?: number }): Promise<CampaignRecord[]> {
    return this.store.campaigns.list(q);
  }

  async devices(id: string, q: { state?: CampaignDeviceState[]; after?: string; limit?: number }): Promise<CampaignDeviceRecord[]> {
    if ((await this.store.campaigns.get(id)) === null) throw new CampaignError("CAMPAIGN_NOT_FOUND", `no campaign ${JSON.stringify(id)}`);
    return this.store.campaigns.devices(id, q);
  }

  /** Runs `fn` on the locked campaign; it must be in one of `allowed` states. */
  private async change(id: string, allowed: CampaignStatus[], what: string, fn: (tx: StoreTx, c: CampaignRecord, now: Date) => Promise<{ campaign: CampaignRecord; events: AcsEvent[] }>): Promise<CampaignRecord> {
    const now = this.clock();
    const out = await this.store.transaction(async (tx) => {
      const c = await tx.campaigns.lock(id);
      if (c === null) throw new CampaignError("CAMPAIGN_NOT_FOUND", `no campaign ${JSON.stringify(id)}`);
      if (!allowed.includes(c.status)) {
        throw new CampaignError("CAMPAIGN_STATE", `campaign ${id} is ${c.status}; only a ${allowed.join(" or ")} campaign can be ${what}`, { status: c.status });
      }
      const r = await fn(tx, c, now);
      return { campaign: r.campaign, events: await recordEvents(tx, r.events) };
    });
    this.publish(out.events);
    return out.campaign;
  }

  /** Changes settings (batch size, concurrency, window, thresholds, ...) of a campaign that has not finished. */
  update(id: string, changes: CampaignChanges): Promise<CampaignRecord> {
    return this.change(id, ["running", "paused"], "changed", async (tx, c, now) => {
      const settings = apply(this.settingsOf(c), changes);
      const campaign = (await tx.campaigns.update(id, { settings: settingsJson(settings), ...(changes.name !== undefined ? { name: changes.name } : {}), updatedAt: now }))!;
      return { campaign, events: [] };
    });
  }

  /** Stops starting devices; downloads already under way finish and are counted (the runner holds back those not yet sent). */
  pause(id: string, reason = "operator"): Promise<CampaignRecord> {
    return this.change(id, ["running"], "paused", async (tx, c, now) => {
      const campaign = (await tx.campaigns.update(id, { status: "paused", pauseReason: reason, updatedAt: now }))!;
      return { campaign, events: [{ type: "campaign.paused", deviceId: null, at: now, campaignId: id, name: c.name, reason, counts: countsJson(c.counts) }] };
    });
  }

  /** Goes on; with retryFailed, the devices that failed are tried again (their failures no longer count). */
  resume(id: string, options: { retryFailed?: boolean } = {}): Promise<CampaignRecord> {
    return this.change(id, ["paused"], "resumed", async (tx, c, now) => {
      if (options.retryFailed) await tx.campaigns.moveDevices(id, ["failed"], "pending", now);
      const counts = options.retryFailed ? await tx.campaigns.countDevices(id) : c.counts;
      const campaign = (await tx.campaigns.update(id, { status: "running", pauseReason: null, counts, updatedAt: now }))!;
      return { campaign, events: [{ type: "campaign.resumed", deviceId: null, at: now, campaignId: id, name: c.name }] };
    });
  }

  /**
   * Ends the campaign: devices not started, and those whose download is still queued or running, are
   * cancelled (with their tasks; a device already transferring may still finish, unrecorded).
   */
  abort(id: string): Promise<CampaignRecord> {
    return this.change(id, ["running", "paused"], "aborted", async (tx, c, now) => {
      const events: AcsEvent[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await tx.campaigns.devices(id, { state: ["in_progress"], limit: 500, ...(after !== undefined ? { after } : {}) });
        for (const entry of page) {
          const task = entry.taskId === null ? null : await tx.tasks.get(entry.taskId);
          if (task !== null) events.push(...(await cancelTask(tx, task, now)));
        }
        if (page.length < 500) break;
        after = page[page.length - 1]!.deviceId;
      }
      await tx.campaigns.moveDevices(id, ["pending", "in_progress"], "cancelled", now, { code: "campaign.aborted", message: "the campaign was aborted" });
      const counts = await tx.campaigns.countDevices(id);
      const campaign = (await tx.campaigns.update(id, { status: "aborted", pauseReason: null, counts, completedAt: now, updatedAt: now, claimedBy: null, claimUntil: null }))!;
      events.push({ type: "campaign.aborted", deviceId: null, at: now, campaignId: id, name: c.name, counts: countsJson(counts) });
      return { campaign, events };
    });
  }

  /** Deletes a finished (completed or aborted) campaign with its entries. */
  async delete(id: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const c = await tx.campaigns.lock(id);
      if (c === null) throw new CampaignError("CAMPAIGN_NOT_FOUND", `no campaign ${JSON.stringify(id)}`);
      if (c.status === "running" || c.status === "paused") throw new CampaignError("CAMPAIGN_STATE", `campaign ${id} is ${c.status}; abort it first`, { status: c.status });
      await tx.campaigns.delete(id);
    });
  }
}
