// The task queue's programmatic API: create, inspect, cancel, retry and wait for tasks. The REST API
// is a thin layer over this.

import { fromJs, xsdTypes, type XsdType } from "../cwmp/index.js";
import { isTaskName, TaskArgumentError, validateTaskArgs, type TaskArgs, type TaskName } from "../session/index.js";
import type { JsonValue, Store, TaskListQuery, TaskRecord } from "../store/types.js";
import type { EventBus } from "./events.js";

export class TaskError extends Error {
  constructor(
    readonly code: "DEVICE_NOT_FOUND" | "TASK_NOT_FOUND" | "TASK_UNKNOWN_KIND" | "TASK_NOT_CANCELLABLE" | "TASK_NOT_RETRYABLE",
    message: string,
  ) {
    super(message);
    this.name = "TaskError";
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

const FINAL = new Set(["done", "failed", "cancelled", "expired"]);

export class TaskService {
  constructor(
    private readonly store: Store,
    private readonly defaults: TaskDefaults,
    private readonly events?: EventBus,
    private readonly standardType?: StandardTypeLookup,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Queues a task for a device's next session. Arguments are checked against the task kind's schema,
   * and values to set against each parameter's type: as the device reported it, else as the standard
   * data model defines it, else as the caller gave it. Throws TaskArgumentError or TaskError.
   */
  async create(deviceId: string, name: string, args: unknown, options: CreateTaskOptions = {}): Promise<TaskRecord> {
    if (!isTaskName(name)) throw new TaskError("TASK_UNKNOWN_KIND", `unknown task kind "${name}"`);
    const valid = validateTaskArgs(name, args ?? {});
    if ((await this.store.devices.get(deviceId)) === null) throw new TaskError("DEVICE_NOT_FOUND", `no device ${deviceId}`);
    const resolved = await this.resolveTypes(deviceId, name, valid);
    const now = this.clock();
    const expiresIn = options.expiresIn ?? this.defaults.expirySeconds;
    return this.store.tasks.create(
      {
        deviceId,
        name,
        args: resolved as JsonValue,
        expiresAt: expiresIn > 0 ? new Date(now.getTime() + expiresIn * 1000) : null,
        maxAttempts: options.maxAttempts ?? this.defaults.maxAttempts,
      },
      now,
    );
  }

  private async resolveTypes<N extends TaskName>(deviceId: string, name: N, args: TaskArgs<N>): Promise<TaskArgs<N>> {
    if (name !== "setParameterValues") return args;
    const spv = args as TaskArgs<"setParameterValues">;
    const known = new Map((await this.store.parameters.get(deviceId, spv.parameterValues.map((p) => p.name))).map((r) => [r.path, r.type]));
    const problems: string[] = [];
    const parameterValues = spv.parameterValues.map((p) => {
      const reported = known.get(p.name);
      const type = (reported !== undefined && reported !== null && (xsdTypes as readonly string[]).includes(reported) ? (reported as XsdType) : undefined) ?? this.standardType?.(p.name) ?? p.type;
      if (type === undefined) return p;
      try {
        fromJs(type, p.value);
      } catch (err) {
        problems.push(`${p.name}: ${JSON.stringify(p.value)} does not fit ${type}${reported ? " (the type the device reported)" : ""}: ${(err as Error).message}`);
      }
      return { ...p, type };
    });
    if (problems.length > 0) throw new TaskArgumentError(name, problems);
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
    return this.store.transaction(async (tx) => {
      const t = await tx.tasks.get(id);
      if (t === null) throw new TaskError("TASK_NOT_FOUND", `no task ${id}`);
      if (FINAL.has(t.status)) throw new TaskError("TASK_NOT_CANCELLABLE", `task ${id} is already ${t.status}`);
      return (await tx.tasks.update(id, { status: "cancelled", completedAt: now }))!;
    });
  }

  /** Puts a failed, expired or cancelled task back in the queue, with fresh attempts. */
  async retry(id: string): Promise<TaskRecord> {
    return this.store.transaction(async (tx) => {
      const t = await tx.tasks.get(id);
      if (t === null) throw new TaskError("TASK_NOT_FOUND", `no task ${id}`);
      if (t.status !== "failed" && t.status !== "expired" && t.status !== "cancelled") {
        throw new TaskError("TASK_NOT_RETRYABLE", `task ${id} is ${t.status}; only failed, expired or cancelled tasks are retried`);
      }
      return (await tx.tasks.update(id, { status: "pending", attempts: 0, notBefore: null, completedAt: null, lastFault: null, expiresAt: null }))!;
    });
  }

  /**
   * Resolves with the task once it is finished (done, failed, cancelled, expired), or with its record as
   * it stands after `timeoutMs`. Events make it prompt in this process; polling covers tasks that other
   * ACS processes run.
   */
  async waitFor(id: string, timeoutMs: number, pollMs = 250): Promise<TaskRecord | null> {
    const initial = await this.store.tasks.get(id);
    if (initial === null || FINAL.has(initial.status) || timeoutMs <= 0) return initial;
    return new Promise((resolve) => {
      let settled = false;
      const finish = async () => {
        if (settled) return;
        const t = await this.store.tasks.get(id);
        if (settled) return;
        if (t === null || FINAL.has(t.status)) done(t);
      };
      const done = (t: TaskRecord | null) => {
        settled = true;
        clearTimeout(deadline);
        clearInterval(poll);
        unsubscribe?.();
        resolve(t);
      };
      const unsubscribe = this.events?.subscribe((e) => {
        if ((e.type === "task.completed" || e.type === "task.failed") && e.taskId === id) void finish();
      });
      const poll = setInterval(() => void finish(), pollMs);
      const deadline = setTimeout(() => {
        void this.store.tasks.get(id).then((t) => {
          if (!settled) done(t);
        });
      }, timeoutMs);
    });
  }
}
