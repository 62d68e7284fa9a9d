// Tenancy: what a principal scoped to a tenant (a device filter) may reach, decided once per route here
// and enforced by hooks of the app, rather than by checks each handler would have to remember.
//
// Every route has one rule (the table below; a route missing from it is treated as "unscoped", and a
// test fails until it is given one):
// - public: no principal at all (/healthz).
// - global-read: anyone; it shows no per-device data (the OpenAPI document, the files catalogue).
// - unscoped: global configuration (API keys, tenants, presets, provisions, file writes, metrics):
//   a scoped principal gets 403 TENANT_FORBIDDEN before anything else is looked at.
// - scoped: reaches devices. With an `owner`, the object the path names (a device, a task, a fault, a
//   campaign, a webhook) is checked before the handler runs: outside the tenant it answers the route's
//   own "not found", exactly as if it did not exist, so existence does not leak. Without one, the route
//   lists or selects devices, and its handler narrows the selection with `scopeOf(req)` (a filter ANDed
//   with the tenant's, in the store's query: counts, pages and sorts are the tenant's alone).

import type { FastifyInstance, FastifyRequest } from "fastify";
import { deviceInScope, type TenantScope } from "../server/tenants.js";
import type { NbiContext } from "./context.js";
import { ApiError, type ErrorName } from "./errors.js";
import type { Principal } from "./principal.js";
import type { RouteConfig } from "./route.js";

export type OwnerKind = "device" | "task" | "fault" | "campaign" | "webhook" | "fleet" | "alarm";

export type Tenancy =
  | { rule: "public" | "global-read" | "unscoped" }
  | { rule: "scoped"; owner?: { kind: OwnerKind; param: string; error?: ErrorName } };

const PUBLIC = { rule: "public" } as const;
const GLOBAL_READ = { rule: "global-read" } as const;
const UNSCOPED = { rule: "unscoped" } as const;
const SELECTS = { rule: "scoped" } as const;
const owned = (kind: OwnerKind, param: string, error?: ErrorName): Tenancy => ({ rule: "scoped", owner: { kind, param, ...(error !== undefined ? { error } : {}) } });
const DEVICE = owned("device", "id");
const UPLOAD = owned("device", "id", "UPLOAD_NOT_FOUND");
const TASK = owned("task", "id");
const CAMPAIGN = owned("campaign", "campaignId");
const WEBHOOK = owned("webhook", "id");

