// The task queue's programmatic API: create, inspect, cancel, retry and wait for tasks. The REST API
// is a thin layer over this. Every change is written with its event (task.created, task.cancelled) in
// one transaction, so the event stream and the queue never disagree.

import { fromJs, xsdTypes, type XsdType } from "../cwmp/index.js";
import { isTaskName, TaskArgumentError, validateTaskArgs, type TaskArgs, type TaskName } from "../session/index.js";
import { StoreError } from "../store/index.js";
import type { JsonValue, Store, TaskListQuery, TaskRecord } from "../store/types.js";
import type { OwedWakes } from "./owed-wakes.js";
import type { SealArgs } from "./task-secrets.js";
import { recordEvents, type AcsEvent, type EventListener } from "./events.js";

export class TaskError extends Error {
  constructor(
    readonly code: "DEVICE_NOT_FOUND" | "TASK_NOT_FOUND" | "TASK_UNKNOWN_KIND" | "TASK_NOT_CANCELLABLE" | "TASK_NOT_RETRYABLE",
    message: string,
  ) {
    super(message);
    this.name = "TaskError";
  }
}

/** One value of a setParameterValues task that cannot be of its parameter's type. */
export interface ValueProblem {
  name: string;
  value: string | number | boolean;
  type: XsdType;
  /** Where the type came from: the device's own report, the standard data model, or the caller. */
  source: "device" | "agent" | "standard" | "caller";
  reason: string;
}

const TYPE_SOURCES: Record<ValueProblem["source"], string> = {
  device: "the type the device reported",
  agent: "the type the USP agent's supported data model defines",
  standard: "the type the standard data model defines",
  caller: "the type given",
};

/** Values that cannot fit their parameters' types: refused before the task reaches any device. */
export class TaskValueError extends TaskArgumentError {
  constructor(task: string, readonly values: ValueProblem[]) {
    super(task, values.map((v) => `${v.name}: ${JSON.stringify(v.value)} does not fit ${v.type} (${TYPE_SOURCES[v.source]}): ${v.reason}`));
    this.name = "TaskValueError";
  }
}

export interface TaskDefaults {
  maxAttempts: number;
  /** Seconds; 0 for never. */
  expirySeconds: number;
}

export interface CreateTaskOptions {
  /** Seconds until the task expires if it has not run; 0 for never. */
  expiresIn?: number;
  maxAttempts?: number;
}

/** Looks up a parameter's type in the standard data models (wired by the server; optional). */
export type StandardTypeLookup = (path: string) => XsdType | undefined;

/** Where events come from (to wait for tasks) and go to (after a change commits). */
export interface TaskEvents {
  subscribe(listener: EventListener): () => void;
  emit?(event: AcsEvent): void;
}

export interface BulkResult {
  /** The tasks' ids only: a bulk task over a million devices would hold a million records otherwise. */
  created: string[];
  failures: { deviceId: string; code: string; message: string }[];
}

const FINAL = new Set(["done", "failed", "cancelled", "expired"]);

/**
 * Tasks of a bulk creation written per transaction, in one statement (and their events in another). On
 * SQLite a commit costs about as much as writing a thousand tasks: 5,000 made 100,000 tasks a quarter
 * faster than 1,000, and holds the write lock about 150 ms at a time (`npm run bench:bulk-tasks`).
 */
const BULK_CHUNK = 5000;

/** Devices whose reported parameter types one read fetches, for a bulk setParameterValues. */
const TYPE_BATCH = 1000;

export class TaskService {
  constructor(
    private readonly store: Store,
    private readonly defaults: TaskDefaults,
    private readonly events?: TaskEvents,
    private readonly standardType?: StandardTypeLookup,
    private readonly clock: () => Date = () => new Date(),
    /** Fills in what the ACS provides (file-tasks.ts: URLs of stored files and upload slots), per device. */
    private readonly fillArgs?: (deviceId: string, name: string, args: unknown, now: Date) => Promise<unknown>,
    /** Seals the secrets among the arguments before they are stored (task-secrets.ts). */
    private readonly sealArgs?: SealArgs,
    /** The types a USP device's supported data model gives (learnt with GetSupportedDM); null for a device without one. */
    private readonly agentTypes?: (deviceId: string) => Promise<StandardTypeLookup | null>,
  ) {}

