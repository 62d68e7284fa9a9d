// Prometheus metrics of one ACS process, in a registry of its own (never prom-client's global one, so
// that several ACS instances in one process, as in tests, do not mix their counts). With several
// processes, each serves its own counts: scrape each, or sum them in Prometheus.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CwmpEnvelope } from "../cwmp/index.js";
import type { CheckpointReport } from "../store/index.js";
import type { CwmpObserver } from "./cwmp-handler.js";
import type { AcsEvent } from "./events.js";

export interface MetricsOptions {
  /** Pending tasks in the store (the queue depth), read at each scrape. */
  pendingTasks: () => Promise<number>;
  /** Devices in the store, all and those online (informed within nbi.onlineWindow), read at each scrape. */
  devices?: () => Promise<{ total: number; online: number; bootstrap: number }>;
  /** Also export the process's own metrics (CPU, memory, event loop). Default true. */
  processMetrics?: boolean;
  /** Export the SQLite store's WAL checkpoints (checkpoint()): this process writes a SQLite database. */
  sqliteCheckpoints?: boolean;
}

export class AcsMetrics {
  readonly registry = new Registry();
  private readonly sessionsStarted: Counter;
  private readonly sessionsEnded: Counter<"reason">;
  private readonly rpcs: Counter<"method" | "direction">;
  private readonly cpeFaults: Counter<"code">;
  private readonly cwmpLatency: Histogram<"status">;
  private readonly cwmpInFlightGauge: Gauge;
  private readonly tasks: Counter<"outcome">;
  private readonly connectionRequests: Counter<"method" | "outcome">;
  private readonly webhookDeliveries: Counter<"outcome">;
  private readonly apiLatency: Histogram<"method" | "route" | "status">;
  private readonly eventStreams: Gauge;
  private readonly loopStalls: Histogram;
  private readonly bulkDataBodies: Counter<"outcome">;
  private readonly bulkDataReports: Counter;
  private readonly checkpointHold: Histogram | null = null;
  private readonly checkpointCopy: Histogram | null = null;

