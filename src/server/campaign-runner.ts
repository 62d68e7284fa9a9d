// Advances firmware campaigns. Every ACS process runs one; each pass looks at the campaigns that are
// running or paused and, for each, takes its lease in the store (campaigns.claim: one process at a
// time per campaign, taken over by another when the holder stops renewing it) and does one step in
// one transaction that starts by locking the campaign's row:
//
//   1. settle: devices whose download task finished become succeeded (the task is done only after its
//      version check, firmware-check.ts) or failed (with the task's fault); a task that expired before
//      it ever reached the device puts the device back to pending (a few times, then failed);
//   2. threshold: a running campaign whose failures reach maxFailures or maxFailureRate pauses;
//   3. hold back: paused, or outside its maintenance window, downloads not yet sent to their device
//      are cancelled and their devices go back to pending;
//   4. fill: running and inside its window, pending devices get download tasks up to `concurrency`;
//      when the current batch has settled, the next `batchSize` devices the filter matches (in id
//      order, after the campaign's cursor) are taken in, those already on the file's version (or of
//      another OUI or product class than the file's) as skipped;
//   5. complete: every matching device taken in and settled.
//
// The entries' unique key (campaign, device), the lock and the lease make a step safe against another
// process's step and against an operator's pause or abort. Connection requests are sent after commit,
// from this process's memory: a process that dies before sending them all leaves downloads queued that
// no device was asked to fetch. So the first step of a campaign a runner takes (after its start, or
// from a process whose lease ran out) wakes the devices of downloads still queued that were never woken
// (no wake recorded on the task). A wake in flight when its process died is sent again: at worst one
// connection request more, never a second download.

import { randomUUID } from "node:crypto";
import { currentWindow, thresholdReached, type CampaignSettings, type Cron } from "../files/campaign-rules.js";
import { isFirmware } from "../files/index.js";
import type { CampaignCounts, CampaignDeviceState, CampaignRecord, CampaignStatus, FileRecord, JsonValue, Store, StoreTx, TaskFault } from "../store/types.js";
import type { SealArgs } from "./task-secrets.js";
import { cancelTask, type CampaignService } from "./campaigns.js";
import { recordEvents, type AcsEvent } from "./events.js";
import type { FileTasks } from "./file-tasks.js";
import { reportedVersion } from "./firmware-check.js";
import { logPassFailure, type Logger } from "./logger.js";
import { SOFTWARE_VERSION_PATHS } from "../model/index.js";

/** Times a device's task may expire before reaching it before the device counts as failed. */
const UNREACHED_LIMIT = 3;
/** Entries settled per step (the rest wait for the next). */
const SETTLE_PAGE = 2000;
/** Batches taken in per step when whole batches are skipped. */
const ENUMERATE_PAGES = 20;

export interface CampaignRunnerOptions {
  store: Store;
  campaigns: CampaignService;
  fileTasks: FileTasks;
  /** Wakes devices (connection requests); in the background. */
  wake: (targets: { deviceId: string; taskId: string }[]) => void;
  publish: (events: readonly AcsEvent[]) => void;
  log: Logger;
  clock?: () => Date;
  intervalMs: number;
  leaseMs: number;
  /** The `online` window of filters. */
  onlineWithinMs: number;
  /** This process's name in leases; default a random one. */
  owner?: string;
  /** Seals the file server's password among a download's arguments (task-secrets.ts). */
  sealArgs?: SealArgs;
}

export interface StepReport {
  campaignId: string;
  claimed: boolean;
  settled: number;
  started: number;
  takenIn: number;
  status: CampaignRecord["status"] | null;
}

function fault(code: string, message: string): TaskFault {
  return { code, message };
}

export class CampaignRunner {
  readonly owner: string;
  private readonly clock: () => Date;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly crons = new Map<string, Cron>();
  /** The campaigns whose lease this runner has held since its last step of them. */
  private readonly held = new Set<string>();
  private stopped = false;

