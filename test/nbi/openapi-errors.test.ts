// The OpenAPI document is generated from the routes' own schemas: every route is in it, every $ref
// resolves, every path parameter is declared. The error registry, docs/errors.md and the tests agree.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CODE_PREFIX, ERRORS, RETIRED_CODES, errorCode, type ErrorName } from "../../src/nbi/errors.js";
import { repoRoot } from "../support/paths.js";
import { backend } from "../support/pg.js";
import { startApiAcs, type ApiAcs } from "./support.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function refs(node: Json, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

function resolve(doc: Json, ref: string): Json | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let node: Json | undefined = doc;
  for (const part of ref.slice(2).split("/")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = node[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return node;
}

describe("the OpenAPI document", () => {
  let t: ApiAcs;
  let doc: { [key: string]: Json };
  before(async () => {
    t = await startApiAcs(backend("sqlite"));
    const res = await t.api.with(await t.keyFor("read-only")).get("/api/openapi.json");
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(() => t.stop());

  it("is OpenAPI 3.1 with bearer and session cookie security schemes applied to all but /healthz and the login", () => {
    assert.equal(doc.openapi, "3.1.0");
    assert.deepEqual(doc.security, [{ apiKey: [] }, { session: [] }]);
    const schemes = (doc.components as { securitySchemes: Record<string, Record<string, Json>> }).securitySchemes;
    assert.deepEqual(schemes.apiKey, { type: "http", scheme: "bearer", description: "An API key (provisio apikey create)" });
    assert.deepEqual([schemes.session!.type, schemes.session!.in, schemes.session!.name], ["apiKey", "cookie", "provisio_session"]);
    const paths = doc.paths as Record<string, Record<string, { security?: Json }>>;
    assert.deepEqual(paths["/healthz"]!.get!.security, []);
    assert.deepEqual(paths["/api/session"]!.post!.security, []);
    assert.equal(paths["/api/devices"]!.get!.security, undefined);
  });

  it("has every registered route, once, with a unique operationId, its role and its path parameters", () => {
    const paths = doc.paths as Record<string, Record<string, { operationId: string; "x-provisio-role": string; parameters: { name: string; in: string; required: boolean }[]; responses: Record<string, Json> }>>;
    const ops = new Set<string>();
    let count = 0;
    for (const r of t.acs.nbi!.routes.routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      const op = paths[path]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${r.url} is in the document`);
      assert.equal(op.operationId, r.operationId);
      assert.equal(op["x-provisio-role"], r.role);
      assert.ok(!ops.has(op.operationId), `operationId ${op.operationId} is unique`);
      ops.add(op.operationId);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      assert.deepEqual(op.parameters.filter((p) => p.in === "path").map((p) => p.name).sort(), templated.sort(), `${path} declares its path parameters`);
      assert.ok(op.parameters.filter((p) => p.in === "path").every((p) => p.required));
      assert.ok(Object.keys(op.responses).some((s) => s.startsWith("2")), `${op.operationId} has a success response`);
      if (r.role !== "public") assert.ok(op.responses["401"], `${op.operationId} documents 401`);
      count++;
    }
    const documented = Object.values(paths).reduce((n, p) => n + Object.keys(p).length, 0);
    assert.equal(documented, count, "nothing else is documented");
  });

  it("resolves every $ref, and uses the task kinds' own argument schemas", () => {
    const all = refs(doc);
    assert.ok(all.length > 50);
    for (const ref of all) assert.ok(resolve(doc, ref) !== undefined, `${ref} resolves`);
    const schemas = (doc.components as { schemas: Record<string, { properties?: Record<string, Json> }> }).schemas;
    for (const name of ["Device", "Task", "Fault", "Error", "ParameterNode", "Webhook", "WebhookDelivery", "ApiKey", "CreateTask_setParameterValues", "BulkTask_reboot"]) {
      assert.ok(schemas[name], `component ${name}`);
    }
    const spv = schemas.CreateTask_setParameterValues!.properties!;
    assert.equal((spv.name as { const: string }).const, "setParameterValues");
    assert.ok(JSON.stringify(spv.args).includes("parameterValues"));
    const create = (doc.paths as Record<string, Record<string, { requestBody: { content: Record<string, { schema: Json }> } }>>)["/api/devices/{id}/tasks"]!.post!;
    const body = create.requestBody.content["application/json"]!.schema as { anyOf: Json[]; discriminator: { propertyName: string; mapping: Record<string, string> } };
    assert.equal(body.discriminator.propertyName, "name");
    for (const target of Object.values(body.discriminator.mapping)) assert.ok(resolve(doc, target), `${target} resolves`);
  });

  it("documents the errors an endpoint answers with, by code", () => {
    const paths = doc.paths as Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    const created = paths["/api/devices/{id}/tasks"]!.post!.responses;
    assert.match(created["400"]!.description, /PROVISIO_ERR_TASK_VALUE_TYPE/);
    assert.match(created["403"]!.description, /PROVISIO_ERR_FORBIDDEN/);
    assert.match(created["404"]!.description, /PROVISIO_ERR_DEVICE_NOT_FOUND/);
    const mentioned = new Set(JSON.stringify(doc).match(/PROVISIO_ERR_[A-Z_]+/g));
    for (const name of Object.keys(ERRORS) as ErrorName[]) if (name !== "NOT_FOUND") assert.ok(mentioned.has(errorCode(name)), `${errorCode(name)} is documented on some endpoint`);
  });

  it("gives a resource one shape: what creates it answers what GET answers (plus what is shown only once)", () => {
    type Op = { operationId: string; responses: Record<string, { content?: Record<string, { schema: Json }> }> };
    const ops = new Map<string, [string, Op]>();
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Op>>)) {
      for (const [method, op] of Object.entries(methods)) ops.set(op.operationId, [`${method.toUpperCase()} ${path}`, op]);
    }
    const schemaOf = (id: string, status: string) => ops.get(id)![1].responses[status]?.content?.["application/json"]?.schema;
    const base = (schema: Json | undefined) => {
      const all = (schema as { allOf?: Json[] } | undefined)?.allOf;
      return all !== undefined ? all[0] : schema;
    };
    for (const [create, statuses, get] of [
      ["createTask", ["200", "201", "202"], "getTask"], ["createCampaign", ["201"], "getCampaign"], ["uploadFile", ["201"], "getFile"],
      ["createWebhook", ["201"], "getWebhook"], ["createApiKey", ["201"], "whoami"], ["createUser", ["201"], "getUser"],
    ] as const) {
      for (const status of statuses) assert.deepEqual(base(schemaOf(create, status)), schemaOf(get, "200"), `${create} ${status} answers the resource as ${get} does`);
    }
    // Nowhere is a resource wrapped in an object of its own ({"campaign": {...}}).
    for (const [where, op] of ops.values()) {
      for (const [status, r] of Object.entries(op.responses)) {
        const props = (r.content?.["application/json"]?.schema as { properties?: Record<string, Json> } | undefined)?.properties;
        const only = props !== undefined && Object.keys(props).length === 1 ? Object.values(props)[0] : undefined;
        assert.ok(!(only !== null && typeof only === "object" && !Array.isArray(only) && "$ref" in only), `${where} ${status} wraps ${JSON.stringify(only)}`);
      }
    }
  });
});

describe("the error registry", () => {
  it("is docs/errors.md, code by code, with the same status", () => {
    const doc = readFileSync(join(repoRoot, "docs", "errors.md"), "utf8");
    const rows = [...doc.matchAll(/^\| `(PROVISIO_ERR_[A-Z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]), description: m[3]! }));
    const registry = Object.entries(ERRORS).map(([name, e]) => ({ code: errorCode(name as ErrorName), status: e.status, description: e.description }));
    assert.deepEqual(rows.map((r) => r.code).sort(), registry.map((r) => r.code).sort(), "the same codes");
    for (const r of registry) {
      const row = rows.find((x) => x.code === r.code)!;
      assert.equal(row.status, r.status, `${r.code}: status`);
      assert.equal(row.description, r.description, `${r.code}: meaning`);
    }
    for (const retired of RETIRED_CODES) {
      assert.ok(!registry.some((r) => r.code === retired), `${retired} is retired and not reused`);
      assert.ok(doc.includes(retired), `${retired} is listed as retired`);
    }
    assert.ok(registry.every((r) => r.code.startsWith(CODE_PREFIX)));
  });

  it("has every code exercised by the API tests", () => {
    const dir = join(repoRoot, "test", "nbi");
    const sources = readdirSync(dir).filter((f) => f.endsWith(".test.ts")).map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
    for (const name of Object.keys(ERRORS)) {
      assert.ok(sources.includes(`"${name}")`), `a test in test/nbi asserts ${errorCode(name as ErrorName)} (isError(res, status, "${name}"))`);
    }
  });
});
