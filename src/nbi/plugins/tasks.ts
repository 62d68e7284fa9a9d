// Tasks: for one device (optionally waking it and waiting for the result) or for every device a filter
// matches; list, get, cancel, retry.

import { Type, type TObject, type TProperties, type TSchema } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ConnectionRequestResult } from "../../connreq/index.js";
import { MAX_DEVICE_ID_LENGTH, taskArgSchemas, taskNames } from "../../session/index.js";
import { taskOutlooks } from "../../server/task-outlook.js";
import { mapTaskSecrets } from "../../server/task-secrets.js";
import type { JsonValue, TaskRecord, TaskStatus } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { scopeOf } from "../tenancy.js";
import { scopedFilter } from "../../server/tenants.js";
import { connectionRequestJson, taskJson } from "../json.js";
import { idOf, pick } from "../audit.js";
import type { RouteRegistry } from "../route.js";
import { ConnectionRequestResult as CrResultSchema, Nullable, Task } from "../schemas.js";
import { IdParams } from "./devices.js";

/** One variant per task kind, discriminated by `name`, with `args` from the kind's own schema. */
function perKind(prefix: string, common: TProperties): TSchema {
  const mapping: Record<string, string> = {};
  const variants: TObject[] = taskNames.map((name) => {
    const args = taskArgSchemas[name] as TObject;
    const needsArgs = (args.required ?? []).length > 0;
    mapping[name] = `#/components/schemas/${prefix}_${name}`;
    return Type.Object(
      { name: Type.Literal(name), args: needsArgs ? args : Type.Optional(args), ...common },
      { $id: `${prefix}_${name}`, additionalProperties: false },
    );
  });
  return Type.Union(variants, { discriminator: { propertyName: "name", mapping }, description: "`name` is the task kind; `args` its arguments" });
}

const FINAL = new Set<TaskStatus>(["done", "failed", "cancelled", "expired"]);
// A request that was refused by the rate limit woke nobody: waiting would only last the whole `wait`.
const woke = (r: ConnectionRequestResult | null) => r === null || r.outcome === "accepted" || r.outcome === "sent";

const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

/** Tasks as the API shows them: the stored fields and how each pending one will next be tried. */
export async function taskViews(ctx: NbiContext, list: readonly TaskRecord[]) {
  const outlooks = await taskOutlooks(ctx.store, (id) => ctx.connectionRequests.reach(id), list, ctx.clock());
  return list.map((t) => {
    const o = outlooks.get(t.id)!;
    return { ...taskJson(t), nextAttemptAt: isoOrNull(o.nextAttemptAt), nextAttemptBy: o.nextAttemptBy, waitingForInformSince: isoOrNull(o.waitingForInformSince) };
  });
}

/** A task creation's body (its schema is a union TypeBox cannot type statically). */
const bodyOf = (req: { body: unknown }) => req.body as { name: string; filter?: string; args?: unknown };

