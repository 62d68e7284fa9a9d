// Firmware campaigns: a file for the devices a filter matches, a batch at a time, a few at once, in a
// maintenance window, pausing by themselves when too many fail. Created and steered by operators.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { CAMPAIGN_DEVICE_STATES } from "../../files/campaign-rules.js";
import type { CampaignChanges, NewCampaign } from "../../server/campaigns.js";
import { print, toFilter } from "../../query/index.js";
import { scopedFilter } from "../../server/tenants.js";
import { scopeOf } from "../tenancy.js";
import { taskOutlooks, type TaskOutlook } from "../../server/task-outlook.js";
import type { CampaignDeviceRecord, CampaignDeviceState, CampaignRecord, CampaignStatus, TaskRecord } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { idOf } from "../audit.js";
import type { RouteRegistry } from "../route.js";
import { Nullable } from "../schemas.js";

const DateTime = Type.String({ format: "date-time" });
const STATUSES: CampaignStatus[] = ["running", "paused", "completed", "aborted"];

const Window = Type.Union(
  [
    Type.Object(
      {
        start: Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", description: "HH:MM, UTC" }),
        end: Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", description: "HH:MM, UTC; before start: the window runs past midnight; equal: all day" }),
        days: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7, description: "Days the window opens, 0 Sunday to 6 Saturday (default every day)" })),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        cron: Type.String({ minLength: 9, maxLength: 200, description: "Five-field cron expression (UTC): the window opens when it matches" }),
        duration: Type.Integer({ minimum: 60, maximum: 31 * 86400, description: "Seconds the window stays open" }),
      },
      { additionalProperties: false },
    ),
  ],
  { $id: "MaintenanceWindow", description: "New devices start only inside it; downloads not yet sent when it closes wait for the next opening" },
);

const settingsFields = {
  batchSize: Type.Integer({ minimum: 1, maximum: 100000, description: "Devices taken in at a time; the next batch starts when this one has settled (default 100)" }),
  concurrency: Type.Integer({ minimum: 1, maximum: 100000, description: "Devices downloading at once (default 10)" }),
  maxFailures: Nullable(Type.Integer({ minimum: 1, description: "Pause once this many devices have failed" })),
  maxFailureRate: Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "Pause once this share of the settled devices has failed..." })),
  minSettled: Type.Integer({ minimum: 1, description: "...counted once this many devices have settled (default 10)" }),
  connectionRequest: Type.Boolean({ description: "Wake each device when its download is queued (default true)" }),
  taskExpiry: Type.Integer({ minimum: 1, description: "Seconds a device's download may take before it counts as failed (default campaigns.taskExpiry)" }),
  maxAttempts: Type.Integer({ minimum: 1, maximum: 100, description: "Attempts of each device's download task (default tasks.maxAttempts)" }),
};

const Counts = Type.Object(Object.fromEntries(CAMPAIGN_DEVICE_STATES.map((s) => [s, Type.Integer()])), { $id: "CampaignCounts" });

export const CampaignSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    filter: Type.String(),
    fileId: Type.String(),
    status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
    pauseReason: Nullable(Type.String({ description: "operator, created, threshold: ..., or the file was deleted" })),
    batchSize: Type.Integer(),
    concurrency: Type.Integer(),
    window: Nullable(Window),
    maxFailures: Nullable(Type.Integer()),
    maxFailureRate: Nullable(Type.Number()),
    minSettled: Type.Integer(),
    connectionRequest: Type.Boolean(),
    taskExpiry: Type.Number(),
    maxAttempts: Type.Integer(),
    counts: Counts,
    total: Type.Integer({ description: "Devices taken in so far" }),
    batch: Type.Integer({ description: "Batches taken in so far" }),
    enumerated: Type.Boolean({ description: "Every device the filter matches has been taken in" }),
    createdAt: DateTime,
    updatedAt: DateTime,
    completedAt: Nullable(DateTime),
    tenant: Nullable(Type.String({ description: "The tenant of the key that created it (its filter was narrowed to the tenant's devices then)" })),
  },
  { $id: "Campaign" },
);

