// Saved filters: named device filters the console's users share. A filter is checked when it is
// written, with the device list's errors (FILTER_INVALID with the position), so that a saved one runs.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { parse } from "../../query/index.js";
import type { SavedFilterRecord } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { RouteRegistry } from "../route.js";
import { Nullable } from "../schemas.js";

const Name = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });
const Fields = {
  filter: Type.String({ minLength: 1, maxLength: 16384, description: "A device filter (docs/filters.md)" }),
  description: Type.Optional(Type.String({ maxLength: 1024, default: "" })),
};

const SavedFilter = Type.Object({
  name: Type.String(),
  filter: Type.String(),
  description: Type.String(),
  createdBy: Nullable(Type.String({ description: "The name of the API key (or user) that created it" })),
  createdAt: Type.String({ format: "date-time" }),
  updatedBy: Nullable(Type.String()),
  updatedAt: Type.String({ format: "date-time" }),
});

function savedJson(f: SavedFilterRecord) {
  return { ...f, createdAt: f.createdAt.toISOString(), updatedAt: f.updatedAt.toISOString() };
}

/** Throws the filter's FilterError (FILTER_INVALID) when it is not a filter. */
function check(filter: string): void {
  parse(filter);
}

export function savedFilterRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store } = ctx;
  const notFound = (name: string) => new ApiError("SAVED_FILTER_NOT_FOUND", `no saved filter ${JSON.stringify(name)}`);
  const readSaved = async (name: string) => {
    const f = await store.savedFilters.get(name);
    return f === null ? null : savedJson(f);
  };

  r.add(app, {
    method: "GET",
    url: "/api/filters",
    operationId: "listSavedFilters",
    summary: "List saved device filters, by name",
    tag: "filters",
    role: "read-only",
    responses: { 200: Type.Object({ filters: Type.Array(SavedFilter) }) },
    handler: async () => ({ filters: (await store.savedFilters.list()).map(savedJson) }),
  });

  r.add(app, {
    method: "POST",
    url: "/api/filters",
    operationId: "createSavedFilter",
    summary: "Save a device filter under a new name",
    tag: "filters",
    role: "operator",
    body: Type.Object({ name: Name, ...Fields }, { additionalProperties: false }),
    responses: { 201: SavedFilter },
    errors: ["FILTER_INVALID", "SAVED_FILTER_EXISTS"],
    audit: { action: "savedFilter.create", targetType: "savedFilter", targetId: (req) => req.body.name, read: readSaved },
    handler: async (req, reply) => {
      const b = req.body;
      check(b.filter);
      const at = ctx.clock();
      const by = req.principal.name;
      const record: SavedFilterRecord = { name: b.name, filter: b.filter, description: b.description ?? "", createdBy: by, createdAt: at, updatedBy: by, updatedAt: at };
      if (!(await store.savedFilters.create(record))) throw new ApiError("SAVED_FILTER_EXISTS", `a saved filter is already named ${JSON.stringify(b.name)}`);
      return reply.status(201).send(savedJson(record));
    },
  });

  r.add(app, {
    method: "PUT",
    url: "/api/filters/:name",
    operationId: "updateSavedFilter",
    summary: "Change a saved filter",
    tag: "filters",
    role: "operator",
    params: Type.Object({ name: Name }),
    body: Type.Object(Fields, { additionalProperties: false }),
    responses: { 200: SavedFilter },
    errors: ["FILTER_INVALID", "SAVED_FILTER_NOT_FOUND"],
    audit: { action: "savedFilter.update", targetType: "savedFilter", targetId: (req) => req.params.name, read: readSaved },
    handler: async (req) => {
      check(req.body.filter);
      const updated = await store.savedFilters.update(req.params.name, { filter: req.body.filter, description: req.body.description ?? "", updatedBy: req.principal.name, updatedAt: ctx.clock() });
      if (updated === null) throw notFound(req.params.name);
      return savedJson(updated);
    },
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/filters/:name",
    operationId: "deleteSavedFilter",
    summary: "Delete a saved filter",
    tag: "filters",
    role: "operator",
    params: Type.Object({ name: Name }),
    responses: { 204: null },
    errors: ["SAVED_FILTER_NOT_FOUND"],
    audit: { action: "savedFilter.delete", targetType: "savedFilter", targetId: (req) => req.params.name, read: readSaved },
    handler: async (req, reply) => {
      if (!(await store.savedFilters.delete(req.params.name))) throw notFound(req.params.name);
      return reply.status(204).send();
    },
  });
}