/** The rule of every route, by operationId. */
export const TENANCY: Readonly<Record<string, Tenancy>> = {
  health: PUBLIC,
  openApi: GLOBAL_READ,
  status: GLOBAL_READ,
  whoami: GLOBAL_READ,
  listFiles: GLOBAL_READ,
  getFile: GLOBAL_READ,
  downloadFile: GLOBAL_READ,
  // Process-wide counts (devices, sessions, tasks of every tenant).
  metrics: UNSCOPED,
  createApiKey: UNSCOPED,
  listApiKeys: UNSCOPED,
  revokeApiKey: UNSCOPED,
  createTenant: UNSCOPED,
  listTenants: UNSCOPED,
  getTenant: UNSCOPED,
  updateTenant: UNSCOPED,
  deleteTenant: UNSCOPED,
  uploadFile: UNSCOPED,
  deleteFile: UNSCOPED,
  listPresets: UNSCOPED,
  getPreset: UNSCOPED,
  putPreset: UNSCOPED,
  deletePreset: UNSCOPED,
  presetHistory: UNSCOPED,
  listProvisions: UNSCOPED,
  getProvision: UNSCOPED,
  putProvision: UNSCOPED,
  deleteProvision: UNSCOPED,
  provisionHistory: UNSCOPED,
  // The operator's indexed parameters: fleet-wide (every tenant's filters and writes).
  getIndexedParameters: UNSCOPED,
  putIndexedParameters: UNSCOPED,
  listDevices: SELECTS,
  exportDevices: SELECTS,
  tagDevices: SELECTS,
  deleteDevices: SELECTS,
  createBulkTask: SELECTS,
  listTasks: SELECTS,
  listFaults: SELECTS,
  streamEvents: SELECTS,
  createCampaign: SELECTS,
  listCampaigns: SELECTS,
  createWebhook: SELECTS,
  listWebhooks: SELECTS,
  getDevice: DEVICE,
  getDeviceDataModel: DEVICE,
  deleteDevice: DEVICE,
  addTag: DEVICE,
  removeTag: DEVICE,
  getConnectionRequestInfo: DEVICE,
  wakeDevice: DEVICE,
  listConnectionRequestAttempts: DEVICE,
  setConnectionRequestCredentials: DEVICE,
  deleteConnectionRequestCredentials: DEVICE,
  createTask: DEVICE,
  dryRunProvisioning: DEVICE,
  listDeviceUploads: DEVICE,
  getDeviceUpload: UPLOAD,
  downloadDeviceUpload: UPLOAD,
  deleteDeviceUpload: UPLOAD,
  getTask: TASK,
  cancelTask: TASK,
  retryTask: TASK,
  clearFault: owned("fault", "id"),
  getCampaign: CAMPAIGN,
  listCampaignDevices: CAMPAIGN,
  updateCampaign: CAMPAIGN,
  pauseCampaign: CAMPAIGN,
  resumeCampaign: CAMPAIGN,
  abortCampaign: CAMPAIGN,
  deleteCampaign: CAMPAIGN,
  // The console's login: about the caller alone.
  login: PUBLIC,
  getSession: GLOBAL_READ,
  logout: GLOBAL_READ,
  changeOwnPassword: GLOBAL_READ,
  createUser: UNSCOPED,
  listUsers: UNSCOPED,
  getUser: UNSCOPED,
  updateUser: UNSCOPED,
  deleteUser: UNSCOPED,
  listAudit: UNSCOPED,
  getConfig: UNSCOPED,
  // Narrowed by their handlers: the tenant's devices' counts, faults and campaigns (no sessions per
  // minute: those are counted per process); the paths the tenant's devices reported.
  overview: SELECTS,
  parameterPaths: SELECTS,
  // Saved filters are shared by every user: anyone reads them (a filter is no device data, and a scoped
  // principal's use of one is narrowed like any filter); changing them is configuration.
  listSavedFilters: GLOBAL_READ,
  createSavedFilter: UNSCOPED,
  updateSavedFilter: UNSCOPED,
  deleteSavedFilter: UNSCOPED,
  listPresetVersions: UNSCOPED,
  getPresetVersion: UNSCOPED,
  revertPreset: UNSCOPED,
  listProvisionVersions: UNSCOPED,
  getProvisionVersion: UNSCOPED,
  revertProvision: UNSCOPED,
  startDiagnostic: DEVICE,
  listDeviceDiagnostics: DEVICE,
  // A diagnostic run's id is its task's.
  getDiagnostic: owned("task", "id", "DIAGNOSTIC_NOT_FOUND"),
  // A fleet run's filter is stored narrowed to the tenant of whoever started it, and is that tenant's to see.
  startFleetDiagnostic: SELECTS,
  getFleetDiagnostic: owned("fleet", "fleetId", "DIAGNOSTIC_NOT_FOUND"),
  listDeviceSessions: DEVICE,
  getDeviceSession: DEVICE,
  getWebhook: WEBHOOK,
  updateWebhook: WEBHOOK,
  deleteWebhook: WEBHOOK,
  listWebhookDeliveries: WEBHOOK,
  redeliverWebhookDelivery: WEBHOOK,
  // Metric definitions are configuration (their filters are no device data: anyone reads them); the
  // series and aggregates are the devices', narrowed by their handlers to the tenant's.
  listMetrics: GLOBAL_READ,
  getMetric: GLOBAL_READ,
  putMetric: UNSCOPED,
  deleteMetric: UNSCOPED,
  getDeviceMetric: DEVICE,
  getMetricAggregate: SELECTS,
  exportMetrics: SELECTS,
  // Alarm rules are configuration; alarms are their devices' (a fleet alarm, about no one device, is
  // for unscoped principals only).
  listAlarmRules: UNSCOPED,
  createAlarmRule: UNSCOPED,
  getAlarmRule: UNSCOPED,
  updateAlarmRule: UNSCOPED,
  deleteAlarmRule: UNSCOPED,
  listAlarms: SELECTS,
  listDeviceAlarms: DEVICE,
  getAlarm: owned("alarm", "id"),
  acknowledgeAlarm: owned("alarm", "id"),
  unacknowledgeAlarm: owned("alarm", "id"),
};