  constructor(o: MetricsOptions) {
    const registers = [this.registry];
    if (o.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "provisio_" });
    this.sessionsStarted = new Counter({ name: "provisio_cwmp_sessions_started_total", help: "CWMP sessions started (Informs accepted).", registers });
    this.sessionsEnded = new Counter({ name: "provisio_cwmp_sessions_ended_total", help: "CWMP sessions ended, by reason.", labelNames: ["reason"], registers });
    this.rpcs = new Counter({
      name: "provisio_cwmp_rpcs_total",
      help: "CWMP messages by method; direction acs: sent by the ACS (requests and responses), cpe: sent by CPEs.",
      labelNames: ["method", "direction"],
      registers,
    });
    this.cpeFaults = new Counter({ name: "provisio_cwmp_cpe_faults_total", help: "CWMP faults CPEs answered with, by fault code.", labelNames: ["code"], registers });
    this.cwmpLatency = new Histogram({
      name: "provisio_cwmp_http_request_duration_seconds",
      help: "Time to answer one HTTP request of the CWMP endpoint; every answer is counted, refusals and shed requests included.",
      labelNames: ["status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.cwmpInFlightGauge = new Gauge({
      name: "provisio_cwmp_requests_in_flight",
      help: "CWMP requests being processed (bodies received, answer not yet sent): what cwmp.maxInFlight bounds for new sessions.",
      registers,
    });
    this.tasks = new Counter({
      name: "provisio_tasks_finished_total",
      help: "Task runs by outcome: done, failed (given up), retry (failed, will run again).",
      labelNames: ["outcome"],
      registers,
    });
    new Gauge({
      name: "provisio_tasks_pending",
      help: "Tasks waiting for their device's next session (the queue depth), all processes.",
      registers,
      async collect() {
        this.set(await o.pendingTasks());
      },
    });
    const devices = o.devices;
    if (devices !== undefined) {
      new Gauge({
        name: "provisio_devices",
        help: "Devices registered, all processes; state: all, online (informed within nbi.onlineWindow), or bootstrap (no credentials of its own yet).",
        labelNames: ["state"],
        registers,
        async collect() {
          const n = await devices();
          this.set({ state: "all" }, n.total);
          this.set({ state: "online" }, n.online);
          this.set({ state: "bootstrap" }, n.bootstrap);
        },
      });
    }
    this.connectionRequests = new Counter({
      name: "provisio_connection_requests_total",
      help: "Connection request attempts by method and outcome (method none: no-method or rate-limited).",
      labelNames: ["method", "outcome"],
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: "provisio_webhook_deliveries_total",
      help: "Webhook delivery attempts by outcome: delivered, retry (will be tried again), failed (given up).",
      labelNames: ["outcome"],
      registers,
    });
    this.apiLatency = new Histogram({
      name: "provisio_api_request_duration_seconds",
      help: "Time to answer one REST API request (event streams are counted by provisio_api_event_streams instead).",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120],
      registers,
    });
    this.eventStreams = new Gauge({ name: "provisio_api_event_streams", help: "Event streams (GET /api/events) open on this process.", registers });
    this.loopStalls = new Histogram({
      name: "provisio_event_loop_stall_seconds",
      help: "Times the event loop was blocked for log.stallWarn or longer (every request of the process waited), by how long (seconds).",
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.bulkDataBodies = new Counter({
      name: "provisio_bulkdata_bodies_total",
      help: "Bulk Data report bodies by outcome: accepted, or the refusal (unauthenticated, forbidden, unknown-device, too-large, malformed, ...).",
      labelNames: ["outcome"],
      registers,
    });
    this.bulkDataReports = new Counter({ name: "provisio_bulkdata_reports_total", help: "Bulk Data reports stored (a body may carry several).", registers });
    if (o.sqliteCheckpoints === true) {
      // The hold is what every CPE's transaction waited for, and what grows with a disk slow to sync
      // (docs/operations.md); the copy runs beside the transactions and shows the WAL's growth.
      const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
      this.checkpointHold = new Histogram({
        name: "provisio_sqlite_checkpoint_hold_seconds",
        help: "SQLite WAL checkpoints by how long they held the database connection (seconds): every transaction of the process waited that long.",
        buckets,
        registers,
      });
      this.checkpointCopy = new Histogram({
        name: "provisio_sqlite_checkpoint_copy_seconds",
        help: "SQLite WAL checkpoints by how long their copy of the WAL took beside the transactions (seconds).",
        buckets,
        registers,
      });
    }
  }

  /** A Bulk Data body: accepted (with its reports), or refused and why (bulkdata.ts). */
  bulkData(outcome: string, reports = 0): void {
    this.bulkDataBodies.inc({ outcome });
    if (reports > 0) this.bulkDataReports.inc(reports);
  }

  /** Feeds the CWMP handler's traffic into the counters. */
  readonly cwmp: CwmpObserver = {
    sessionStarted: () => this.sessionsStarted.inc(),
    received: (envelopes: readonly CwmpEnvelope[]) => {
      for (const e of envelopes) {
        const method = e.body?.method;
        if (method === undefined) continue;
        this.rpcs.inc({ method, direction: "cpe" });
        if (e.body?.method === "Fault") this.cpeFaults.inc({ code: e.body.unreadable !== undefined ? "unreadable" : String(e.body.detail.faultCode) });
      }
    },
    sent: (envelope: CwmpEnvelope | null) => {
      const method = envelope?.body?.method;
      if (method !== undefined) this.rpcs.inc({ method, direction: "acs" });
    },
  };

  cwmpRequest(status: number, seconds: number): void {
    this.cwmpLatency.observe({ status: String(status) }, seconds);
  }

  cwmpInFlight(n: number): void {
    this.cwmpInFlightGauge.set(n);
  }

  /** Counts what this process's own events tell (sessions ended, task outcomes). */
  event(e: AcsEvent): void {
    if (e.type === "session.ended") this.sessionsEnded.inc({ reason: e.reason });
    else if (e.type === "task.completed") this.tasks.inc({ outcome: "done" });
    else if (e.type === "task.failed") this.tasks.inc({ outcome: e.willRetry ? "retry" : "failed" });
  }

  connectionRequest(method: string, outcome: string): void {
    this.connectionRequests.inc({ method, outcome });
  }

  webhookDelivery(outcome: "delivered" | "retry" | "failed"): void {
    this.webhookDeliveries.inc({ outcome });
  }

  apiRequest(method: string, route: string, status: number, seconds: number): void {
    this.apiLatency.observe({ method, route, status: String(status) }, seconds);
  }

  /** The event loop was blocked for this long (loop-watchdog.ts). */
  loopStall(seconds: number): void {
    this.loopStalls.observe(seconds);
  }

  /** A SQLite WAL checkpoint of the store (SqliteStoreOptions.onCheckpoint). */
  checkpoint(c: CheckpointReport): void {
    this.checkpointHold?.observe(c.heldMs / 1000);
    this.checkpointCopy?.observe(c.copyMs / 1000);
  }

  streamOpened(): void {
    this.eventStreams.inc();
  }

  streamClosed(): void {
    this.eventStreams.dec();
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
