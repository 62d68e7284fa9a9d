// Alarms (docs/alarms.md): the rules (global configuration), the alarms they and devices' FaultMgmt
// raise, with their history, and acknowledgement by a user or API key.

import { Type, type TSchema } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { conditionProblems, SEVERITIES, VALUE_OPS, type AlarmCondition } from "../../alarms/index.js";
import { diagnosticKinds } from "../../diagnostics/kinds.js";
import { parse } from "../../query/index.js";
import type { AlarmHistoryEntry, AlarmRecord, AlarmRuleRecord, AlarmSeverity, AlarmState, JsonValue } from "../../store/types.js";
import { recordEvents, type AcsEvent } from "../../server/events.js";
import { MAX_DEVICE_ID_LENGTH } from "../../session/index.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { ApiRequest, RouteRegistry } from "../route.js";
import { Nullable } from "../schemas.js";
import { scopeOf } from "../tenancy.js";
import { IdParams } from "./devices.js";

const Severity = Type.Union(SEVERITIES.map((s) => Type.Literal(s)), { description: "critical > major > minor > warning" });
const Threshold = Type.Union([Type.Number(), Type.String({ maxLength: 1024 })]);
const Op = Type.Union(VALUE_OPS.map((o) => Type.Literal(o)), { description: "`~`: a regular expression on the value's text" });
const Seconds = (description: string) => Type.Integer({ minimum: 1, maximum: 366 * 86400, description });

const Condition = Type.Union([
  Type.Object({
    kind: Type.Literal("value"),
    path: Type.String({ minLength: 1, maxLength: 1024, description: "A parameter; `*` for any instance number" }),
    op: Op,
    raise: Threshold,
    clear: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 1024 })], { description: "Ordered comparisons: the alarm clears only once `value op clear` stops holding (hysteresis); default `raise`" })),
    forSeconds: Type.Optional(Seconds("The condition must hold this long before the alarm is raised")),
  }, { additionalProperties: false, $id: "AlarmValueCondition" }),
  Type.Object({
    kind: Type.Literal("event"),
    code: Type.String({ minLength: 1, maxLength: 64, description: "An Inform event code, e.g. `1 BOOT`" }),
    count: Type.Integer({ minimum: 1, maximum: 10000 }),
    windowSeconds: Seconds("The sliding window the events are counted in"),
  }, { additionalProperties: false, $id: "AlarmEventCondition" }),
  Type.Object({
    kind: Type.Literal("silence"),
    intervals: Type.Integer({ minimum: 1, maximum: 1000, description: "Periodic intervals missed" }),
    intervalSeconds: Seconds("The interval when Provisio does not know the device's PeriodicInformInterval"),
  }, { additionalProperties: false, $id: "AlarmSilenceCondition" }),
  Type.Object({
    kind: Type.Literal("diagnostic"),
    diagnostic: Type.Union(diagnosticKinds.map((k) => Type.Literal(k))),
    field: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "A result (TR-181 name); without it, a run that did not complete raises" })),
    op: Type.Optional(Op),
    threshold: Type.Optional(Threshold),
  }, { additionalProperties: false, $id: "AlarmDiagnosticCondition" }),
  Type.Object({
    kind: Type.Literal("fleet"),
    groupBy: Type.Union([Type.Literal("productClass"), Type.Literal("softwareVersion"), Type.Literal("tag")], { description: "By tag, a device counts in each of its tags' groups" }),
    ruleId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Count the devices with an active alarm of this rule (or give path, op and threshold)" })),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: "Count the devices whose stored value of this parameter meets `op threshold`" })),
    op: Type.Optional(Type.Union(VALUE_OPS.filter((o) => o !== "~").map((o) => Type.Literal(o)))),
    threshold: Type.Optional(Threshold),
    sharePercent: Type.Number({ minimum: 0, exclusiveMaximum: 100, description: "Raised when a group's share of counted devices is above this" }),
    minDevices: Type.Optional(Type.Integer({ minimum: 1, description: "Groups smaller than this raise nothing (default 1)" })),
  }, { additionalProperties: false, $id: "AlarmFleetCondition" }),
], { description: "What the rule watches (docs/alarms.md)" }) as TSchema;