  /**
   * Queues a task for a device's next session. Arguments are checked against the task kind's schema,
   * and values to set against each parameter's type: as the device reported it, else as the standard
   * data model defines it, else as the caller gave it. Throws TaskArgumentError (TaskValueError for
   * values) or TaskError.
   */
  async create(deviceId: string, name: string, args: unknown, options: CreateTaskOptions = {}): Promise<TaskRecord> {
    const valid = this.check(name, args);
    if ((await this.store.devices.get(deviceId)) === null) throw new TaskError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(deviceId)}`);
    const resolved = this.sealed(deviceId, name, await this.resolveTypes(deviceId, name as TaskName, valid));
    const now = this.clock();
    let created: { task: TaskRecord; events: AcsEvent[] };
    try {
      created = await this.store.transaction(async (tx) => {
        const task = await tx.tasks.create(this.newTask(deviceId, name, resolved, options, now), now);
        return { task, events: await recordEvents(tx, [{ type: "task.created", deviceId, at: now, taskId: task.id, name }] as AcsEvent[]) };
      });
    } catch (err) {
      // Deleted between the check and the insert.
      if (err instanceof StoreError && err.code === "STORE_UNKNOWN_REFERENCE") throw new TaskError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(deviceId)}`);
      throw err;
    }
    this.publish(created.events);
    return created.task;
  }

  /**
   * The same task for many devices (a bulk creation): arguments are checked once, values per device.
   * A device whose values do not fit, or that vanished meanwhile, is reported in `failures`. With `wake`,
   * the tasks' connection requests are owed in the transactions that create them, and made after.
   */
  async createMany(deviceIds: readonly string[], name: string, args: unknown, options: CreateTaskOptions = {}, wake?: Pick<OwedWakes, "owe" | "send">): Promise<BulkResult> {
    const valid = this.check(name, args);
    const failures: BulkResult["failures"] = [];
    const ready: { deviceId: string; args: unknown }[] = [];
    for (let i = 0; i < deviceIds.length; i += TYPE_BATCH) {
      const batch = deviceIds.slice(i, i + TYPE_BATCH);
      const reported = await this.reportedTypes(batch, name, valid);
      for (const deviceId of batch) {
        try {
          ready.push({ deviceId, args: this.sealed(deviceId, name, await this.resolveTypes(deviceId, name as TaskName, valid, reported?.get(deviceId) ?? new Map())) });
        } catch (err) {
          if (!(err instanceof TaskValueError)) throw err;
          failures.push({ deviceId, code: "TASK_VALUE_TYPE", message: err.message });
        }
      }
    }
    const created: string[] = [];
    const write = async (batch: typeof ready) => {
      const now = this.clock();
      const out = await this.store.transaction(async (tx) => {
        const tasks = await tx.tasks.createMany(batch.map((r) => this.newTask(r.deviceId, name, r.args, options, now)), now);
        const events = await recordEvents(tx, tasks.map((t): AcsEvent => ({ type: "task.created", deviceId: t.deviceId, at: now, taskId: t.id, name })));
        const owed = wake === undefined ? null : await wake.owe(tx, tasks.map((t) => ({ taskId: t.id, deviceId: t.deviceId })));
        return { tasks, events, owed };
      });
      for (const t of out.tasks) created.push(t.id);
      this.publish(out.events);
      if (out.owed !== null) wake!.send(out.owed);
    };
    for (let i = 0; i < ready.length; i += BULK_CHUNK) {
      const batch = ready.slice(i, i + BULK_CHUNK);
      try {
        await write(batch);
      } catch (err) {
        if (!(err instanceof StoreError && err.code === "STORE_UNKNOWN_REFERENCE")) throw err;
        // A device of the batch was deleted meanwhile: write the batch one by one to find it.
        for (const one of batch) {
          try {
            await write([one]);
          } catch (e) {
            if (!(e instanceof StoreError && e.code === "STORE_UNKNOWN_REFERENCE")) throw e;
            failures.push({ deviceId: one.deviceId, code: "DEVICE_NOT_FOUND", message: `no device ${one.deviceId}` });
          }
        }
      }
    }
    return { created, failures };
  }

  private check(name: string, args: unknown): TaskArgs<TaskName> {
    if (!isTaskName(name)) throw new TaskError("TASK_UNKNOWN_KIND", `unknown task kind "${name}"`);
    return validateTaskArgs(name, args ?? {});
  }

  private sealed(deviceId: string, name: string, args: unknown): unknown {
    return this.sealArgs === undefined ? args : this.sealArgs(deviceId, name, args as JsonValue);
  }

  private newTask(deviceId: string, name: string, args: unknown, options: CreateTaskOptions, now: Date) {
    const expiresIn = options.expiresIn ?? this.defaults.expirySeconds;
    return {
      deviceId,
      name,
      args: args as JsonValue,
      expiresAt: expiresIn > 0 ? new Date(now.getTime() + expiresIn * 1000) : null,
      maxAttempts: options.maxAttempts ?? this.defaults.maxAttempts,
    };
  }

  /**
   * The types devices reported for the parameters a setParameterValues sets, for a batch of devices in
   * one read (null for other kinds). What fillArgs adds is not among them: it fills in files, not values.
   */
  private async reportedTypes(deviceIds: readonly string[], name: string, args: TaskArgs<TaskName>): Promise<Map<string, Map<string, string | null>> | null> {
    if (name !== "setParameterValues") return null;
    const rows = await this.store.parameters.typesOf(deviceIds, (args as TaskArgs<"setParameterValues">).parameterValues.map((p) => p.name));
    const out = new Map<string, Map<string, string | null>>();
    for (const r of rows) {
      let m = out.get(r.deviceId);
      if (m === undefined) out.set(r.deviceId, (m = new Map()));
      m.set(r.path, r.type);
    }
    return out;
  }

  /** `reported`: the device's reported types, when read already for a batch of devices (reportedTypes). */
  private async resolveTypes<N extends TaskName>(deviceId: string, name: N, given: TaskArgs<N>, reported?: Map<string, string | null>): Promise<TaskArgs<N>> {
    const args = this.fillArgs === undefined ? given : ((await this.fillArgs(deviceId, name, given, this.clock())) as TaskArgs<N>);
    if (name !== "setParameterValues") return args;
    const spv = args as TaskArgs<"setParameterValues">;
    const known = reported ?? new Map((await this.store.parameters.get(deviceId, spv.parameterValues.map((p) => p.name))).map((r) => [r.path, r.type]));
    const problems: ValueProblem[] = [];
    const reportedType = (name: string): XsdType | undefined => {
      const reported = known.get(name);
      return reported !== undefined && reported !== null && (xsdTypes as readonly string[]).includes(reported) ? (reported as XsdType) : undefined;
    };
    // One device's task only (a bulk creation would pay a read per device), and only when the device has
    // not reported a type.
    const agentType = reported === undefined && this.agentTypes !== undefined && spv.parameterValues.some((p) => reportedType(p.name) === undefined) ? await this.agentTypes(deviceId) : null;
    const parameterValues = spv.parameterValues.map((p) => {
      const fromDevice = reportedType(p.name);
      const fromAgent = fromDevice === undefined ? agentType?.(p.name) : undefined;
      const fromStandard = fromDevice === undefined && fromAgent === undefined ? this.standardType?.(p.name) : undefined;
      const type = fromDevice ?? fromAgent ?? fromStandard ?? p.type;
      if (type === undefined) return p;
      try {
        fromJs(type, p.value);
      } catch (err) {
        problems.push({ name: p.name, value: p.value, type, source: fromDevice ? "device" : fromAgent ? "agent" : fromStandard ? "standard" : "caller", reason: (err as Error).message });
      }
      return { ...p, type };
    });
    if (problems.length > 0) throw new TaskValueError(name, problems);
    return { ...spv, parameterValues } as TaskArgs<N>;
  }

  get(id: string): Promise<TaskRecord | null> {
    return this.store.tasks.get(id);
  }

  list(query?: TaskListQuery): Promise<TaskRecord[]> {
    return this.store.tasks.list(query);
  }

  /** Cancels a task that has not finished. A task already sent to the CPE cannot be called back; it is only no longer waited for. */
  async cancel(id: string): Promise<TaskRecord> {
    const now = this.clock();
    const out = await this.store.transaction(async (tx) => {
      const t = await tx.tasks.get(id);
      if (t === null) throw new TaskError("TASK_NOT_FOUND", `no task ${JSON.stringify(id)}`);
      if (FINAL.has(t.status)) throw new TaskError("TASK_NOT_CANCELLABLE", `task ${id} is already ${t.status}`);
      const task = (await tx.tasks.update(id, { status: "cancelled", completedAt: now }))!;
      return { task, events: await recordEvents(tx, [{ type: "task.cancelled", deviceId: t.deviceId, at: now, taskId: id, name: t.name }] as AcsEvent[]) };
    });
    this.publish(out.events);
    return out.task;
  }

  /** Puts a failed, expired or cancelled task back in the queue, with fresh attempts. */
  async retry(id: string): Promise<TaskRecord> {
    return this.store.transaction(async (tx) => {
      const t = await tx.tasks.get(id);
      if (t === null) throw new TaskError("TASK_NOT_FOUND", `no task ${JSON.stringify(id)}`);
      if (t.status !== "failed" && t.status !== "expired" && t.status !== "cancelled") {
        throw new TaskError("TASK_NOT_RETRYABLE", `task ${id} is ${t.status}; only failed, expired or cancelled tasks are retried`);
      }
      return (await tx.tasks.update(id, { status: "pending", attempts: 0, notBefore: null, completedAt: null, lastFault: null, expiresAt: null }))!;
    });
  }

  private publish(events: readonly AcsEvent[]): void {
    for (const e of events) this.events?.emit?.(e);
  }

  /**
   * Resolves with the task once it is finished (done, failed, cancelled, expired), or with its record as
   * it stands after `timeoutMs`. Events make it prompt (those of other ACS processes too, when the
   * events given include the outbox feed); polling covers the rest.
   */
  async waitFor(id: string, timeoutMs: number, pollMs = 250): Promise<TaskRecord | null> {
    const initial = await this.store.tasks.get(id);
    if (initial === null || FINAL.has(initial.status) || timeoutMs <= 0) return initial;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = async () => {
        if (settled) return;
        const t = await this.store.tasks.get(id);
        if (settled) return;
        if (t === null || FINAL.has(t.status)) done(t);
      };
      const stop = () => {
        settled = true;
        clearTimeout(deadline);
        clearInterval(poll);
        unsubscribe?.();
      };
      const done = (t: TaskRecord | null) => {
        stop();
        resolve(t);
      };
      const unsubscribe = this.events?.subscribe((e) => {
        if ((e.type === "task.completed" || e.type === "task.failed" || e.type === "task.cancelled") && e.taskId === id) void finish().catch(() => undefined);
      });
      const poll = setInterval(() => void finish().catch(() => undefined), pollMs);
      const deadline = setTimeout(() => {
        // The last read decides: when the store cannot answer it, neither can the caller (the API answers
        // 503), rather than wait forever or take the process down with an unhandled rejection.
        this.store.tasks.get(id).then(
          (t) => {
            if (!settled) done(t);
          },
          (err: unknown) => {
            if (settled) return;
            stop();
            reject(err);
          },
        );
      }, timeoutMs);
    });
  }
}
