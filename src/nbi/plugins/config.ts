// The running configuration, for the console's Admin page: admins only, and every secret masked
// (config/masked.ts) before it ever reaches the API.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { NbiContext } from "../context.js";
import type { RouteRegistry } from "../route.js";

export function configRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  r.add(app, {
    method: "GET",
    url: "/api/config",
    operationId: "getConfig",
    summary: "The configuration this process runs with, secrets masked",
    description:
      'Every setting (docs/configuration.md) after defaults, file, environment and flags, as this process loaded it at start. Secrets (passwords, the secrets key, passwords in the database URL) read "***" when set and "" when left to be generated.',
    tag: "system",
    role: "admin",
    responses: { 200: Type.Object({ config: Type.Object({}, { additionalProperties: true }) }) },
    handler: async () => ({ config: ctx.config }),
  });
}
