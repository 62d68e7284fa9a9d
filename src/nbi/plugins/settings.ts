// Settings kept in the database and changed at run time (docs/api.md, Settings), as opposed to the
// configuration each process starts with (config.ts). One so far: parameters.indexed, the operator's
// indexed parameters (docs/scale.md).

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { indexedPatternProblem, MAX_INDEXED_PATTERNS } from "../../store/sql/indexed-paths.js";
import type { IndexedParameterRecord } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import type { RouteRegistry } from "../route.js";
import { Nullable } from "../schemas.js";
import { validationError, type FieldProblem } from "../validation.js";

const KEY = "parameters.indexed";

const Pattern = Type.String({ minLength: 1, maxLength: 512, description: 'A parameter path where "*" stands for any one segment and "{i}" for any instance number, e.g. Device.WiFi.SSID.*.SSID' });

const IndexedPattern = Type.Object({
  pattern: Pattern,
  state: Type.Union([Type.Literal("filling"), Type.Literal("ready"), Type.Literal("removing")], {
    description: "filling: existing devices' values are being copied into the index (filters do not use it yet); ready: filters use it; removing: its index rows are being deleted",
  }),
  done: Type.Integer({ description: "filling: devices gone through so far (of `devices`); removing: index rows deleted so far" }),
  addedAt: Type.String({ format: "date-time" }),
  readyAt: Nullable(Type.String({ format: "date-time" })),
});

const IndexedSetting = Type.Object({
  key: Type.Literal(KEY),
  value: Type.Array(Pattern, { description: "The patterns chosen (those being removed are not)" }),
  patterns: Type.Array(IndexedPattern, { description: "Each pattern's progress, those being removed included" }),
  devices: Type.Integer({ description: "Devices in the fleet, for the fill's progress" }),
});

function patternJson(p: IndexedParameterRecord) {
  return { pattern: p.pattern, state: p.state, done: p.done, addedAt: p.addedAt.toISOString(), readyAt: p.readyAt?.toISOString() ?? null };
}

const chosen = (list: readonly IndexedParameterRecord[]) => list.filter((p) => p.state !== "removing").map((p) => p.pattern);

export function settingsRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store } = ctx;
  const read = async () => ({ value: chosen(await store.indexedParameters.list()) });
  const answer = async (list: readonly IndexedParameterRecord[]) => ({
    key: KEY, value: chosen(list), patterns: list.map(patternJson), devices: await store.devices.count({}),
  }) as const;

  r.add(app, {
    method: "GET",
    url: `/api/settings/${KEY}`,
    operationId: "getIndexedParameters",
    summary: "The operator's indexed parameters, and each one's progress",
    description: "Parameters whose values are kept in an index, besides the built-in ones, so that filters and sorts on them are an index range rather than a read of every device's tree (docs/filters.md#performance, docs/scale.md).",
    tag: "settings",
    role: "read-only",
    responses: { 200: IndexedSetting },
    handler: async () => answer(await store.indexedParameters.list()),
  });

  r.add(app, {
    method: "PUT",
    url: `/api/settings/${KEY}`,
    operationId: "putIndexedParameters",
    summary: "Choose the indexed parameters",
    description:
      "Replaces the list. A new pattern is filled in the background with existing devices' values (`state` filling, then ready: only then do filters use it); a pattern left out has its index rows deleted in the background. Each indexed value costs about 60 B (SQLite) to 250 B (PostgreSQL) and its upkeep at every write.",
    tag: "settings",
    role: "admin",
    body: Type.Object({ value: Type.Array(Pattern, { maxItems: MAX_INDEXED_PATTERNS }) }, { additionalProperties: false }),
    responses: { 200: IndexedSetting },
    audit: { action: "setting.update", targetType: "setting", targetId: () => KEY, read, summary: (req) => `indexed parameters set to ${JSON.stringify(req.body.value)}` },
    handler: async (req) => {
      // Every problem at once, and nothing changed.
      const problems: FieldProblem[] = [];
      const seen = new Set<string>();
      for (const [i, p] of req.body.value.entries()) {
        const why = seen.has(p) ? "is listed twice" : indexedPatternProblem(p);
        if (why !== undefined) problems.push({ in: "body", field: `value[${i}]`, message: `${JSON.stringify(p)} ${why}` });
        seen.add(p);
      }
      if (problems.length > 0) throw validationError(problems);
      return answer(await store.indexedParameters.set(req.body.value, ctx.clock()));
    },
  });
}
