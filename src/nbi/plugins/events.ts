// The event stream: Server-Sent Events of every ACS event, whichever process made it (they come from
// the outbox feed), filtered by type and device. A client that reconnects with Last-Event-ID gets what
// it missed first (from the outbox, as long as it is kept: events.retention), then the live events.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { compareCursors, type FeedEvent } from "../../server/event-feed.js";
import { ACS_EVENT_TYPES, type AcsEventType } from "../../server/events.js";
import { MAX_DEVICE_ID_LENGTH } from "../../session/index.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { principalLabel } from "../principal.js";
import { scopeOf } from "../tenancy.js";
import { TenantMembership } from "../../server/tenants.js";
import type { RouteRegistry } from "../route.js";
import { validationError } from "../validation.js";

export type EventStreams = Set<{ end(): void }>;

/** A stream whose client reads slower than events come is dropped past this (it can resume). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * A scoped stream's answers of "is this device in the tenant" are reused this long, across the streams
 * of the process, and so is the tenant's filter: a device that leaves the tenant (its tag removed), or
 * a change of the filter, shows in the streams already open within it.
 */
export const TENANT_MEMBERSHIP_TTL_MS = 5_000;
const TENANT_MEMBERSHIP_ENTRIES = 100_000;

export function eventRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext, streams: EventStreams): void {
  const { settings, feed, store } = ctx;
  const membership = new TenantMembership(store, { ttlMs: TENANT_MEMBERSHIP_TTL_MS, maxEntries: TENANT_MEMBERSHIP_ENTRIES, onlineWithinMs: settings.onlineWindowMs });

  r.add(app, {
    method: "GET",
    url: "/api/events",
    operationId: "streamEvents",
    summary: "Server-Sent Events of everything that happens",
    description:
      "Each event is `id: <n>`, `event: <type>`, `data: <JSON>`. Heartbeat comments keep idle connections open (nbi.heartbeat). Reconnect with the Last-Event-ID header (or `lastEventId`) to get the events missed meanwhile first. Types: " +
      ACS_EVENT_TYPES.join(", ") + ".",
    tag: "events",
    role: "read-only",
    querystring: Type.Object({
      types: Type.Optional(Type.String({ maxLength: 2048, description: "Comma-separated event types (default all)" })),
      deviceId: Type.Optional(Type.String({ maxLength: MAX_DEVICE_ID_LENGTH, description: "Only this device's events" })),
      lastEventId: Type.Optional(Type.String({ maxLength: 32, description: "As the Last-Event-ID header (for clients that cannot set it)" })),
    }),
    headers: Type.Object({ "last-event-id": Type.Optional(Type.String({ maxLength: 32 })) }),
    responses: { 200: { mediaType: "text/event-stream", schema: Type.String({ description: "A text/event-stream" }) } },
    errors: ["TOO_MANY_STREAMS"],
    handler: async (req, reply) => {
      let types: Set<string> | null = null;
      if (req.query.types !== undefined && req.query.types.trim() !== "") {
        const list = req.query.types.split(",").map((t) => t.trim()).filter((t) => t !== "");
        const unknown = list.filter((t) => !(ACS_EVENT_TYPES as readonly string[]).includes(t));
        if (unknown.length > 0) throw validationError([{ in: "querystring", field: "types", message: `unknown event type ${unknown.map((t) => JSON.stringify(t)).join(", ")}; known: ${ACS_EVENT_TYPES.join(", ")}` }]);
        types = new Set(list as AcsEventType[]);
      }
      const header = req.headers["last-event-id"];
      const lastIdText = (Array.isArray(header) ? header[0] : header) ?? req.query.lastEventId;
      let lastId: number | null = null;
      if (lastIdText !== undefined && lastIdText.trim() !== "") {
        if (!/^\d+$/.test(lastIdText.trim())) {
          throw validationError([{ in: req.headers["last-event-id"] !== undefined ? "headers" : "querystring", field: req.headers["last-event-id"] !== undefined ? "last-event-id" : "lastEventId", message: "must be an event id (a number)" }]);
        }
        lastId = Number(lastIdText.trim());
      }
      if (streams.size >= settings.maxEventStreams) {
        throw new ApiError("TOO_MANY_STREAMS", `this process serves ${settings.maxEventStreams} event streams already (nbi.maxEventStreams)`, undefined, { "Retry-After": "5" });
      }
      const deviceId = req.query.deviceId;
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache, no-transform",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no",
      });
      res.write(": provisio events\nretry: 2000\n\n");
      ctx.metrics.streamOpened();

      let closed = false;
      let buffer: FeedEvent[] | null = lastId !== null ? [] : null;
      const write = (text: string) => {
        if (closed) return;
        res.write(text);
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          ctx.log.warn({ deviceId, principal: principalLabel(req.principal) }, "event stream client too slow; dropped (it may resume with Last-Event-ID)");
          stream.end();
        }
      };
      const writeEvent = (e: FeedEvent) => write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e.json)}\n\n`);
      // A scoped stream carries its tenant's devices' events only (none without a device): each waits
      // for its membership answer, in a chain that keeps the events in order.
      const scope = scopeOf(req);
      let chain = Promise.resolve();
      const send = (e: FeedEvent) => {
        if (types !== null && !types.has(e.type)) return;
        if (deviceId !== undefined && e.deviceId !== deviceId) return;
        if (scope === null) return writeEvent(e);
        const device = e.deviceId;
        if (device === null) return;
        chain = chain.then(async () => {
          if (!closed && (await membership.has(scope, device))) writeEvent(e);
        }).catch((err: unknown) => {
          ctx.log.warn({ err, principal: principalLabel(req.principal) }, "checking an event's tenant failed; the stream ends (it may resume with Last-Event-ID)");
          stream.end();
        });
      };
      const unsubscribe = feed.subscribe((e) => (buffer !== null ? buffer.push(e) : send(e)));
      const heartbeat = setInterval(() => write(": heartbeat\n\n"), settings.heartbeatMs);
      const stream = {
        end() {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          unsubscribe();
          streams.delete(stream);
          ctx.metrics.streamClosed();
          res.end();
        },
      };
      streams.add(stream);
      req.raw.once("close", () => stream.end());
      res.once("close", () => stream.end());

      if (lastId !== null) {
        const seq = lastId;
        try {
          const from = await store.outbox.cursorOf(seq);
          const until = feed.position;
          if (from === null) write(`: event ${seq} is not kept (events.retention); replaying the kept events after it\n\n`);
          await feed.replay(from, until, (e) => {
            if (from !== null || e.seq > seq) send(e);
          });
          for (const e of buffer ?? []) if (until === null || compareCursors(e, until) > 0) send(e);
        } catch (err) {
          ctx.log.warn({ err }, "replaying events failed");
          write(": replaying the missed events failed; reconnect to try again\n\n");
          stream.end();
        } finally {
          buffer = null;
        }
      }
    },
  });
}
