// GET /api/devices/export: the devices a filter matches as CSV, with chosen parameters as columns,
// streamed (src/nbi/csv.ts).
import { Readable } from "node:stream";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { pathProblem } from "../../query/check.js";
import { toFilter } from "../../query/index.js";
import type { NbiContext } from "../context.js";
import { devicesCsv } from "../csv.js";
import { ApiError } from "../errors.js";
import { scopeOf } from "../tenancy.js";
import { scopedFilter } from "../../server/tenants.js";
import type { RouteRegistry } from "../route.js";

/** As many as a device query's projection takes (store/sql/devices.ts MAX_PROJECTION). */
const MAX_PROJECTION = 100;

function readColumns(text: string | undefined): string[] {
  const columns = (text ?? "").split(",").map((c) => c.trim()).filter((c) => c !== "");
  if (columns.length > MAX_PROJECTION) throw new ApiError("VALIDATION", `columns names more than ${MAX_PROJECTION} parameters`);
  for (const c of columns) {
    const why = pathProblem(c);
    if (why !== undefined) throw new ApiError("VALIDATION", `columns: ${why}`);
    if (c.endsWith(".")) throw new ApiError("VALIDATION", `columns: ${c} is an object, which has no value: name its parameters`);
  }
  return columns;
}

export function deviceExportRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  r.add(app, {
    method: "GET",
    url: "/api/devices/export",
    operationId: "exportDevices",
    summary: "The devices a filter matches, as CSV",
    description: "RFC 4180 CSV (UTF-8, CRLF), in id order: a header line, then one line per device with id, oui, productClass, serialNumber, manufacturer, lastInformAt, tags (comma-separated), then one column per parameter of `columns` (empty when the device has no value). A cell starting with =, +, -, @, tab or CR gets a leading ' so that spreadsheets do not run it as a formula. Streamed, read from the store a page at a time: any number of devices in bounded memory; devices that change during a long export may be seen before or after the change.",
    tag: "devices",
    role: "read-only",
    querystring: Type.Object({
      filter: Type.Optional(Type.String({ maxLength: 16384, description: "The devices (docs/filters.md); all when absent" })),
      columns: Type.Optional(Type.String({ maxLength: 16384, description: `Comma-separated parameter paths, one column each (at most ${MAX_PROJECTION})` })),
      format: Type.Literal("csv", { default: "csv", description: "The only format so far" }),
    }),
    responses: { 200: { mediaType: "text/csv", schema: Type.String() } },
    errors: ["FILTER_INVALID"],
    handler: async (req, reply) => {
      const given = req.query.filter?.trim() === "" ? undefined : req.query.filter;
      // FILTER_INVALID before the 200 is sent; the tenant's devices only for a scoped principal.
      const filter = scopedFilter(scopeOf(req), given === undefined ? undefined : toFilter(given));
      const rows = devicesCsv(ctx.store, { ...(filter !== undefined ? { filter } : {}), columns: readColumns(req.query.columns), now: ctx.clock(), onlineWithinMs: ctx.settings.onlineWindowMs });
      // The header and the first page are read before answering, so that a store that fails at once
      // gets an error answer rather than a cut-off 200.
      const first = [await rows.next(), await rows.next()];
      async function* body(): AsyncGenerator<string> {
        for (const r of first) if (r.done !== true) yield r.value;
        yield* rows;
      }
      return reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="devices.csv"')
        .send(Readable.from(body()));
    },
  });
}
