// Devices: list (filter, sort, paging, projection, count), one device with its parameter tree, events
// and faults; tags; deletion; how the device is reached (connection requests) and its credentials.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { resolveSort, type SortKey } from "../../query/index.js";
import { recordEvents, type AcsEvent } from "../../server/events.js";
import { MAX_DEVICE_ID_LENGTH } from "../../session/index.js";
import { StoreError } from "../../store/index.js";
import type { ParameterRecord } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { scopeOf } from "../tenancy.js";
import { scopedFilter } from "../../server/tenants.js";
import { connectionRequestJson, deviceJson, faultJson, parameterMap, parameterTree, recordedAttemptJson, uspAgentJson } from "../json.js";
import { pick } from "../audit.js";
import type { RouteRegistry } from "../route.js";
import {
  ConnectionRequestResult, Device, DeviceEvent, DeviceId, DeviceListItem, Fault, Nullable, ParameterNode, RecordedAttempt, UspAgent,
} from "../schemas.js";

export const IdParams = Type.Object({ id: DeviceId });
export const Tag = Type.String({ minLength: 1, maxLength: 128, pattern: "^[^\\x00-\\x1f,]+$", description: "Any text without control characters or commas" });

/** "-lastInform,productClass" -> sort keys ("-" for descending). */
export function parseSort(text: string): SortKey[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => (s.startsWith("-") ? { field: s.slice(1), direction: "desc" as const } : { field: s.replace(/^\+/, ""), direction: "asc" as const }));
}