const CampaignDevice = Type.Object(
  {
    deviceId: Type.String(),
    state: Type.Union(CAMPAIGN_DEVICE_STATES.map((s) => Type.Literal(s))),
    batch: Type.Integer(),
    taskId: Nullable(Type.String()),
    attempts: Type.Integer(),
    fault: Nullable(Type.Object({ code: Type.String(), message: Type.String(), detail: Type.Optional(Type.Unknown()) })),
    updatedAt: DateTime,
    waitingForInformSince: Nullable(Type.String({
      format: "date-time",
      description: "An in-progress device whose download may run now but which is not being woken (no way to reach it, or its connection request failed): since when it waits for its own Inform",
    })),
    nextAttemptAt: Nullable(Type.String({ format: "date-time", description: "When the retry back-off of an in-progress device's download ends" })),
  },
  { $id: "CampaignDevice" },
);

function deviceJson(d: CampaignDeviceRecord, o: TaskOutlook | undefined) {
  return {
    deviceId: d.deviceId, state: d.state, batch: d.batch, taskId: d.taskId, attempts: d.attempts, fault: d.fault, updatedAt: d.updatedAt.toISOString(),
    waitingForInformSince: o?.waitingForInformSince?.toISOString() ?? null, nextAttemptAt: o?.nextAttemptAt?.toISOString() ?? null,
  };
}

/** The outlook of the download task of each in-progress entry. */
async function outlooks(ctx: NbiContext, list: readonly CampaignDeviceRecord[]): Promise<Map<string, TaskOutlook>> {
  const tasks: TaskRecord[] = [];
  for (const d of list) {
    const t = d.state === "in_progress" && d.taskId !== null ? await ctx.store.tasks.get(d.taskId) : null;
    if (t !== null) tasks.push(t);
  }
  return taskOutlooks(ctx.store, (id) => ctx.connectionRequests.reach(id), tasks, ctx.clock());
}