const RuleFields = {
  name: Type.String({ minLength: 1, maxLength: 128 }),
  description: Type.Optional(Type.String({ maxLength: 1024, default: "" })),
  enabled: Type.Optional(Type.Boolean({ default: true })),
  severity: Severity,
  filter: Type.Optional(Type.String({ maxLength: 16384, default: "", description: "The devices it applies to (docs/filters.md); empty: all" })),
  condition: Condition,
  notification: Type.Optional(Type.Union([Type.Literal("active"), Type.Literal("passive"), Type.Literal("none")], { default: "active", description: "Value rules: the notification Provisio sets on the watched parameters" })),
};
const RuleBody = Type.Object(RuleFields, { additionalProperties: false });
type RuleInput = { name: string; description?: string; enabled?: boolean; severity: AlarmSeverity; filter?: string; condition: AlarmCondition; notification?: AlarmRuleRecord["notification"] };

export const AlarmRule = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  severity: Type.String(),
  filter: Type.String(),
  condition: Type.Unknown(),
  notification: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
}, { $id: "AlarmRule" });

export const Alarm = Type.Object({
  id: Type.String(),
  deviceId: Nullable(Type.String({ description: "null: a fleet alarm" })),
  source: Type.String({ description: "rule, or faultmgmt (the device's Device.FaultMgmt.CurrentAlarm)" }),
  ruleId: Nullable(Type.String()),
  dedupeKey: Type.String(),
  severity: Type.String(),
  state: Type.Union([Type.Literal("active"), Type.Literal("cleared")]),
  text: Type.String(),
  detail: Type.Unknown(),
  raisedAt: Type.String({ format: "date-time" }),
  clearedAt: Nullable(Type.String({ format: "date-time" })),
  lastChangedAt: Type.String({ format: "date-time" }),
  count: Type.Integer({ description: "Times the condition was met while the alarm was active" }),
  acknowledgedBy: Nullable(Type.String({ description: "The user or API key" })),
  acknowledgedAt: Nullable(Type.String({ format: "date-time" })),
}, { $id: "Alarm" });