  constructor(private readonly o: CampaignRunnerOptions) {
    this.owner = o.owner ?? `runner-${randomUUID()}`;
    this.clock = o.clock ?? (() => new Date());
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.pass()).catch((err: unknown) => logPassFailure(this.o.log, "error", err, "campaign runner pass failed"));
    }, Math.max(10, this.o.intervalMs));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
    // Another process takes this one's campaigns at its next pass, not once the leases have run out.
    try {
      await this.o.store.campaigns.release(this.owner);
    } catch (err) {
      this.o.log.warn({ err }, "could not give up the campaigns' leases; they run out by themselves");
    }
  }

  /** One pass over every campaign that is running or paused (tests call it instead of waiting). */
  async pass(): Promise<StepReport[]> {
    const active = await this.o.store.campaigns.list({ status: ["running", "paused"] });
    const out: StepReport[] = [];
    for (const c of active) {
      if (this.stopped) break;
      // Paused with nothing under way: nothing to do until it is resumed.
      if (c.status === "paused" && c.counts.in_progress === 0) continue;
      // Another process holds it: no write (an idle campaign costs its holder only).
      if (c.claimedBy !== null && c.claimedBy !== this.owner && c.claimUntil !== null && c.claimUntil.getTime() > this.clock().getTime()) {
        this.held.delete(c.id);
        continue;
      }
      try {
        out.push(await this.step(c.id));
      } catch (err) {
        this.o.log.error({ err, campaignId: c.id }, "campaign step failed");
      }
    }
    return out;
  }

  /** One step of one campaign (see the top of this file). */
  async step(id: string): Promise<StepReport> {
    const now = this.clock();
    const report: StepReport = { campaignId: id, claimed: false, settled: 0, started: 0, takenIn: 0, status: null };
    const out = await this.o.store.transaction(async (tx) => {
      const c = await tx.campaigns.claim(id, this.owner, now, new Date(now.getTime() + this.o.leaseMs));
      if (c === null) {
        this.held.delete(id);
        return null;
      }
      const takenOver = !this.held.has(id);
      report.claimed = true;
      report.status = c.status;
      if (c.status !== "running" && c.status !== "paused") return { events: [] as AcsEvent[], wake: [] };
      const s = this.o.campaigns.settingsOf(c);
      const counts: CampaignCounts = { ...c.counts };
      const move = (from: CampaignDeviceState, to: CampaignDeviceState) => {
        counts[from]--;
        counts[to]++;
      };
      const events: AcsEvent[] = [];
      const wake: { deviceId: string; taskId: string }[] = [];
      const file = await tx.files.get(c.fileId);

      // 1. settle
      for (const done of await tx.campaigns.settled(id, SETTLE_PAGE)) {
        const entry = await tx.campaigns.getDevice(id, done.deviceId);
        if (entry === null) continue;
        let to: CampaignDeviceState;
        let why: TaskFault | null = null;
        if (done.status === "done") to = "succeeded";
        else if (done.status === "expired" && done.result === null && entry.attempts < UNREACHED_LIMIT) to = "pending";
        else {
          to = "failed";
          why = done.status === null ? fault("campaign.task_missing", "the download task no longer exists (the device was deleted?)")
            : done.status === "expired" ? (done.result === null
              ? fault("campaign.not_reached", `the device did not connect to take its download (${entry.attempts} tasks expired)`)
              : fault("task.expired", "the device did not report the download's outcome in time (taskExpiry)"))
            : done.status === "cancelled" ? fault("task.cancelled", "the download task was cancelled")
              : done.lastFault ?? fault("task.failed", "the download task failed");
        }
        if (await tx.campaigns.updateDevice(id, done.deviceId, ["in_progress"], { state: to, fault: why, ...(to === "pending" ? { taskId: null } : {}) }, now)) {
          move("in_progress", to);
          report.settled++;
        }
      }

      let status: CampaignStatus = c.status;
      let pauseReason = c.pauseReason;
      // 2. threshold
      if (status === "running") {
        const gone = file === null || file.kind !== "file";
        const why = gone ? "the campaign's file was deleted" : thresholdReached(counts, s);
        if (why !== null) {
          status = "paused";
          pauseReason = gone ? why : `threshold: ${why}`;
          events.push({ type: "campaign.paused", deviceId: null, at: now, campaignId: id, name: c.name, reason: pauseReason, counts: { ...counts } });
        }
      }

      // 3. hold back
      const open = currentWindow(s.window, now, this.crons) !== null;
      if ((status !== "running" || !open) && counts.in_progress > 0) {
        for (const entry of await tx.campaigns.devices(id, { state: ["in_progress"], limit: s.concurrency + SETTLE_PAGE })) {
          const task = entry.taskId === null ? null : await tx.tasks.get(entry.taskId);
          if (task === null || task.status !== "pending") continue;
          // A device in a session may have been sent the download already (the task is pending until its
          // answer is in): cancelled now, it would upgrade all the same and count as skipped on resuming.
          // It is held back at a pass after its session, if the task is still pending then.
          if ((await tx.sessions.ofDevice(entry.deviceId)) !== null) continue;
          events.push(...(await cancelTask(tx, task, now)));
          if (await tx.campaigns.updateDevice(id, entry.deviceId, ["in_progress"], { state: "pending", taskId: null, attempts: Math.max(0, entry.attempts - 1) }, now)) move("in_progress", "pending");
        }
      }

      // 4. fill
      let cursor = c.cursor;
      let enumerated = c.enumerated;
      let batch = c.batch;
      if (status === "running" && open && file !== null && file.kind === "file") {
        let room = s.concurrency - counts.in_progress;
        for (let pages = 0; room > 0 && pages <= ENUMERATE_PAGES; pages++) {
          const pending = await tx.campaigns.devices(id, { state: ["pending"], limit: room });
          for (const entry of pending) {
            const started = await this.startDevice(tx, c, s, file, entry.deviceId, entry.attempts, now);
            if (started.kind === "started") {
              wake.push({ deviceId: entry.deviceId, taskId: started.taskId });
              events.push(...started.events);
              move("pending", "in_progress");
              report.started++;
              room--;
            } else {
              if (await tx.campaigns.updateDevice(id, entry.deviceId, ["pending"], { state: started.kind, fault: started.fault }, now)) move("pending", started.kind);
            }
          }
          if (pending.length > 0 || counts.in_progress > 0 || enumerated) break;
          // The batch has settled: take in the next.
          const taken = await this.takeIn(tx, c, s, file, cursor, batch + 1, now);
          cursor = taken.cursor;
          enumerated = taken.enumerated;
          if (taken.added > 0) batch++;
          for (const st of ["pending", "skipped"] as const) counts[st] += taken.counts[st];
          // Devices already in the campaign (none should be, past the cursor) would make the sum drift: count.
          if (!taken.exact) Object.assign(counts, await tx.campaigns.countDevices(id));
          report.takenIn += taken.added;
        }
      }

      // 5. complete
      let completedAt = c.completedAt;
      if (status === "running" && enumerated && counts.pending === 0 && counts.in_progress === 0) {
        status = "completed";
        completedAt = now;
        events.push({ type: "campaign.completed", deviceId: null, at: now, campaignId: id, name: c.name, counts: { ...counts } });
      }
      // 6. catch up: the wakes a runner before this one owed and may never have sent
      if (takenOver && status === "running" && open && s.connectionRequest) wake.push(...(await this.unwoken(tx, id, s, new Set(wake.map((w) => w.taskId)))));
      report.status = status;
      await tx.campaigns.update(id, {
        status, pauseReason, counts, cursor, enumerated, batch, completedAt, updatedAt: now,
        ...(status === "completed" ? { claimedBy: null, claimUntil: null } : {}),
      });
      return { events: await recordEvents(tx, events), wake: s.connectionRequest ? wake : [], status };
    });
    if (out !== null) {
      if (out.status === "running" || out.status === "paused") this.held.add(id);
      else this.held.delete(id);
      this.o.publish(out.events);
      if (out.wake.length > 0) this.o.wake(out.wake);
    }
    return report;
  }

  /** The campaign's downloads still queued whose device no process recorded a connection request for. */
  private async unwoken(tx: StoreTx, id: string, s: CampaignSettings, started: Set<string>): Promise<{ deviceId: string; taskId: string }[]> {
    const out: { deviceId: string; taskId: string }[] = [];
    const entries = (await tx.campaigns.devices(id, { state: ["in_progress"], limit: s.concurrency + SETTLE_PAGE })).filter((e) => e.taskId !== null && !started.has(e.taskId));
    const woken = await tx.tasks.wakes(entries.map((e) => e.taskId!));
    for (const e of entries) {
      if (woken.has(e.taskId!)) continue;
      const task = await tx.tasks.get(e.taskId!);
      if (task !== null && task.status === "pending") out.push({ deviceId: e.deviceId, taskId: e.taskId! });
    }
    return out;
  }

  /** Queues the download for one device, or says why it is not needed or not possible. */
  private async startDevice(tx: StoreTx, c: CampaignRecord, s: CampaignSettings, file: FileRecord, deviceId: string, attempts: number, now: Date): Promise<
    { kind: "started"; taskId: string; events: AcsEvent[] } | { kind: "skipped" | "failed"; fault: TaskFault }
  > {
    const device = await tx.devices.get(deviceId);
    if (device === null) return { kind: "failed", fault: fault("campaign.device_deleted", "the device no longer exists") };
    if (isFirmware(file.fileType) && file.version !== "" && (await reportedVersion(tx, deviceId)) === file.version) {
      return { kind: "skipped", fault: fault("campaign.already_on_version", `the device already runs ${file.version}`) };
    }
    let args;
    try {
      args = this.o.fileTasks.downloadArgs(file, deviceId, "download", { fileId: file.id }, now);
    } catch (err) {
      return { kind: "failed", fault: fault("campaign.no_url", (err as Error).message) };
    }
    const stored = this.o.sealArgs === undefined ? args : this.o.sealArgs(deviceId, "download", args as JsonValue);
    const task = await tx.tasks.create({ deviceId, name: "download", args: stored as never, expiresAt: new Date(now.getTime() + s.taskExpiry * 1000), maxAttempts: s.maxAttempts }, now);
    await tx.campaigns.updateDevice(c.id, deviceId, ["pending"], { state: "in_progress", taskId: task.id, attempts: attempts + 1, fault: null }, now);
    return { kind: "started", taskId: task.id, events: [{ type: "task.created", deviceId, at: now, taskId: task.id, name: "download" }] };
  }

  /** Takes in the next batch of devices the filter matches. */
  private async takeIn(tx: StoreTx, c: CampaignRecord, s: CampaignSettings, file: FileRecord, cursor: string | null, batch: number, now: Date): Promise<{ cursor: string | null; enumerated: boolean; added: number; exact: boolean; counts: { pending: number; skipped: number } }> {
    const page = await tx.devices.query({
      filter: c.filter, limit: s.batchSize, ...(cursor !== null ? { after: cursor } : {}), projection: [...SOFTWARE_VERSION_PATHS], now, onlineWithinMs: this.o.onlineWithinMs,
    });
    const counts = { pending: 0, skipped: 0 };
    const entries = page.devices.map((d) => {
      const version = d.parameters?.find((p) => p.value !== null)?.value ?? null;
      let skip: TaskFault | null = null;
      if (file.oui !== "" && d.oui.toUpperCase() !== file.oui) skip = fault("campaign.other_product", `the file is for OUI ${file.oui}, the device is ${d.oui}`);
      else if (file.productClass !== "" && d.productClass !== file.productClass) skip = fault("campaign.other_product", `the file is for product class ${file.productClass}, the device is ${d.productClass}`);
      else if (isFirmware(file.fileType) && file.version !== "" && version === file.version) skip = fault("campaign.already_on_version", `the device already runs ${file.version}`);
      return { deviceId: d.id, state: skip === null ? ("pending" as const) : ("skipped" as const), batch, fault: skip };
    });
    const added = await tx.campaigns.addDevices(c.id, entries, now);
    for (const e of entries) counts[e.state]++;
    const last = page.devices.at(-1);
    return { cursor: last?.id ?? cursor, enumerated: page.next === null || page.devices.length < s.batchSize, added, exact: added === entries.length, counts };
  }
}
