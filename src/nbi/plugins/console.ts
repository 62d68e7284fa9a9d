// Serves the web console (built by Vite into dist/console/) on the API's port, same origin as /api:
// hashed assets cached for good, index.html (never cached) for every other GET that is not the API's,
// so that the console's client-side routes load on a reload or a pasted link. Every console response
// carries a strict Content-Security-Policy: the build has no inline script or style.
//
// Not in the route registry on purpose: these are not API endpoints and stay out of the OpenAPI
// document. They are public (the login page must load before any login); they hold no data.

import type { FastifyInstance, FastifyReply } from "fastify";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../server/logger.js";
import { ApiError } from "../errors.js";

export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** dist/console beside dist/src, where `npm install` and `npm run build` put it. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL("../../../console/", import.meta.url));

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json; charset=utf-8",
};

interface Asset {
  body: Buffer;
  type: string;
}

/** The API's own paths: a GET there that no route takes is the API's 404, never the console. */
function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/") || path === "/healthz" || path === "/metrics";
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header("Content-Security-Policy", CONSOLE_CSP)
    .header("X-Content-Type-Options", "nosniff")
    .header("Referrer-Policy", "no-referrer")
    .header("X-Frame-Options", "DENY");
}

/** Loads the build into memory (a few hundred kB) and registers its routes; `dir` null: no console. */
export function consoleRoutes(app: FastifyInstance, log: Logger, dir: string | null = DEFAULT_CONSOLE_DIR): void {
  let index: Buffer | null = null;
  const assets = new Map<string, Asset>();
  if (dir !== null && existsSync(join(dir, "index.html"))) {
    index = readFileSync(join(dir, "index.html"));
    const assetDir = join(dir, "assets");
    if (existsSync(assetDir)) {
      for (const name of readdirSync(assetDir)) {
        assets.set(name, { body: readFileSync(join(assetDir, name)), type: TYPES[extname(name)] ?? "application/octet-stream" });
      }
    }
  } else if (dir !== null) {
    log.warn({ dir }, "the web console is not built (no index.html there): `npm run build` builds it; the REST API works without it");
  }

  const notBuilt = (reply: FastifyReply) =>
    secure(reply)
      .status(503)
      .type("text/plain; charset=utf-8")
      .header("Cache-Control", "no-store")
      .send("The Provisio web console is not built on this server: run `npm run build` (or `npm install`) in the Provisio folder and restart. The REST API under /api works without it.\n");

  app.get("/assets/*", async (req, reply) => {
    const name = (req.params as { "*": string })["*"];
    const asset = assets.get(name);
    if (!asset) {
      if (index === null) return notBuilt(reply);
      return secure(reply).status(404).type("text/plain; charset=utf-8").send("No such console asset (the console was rebuilt: reload the page).\n");
    }
    return secure(reply).type(asset.type).header("Cache-Control", "public, max-age=31536000, immutable").send(asset.body);
  });

  const page = async (req: { url: string; method: string }, reply: FastifyReply) => {
    const path = req.url.split("?")[0]!;
    if (isApiPath(path)) throw new ApiError("NOT_FOUND", `no endpoint ${req.method} ${path} (GET /api/openapi.json lists them)`);
    if (index === null) return notBuilt(reply);
    return secure(reply).type("text/html; charset=utf-8").header("Cache-Control", "no-cache").send(index);
  };
  app.get("/", page);
  app.get("/*", page);
}