/** A route's rule; one not in the table is for unscoped principals only (closed by default). */
export function tenancyOf(operationId: string): Tenancy {
  return TENANCY[operationId] ?? UNSCOPED;
}

const NOT_FOUND: Record<OwnerKind, ErrorName> = {
  device: "DEVICE_NOT_FOUND",
  task: "TASK_NOT_FOUND",
  fault: "FAULT_NOT_FOUND",
  campaign: "CAMPAIGN_NOT_FOUND",
  webhook: "WEBHOOK_NOT_FOUND",
  fleet: "DIAGNOSTIC_NOT_FOUND",
  alarm: "ALARM_NOT_FOUND",
};

/** How a route's "not found" names the kind of what it looked for. */
const LABEL: Partial<Record<OwnerKind, string>> = { fleet: "fleet diagnostic" };

/** The errors a route's rule may answer with (OpenAPI). */
export function tenancyErrors(operationId: string): ErrorName[] {
  const t = tenancyOf(operationId);
  if (t.rule === "public") return [];
  const owner = t.rule === "scoped" ? t.owner : undefined;
  return owner === undefined ? ["TENANT_FORBIDDEN"] : ["TENANT_FORBIDDEN", owner.error ?? NOT_FOUND[owner.kind]];
}

/** The tenant a request's principal is scoped to; null when it is not. */
export function scopeOf(req: FastifyRequest): TenantScope | null {
  return (req as unknown as { principal: Principal | null }).principal?.tenant ?? null;
}

/** Whether the object a scoped route's path names belongs to the tenant (false also when it does not exist). */
async function owns(ctx: NbiContext, scope: TenantScope, kind: OwnerKind, id: string): Promise<boolean> {
  const { store } = ctx;
  const device = (deviceId: string | null | undefined) =>
    deviceId === null || deviceId === undefined ? Promise.resolve(false) : deviceInScope(store, scope, deviceId, ctx.clock(), ctx.settings.onlineWindowMs);
  switch (kind) {
    case "device": return device(id);
    case "task": return device((await store.tasks.get(id))?.deviceId);
    case "fault": return device((await store.faults.get(id))?.deviceId);
    case "campaign": return (await store.campaigns.get(id))?.tenant === scope.name;
    case "webhook": return (await store.webhooks.get(id))?.tenant === scope.name;
    case "fleet": return (await store.diagnostics.getFleet(id))?.tenant === scope.name;
    case "alarm": return device((await store.alarms.get(id))?.deviceId);
  }
}

/**
 * Installs the enforcement: call after the hook that authenticates (it reads `req.principal`). The
 * refusal of global configuration runs on request, before the body is even validated; the owner check
 * once the path's parameters are validated.
 */
export function installTenancy(app: FastifyInstance, ctx: NbiContext): void {
  const ruleOf = (req: FastifyRequest) => tenancyOf((req.routeOptions.config as Partial<RouteConfig> | undefined)?.operationId ?? "");
  app.addHook("onRequest", async (req) => {
    const scope = scopeOf(req);
    if (scope === null || ruleOf(req).rule !== "unscoped") return;
    throw new ApiError("TENANT_FORBIDDEN", `${req.method} ${req.routeOptions.url} is global configuration; this principal is scoped to tenant ${JSON.stringify(scope.name)}`, { tenant: scope.name });
  });
  app.addHook("preHandler", async (req) => {
    const scope = scopeOf(req);
    const rule = ruleOf(req);
    if (scope === null || rule.rule !== "scoped" || rule.owner === undefined) return;
    const { kind, param, error } = rule.owner;
    const id = (req.params as Record<string, string>)[param] ?? "";
    if (await owns(ctx, scope, kind, id)) return;
    // The answer the route gives for an id that names nothing, word for word (a test compares them).
    const name = error ?? NOT_FOUND[kind];
    const params = req.params as Record<string, string>;
    throw new ApiError(name, name === "UPLOAD_NOT_FOUND" ? `device ${JSON.stringify(id)} has no upload ${JSON.stringify(params.uploadId)}` : `no ${LABEL[kind] ?? kind} ${JSON.stringify(id)}`);
  });
}
