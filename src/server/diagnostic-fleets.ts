// Fleet diagnostics: one diagnostic over every device a filter matches, a batch at a time. Each pass
// of every process looks at the running fleets; a fleet whose runs have all settled gets its next
// batch (the devices after its cursor, in id order), started by the one process whose conditional
// move of the cursor wins, in the transaction that moves it: the runs, their tasks and the connection
// requests they are owed (owed-wakes.ts) commit with the cursor, so a process that dies leaves either
// the batch to the next pass or its wakes to another process, never a batch counted but not started.

import { randomUUID } from "node:crypto";
import type { DiagnosticFleetRecord, JsonValue, Store } from "../store/types.js";
import type { DiagnosticService } from "./diagnostic-runs.js";
import type { AcsEvent } from "./events.js";
import { logPassFailure, type Logger } from "./logger.js";
import type { OwedWakes, OwedWakeTarget } from "./owed-wakes.js";

export interface FleetOptions {
  store: Store;
  diagnostics: DiagnosticService;
  /** Owes the connection requests of a batch, in its transaction, and makes them after. */
  owed: Pick<OwedWakes, "owe" | "send">;
  onlineWithinMs: number;
  log: Logger;
  clock?: () => Date;
}

export interface StartFleet {
  kind: string;
  args: Record<string, unknown>;
  filter: string;
  batchSize: number;
  timeout: number;
  connectionRequest: boolean;
  /** The tenant of whoever starts it (its `filter` already narrowed to the tenant's devices); null: unscoped. */
  tenant: string | null;
}

export interface BatchOutcome {
  started: string[];
  failures: { deviceId: string; code: string; message: string }[];
}

export class DiagnosticFleets {
  private readonly clock: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: FleetOptions) {
    this.clock = o.clock ?? (() => new Date());
  }

  /**
   * Records a fleet and starts its first batch, in one transaction: a pass (this process's timer or
   * another process's) cannot see the fleet before its first batch is under way, so that batch is always
   * this call's to start and to report. (Recorded first and committed apart, the fleet was a pass's to
   * take, and the API then answered that none of its runs had started.)
   */
  async start(req: StartFleet): Promise<{ fleet: DiagnosticFleetRecord; first: BatchOutcome }> {
    this.o.diagnostics.check(req);
    const now = this.clock();
    const fleet: DiagnosticFleetRecord = {
      id: randomUUID(), kind: req.kind, args: req.args as JsonValue, filter: req.filter, batchSize: req.batchSize, timeout: req.timeout,
      connectionRequest: req.connectionRequest, cursor: null, started: 0, batches: 0, status: "running", createdAt: now, updatedAt: now, tenant: req.tenant,
    };
    const first = (await this.advance(fleet, true)) ?? { started: [], failures: [] };
    return { fleet: (await this.o.store.diagnostics.getFleet(fleet.id)) ?? fleet, first };
  }

  /** One pass over the running fleets. */
  async pass(): Promise<void> {
    for (const fleet of await this.o.store.diagnostics.runningFleets(100)) await this.advance(fleet);
  }

  startTimer(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.pass()).catch((err: unknown) => logPassFailure(this.o.log, "error", err, "fleet diagnostics pass failed"));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.running;
  }

  /**
   * Starts the fleet's next batch if its last one settled; null when it is not this caller's to start.
   * `create`: the fleet is new, and recorded in the batch's transaction.
   */
  private async advance(fleet: DiagnosticFleetRecord, create = false): Promise<BatchOutcome | null> {
    const store = this.o.store;
    if (!create && (await store.diagnostics.list({ fleetId: fleet.id, status: ["pending", "requested"], limit: 1 })).length > 0) return null;
    const now = this.clock();
    const page = await store.devices.query({
      filter: fleet.filter, now, onlineWithinMs: this.o.onlineWithinMs, limit: fleet.batchSize, ...(fleet.cursor !== null ? { after: fleet.cursor } : {}),
    });
    const ids = page.devices.map((d) => d.id);
    const done = ids.length === 0 || page.next === null;
    const request = { kind: fleet.kind, args: fleet.args as Record<string, unknown>, timeout: fleet.timeout, fleetId: fleet.id };
    const step = await store.transaction(async (tx) => {
      if (create) await tx.diagnostics.createFleet(fleet);
      const moved = await tx.diagnostics.advanceFleet(fleet.id, fleet.cursor, {
        cursor: ids.at(-1) ?? fleet.cursor, started: fleet.started + ids.length, batches: fleet.batches + (ids.length > 0 ? 1 : 0), status: done ? "complete" : "running",
      }, now);
      if (!moved) return null;
      const out: BatchOutcome = { started: [], failures: [] };
      const events: AcsEvent[] = [];
      const targets: OwedWakeTarget[] = [];
      for (const deviceId of ids) {
        try {
          const run = await this.o.diagnostics.startIn(tx, deviceId, request, now);
          out.started.push(run.id);
          events.push(...run.events);
          targets.push({ deviceId, taskId: run.id });
        } catch (err) {
          // Both are found by reads, before any write of the device's: the transaction goes on.
          const code = (err as { code?: unknown }).code;
          if (code !== "DIAGNOSTIC_IN_PROGRESS" && code !== "DEVICE_NOT_FOUND") throw err;
          out.failures.push({ deviceId, code: String(code), message: (err as Error).message });
        }
      }
      const owed = fleet.connectionRequest && targets.length > 0 ? await this.o.owed.owe(tx, targets) : null;
      return { out, events, owed };
    });
    if (step === null) return null;
    const { out, events, owed } = step;
    this.o.diagnostics.publish(events);
    if (owed !== null) this.o.owed.send(owed);
    if (out.started.length > 0) this.o.log.info({ fleetId: fleet.id, batch: fleet.batches + 1, started: out.started.length }, "fleet diagnostic batch started");
    return out;
  }
}
