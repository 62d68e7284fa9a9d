// Webhooks: registered, changed and removed by admins; every delivery attempt visible.

import { randomUUID } from "node:crypto";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { parse } from "../../query/index.js";
import { WebhookTargetError } from "../../server/webhook-targets.js";
import { newWebhookSecret, webhookSealContext } from "../../server/webhooks.js";
import type { WebhookRecord } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { scopeOf } from "../tenancy.js";
import { deliveryJson, webhookJson } from "../json.js";
import { idOf } from "../audit.js";
import type { RouteRegistry } from "../route.js";
import { EventTypeSchema, Nullable, Webhook, WebhookDelivery } from "../schemas.js";

function checkUrl(ctx: NbiContext, url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ApiError("WEBHOOK_URL_INVALID", `${JSON.stringify(url)} is not an absolute URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new ApiError("WEBHOOK_URL_INVALID", `a webhook URL must be http or https, not ${u.protocol}`);
  if (u.username !== "" || u.password !== "") throw new ApiError("WEBHOOK_URL_INVALID", "a webhook URL must not carry credentials (the signature authenticates the deliveries)");
  try {
    ctx.webhooks.checkTarget(u);
  } catch (err) {
    if (err instanceof WebhookTargetError) throw new ApiError("WEBHOOK_TARGET_REFUSED", `webhook URL ${JSON.stringify(url)}: ${err.message}`, { address: err.address, reason: err.reason });
    throw err;
  }
}

function checkFilter(filter: string | null | undefined): void {
  if (filter === undefined || filter === null) return;
  parse(filter); // FilterError -> FILTER_INVALID
}

const Secret = Type.String({ minLength: 16, maxLength: 256, description: "The HMAC key; generated when left out (and shown once)" });
const HookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export function webhookRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store, box, settings } = ctx;
  const get = async (id: string): Promise<WebhookRecord> => {
    const h = await store.webhooks.get(id);
    if (h === null) throw new ApiError("WEBHOOK_NOT_FOUND", `no webhook ${JSON.stringify(id)}`);
    return h;
  };
  const readHook = async (id: string) => {
    const h = await store.webhooks.get(id);
    return h === null ? null : webhookJson(h);
  };

  r.add(app, {
    method: "POST",
    url: "/api/webhooks",
    operationId: "createWebhook",
    summary: "Register a webhook",
    description: "Events of the chosen types (all when `events` is empty), of devices the `filter` matches (when given), are POSTed to `url`, signed (see docs/api.md), and retried with back-off until answered 2xx or webhooks.maxAttempts is reached.",
    tag: "webhooks",
    role: "admin",
    body: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 128 }),
        url: Type.String({ minLength: 1, maxLength: 2048 }),
        events: Type.Array(EventTypeSchema, { default: [], maxItems: 64 }),
        filter: Type.Optional(Type.String({ minLength: 1, maxLength: 16384 })),
        secret: Type.Optional(Secret),
        enabled: Type.Boolean({ default: true }),
      },
      { additionalProperties: false },
    ),
    responses: { 201: Type.Intersect([Webhook, Type.Object({ secret: Type.String({ description: "Shown once" }) })], { description: "The webhook, as GET answers it, with its secret" }) },
    errors: ["WEBHOOK_URL_INVALID", "WEBHOOK_TARGET_REFUSED", "FILTER_INVALID"],
    audit: { action: "webhook.create", targetType: "webhook", targetId: (_req, res) => idOf(res), read: readHook },
    handler: async (req, reply) => {
      const b = req.body;
      checkUrl(ctx, b.url);
      checkFilter(b.filter);
      const id = randomUUID();
      const secret = b.secret ?? newWebhookSecret();
      const now = ctx.clock();
      const hook = await store.webhooks.create({
        id, name: b.name, url: b.url, events: [...new Set(b.events)], filter: b.filter ?? null,
        secretSealed: box.seal(secret, webhookSealContext(id)), enabled: b.enabled, createdAt: now, updatedAt: now,
        // A scoped principal's webhook delivers its tenant's devices' events only, whatever its filter.
        tenant: scopeOf(req)?.name ?? null,
      });
      return reply.status(201).header("Location", `/api/webhooks/${id}`).send({ ...webhookJson(hook), secret });
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/webhooks",
    operationId: "listWebhooks",
    summary: "List webhooks",
    description: "A key scoped to a tenant sees the webhooks created by keys of that tenant only.",
    tag: "webhooks",
    role: "admin",
    responses: { 200: Type.Object({ webhooks: Type.Array(Webhook) }) },
    handler: async (req) => {
      const scope = scopeOf(req);
      const hooks = await store.webhooks.list();
      return { webhooks: hooks.filter((h) => scope === null || h.tenant === scope.name).map(webhookJson) };
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/webhooks/:id",
    operationId: "getWebhook",
    summary: "A webhook",
    tag: "webhooks",
    role: "admin",
    params: HookParams,
    responses: { 200: Webhook },
    errors: ["WEBHOOK_NOT_FOUND"],
    handler: async (req) => webhookJson(await get(req.params.id)),
  });

  r.add(app, {
    method: "PATCH",
    url: "/api/webhooks/:id",
    operationId: "updateWebhook",
    summary: "Change a webhook (the fields given)",
    description: "`filter: null` removes the filter. Disabling a webhook gives up its pending deliveries at their next attempt.",
    tag: "webhooks",
    role: "admin",
    params: HookParams,
    body: Type.Object(
      {
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
        events: Type.Optional(Type.Array(EventTypeSchema, { maxItems: 64 })),
        filter: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 16384 }))),
        secret: Type.Optional(Secret),
        enabled: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    responses: { 200: Webhook },
    errors: ["WEBHOOK_NOT_FOUND", "WEBHOOK_URL_INVALID", "WEBHOOK_TARGET_REFUSED", "FILTER_INVALID"],
    audit: {
      action: "webhook.update", targetType: "webhook", targetId: (req) => req.params.id, read: readHook,
      // The secret is in neither before nor after: that it changed is said here.
      summary: (req) => `changed webhook ${req.params.id}: ${Object.keys(req.body).join(", ")}`,
    },
    handler: async (req) => {
      const b = req.body;
      await get(req.params.id);
      if (b.url !== undefined) checkUrl(ctx, b.url);
      checkFilter(b.filter);
      const updated = await store.webhooks.update(req.params.id, {
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.url !== undefined ? { url: b.url } : {}),
        ...(b.events !== undefined ? { events: [...new Set(b.events)] } : {}),
        ...(b.filter !== undefined ? { filter: b.filter } : {}),
        ...(b.secret !== undefined ? { secretSealed: box.seal(b.secret, webhookSealContext(req.params.id)) } : {}),
        ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
        updatedAt: ctx.clock(),
      });
      if (updated === null) throw new ApiError("WEBHOOK_NOT_FOUND", `no webhook ${JSON.stringify(req.params.id)}`);
      return webhookJson(updated);
    },
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/webhooks/:id",
    operationId: "deleteWebhook",
    summary: "Remove a webhook with its deliveries",
    tag: "webhooks",
    role: "admin",
    params: HookParams,
    responses: { 204: null },
    errors: ["WEBHOOK_NOT_FOUND"],
    audit: { action: "webhook.delete", targetType: "webhook", targetId: (req) => req.params.id, read: readHook },
    handler: async (req, reply) => {
      if (!(await store.webhooks.delete(req.params.id))) throw new ApiError("WEBHOOK_NOT_FOUND", `no webhook ${JSON.stringify(req.params.id)}`);
      return reply.status(204).send();
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/webhooks/:id/deliveries",
    operationId: "listWebhookDeliveries",
    summary: "A webhook's deliveries, newest first, each with every attempt",
    tag: "webhooks",
    role: "admin",
    params: HookParams,
    querystring: Type.Object({
      status: Type.Optional(Type.Union([Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("failed")])),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 50 }),
      offset: Type.Integer({ minimum: 0, default: 0 }),
    }),
    responses: { 200: Type.Object({ deliveries: Type.Array(WebhookDelivery) }) },
    errors: ["WEBHOOK_NOT_FOUND"],
    handler: async (req) => {
      await get(req.params.id);
      const q = req.query;
      const list = await store.webhookDeliveries.list(req.params.id, { ...(q.status !== undefined ? { status: q.status } : {}), limit: q.limit, offset: q.offset });
      return { deliveries: list.map(deliveryJson) };
    },
  });

  const deliveryWithLog = async (hookId: string, id: string) => (await store.webhookDeliveries.list(hookId, { id }))[0] ?? null;

  r.add(app, {
    method: "POST",
    url: "/api/webhooks/:id/deliveries/:deliveryId/redeliver",
    operationId: "redeliverWebhookDelivery",
    summary: "Send a delivered or failed delivery again",
    description: "Puts the delivery back in the queue, due now, with the same event, body and Provisio-Delivery id; its attempts are kept and it gets webhooks.maxAttempts new ones, from the base back-off. Receivers that drop events they have seen (by Provisio-Event-Id) drop it too.",
    tag: "webhooks",
    role: "admin",
    params: Type.Object({ id: HookParams.properties.id, deliveryId: Type.String({ minLength: 1, maxLength: 64 }) }),
    responses: { 202: WebhookDelivery },
    errors: ["WEBHOOK_NOT_FOUND", "WEBHOOK_DELIVERY_NOT_FOUND", "WEBHOOK_DELIVERY_PENDING", "WEBHOOK_DISABLED"],
    audit: {
      action: "webhook.redeliver", targetType: "webhook", targetId: (req) => req.params.id,
      // Which delivery, not its body: the payload is in the delivery history already.
      after: (req, res) => ({ deliveryId: req.params.deliveryId, eventId: (res as { eventId?: string } | undefined)?.eventId ?? null }),
      summary: (req) => `redelivered delivery ${req.params.deliveryId} of webhook ${req.params.id}`,
    },
    handler: async (req, reply) => {
      const { id, deliveryId } = req.params;
      const hook = await get(id);
      if (!hook.enabled) throw new ApiError("WEBHOOK_DISABLED", `webhook ${JSON.stringify(id)} is disabled`);
      const renewed = await store.webhookDeliveries.redeliver(deliveryId, id, ctx.clock());
      if (renewed === null) {
        const current = await store.webhookDeliveries.get(deliveryId);
        if (current === null || current.webhookId !== id) throw new ApiError("WEBHOOK_DELIVERY_NOT_FOUND", `webhook ${JSON.stringify(id)} has no delivery ${JSON.stringify(deliveryId)}`);
        throw new ApiError("WEBHOOK_DELIVERY_PENDING", `delivery ${JSON.stringify(deliveryId)} is still pending`);
      }
      ctx.webhooks.kick();
      const shown = await deliveryWithLog(id, deliveryId);
      return reply.status(202).send(deliveryJson(shown ?? { ...renewed, attemptLog: [] }));
    },
  });
}
