// The diagnostics' programmatic API: start one on a device (its record and its `diagnostic` task, in
// one transaction), read the history, wait for a run to settle. The REST API is a thin layer over it.

import { isDiagnosticKind, type DiagnosticKind } from "../diagnostics/kinds.js";
import type { FileLinks } from "../files/index.js";
import { argsProblems } from "../diagnostics/values.js";
import { StoreError } from "../store/index.js";
import type { DiagnosticListQuery, DiagnosticRecord, JsonValue, Store, StoreTx } from "../store/types.js";
import { recordEvents, type AcsEvent } from "./events.js";
import type { TaskService } from "./tasks.js";

export class DiagnosticError extends Error {
  constructor(
    readonly code: "DEVICE_NOT_FOUND" | "DIAGNOSTIC_NOT_FOUND" | "DIAGNOSTIC_ARGS_INVALID" | "DIAGNOSTIC_IN_PROGRESS",
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "DiagnosticError";
  }
}

export interface StartDiagnostic {
  kind: string;
  args?: Record<string, unknown>;
  /** Seconds to settle before it times out; default diagnostics.timeout. */
  timeout?: number;
  fleetId?: string | null;
}

/** The URL of Provisio's own TR-143 endpoint (files/speed-test.ts) for a speed test that gives none, or why none can be made. */
export type SpeedTestUrls = (kind: "download" | "upload", deviceId: string, args: Record<string, unknown>, validUntil: Date) => string | { error: string };

export interface DiagnosticOptions {
  timeoutSeconds: number;
  speedTestUrls?: SpeedTestUrls;
  clock?: () => Date;
  publish?: (events: readonly AcsEvent[]) => void;
}

/** The argument holding the transfer URL of a speed test. */
export const URL_ARG = { download: "DownloadURL", upload: "UploadURL" } as const;

export class DiagnosticService {
  private readonly clock: () => Date;
  constructor(
    private readonly store: Store,
    private readonly tasks: TaskService,
    private readonly o: DiagnosticOptions,
  ) {
    this.clock = o.clock ?? (() => new Date());
  }

  /** Checks a request once (kind and arguments) before any device is addressed; returns the kind. */
  check(req: StartDiagnostic): DiagnosticKind {
    if (!isDiagnosticKind(req.kind)) throw new DiagnosticError("DIAGNOSTIC_ARGS_INVALID", `unknown diagnostic kind ${JSON.stringify(req.kind)}`);
    const args = this.withoutUrl(req.kind, req.args ?? {});
    const problems = argsProblems(req.kind, args.check);
    if (problems !== null) throw new DiagnosticError("DIAGNOSTIC_ARGS_INVALID", `${req.kind}: ${problems}`, { kind: req.kind });
    if (args.needsUrl) {
      const kind = req.kind as "download" | "upload";
      if (this.o.speedTestUrls === undefined) throw new DiagnosticError("DIAGNOSTIC_ARGS_INVALID", `${kind}: give ${URL_ARG[kind]} (the file server, which serves Provisio's own speed-test endpoints, is off)`);
      // Whether a URL can be made at all (its size), before any device is addressed.
      const probe = this.o.speedTestUrls(kind, "", req.args ?? {}, new Date(0));
      if (typeof probe !== "string") throw new DiagnosticError("DIAGNOSTIC_ARGS_INVALID", `${kind}: ${probe.error}`);
    }
    return req.kind;
  }

