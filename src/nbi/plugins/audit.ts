// GET /api/audit: the audit trail (nbi/audit.ts writes it), newest first, filtered, a page at a time; as
// JSON, or as CSV for a spreadsheet.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AuditEntry } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { csvLine } from "../csv.js";
import type { RouteRegistry } from "../route.js";
import { Nullable } from "../schemas.js";

export const AuditEntrySchema = Type.Object(
  {
    id: Type.Integer({ description: "Increasing: newer entries have greater ids" }),
    at: Type.String({ format: "date-time" }),
    principal: Type.Object({ kind: Type.String({ description: "apiKey, user, cli" }), id: Type.String(), name: Type.String() }),
    tenant: Nullable(Type.String()),
    address: Nullable(Type.String({ description: "The client's IP address (null for the CLI)" })),
    operation: Type.String({ description: "The API's operationId, or cli:<command>" }),
    action: Type.String({ description: "<target type>.<verb>, e.g. preset.update" }),
    target: Type.Object({ type: Type.String(), id: Nullable(Type.String()) }),
    outcome: Type.Integer({ description: "The HTTP status answered: 2xx done, else refused" }),
    summary: Type.String(),
    before: Type.Unknown({ description: "A configuration object as it was (secrets masked); null when none or not kept" }),
    after: Type.Unknown({ description: "As it became, or what the change made; null when none" }),
  },
  { $id: "AuditEntry" },
);

export function auditJson(e: AuditEntry) {
  return {
    id: e.id, at: e.at.toISOString(), principal: e.principal, tenant: e.tenant, address: e.address, operation: e.operation, action: e.action,
    target: { type: e.targetType, id: e.targetId }, outcome: e.outcome, summary: e.summary, before: e.before, after: e.after,
  };
}

const CSV_HEADER = ["id", "at", "principalKind", "principalId", "principalName", "tenant", "address", "operation", "action", "targetType", "targetId", "outcome", "summary", "before", "after"];

function csvOf(entries: readonly AuditEntry[]): string {
  const json = (v: unknown) => (v === null ? "" : JSON.stringify(v));
  return csvLine(CSV_HEADER) + entries.map((e) => csvLine([
    String(e.id), e.at.toISOString(), e.principal.kind, e.principal.id, e.principal.name, e.tenant ?? "", e.address ?? "", e.operation, e.action,
    e.targetType, e.targetId ?? "", String(e.outcome), e.summary, json(e.before), json(e.after),
  ])).join("");
}

export function auditRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store, settings } = ctx;
  const Text = Type.String({ minLength: 1, maxLength: 512 });

  r.add(app, {
    method: "GET",
    url: "/api/audit",
    operationId: "listAudit",
    summary: "The audit trail: changes made through the API and the CLI, newest first",
    description:
      "Filters combine (AND). Page with `before`: the `next` of the previous page (null on the last). With `Accept: text/csv`, the same page as CSV (before and after as JSON cells), the next page's `before` in the `Audit-Next` header.",
    tag: "audit",
    role: "admin",
    querystring: Type.Object({
      principal: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "The principal's id (an API key's id, a user's, the OS user of the CLI)" })),
      action: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "e.g. preset.update" })),
      targetType: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "e.g. preset, webhook, device" })),
      targetId: Type.Optional(Text),
      since: Type.Optional(Type.String({ format: "date-time", description: "Entries at or after this time" })),
      until: Type.Optional(Type.String({ format: "date-time", description: "Entries before this time" })),
      before: Type.Optional(Type.Integer({ minimum: 1, description: "Entries older than this id (paging)" })),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
    }),
    responses: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema), next: Nullable(Type.Integer({ description: "`before` of the next page" })) }) },
    alsoAs: { 200: { mediaType: "text/csv", schema: Type.String({ description: `RFC 4180 CSV: ${CSV_HEADER.join(",")}` }) } },
    handler: async (req, reply) => {
      const q = req.query;
      const entries = await store.audit.list({
        ...(q.principal !== undefined ? { principal: q.principal } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.targetType !== undefined ? { targetType: q.targetType } : {}),
        ...(q.targetId !== undefined ? { targetId: q.targetId } : {}),
        ...(q.since !== undefined ? { since: new Date(q.since) } : {}),
        ...(q.until !== undefined ? { until: new Date(q.until) } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
        limit: q.limit,
      });
      const next = entries.length === q.limit ? entries[entries.length - 1]!.id : null;
      if (String(req.headers.accept ?? "").includes("text/csv")) {
        if (next !== null) void reply.header("Audit-Next", String(next));
        return reply.header("content-type", "text/csv; charset=utf-8").send(csvOf(entries));
      }
      return { entries: entries.map(auditJson), next };
    },
  });
}