const HistoryEntry = Type.Object({
  at: Type.String({ format: "date-time" }), transition: Type.String(), severity: Type.String(), by: Nullable(Type.String()),
  reason: Nullable(Type.String({ description: "Why the ACS made it when no report did: `rule deleted`, `rule disabled`" })),
});

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function ruleJson(r: AlarmRuleRecord) {
  return { ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
}

export function alarmJson(a: AlarmRecord) {
  return { ...a, raisedAt: a.raisedAt.toISOString(), clearedAt: iso(a.clearedAt), lastChangedAt: a.lastChangedAt.toISOString(), acknowledgedAt: iso(a.acknowledgedAt) };
}

const historyJson = (h: AlarmHistoryEntry) => ({ ...h, at: h.at.toISOString() });

/** Throws ALARM_RULE_INVALID (or the filter's FILTER_INVALID) for a rule that could not be evaluated. */
function checkRule(b: RuleInput): void {
  if (b.filter !== undefined && b.filter.trim() !== "") parse(b.filter);
  const problems = conditionProblems(b.condition);
  if (problems.length > 0) throw new ApiError("ALARM_RULE_INVALID", `the rule's condition: ${problems.join("; ")}`, { problems });
}

const AlarmParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const STATES = ["active", "cleared"] as const;

export function alarmRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store, settings } = ctx;
  const ruleNotFound = (id: string) => new ApiError("ALARM_RULE_NOT_FOUND", `no alarm rule ${JSON.stringify(id)}`);
  const alarmNotFound = (id: string) => new ApiError("ALARM_NOT_FOUND", `no alarm ${JSON.stringify(id)}`);
  const readRule = async (id: string) => {
    const rule = await store.alarms.getRule(id);
    return rule === null ? null : ruleJson(rule);
  };
  const taken = (name: string) => new ApiError("ALARM_RULE_EXISTS", `an alarm rule is already named ${JSON.stringify(name)}`);

  r.add(app, {
    method: "GET",
    url: "/api/alarms/rules",
    operationId: "listAlarmRules",
    summary: "List alarm rules, by name",
    tag: "alarms",
    role: "read-only",
    responses: { 200: Type.Object({ rules: Type.Array(AlarmRule) }) },
    handler: async () => ({ rules: (await store.alarms.listRules()).map(ruleJson) }),
  });

  r.add(app, {
    method: "POST",
    url: "/api/alarms/rules",
    operationId: "createAlarmRule",
    summary: "Create an alarm rule",
    description: "Applies to Informs of every process within alarms.refreshInterval seconds (at once in this one).",
    tag: "alarms",
    role: "admin",
    body: RuleBody,
    responses: { 201: AlarmRule },
    errors: ["FILTER_INVALID", "ALARM_RULE_INVALID", "ALARM_RULE_EXISTS"],
    audit: { action: "alarmRule.create", targetType: "alarmRule", targetId: (_req, res) => (res as { id?: string } | undefined)?.id, read: readRule },
    handler: async (req, reply) => {
      const b = req.body as RuleInput;
      checkRule(b);
      const at = ctx.clock();
      const rule: AlarmRuleRecord = {
        id: randomUUID(), name: b.name, description: b.description ?? "", enabled: b.enabled ?? true, severity: b.severity, filter: b.filter ?? "",
        condition: b.condition as unknown as JsonValue, notification: b.notification ?? "active", createdAt: at, updatedAt: at,
      };
      if (!(await store.alarms.createRule(rule))) throw taken(b.name);
      ctx.alarms.rules.invalidate();
      void reply.header("Location", `/api/alarms/rules/${rule.id}`);
      return reply.status(201).send(ruleJson(rule));
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/alarms/rules/:id",
    operationId: "getAlarmRule",
    summary: "An alarm rule",
    tag: "alarms",
    role: "read-only",
    params: AlarmParams,
    responses: { 200: AlarmRule },
    errors: ["ALARM_RULE_NOT_FOUND"],
    handler: async (req) => (await readRule(req.params.id)) ?? Promise.reject(ruleNotFound(req.params.id)),
  });

  r.add(app, {
    method: "PUT",
    url: "/api/alarms/rules/:id",
    operationId: "updateAlarmRule",
    summary: "Replace an alarm rule",
    description: "Its open alarms stay as they are; the new condition decides their next transition.",
    tag: "alarms",
    role: "admin",
    params: AlarmParams,
    body: RuleBody,
    responses: { 200: AlarmRule },
    errors: ["FILTER_INVALID", "ALARM_RULE_INVALID", "ALARM_RULE_EXISTS", "ALARM_RULE_NOT_FOUND"],
    audit: { action: "alarmRule.update", targetType: "alarmRule", targetId: (req) => req.params.id, read: readRule },
    handler: async (req) => {
      const b = req.body as RuleInput;
      checkRule(b);
      const patch = {
        name: b.name, description: b.description ?? "", enabled: b.enabled ?? true, severity: b.severity, filter: b.filter ?? "",
        condition: b.condition as unknown as JsonValue, notification: b.notification ?? "active", updatedAt: ctx.clock(),
      };
      const updated = await store.alarms.updateRule(req.params.id, patch).catch((err: unknown) => {
        throw (err as { code?: string }).code === "STORE_DUPLICATE" ? taken(b.name) : err;
      });
      if (updated === null) throw ruleNotFound(req.params.id);
      ctx.alarms.rules.invalidate();
      return ruleJson(updated);
    },
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/alarms/rules/:id",
    operationId: "deleteAlarmRule",
    summary: "Delete an alarm rule",
    description: "Its active alarms are cleared by the next alarm pass, their history saying `rule deleted` (a disabled rule's: `rule disabled`).",

    tag: "alarms",
    role: "admin",
    params: AlarmParams,
    responses: { 204: null },
    errors: ["ALARM_RULE_NOT_FOUND"],
    audit: { action: "alarmRule.delete", targetType: "alarmRule", targetId: (req) => req.params.id, read: readRule },
    handler: async (req, reply) => {
      if (!(await store.alarms.deleteRule(req.params.id))) throw ruleNotFound(req.params.id);
      ctx.alarms.rules.invalidate();
      return reply.status(204).send();
    },
  });

  const ListQuery = {
    state: Type.Optional(Type.Union(STATES.map((s) => Type.Literal(s)), { description: "Default: both" })),
    minSeverity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)), { description: "This severity or worse" })),
    ruleId: Type.Optional(Type.String({ maxLength: 64 })),
    source: Type.Optional(Type.String({ maxLength: 32 })),
    since: Type.Optional(Type.String({ format: "date-time", description: "Raised at or after" })),
    until: Type.Optional(Type.String({ format: "date-time", description: "Raised before" })),
    limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  };
  type ListQ = { state?: "active" | "cleared"; minSeverity?: AlarmSeverity; ruleId?: string; source?: string; since?: string; until?: string; limit: number; offset: number; deviceId?: string };
  const list = async (req: ApiRequest<unknown, ListQ, unknown>, deviceId: string | undefined) => {
    const q = req.query;
    const scope = scopeOf(req);
    const query = {
      state: (q.state === undefined ? [...STATES] : [q.state]) as AlarmState[],
      ...(deviceId !== undefined ? { deviceId } : {}),
      ...(q.minSeverity !== undefined ? { minSeverity: q.minSeverity } : {}),
      ...(q.ruleId !== undefined ? { ruleId: q.ruleId } : {}),
      ...(q.source !== undefined ? { source: q.source } : {}),
      ...(q.since !== undefined ? { since: new Date(q.since) } : {}),
      ...(q.until !== undefined ? { until: new Date(q.until) } : {}),
      ...(scope !== null ? { devices: { filter: scope.filter, now: ctx.clock(), onlineWithinMs: settings.onlineWindowMs } } : {}),
    };
    const [alarms, total] = await Promise.all([store.alarms.list({ ...query, limit: q.limit, offset: q.offset }), store.alarms.count(query)]);
    return { alarms: alarms.map(alarmJson), total };
  };
  const Page = Type.Object({ alarms: Type.Array(Alarm), total: Type.Integer({ description: "Alarms matching, over all pages" }) });

  r.add(app, {
    method: "GET",
    url: "/api/alarms",
    operationId: "listAlarms",
    summary: "List alarms, newest raised first",
    description: "A principal scoped to a tenant sees its devices' alarms only (no fleet alarms).",
    tag: "alarms",
    role: "read-only",
    querystring: Type.Object({ ...ListQuery, deviceId: Type.Optional(Type.String({ maxLength: MAX_DEVICE_ID_LENGTH })) }),
    responses: { 200: Page },
    handler: async (req) => list(req as never, (req.query as ListQ).deviceId),
  });

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/alarms",
    operationId: "listDeviceAlarms",
    summary: "A device's alarms, newest raised first",
    tag: "alarms",
    role: "read-only",
    params: IdParams,
    querystring: Type.Object(ListQuery),
    responses: { 200: Page },
    errors: ["DEVICE_NOT_FOUND"],
    handler: async (req) => {
      if ((await store.devices.get(req.params.id)) === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      return list(req as never, req.params.id);
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/alarms/:id",
    operationId: "getAlarm",
    summary: "An alarm with its history of transitions",
    tag: "alarms",
    role: "read-only",
    params: AlarmParams,
    responses: { 200: Type.Intersect([Alarm, Type.Object({ history: Type.Array(HistoryEntry) })]) },
    errors: ["ALARM_NOT_FOUND"],
    handler: async (req) => {
      const a = await store.alarms.get(req.params.id);
      if (a === null || a.state === "pending") throw alarmNotFound(req.params.id);
      return { ...alarmJson(a), history: (await store.alarms.history(a.id)).map(historyJson) };
    },
  });

  for (const ack of [true, false]) {
    r.add(app, {
      method: "POST",
      url: ack ? "/api/alarms/:id/acknowledge" : "/api/alarms/:id/unacknowledge",
      operationId: ack ? "acknowledgeAlarm" : "unacknowledgeAlarm",
      summary: ack ? "Acknowledge an alarm" : "Withdraw an alarm's acknowledgement",
      description: ack
        ? "Records the user or API key that acknowledged it (the first one, if acknowledged again) and emits alarm.acknowledged. Acknowledging neither clears the alarm nor stops its rule."
        : "Emits alarm.acknowledged with `acknowledged: false`.",
      tag: "alarms",
      role: "operator",
      params: AlarmParams,
      responses: { 200: Alarm },
      errors: ["ALARM_NOT_FOUND"],
      audit: { action: ack ? "alarm.acknowledge" : "alarm.unacknowledge", targetType: "alarm", targetId: (req) => req.params.id },
      handler: async (req) => {
        const at = ctx.clock();
        const by = req.principal.name;
        const done = await store.transaction(async (tx) => {
          const a = await tx.alarms.acknowledge(req.params.id, ack, by, at);
          if (a === null) return null;
          const e: AcsEvent = { type: "alarm.acknowledged", deviceId: a.deviceId, at, alarmId: a.id, source: a.source, ruleId: a.ruleId, severity: a.severity, text: a.text, acknowledged: ack, by };
          return { a, events: await recordEvents(tx, [e]) };
        });
        if (done === null) throw alarmNotFound(req.params.id);
        for (const e of done.events) ctx.events.emit(e);
        return alarmJson(done.a);
      },
    });
  }
}
