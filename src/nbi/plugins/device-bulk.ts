// Changes to every device a filter matches: tags added and removed, devices deleted. Each runs in one
// store transaction over the devices matched when it starts (so a filter on the tags being changed
// does not chase its own changes), at most nbi.bulkLimit of them, with a dry run that only counts. A
// missing filter means every device only when `all: true` says so, and a deletion must state how many
// devices it expects to delete, so that a filter broader than meant deletes nothing.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { recordEvents, type AcsEvent } from "../../server/events.js";
import type { StoreTx } from "../../store/index.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { pick } from "../audit.js";
import { scopeOf } from "../tenancy.js";
import { scopedFilter, type TenantScope } from "../../server/tenants.js";
import type { RouteRegistry } from "../route.js";
import { Tag } from "./devices.js";

const Selection = {
  filter: Type.Optional(Type.String({ maxLength: 16384, description: "The devices (docs/filters.md)" })),
  all: Type.Optional(Type.Boolean({ description: "Every device: required when there is no filter, refused with one" })),
  dryRun: Type.Optional(Type.Boolean({ description: "Only count the devices the filter matches; change nothing" })),
};

/** The selection of a bulk change, as the audit trail keeps it. */
const selectionOf = (b: { filter?: string; all?: boolean; dryRun?: boolean }) => ({ filter: b.filter ?? null, all: b.all === true, dryRun: b.dryRun === true });

export function deviceBulkRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store, settings } = ctx;

  /** The filter to run (undefined: every device), after the rule that "every device" is said aloud. */
  const selection = (body: { filter?: string; all?: boolean }): string | undefined => {
    const filter = body.filter?.trim() === "" ? undefined : body.filter;
    if (filter !== undefined && body.all === true) throw new ApiError("VALIDATION", "give a filter or all: true, not both");
    if (filter === undefined && body.all !== true) {
      throw new ApiError("FILTER_REQUIRED", "a filter is required; to address every device, send all: true instead");
    }
    return filter;
  };

  /** The ids of the devices matched now, in the transaction; refused beyond nbi.bulkLimit. */
  const matching = async (tx: StoreTx, scope: TenantScope | null, given: string | undefined): Promise<string[]> => {
    // "Every device" of a scoped principal is every device of its tenant.
    const filter = scopedFilter(scope, given);
    const query = { ...(filter !== undefined ? { filter } : {}), now: ctx.clock(), onlineWithinMs: settings.onlineWindowMs };
    const matched = await tx.devices.count(query);
    if (matched > settings.bulkLimit) {
      throw new ApiError("BULK_TOO_MANY", `the filter matches ${matched} devices; a bulk change may address at most ${settings.bulkLimit} (nbi.bulkLimit)`, { matched, limit: settings.bulkLimit });
    }
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await tx.devices.query({ ...query, limit: 1000, ...(after !== undefined ? { after } : {}) });
      ids.push(...page.devices.map((d) => d.id));
      if (page.next === null) return ids;
      after = page.next;
    }
  };

  r.add(app, {
    method: "POST",
    url: "/api/devices/tags",
    operationId: "tagDevices",
    summary: "Add and remove tags on every device a filter matches",
    description: "`add` and `remove` apply to the devices matched when the call starts (a tag in both is removed), in one transaction. At most nbi.bulkLimit devices. With `dryRun: true`, only `matched` is computed.",
    tag: "devices",
    role: "operator",
    body: Type.Object({
      ...Selection,
      add: Type.Optional(Type.Array(Tag, { maxItems: 100 })),
      remove: Type.Optional(Type.Array(Tag, { maxItems: 100 })),
    }, { additionalProperties: false }),
    responses: { 200: Type.Object({ matched: Type.Integer({ description: "Devices the filter matched (and, without dryRun, changed)" }), dryRun: Type.Boolean() }) },
    errors: ["FILTER_INVALID", "FILTER_REQUIRED", "BULK_TOO_MANY"],
    audit: {
      action: "device.tagMany", targetType: "device",
      after: (req, res) => ({ ...selectionOf(req.body), add: req.body.add ?? [], remove: req.body.remove ?? [], result: pick(res, ["matched", "dryRun"]) }),
      summary: (req, res) => `${req.body.dryRun === true ? "dry run: " : ""}tags +[${(req.body.add ?? []).join(",")}] -[${(req.body.remove ?? []).join(",")}] on ${String((res as { matched?: number } | undefined)?.matched)} devices matching ${req.body.filter ?? "all"}`,
    },
    handler: async (req) => {
      const body = req.body;
      const filter = selection(body);
      const add = body.add ?? [];
      const remove = body.remove ?? [];
      if (add.length === 0 && remove.length === 0) throw new ApiError("VALIDATION", "give at least one tag to add or remove");
      const dryRun = body.dryRun === true;
      const matched = await store.transaction(async (tx) => {
        const ids = await matching(tx, scopeOf(req), filter);
        if (!dryRun) await tx.devices.updateTagsMany(ids, add, remove);
        return ids.length;
      });
      return { matched, dryRun };
    },
  });

  r.add(app, {
    method: "POST",
    url: "/api/devices/delete",
    operationId: "deleteDevices",
    summary: "Delete every device a filter matches",
    description: "As DELETE /api/devices/{id} for each device, in one transaction. `expected` must be the number of devices the filter matches (a dry run tells it): when it is not, nothing is deleted and the answer is 409 BULK_COUNT_MISMATCH with `details.matched`. At most nbi.bulkLimit devices.",
    tag: "devices",
    role: "admin",
    body: Type.Object({
      ...Selection,
      expected: Type.Optional(Type.Integer({ minimum: 0, description: "How many devices the caller expects to delete: required unless dryRun" })),
    }, { additionalProperties: false }),
    responses: { 200: Type.Object({ matched: Type.Integer(), deleted: Type.Integer(), dryRun: Type.Boolean() }) },
    errors: ["FILTER_INVALID", "FILTER_REQUIRED", "BULK_TOO_MANY", "BULK_COUNT_MISMATCH"],
    audit: {
      action: "device.deleteMany", targetType: "device",
      after: (req, res) => ({ ...selectionOf(req.body), result: pick(res, ["matched", "deleted", "dryRun"]) }),
      summary: (req, res) => `${req.body.dryRun === true ? "dry run: " : ""}deleted ${String((res as { deleted?: number } | undefined)?.deleted)} devices matching ${req.body.filter ?? "all"}`,
    },
    handler: async (req) => {
      const body = req.body;
      const filter = selection(body);
      const dryRun = body.dryRun === true;
      if (!dryRun && body.expected === undefined) {
        throw new ApiError("VALIDATION", "expected (the number of devices to delete, which a dryRun tells) is required to delete");
      }
      const at = ctx.clock();
      const result = await store.transaction(async (tx) => {
        const ids = await matching(tx, scopeOf(req), filter);
        if (dryRun) return { matched: ids.length, deleted: 0, events: [] as AcsEvent[] };
        if (ids.length !== body.expected) {
          throw new ApiError("BULK_COUNT_MISMATCH", `the filter matches ${ids.length} devices, not the ${String(body.expected)} expected: nothing was deleted`, { matched: ids.length, expected: body.expected });
        }
        const deleted = await tx.devices.deleteMany(ids);
        const events = await recordEvents(tx, ids.map((deviceId) => ({ type: "device.deleted", deviceId, at })) as AcsEvent[]);
        return { matched: ids.length, deleted, events };
      });
      for (const e of result.events) ctx.events.emit(e);
      return { matched: result.matched, deleted: result.deleted, dryRun };
    },
  });
}