  /** Starts a diagnostic on a device: its record (pending) and the task that requests it. */
  async start(deviceId: string, req: StartDiagnostic): Promise<DiagnosticRecord> {
    try {
      const out = await this.store.transaction((tx) => this.startIn(tx, deviceId, req, this.clock()));
      this.publish(out.events);
      return (await this.store.diagnostics.get(out.id))!;
    } catch (err) {
      if (err instanceof StoreError && err.code === "STORE_UNKNOWN_REFERENCE") throw new DiagnosticError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(deviceId)}`);
      throw err;
    }
  }

  /** `start` in the caller's transaction: the run's id, and the events to publish once it committed. */
  async startIn(tx: StoreTx, deviceId: string, req: StartDiagnostic, now: Date): Promise<{ id: string; events: AcsEvent[] }> {
    const kind = this.check(req);
    const expiresAt = new Date(now.getTime() + (req.timeout ?? this.o.timeoutSeconds) * 1000);
    const args = this.filled(kind, deviceId, req.args ?? {}, expiresAt);
    if ((await tx.devices.get(deviceId)) === null) throw new DiagnosticError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(deviceId)}`);
    // A device keeps one run per diagnostic object: a second request would cancel the first.
    const busy = (await tx.diagnostics.list({ deviceId, kind, status: ["pending", "requested"], limit: 1 }))[0];
    if (busy !== undefined) throw new DiagnosticError("DIAGNOSTIC_IN_PROGRESS", `device ${deviceId} already runs ${kind} diagnostic ${busy.id}`, { diagnosticId: busy.id });
    const task = await tx.tasks.create({ deviceId, name: "diagnostic", args: { kind, args } as unknown as JsonValue, expiresAt, maxAttempts: 3 }, now);
    await tx.diagnostics.create({ id: task.id, deviceId, kind, args: args as JsonValue, fleetId: req.fleetId ?? null, expiresAt }, now);
    const events = await recordEvents(tx, [{ type: "task.created", deviceId, at: now, taskId: task.id, name: "diagnostic" }] as AcsEvent[]);
    return { id: task.id, events };
  }

  /** Hands committed events to this process's listeners. */
  publish(events: readonly AcsEvent[]): void {
    this.o.publish?.(events);
  }

  async get(id: string): Promise<DiagnosticRecord> {
    const d = await this.store.diagnostics.get(id);
    if (d === null) throw new DiagnosticError("DIAGNOSTIC_NOT_FOUND", `no diagnostic ${JSON.stringify(id)}`);
    return d;
  }

  list(query: DiagnosticListQuery): Promise<DiagnosticRecord[]> {
    return this.store.diagnostics.list(query);
  }

  /** The run once settled, or as it stands after `timeoutMs` (it settles with its task: tasks.waitFor). */
  async waitFor(id: string, timeoutMs: number): Promise<DiagnosticRecord> {
    await this.tasks.waitFor(id, timeoutMs);
    return this.get(id);
  }

  private withoutUrl(kind: DiagnosticKind, args: Record<string, unknown>): { check: Record<string, unknown>; needsUrl: boolean } {
    if (kind !== "download" && kind !== "upload") return { check: args, needsUrl: false };
    const name = URL_ARG[kind];
    if (args[name] !== undefined) return { check: args, needsUrl: false };
    // Checked with a stand-in: the URL is made per device once the run has its id.
    return { check: { ...args, [name]: "http://provisio.invalid/" }, needsUrl: true };
  }

  private filled(kind: DiagnosticKind, deviceId: string, args: Record<string, unknown>, validUntil: Date): Record<string, unknown> {
    if ((kind !== "download" && kind !== "upload") || args[URL_ARG[kind]] !== undefined) return args;
    const url = this.o.speedTestUrls?.(kind, deviceId, args, validUntil) ?? { error: `give ${URL_ARG[kind]}` };
    if (typeof url !== "string") throw new DiagnosticError("DIAGNOSTIC_ARGS_INVALID", `${kind}: ${url.error}`);
    return { ...args, [URL_ARG[kind]]: url };
  }
}

/**
 * Speed-test URLs on this ACS's file server: a download of SpeedTestBytes (default speedTestBytes), an
 * upload of TestFileLength, valid until the run times out.
 */
export function speedTestUrls(links: FileLinks, limits: { speedTestBytes: number; speedTestMaxBytes: number }): SpeedTestUrls {
  return (kind, deviceId, args, validUntil) => {
    const bytes = kind === "download" ? Number(args.SpeedTestBytes ?? limits.speedTestBytes) : Number(args.TestFileLength);
    if (bytes > limits.speedTestMaxBytes) return { error: `${bytes} bytes is more than Provisio's speed-test endpoint moves (diagnostics.speedTestMaxBytes, ${limits.speedTestMaxBytes})` };
    return links.speedTestUrl(kind, bytes, deviceId, Math.ceil(validUntil.getTime() / 1000)) ?? { error: `the speed-test URL for this device would be longer than TR-069 allows: give ${URL_ARG[kind]}` };
  };
}