export function campaignRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { campaigns, settings } = ctx;
  const json = (c: CampaignRecord) => {
    const s = campaigns.settingsOf(c);
    return {
      id: c.id, name: c.name, filter: c.filter, fileId: c.fileId, status: c.status, pauseReason: c.pauseReason,
      batchSize: s.batchSize, concurrency: s.concurrency, window: s.window, maxFailures: s.maxFailures, maxFailureRate: s.maxFailureRate,
      minSettled: s.minSettled, connectionRequest: s.connectionRequest, taskExpiry: s.taskExpiry, maxAttempts: s.maxAttempts,
      counts: c.counts, total: Object.values(c.counts).reduce((a, b) => a + b, 0), batch: c.batch, enumerated: c.enumerated,
      createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(), completedAt: c.completedAt === null ? null : c.completedAt.toISOString(),
      tenant: c.tenant,
    };
  };
  const Params = Type.Object({ campaignId: Type.String({ minLength: 1, maxLength: 64 }) });
  const get = async (id: string): Promise<CampaignRecord> => {
    const c = await campaigns.get(id);
    if (c === null) throw new ApiError("CAMPAIGN_NOT_FOUND", `no campaign ${JSON.stringify(id)}`);
    return c;
  };
  const readCampaign = async (id: string) => {
    const c = await campaigns.get(id);
    return c === null ? null : json(c);
  };

  r.add(app, {
    method: "POST",
    url: "/api/campaigns",
    operationId: "createCampaign",
    summary: "Start a firmware campaign",
    description: "Every device the filter matches gets a download of the file (by fileId, with the version check for firmware), a batch at a time and `concurrency` at once, inside the maintenance window; devices already on the file's version, or of another OUI or product class than the file's, are skipped. The campaign pauses by itself when failures reach maxFailures or maxFailureRate. `start: false` creates it paused. A key scoped to a tenant targets that tenant's devices only: the campaign's filter is stored ANDed with the tenant's.",
    tag: "campaigns",
    role: "operator",
    body: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 128 }),
        filter: Type.String({ minLength: 1, maxLength: 16384, description: "The target devices (docs/filters.md)" }),
        fileId: Type.String({ pattern: "^[0-9a-f]{32}$" }),
        ...Object.fromEntries(Object.entries(settingsFields).map(([k, v]) => [k, Type.Optional(v)])),
        window: Type.Optional(Nullable(Window)),
        start: Type.Optional(Type.Boolean({ default: true })),
      },
      { additionalProperties: false },
    ),
    responses: { 201: CampaignSchema },
    errors: ["FILE_NOT_FOUND", "FILTER_INVALID"],
    audit: { action: "campaign.create", targetType: "campaign", targetId: (_req, res) => idOf(res), read: readCampaign },
    handler: async (req, reply) => {
      // A scoped principal's campaign targets its tenant's devices only: the filter is stored narrowed.
      const scope = scopeOf(req);
      const body = req.body as NewCampaign;
      const c = await campaigns.create(scope === null ? body : { ...body, filter: print(toFilter(scopedFilter(scope, body.filter)!)), tenant: scope.name });
      return reply.status(201).header("Location", `/api/campaigns/${c.id}`).send(json(c));
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/campaigns",
    operationId: "listCampaigns",
    summary: "List campaigns, newest first",
    description: "A key scoped to a tenant sees the campaigns created by keys of that tenant only.",
    tag: "campaigns",
    role: "read-only",
    querystring: Type.Object({
      status: Type.Optional(Type.String({ pattern: "^(running|paused|completed|aborted)(,(running|paused|completed|aborted))*$", description: "Comma-separated statuses" })),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
      offset: Type.Integer({ minimum: 0, default: 0 }),
    }),
    responses: { 200: Type.Object({ campaigns: Type.Array(CampaignSchema) }) },
    handler: async (req) => {
      const q = req.query;
      const scope = scopeOf(req);
      const list = await campaigns.list({
        ...(q.status !== undefined ? { status: q.status.split(",") as CampaignStatus[] } : {}),
        ...(scope !== null ? { tenant: scope.name } : {}),
        limit: q.limit,
        offset: q.offset,
      });
      return { campaigns: list.map(json) };
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/campaigns/:campaignId",
    operationId: "getCampaign",
    summary: "A campaign with its progress (devices per state)",
    tag: "campaigns",
    role: "read-only",
    params: Params,
    responses: { 200: CampaignSchema },
    errors: ["CAMPAIGN_NOT_FOUND"],
    handler: async (req) => json(await get(req.params.campaignId)),
  });

  r.add(app, {
    method: "GET",
    url: "/api/campaigns/:campaignId/devices",
    operationId: "listCampaignDevices",
    summary: "The campaign's devices and their outcome, in device id order",
    description: "Page with `after` (the last deviceId of the previous page, also given as `next`).",
    tag: "campaigns",
    role: "read-only",
    params: Params,
    querystring: Type.Object({
      state: Type.Optional(Type.String({ pattern: `^(${CAMPAIGN_DEVICE_STATES.join("|")})(,(${CAMPAIGN_DEVICE_STATES.join("|")}))*$`, description: "Comma-separated states" })),
      after: Type.Optional(Type.String({ maxLength: 512 })),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
    }),
    responses: { 200: Type.Object({ devices: Type.Array(CampaignDevice), next: Nullable(Type.String()) }) },
    errors: ["CAMPAIGN_NOT_FOUND"],
    handler: async (req) => {
      const q = req.query;
      const list = await campaigns.devices(req.params.campaignId, {
        ...(q.state !== undefined ? { state: q.state.split(",") as CampaignDeviceState[] } : {}),
        ...(q.after !== undefined ? { after: q.after } : {}),
        limit: q.limit,
      });
      const o = await outlooks(ctx, list);
      return { devices: list.map((d) => deviceJson(d, d.taskId === null ? undefined : o.get(d.taskId))), next: list.length === q.limit ? list[list.length - 1]!.deviceId : null };
    },
  });

  r.add(app, {
    method: "PATCH",
    url: "/api/campaigns/:campaignId",
    operationId: "updateCampaign",
    summary: "Change a running or paused campaign (the fields given)",
    description: "`null` removes a window or a threshold. Raising a threshold and resuming lets a paused campaign go on.",
    tag: "campaigns",
    role: "operator",
    params: Params,
    body: Type.Object(
      {
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        ...Object.fromEntries(Object.entries(settingsFields).map(([k, v]) => [k, Type.Optional(v)])),
        window: Type.Optional(Nullable(Window)),
      },
      { additionalProperties: false },
    ),
    responses: { 200: CampaignSchema },
    errors: ["CAMPAIGN_NOT_FOUND", "CAMPAIGN_STATE"],
    audit: { action: "campaign.update", targetType: "campaign", targetId: (req) => req.params.campaignId, read: readCampaign },
    handler: async (req) => json(await campaigns.update(req.params.campaignId, req.body as CampaignChanges)),
  });

  r.add(app, {
    method: "POST",
    url: "/api/campaigns/:campaignId/pause",
    operationId: "pauseCampaign",
    summary: "Pause a running campaign",
    description: "No device starts; downloads already sent to devices finish and are counted, those not yet sent wait.",
    tag: "campaigns",
    role: "operator",
    params: Params,
    responses: { 200: CampaignSchema },
    errors: ["CAMPAIGN_NOT_FOUND", "CAMPAIGN_STATE"],
    audit: { action: "campaign.pause", targetType: "campaign", targetId: (req) => req.params.campaignId, read: readCampaign },
    handler: async (req) => json(await campaigns.pause(req.params.campaignId)),
  });

  r.add(app, {
    method: "POST",
    url: "/api/campaigns/:campaignId/resume",
    operationId: "resumeCampaign",
    summary: "Resume a paused campaign",
    description: "With `retryFailed=true` the devices that failed are tried again (and no longer count as failures). A campaign whose failures still reach its threshold pauses again.",
    tag: "campaigns",
    role: "operator",
    params: Params,
    querystring: Type.Object({ retryFailed: Type.Boolean({ default: false }) }),
    responses: { 200: CampaignSchema },
    errors: ["CAMPAIGN_NOT_FOUND", "CAMPAIGN_STATE"],
    audit: { action: "campaign.resume", targetType: "campaign", targetId: (req) => req.params.campaignId, read: readCampaign },
    handler: async (req) => json(await campaigns.resume(req.params.campaignId, { retryFailed: req.query.retryFailed })),
  });

  r.add(app, {
    method: "POST",
    url: "/api/campaigns/:campaignId/abort",
    operationId: "abortCampaign",
    summary: "Abort a campaign",
    description: "Devices not started, and downloads still queued or under way, are cancelled (a device already transferring may still install the file). Final.",
    tag: "campaigns",
    role: "operator",
    params: Params,
    responses: { 200: CampaignSchema },
    errors: ["CAMPAIGN_NOT_FOUND", "CAMPAIGN_STATE"],
    audit: { action: "campaign.abort", targetType: "campaign", targetId: (req) => req.params.campaignId, read: readCampaign },
    handler: async (req) => json(await campaigns.abort(req.params.campaignId)),
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/campaigns/:campaignId",
    operationId: "deleteCampaign",
    summary: "Delete a finished (completed or aborted) campaign with its per-device outcomes",
    tag: "campaigns",
    role: "admin",
    params: Params,
    responses: { 204: null },
    errors: ["CAMPAIGN_NOT_FOUND", "CAMPAIGN_STATE"],
    audit: { action: "campaign.delete", targetType: "campaign", targetId: (req) => req.params.campaignId, read: readCampaign },
    handler: async (req, reply) => {
      await campaigns.delete(req.params.campaignId);
      return reply.status(204).send();
    },
  });
}