export function taskRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store, settings, tasks } = ctx;
  const view = async (t: TaskRecord) => (await taskViews(ctx, [t]))[0]!;
  const options = {
    expiresIn: Type.Optional(Type.Integer({ minimum: 0, description: "Seconds until the task expires if it has not run; 0: never (default tasks.defaultExpiry)" })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    connectionRequest: Type.Optional(Type.Boolean({ description: "Wake the device now instead of waiting for its next Inform" })),
  };
  const CreateBody = perKind("CreateTask", {
    ...options,
    wait: Type.Optional(Type.Number({ minimum: 0, maximum: settings.maxWaitSeconds, description: `Seconds (at most ${settings.maxWaitSeconds}) to wait for the task to finish: 200 with the finished task, else 202` })),
  });
  const BulkBody = perKind("BulkTask", {
    ...options,
    filter: Type.String({ minLength: 1, maxLength: 16384, description: "The devices to create the task for (docs/filters.md)" }),
  });
  const Created = Type.Intersect([Task, Type.Object({ connectionRequest: Nullable(CrResultSchema) })], { description: "The task, as GET /api/tasks/{id} answers it, with the outcome of the connection request when one was asked for" });

  r.add(app, {
    method: "POST",
    url: "/api/devices/:id/tasks",
    operationId: "createTask",
    summary: "Queue a task for a device",
    description: "201 with the queued task. With `wait`: 200 with the finished task when it finishes in time, else 202 with the task as it stands (poll GET /api/tasks/{id}). With `connectionRequest: true` the device is woken at once; if that fails, the answer comes without waiting and says why in `connectionRequest`.",
    tag: "tasks",
    role: "operator",
    params: IdParams,
    body: CreateBody,
    responses: { 200: Created, 201: Created, 202: Created },
    errors: ["DEVICE_NOT_FOUND", "TASK_VALUE_TYPE", "SECRET_UNREADABLE", "FILE_NOT_FOUND", "FILES_DISABLED"],
    audit: {
      action: "task.create", targetType: "task", targetId: (_req, res) => idOf(res),
      after: (req, res) => ({ deviceId: req.params.id, name: bodyOf(req).name, args: (res as { args?: unknown } | undefined)?.args ?? null }),
      summary: (req) => `queued ${bodyOf(req).name} for device ${req.params.id}`,
    },
    handler: async (req, reply) => {
      const body = req.body as { name: string; args?: unknown; wait?: number; connectionRequest?: boolean; expiresIn?: number; maxAttempts?: number };
      const task = await tasks.create(req.params.id, body.name, body.args ?? {}, {
        ...(body.expiresIn !== undefined ? { expiresIn: body.expiresIn } : {}),
        ...(body.maxAttempts !== undefined ? { maxAttempts: body.maxAttempts } : {}),
      });
      const cr = body.connectionRequest ? await ctx.connectionRequests.wake(task.deviceId, { taskId: task.id }) : null;
      const crJson = cr === null ? null : connectionRequestJson(cr);
      void reply.header("Location", `/api/tasks/${task.id}`);
      if (body.wait === undefined || body.wait <= 0) return reply.status(201).send({ ...(await view(task)), connectionRequest: crJson });
      const current = woke(cr) ? await tasks.waitFor(task.id, body.wait * 1000) : await tasks.get(task.id);
      const t = current ?? task;
      return reply.status(FINAL.has(t.status) ? 200 : 202).send({ ...(await view(t)), connectionRequest: crJson });
    },
  });

  r.add(app, {
    method: "POST",
    url: "/api/tasks",
    operationId: "createBulkTask",
    summary: "Queue the same task for every device a filter matches",
    description: "Values of setParameterValues are checked per device; devices whose values do not fit are listed in `failures` (at most 100 listed, all counted). At most nbi.bulkLimit devices. With `connectionRequest: true`, the devices are woken in the background (connectionRequests.concurrency at a time); follow them with the event stream.",
    tag: "tasks",
    role: "operator",
    body: BulkBody,
    responses: {
      201: Type.Object({
        matched: Type.Integer(),
        created: Type.Integer(),
        failed: Type.Integer(),
        failures: Type.Array(Type.Object({ deviceId: Type.String(), code: Type.String(), message: Type.String() })),
        taskIds: Type.Array(Type.String()),
        connectionRequests: Type.Integer({ description: "Connection requests started" }),
      }),
    },
    errors: ["FILTER_INVALID", "BULK_TOO_MANY", "FILE_NOT_FOUND", "FILES_DISABLED"],
    audit: {
      action: "task.createMany", targetType: "task",
      after: (req, res) => ({ name: bodyOf(req).name, filter: bodyOf(req).filter, args: mapTaskSecrets(bodyOf(req).name, (bodyOf(req).args ?? null) as JsonValue, () => "***"), result: pick(res, ["matched", "created", "failed"]) }),
      summary: (req, res) => `queued ${bodyOf(req).name} for ${String((res as { created?: number } | undefined)?.created)} devices matching ${bodyOf(req).filter}`,
    },
    handler: async (req, reply) => {
      const body = req.body as { name: string; args?: unknown; filter: string; connectionRequest?: boolean; expiresIn?: number; maxAttempts?: number };
      const at = ctx.clock();
      const query = { filter: scopedFilter(scopeOf(req), body.filter)!, now: at, onlineWithinMs: settings.onlineWindowMs };
      const matched = await store.devices.count(query);
      if (matched > settings.bulkLimit) {
        throw new ApiError("BULK_TOO_MANY", `the filter matches ${matched} devices; a bulk task may address at most ${settings.bulkLimit} (nbi.bulkLimit)`, { matched, limit: settings.bulkLimit });
      }
      const ids: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.devices.query({ ...query, limit: 1000, ...(after !== undefined ? { after } : {}) });
        ids.push(...page.devices.map((d) => d.id));
        if (page.next === null || ids.length > settings.bulkLimit) break;
        after = page.next;
      }
      // The connection requests are owed with the tasks: made by another process should this one die.
      const result = await tasks.createMany(ids.slice(0, settings.bulkLimit), body.name, body.args ?? {}, {
        ...(body.expiresIn !== undefined ? { expiresIn: body.expiresIn } : {}),
        ...(body.maxAttempts !== undefined ? { maxAttempts: body.maxAttempts } : {}),
      }, body.connectionRequest ? ctx.connectionRequests.owed : undefined);
      return reply.status(201).send({
        matched: ids.length,
        created: result.created.length,
        failed: result.failures.length,
        failures: result.failures.slice(0, 100),
        taskIds: result.created,
        connectionRequests: body.connectionRequest ? result.created.length : 0,
      });
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/tasks",
    operationId: "listTasks",
    summary: "List tasks, oldest first",
    tag: "tasks",
    role: "read-only",
    querystring: Type.Object({
      deviceId: Type.Optional(Type.String({ maxLength: MAX_DEVICE_ID_LENGTH })),
      status: Type.Optional(Type.String({ pattern: "^(pending|waiting|done|failed|cancelled|expired)(,(pending|waiting|done|failed|cancelled|expired))*$", description: "Comma-separated statuses" })),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
      offset: Type.Integer({ minimum: 0, default: 0 }),
    }),
    responses: { 200: Type.Object({ tasks: Type.Array(Task) }) },
    handler: async (req) => {
      const q = req.query;
      const scope = scopeOf(req);
      const list = await tasks.list({
        ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
        ...(scope !== null ? { devices: { filter: scope.filter, now: ctx.clock(), onlineWithinMs: settings.onlineWindowMs } } : {}),
        ...(q.status !== undefined ? { status: q.status.split(",") as TaskStatus[] } : {}),
        limit: q.limit,
        offset: q.offset,
      });
      return { tasks: await taskViews(ctx, list) };
    },
  });

  const TaskParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
  r.add(app, {
    method: "GET",
    url: "/api/tasks/:id",
    operationId: "getTask",
    summary: "A task",
    tag: "tasks",
    role: "read-only",
    params: TaskParams,
    responses: { 200: Task },
    errors: ["TASK_NOT_FOUND"],
    handler: async (req) => {
      const t = await tasks.get(req.params.id);
      if (t === null) throw new ApiError("TASK_NOT_FOUND", `no task ${JSON.stringify(req.params.id)}`);
      return view(t);
    },
  });

  r.add(app, {
    method: "POST",
    url: "/api/tasks/:id/cancel",
    operationId: "cancelTask",
    summary: "Cancel a task that has not finished",
    description: "A task already sent to the device cannot be called back: it is only no longer waited for.",
    tag: "tasks",
    role: "operator",
    params: TaskParams,
    responses: { 200: Task },
    errors: ["TASK_NOT_FOUND", "TASK_NOT_CANCELLABLE"],
    audit: { action: "task.cancel", targetType: "task", targetId: (req) => req.params.id },
    handler: async (req) => view(await tasks.cancel(req.params.id)),
  });

  r.add(app, {
    method: "POST",
    url: "/api/tasks/:id/retry",
    operationId: "retryTask",
    summary: "Queue a failed, expired or cancelled task again, with fresh attempts",
    tag: "tasks",
    role: "operator",
    params: TaskParams,
    responses: { 200: Task },
    errors: ["TASK_NOT_FOUND", "TASK_NOT_RETRYABLE"],
    audit: { action: "task.retry", targetType: "task", targetId: (req) => req.params.id },
    handler: async (req) => view(await tasks.retry(req.params.id)),
  });
}