export function deviceRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store, settings } = ctx;
  const readDevice = async (id: string) => {
    const d = await store.devices.get(id);
    return d === null ? null : deviceJson(d, ctx.clock(), settings.onlineWindowMs);
  };
  // The username and when they were set: the password never leaves the store, not even masked.
  const readCrCredentials = async (id: string) => {
    const c = await store.connectionRequests.credentials(id);
    return c === null ? null : { username: c.username, updatedAt: c.updatedAt.toISOString() };
  };
  const now = () => ctx.clock();

  r.add(app, {
    method: "GET",
    url: "/api/devices",
    operationId: "listDevices",
    summary: "List devices",
    description: "Devices matching `filter` (docs/filters.md), in `sort` order, a page at a time: `limit` with `offset`, or with `after` (the `next` of the previous page) in id order, which costs the same at any depth.",
    tag: "devices",
    role: "read-only",
    querystring: Type.Object({
      filter: Type.Optional(Type.String({ maxLength: 16384, description: "e.g. productClass = \"HGW\" AND lastInform > now-1h" })),
      sort: Type.Optional(Type.String({ maxLength: 2048, description: "Comma-separated fields or parameter paths, \"-\" for descending: -lastInform,id" })),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
      offset: Type.Optional(Type.Integer({ minimum: 0 })),
      after: Type.Optional(Type.String({ maxLength: MAX_DEVICE_ID_LENGTH, description: "Keyset paging: the `next` of the previous page" })),
      projection: Type.Optional(Type.String({ maxLength: 16384, description: "Comma-separated parameter paths (object paths end with \".\") to return with each device" })),
      count: Type.Boolean({ default: false, description: "Also count every matching device" }),
    }),
    responses: {
      200: Type.Object({
        devices: Type.Array(DeviceListItem),
        total: Nullable(Type.Integer({ description: "With count=true" })),
        next: Nullable(Type.String({ description: "The `after` of the next page (id order); null on the last page" })),
      }),
    },
    errors: ["FILTER_INVALID", "SORT_INVALID", "QUERY_INVALID"],
    handler: async (req) => {
      const q = req.query;
      const sort = q.sort !== undefined ? parseSort(q.sort) : undefined;
      if (sort !== undefined) resolveSort(sort); // SORT_INVALID before the store sees it
      const projection = q.projection?.split(",").map((p) => p.trim()).filter((p) => p !== "");
      const at = now();
      const filter = scopedFilter(scopeOf(req), q.filter !== undefined && q.filter.trim() !== "" ? q.filter : undefined);
      const result = await store.devices.query({
        ...(filter !== undefined ? { filter } : {}),
        ...(sort !== undefined && sort.length > 0 ? { sort } : {}),
        limit: q.limit,
        ...(q.offset !== undefined ? { offset: q.offset } : {}),
        ...(q.after !== undefined ? { after: q.after } : {}),
        ...(projection !== undefined && projection.length > 0 ? { projection } : {}),
        count: q.count,
        now: at,
        onlineWithinMs: settings.onlineWindowMs,
      });
      return {
        devices: result.devices.map((d) => ({
          ...deviceJson(d, at, settings.onlineWindowMs),
          ...(d.parameters !== undefined ? { parameters: parameterMap(d.parameters) } : {}),
        })),
        total: result.total,
        next: result.next,
      };
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id",
    operationId: "getDevice",
    summary: "A device with its parameters, recent Inform events, faults and pending tasks",
    description: "`parameters` is a tree by default: keys are path segments, objects end with \".\", so a parameter's path is its keys joined (Device. > DeviceInfo. > SoftwareVersion). With parameters=flat, keys are full paths. `prefix` limits it to a subtree. `usp`: the USP agent a USP device is (its endpoint id, MTP, when it was seen last, whether it is connected now, and the counts of the data model its agent supports: GET /api/devices/{id}/usp/data-model lists its commands and events), null for a CWMP device.",
    tag: "devices",
    role: "read-only",
    params: IdParams,
    querystring: Type.Object({
      parameters: Type.Union([Type.Literal("tree"), Type.Literal("flat"), Type.Literal("none")], { default: "tree" }),
      prefix: Type.Optional(Type.String({ maxLength: 256, description: "Only this object's subtree (\"Device.WiFi.\") or this parameter" })),
      events: Type.Integer({ minimum: 0, maximum: 1000, default: 20, description: "How many recent Inform events" }),
    }),
    responses: {
      200: Type.Object({
        device: Device,
        parameters: Type.Record(Type.String(), ParameterNode),
        events: Type.Array(DeviceEvent),
        faults: Type.Array(Fault),
        pendingTasks: Type.Integer(),
        usp: Nullable(UspAgent),
      }),
    },
    errors: ["DEVICE_NOT_FOUND"],
    handler: async (req) => {
      const { id } = req.params;
      const q = req.query;
      // All at once, not the device first: on PostgreSQL each read is a round trip, and a device that
      // does not exist is rare enough that its empty reads cost nothing.
      const noRecords: ParameterRecord[] = [];
      const [device, records, events, faults, pendingTasks, endpoint, dataModel] = await Promise.all([
        store.devices.get(id),
        q.parameters === "none" ? noRecords : q.prefix !== undefined ? store.parameters.subtree(id, q.prefix) : store.parameters.all(id),
        q.events > 0 ? store.events.list(id, q.events) : Promise.resolve([]),
        store.faults.list({ deviceId: id }),
        store.tasks.pendingCount(id),
        store.uspEndpoints.ofDevice(id),
        store.uspDataModels.ofDevice(id),
      ]);
      if (device === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(id)}`);
      return {
        device: deviceJson(device, now(), settings.onlineWindowMs),
        parameters: q.parameters === "flat" ? parameterMap(records) : parameterTree(records),
        events: events.map((e) => ({ at: e.at.toISOString(), code: e.code, commandKey: e.commandKey })),
        faults: faults.map(faultJson),
        pendingTasks,
        usp: endpoint === null ? null : uspAgentJson(endpoint, ctx.usp?.connected() ?? [], dataModel),
      };
    },
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/devices/:id",
    operationId: "deleteDevice",
    summary: "Delete a device and everything stored about it",
    description: "Its parameters, events, tasks, faults, credentials and session go too. A device that informs again is registered anew.",
    tag: "devices",
    role: "admin",
    params: IdParams,
    responses: { 204: null },
    errors: ["DEVICE_NOT_FOUND"],
    audit: { action: "device.delete", targetType: "device", targetId: (req) => req.params.id, read: readDevice },
    handler: async (req, reply) => {
      const { id } = req.params;
      const at = now();
      const events = await store.transaction(async (tx) => {
        if (!(await tx.devices.delete(id))) return null;
        return recordEvents(tx, [{ type: "device.deleted", deviceId: id, at }] as AcsEvent[]);
      });
      if (events === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(id)}`);
      for (const e of events) ctx.events.emit(e);
      return reply.status(204).send();
    },
  });

  const tagRoute = (method: "PUT" | "DELETE") =>
    r.add(app, {
      method,
      url: "/api/devices/:id/tags/:tag",
      operationId: method === "PUT" ? "addTag" : "removeTag",
      summary: method === "PUT" ? "Tag a device" : "Untag a device",
      description: "Idempotent. Answers with the device's tags.",
      tag: "devices",
      role: "operator",
      params: Type.Object({ id: DeviceId, tag: Tag }),
      responses: { 200: Type.Object({ tags: Type.Array(Type.String()) }) },
      errors: ["DEVICE_NOT_FOUND"],
      audit: { action: method === "PUT" ? "device.tag" : "device.untag", targetType: "device", targetId: (req) => req.params.id, summary: (req) => `${method === "PUT" ? "tagged" : "untagged"} device ${req.params.id}: ${req.params.tag}` },
      handler: async (req) => {
        const { id, tag } = req.params;
        const tags = await store.devices.updateTags(id, method === "PUT" ? [tag] : [], method === "DELETE" ? [tag] : []);
        if (tags === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(id)}`);
        return { tags };
      },
    });
  tagRoute("PUT");
  tagRoute("DELETE");

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/connection-request",
    operationId: "getConnectionRequestInfo",
    summary: "How the device would be woken: the methods in order, their targets, the credentials' source",
    tag: "connection requests",
    role: "read-only",
    params: IdParams,
    responses: {
      200: Type.Object({
        plan: Type.Array(Type.Object({ method: Type.String(), target: Type.String() })),
        connectionRequestUrl: Nullable(Type.String()),
        udpConnectionRequestAddress: Nullable(Type.String()),
        stunUsername: Nullable(Type.String()),
        stunBinding: Nullable(Type.Object({ address: Type.String(), port: Type.Integer(), at: Type.String({ format: "date-time" }), authenticated: Type.Boolean() })),
        jabberId: Nullable(Type.String()),
        credentials: Type.Object({
          source: Type.Union([Type.Literal("device"), Type.Literal("default"), Type.Literal("none")]),
          username: Nullable(Type.String()),
        }),
      }),
    },
    errors: ["DEVICE_NOT_FOUND", "SECRET_UNREADABLE"],
    handler: async (req) => {
      const reach = await ctx.connectionRequests.reach(req.params.id);
      if (reach === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      const b = reach.stunBinding;
      return {
        plan: reach.plan,
        connectionRequestUrl: reach.contact.connectionRequestUrl ?? null,
        udpConnectionRequestAddress: reach.contact.udpConnectionRequestAddress ?? null,
        stunUsername: reach.stunUsername,
        stunBinding: b === null ? null : { address: b.address, port: b.port, at: new Date(b.at).toISOString(), authenticated: b.authenticated },
        jabberId: reach.contact.jabberId ?? null,
        credentials: reach.credentials,
      };
    },
  });

  r.add(app, {
    method: "POST",
    url: "/api/devices/:id/connection-request",
    operationId: "wakeDevice",
    summary: "Send a connection request now",
    description: "Tries the device's methods in the configured order (connectionRequests.methods). 200 when the device accepted it (or, for UDP, when it was sent); the device then opens a session.",
    tag: "connection requests",
    role: "operator",
    params: IdParams,
    responses: { 200: ConnectionRequestResult },
    errors: ["DEVICE_NOT_FOUND", "CONNECTION_REQUEST_FAILED", "CONNECTION_REQUEST_NO_METHOD", "CONNECTION_REQUEST_RATE_LIMITED", "SECRET_UNREADABLE"],
    audit: { action: "device.connectionRequest", targetType: "device", targetId: (req) => req.params.id, after: (_req, res) => pick(res, ["outcome"]) },
    handler: async (req) => {
      const result = await ctx.connectionRequests.wake(req.params.id);
      if (result === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      const json = connectionRequestJson(result);
      if (result.outcome === "accepted" || result.outcome === "sent") return json;
      if (result.outcome === "no-method") throw new ApiError("CONNECTION_REQUEST_NO_METHOD", "the device reported no ConnectionRequestURL, UDP address (with a STUN binding) or JID this ACS can use", json);
      if (result.outcome === "rate-limited") {
        const seconds = Math.max(1, Math.ceil((result.retryAfterMs ?? 1000) / 1000));
        throw new ApiError("CONNECTION_REQUEST_RATE_LIMITED", `a connection request was sent to this device moments ago; retry in ${seconds} s`, json, { "Retry-After": String(seconds) });
      }
      const last = result.attempts[result.attempts.length - 1];
      throw new ApiError("CONNECTION_REQUEST_FAILED", `the device could not be woken: ${result.outcome}${last ? ` (${last.method} ${last.target}: ${last.detail})` : ""}`, json);
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/connection-request/attempts",
    operationId: "listConnectionRequestAttempts",
    summary: "Recorded connection-request attempts, newest first",
    tag: "connection requests",
    role: "read-only",
    params: IdParams,
    querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 50 }), offset: Type.Integer({ minimum: 0, default: 0 }) }),
    responses: { 200: Type.Object({ attempts: Type.Array(RecordedAttempt) }) },
    errors: ["DEVICE_NOT_FOUND"],
    handler: async (req) => {
      if ((await store.devices.get(req.params.id)) === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      const attempts = await store.connectionRequests.attempts(req.params.id, { limit: req.query.limit, offset: req.query.offset });
      return { attempts: attempts.map(recordedAttemptJson) };
    },
  });

  r.add(app, {
    method: "PUT",
    url: "/api/devices/:id/connection-request/credentials",
    operationId: "setConnectionRequestCredentials",
    summary: "Set the credentials the device's connection requests are made with",
    description: "The device's ConnectionRequestUsername and ConnectionRequestPassword. Stored sealed (AES-256-GCM); never returned.",
    tag: "connection requests",
    role: "admin",
    params: IdParams,
    body: Type.Object({ username: Type.String({ maxLength: 256 }), password: Type.String({ maxLength: 256 }) }, { additionalProperties: false }),
    responses: { 204: null },
    errors: ["DEVICE_NOT_FOUND"],
    audit: { action: "connectionRequestCredentials.set", targetType: "device", targetId: (req) => req.params.id, read: readCrCredentials },
    handler: async (req, reply) => {
      let ok: boolean;
      try {
        ok = await ctx.connectionRequests.setCredentials(req.params.id, req.body.username, req.body.password);
      } catch (err) {
        if (!(err instanceof StoreError && err.code === "STORE_UNKNOWN_REFERENCE")) throw err;
        ok = false;
      }
      if (!ok) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      return reply.status(204).send();
    },
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/devices/:id/connection-request/credentials",
    operationId: "deleteConnectionRequestCredentials",
    summary: "Forget the device's own connection-request credentials (the configured defaults apply again)",
    tag: "connection requests",
    role: "admin",
    params: IdParams,
    responses: { 204: null },
    errors: ["DEVICE_NOT_FOUND"],
    audit: { action: "connectionRequestCredentials.delete", targetType: "device", targetId: (req) => req.params.id, read: readCrCredentials },
    handler: async (req, reply) => {
      if ((await store.devices.get(req.params.id)) === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      await store.connectionRequests.deleteCredentials(req.params.id);
      return reply.status(204).send();
    },
  });
}
