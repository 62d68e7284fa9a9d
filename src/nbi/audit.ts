// The audit trail of the REST API: every request to a state-changing route (POST, PUT, PATCH, DELETE)
// made by a known principal leaves one entry, whether it succeeded or was refused (a 403 for want of a
// role included; an unknown or missing credential has no principal to record, and is not).
//
// Routes say what they record with `audit` on their RouteSpec: the action, the target, and for
// configuration objects how to read the object (as the API shows it), which is read before the handler
// runs and again after it succeeded, for `before` and `after`. The entry is written once the answer is
// made and before it is sent (onSend): the client that sees a success knows the entry is kept, or that
// its loss was logged (server/audit.ts). A route without a declaration is still recorded, with its
// operationId as the action; test/nbi/audit-routes.test.ts fails on it, so none stays that way.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { recordAudit } from "../server/audit.js";
import type { JsonValue } from "../store/types.js";
import type { NbiContext } from "./context.js";
import type { Principal } from "./principal.js";
import type { ApiRequest, RouteConfig } from "./route.js";

export const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface AuditSpec<P = never, Q = never, B = never> {
  /** "<target type>.<verb>", e.g. "preset.update". */
  action: string;
  targetType: string;
  /**
   * The target's id, from the request, or from the answer (`res`: its JSON body; undefined before the
   * handler runs, and for answers without one) for what the call creates. Absent: no one target.
   */
  targetId?: (req: ApiRequest<P, Q, B>, res: unknown) => string | null | undefined;
  /** A configuration object as the API shows it (null: there is none), by the target's id: its before and after. */
  read?: (id: string, req: ApiRequest<P, Q, B>) => Promise<unknown>;
  /** What a change that is not of a configuration object did, kept as `after` when it succeeded (e.g. the task created). */
  after?: (req: ApiRequest<P, Q, B>, res: unknown) => unknown;
  /** One line for people, for a change that succeeded; the default names the action and target. */
  summary?: (req: ApiRequest<P, Q, B>, res: unknown) => string;
}

/** For a POST that changes nothing (a dry run): why it is not recorded. */
export interface AuditNone {
  none: string;
}

export type RouteAudit<P = never, Q = never, B = never> = AuditSpec<P, Q, B> | AuditNone;

// Specs are kept erased, as the registry keeps routes.
type AnySpec = AuditSpec<unknown, unknown, unknown>;
type AnyRequest = ApiRequest<unknown, unknown, unknown>;

/** The tenant a principal acts in, when principals have one. */
export function tenantOf(p: Principal): string | null {
  return p.tenant?.name ?? null;
}

function parseBody(reply: FastifyReply, payload: unknown): unknown {
  if (typeof payload !== "string" || payload === "") return undefined;
  if (!String(reply.getHeader("content-type") ?? "").includes("json")) return undefined;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return undefined;
  }
}

const ok = (status: number) => status >= 200 && status < 300;

/** Installs the hooks; call before any route is registered, so that every context inherits them. */
export function installAudit(app: FastifyInstance, ctx: NbiContext): void {
  const before = new WeakMap<FastifyRequest, unknown>();
  const specOf = (req: FastifyRequest): { config: RouteConfig; spec: AnySpec | null } | null => {
    const config = req.routeOptions.config as Partial<RouteConfig> | undefined;
    if (!STATE_CHANGING.has(req.method) || config?.operationId === undefined || config.role === undefined) return null;
    const audit = config.audit as RouteAudit<unknown, unknown, unknown> | undefined;
    if (audit !== undefined && "none" in audit) return null;
    return { config: config as RouteConfig, spec: audit ?? null };
  };

  app.addHook("preHandler", async (req) => {
    const s = specOf(req)?.spec;
    if (s?.read === undefined) return;
    const id = s.targetId?.(req as AnyRequest, undefined);
    if (typeof id === "string") before.set(req, await s.read(id, req as AnyRequest));
  });

  app.addHook("onSend", async (req, reply, payload) => {
    const found = specOf(req);
    const principal = (req as unknown as { principal: Principal | null }).principal;
    if (found === null || principal === null) return payload;
    const { config, spec } = found;
    const r = req as AnyRequest;
    const status = reply.statusCode;
    try {
      const res = parseBody(reply, payload);
      const action = spec?.action ?? config.operationId;
      const targetType = spec?.targetType ?? "route";
      const targetId = spec?.targetId?.(r, ok(status) ? res : undefined) ?? null;
      let after: unknown = null;
      if (ok(status) && spec !== null) {
        if (spec.read !== undefined && targetId !== null) after = await spec.read(targetId, r);
        else if (spec.after !== undefined) after = spec.after(r, res);
      }
      const error = (res as { error?: { code?: string; message?: string } } | undefined)?.error;
      const what = `${action} ${targetType}${targetId === null ? "" : ` ${targetId}`}`;
      const summary = ok(status)
        ? spec?.summary?.(r, res) ?? what
        : `refused (${status}${error?.code !== undefined ? ` ${error.code.replace(/^PROVISIO_ERR_/, "")}` : ""}): ${what}${error?.message !== undefined ? `: ${error.message}` : ""}`;
      await recordAudit(ctx.store, ctx.log, {
        at: ctx.clock(),
        principal: { kind: principal.kind, id: principal.id, name: principal.name },
        tenant: tenantOf(principal),
        address: req.ip,
        operation: config.operationId,
        action,
        targetType,
        targetId,
        outcome: status,
        summary,
        before: ok(status) ? ((before.get(req) ?? null) as JsonValue) : null,
        after: after as JsonValue,
      });
    } catch (err) {
      ctx.log.error({ err, operation: config.operationId, status }, "AUDIT ENTRY NOT WRITTEN: reading what the change did failed");
    }
    return payload;
  });
}

// Small helpers for the declarations.

/** The `id` of an answer's body (what a creation made). */
export function idOf(res: unknown): string | undefined {
  const id = (res as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}

/** Some fields of an answer's body. */
export function pick(res: unknown, fields: readonly string[]): Record<string, unknown> {
  const o = (res ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => f in o).map((f) => [f, o[f]]));
}
