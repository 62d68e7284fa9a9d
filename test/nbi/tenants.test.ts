// Tenants through the real API over HTTP on 127.0.0.1, on both stores: two tenants by tag, devices in
// each, and an admin scoped to one of them: an API key, then a console user logged in with the cookie
// and CSRF token. Whatever route it takes, it never sees, counts, exports or touches a device of the
// other tenant; global configuration is refused to it; and every route of the OpenAPI document has a
// tenancy rule, so that a new route cannot be added without a decision.

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { TENANCY } from "../../src/nbi/tenancy.js";
import { forEachBackend } from "../support/pg.js";
import { SseClient } from "./sse.js";
import { eventually, isError, startApiAcs, type ApiAcs, type ApiResponse } from "./support.js";
import { Receiver } from "./webhook-receiver.js";

const T0 = new Date();
const A = ["00D09E-HGW-A1", "00D09E-HGW-A2"];
const B = ["00D09E-HGW-B1", "00D09E-HGW-B2"];
const MISSING = "00D09E-HGW-Z9";

/** How a client authenticates: an API key, or a console login's cookie with its CSRF token. */
type Credential = { key: string } | { cookie: string; csrfToken: string };

/** A client of the running API over real HTTP. */
class HttpApi {
  constructor(private readonly base: string, private readonly credential: Credential) {}

  /** Logs `username` in as the console does; the client then sends its cookie (and CSRF token on changes). */
  static async login(base: string, username: string, password: string): Promise<HttpApi> {
    const res = await fetch(`${base}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
    assert.equal(res.status, 200, await res.clone().text());
    const cookie = /provisio_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
    assert.ok(cookie !== undefined && cookie !== "", "a session cookie");
    return new HttpApi(base, { cookie, csrfToken: ((await res.json()) as { csrfToken: string }).csrfToken });
  }

  /** The headers that authenticate a request of `method`. */
  auth(method = "GET"): Record<string, string> {
    const c = this.credential;
    if ("key" in c) return { authorization: `Bearer ${c.key}` };
    return { cookie: `provisio_session=${c.cookie}`, ...(method === "GET" ? {} : { "x-csrf-token": c.csrfToken }) };
  }

  /** The event stream with this client's credentials. */
  events(path: string): Promise<SseClient> {
    return SseClient.open(this.base + path, null, this.auth());
  }

  async call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const res = await fetch(this.base + path, {
      method,
      headers: { ...this.auth(method), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const json = (res.headers.get("content-type") ?? "").includes("json") && text !== "" ? (JSON.parse(text) as unknown) : undefined;
    return { status: res.status, headers: Object.fromEntries(res.headers), body: json, text };
  }

  get = (path: string) => this.call("GET", path);
  post = (path: string, body?: unknown) => this.call("POST", path, body);
  patch = (path: string, body?: unknown) => this.call("PATCH", path, body);
  del = (path: string) => this.call("DELETE", path);
}

const ids = (list: { id: string }[]) => list.map((d) => d.id).sort();
const PASSWORD = "a long enough password";
/** Paths only the other tenant's devices report: data of theirs that path completion must not show. */
const B_ONLY = "Device.X_GLOBEX_Private.";
const WHO = [["key", "a scoped API key"], ["user", "a scoped console user"]] as const;

forEachBackend((backend) => {
  for (const [who, label] of WHO) describe(`tenants, for ${label}`, () => {
    let t: ApiAcs;
    let admin: HttpApi;
    let scoped: HttpApi;
    /** The key's id, or the user's username. */
    let scopedId: string;
    const tasksOf: Record<string, string> = {};
    const faultsOf: Record<string, string> = {};

    before(async () => {
      t = await startApiAcs(backend, { settings: { webhooks: { allowTargets: ["127.0.0.1"] }, campaigns: { interval: 3600 } } });
      admin = new HttpApi(t.apiUrl, { key: t.adminKey });
      const { store } = t.acs;
      for (const id of [...A, ...B]) {
        await store.devices.recordInform({ id, manufacturer: "Acme", oui: "00D09E", productClass: "HGW", serialNumber: id.slice(-2), at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
        await store.devices.updateTags(id, [A.includes(id) ? "acme" : "globex"], []);
        await store.parameters.setValues(id, [{ path: "Device.DeviceInfo.SoftwareVersion", value: A.includes(id) ? "1.0" : "2.0", type: "xsd:string" }], T0);
        if (B.includes(id)) await store.parameters.setValues(id, [{ path: `${B_ONLY}Code`, value: "42", type: "xsd:string" }], T0);
        const task = await admin.post(`/api/devices/${id}/tasks`, { name: "reboot" });
        assert.equal(task.status, 201, task.text);
        tasksOf[id] = task.body.id;
        faultsOf[id] = (await store.faults.raise({ deviceId: id, channel: "session", code: "cwmp.9002", message: "Internal error", detail: null, at: T0 })).id;
      }
      for (const [name, tag] of [["acme", "acme"], ["globex", "globex"]]) {
        const res = await admin.post("/api/tenants", { name, filter: `tag = "${tag}"`, description: `${name}'s devices` });
        assert.equal(res.status, 201, res.text);
      }
      if (who === "key") {
        const key = await admin.post("/api/apikeys", { name: "acme admin", role: "admin", tenant: "acme" });
        assert.equal(key.status, 201, key.text);
        assert.equal(key.body.tenant, "acme");
        scopedId = key.body.id;
        scoped = new HttpApi(t.apiUrl, { key: key.body.key });
      } else {
        const user = await admin.post("/api/users", { username: "acme-admin", role: "admin", password: PASSWORD, tenant: "acme" });
        assert.equal(user.status, 201, user.text);
        assert.equal(user.body.tenant, "acme");
        scopedId = user.body.username;
        scoped = await HttpApi.login(t.apiUrl, scopedId, PASSWORD);
      }
    });
    after(() => t.stop());

    it("tenants are managed by unscoped admins: filters checked, names unique, in use refused", async () => {
      isError(await admin.post("/api/tenants", { name: "bad", filter: "tag =" }), 400, "FILTER_INVALID");
      isError(await admin.post("/api/tenants", { name: "acme", filter: "id EXISTS" }), 409, "TENANT_EXISTS");
      isError(await admin.post("/api/tenants", { name: "no spaces", filter: "id EXISTS" }), 400, "VALIDATION");
      isError(await admin.get("/api/tenants/nobody"), 404, "TENANT_NOT_FOUND");
      isError(await admin.post("/api/apikeys", { name: "x", role: "read-only", tenant: "nobody" }), 404, "TENANT_NOT_FOUND");
      assert.deepEqual((await admin.get("/api/tenants")).body.tenants.map((x: { name: string; filter: string }) => [x.name, x.filter]), [["acme", 'tag = "acme"'], ["globex", 'tag = "globex"']]);
      const inUse = await admin.del("/api/tenants/acme");
      isError(inUse, 409, "TENANT_IN_USE");
      assert.deepEqual(inUse.body.error.details, who === "key" ? { apiKeys: 1, users: 0 } : { apiKeys: 0, users: 1 });
      // A tenant no key or user uses goes; a key revoked no longer holds its tenant, nor a user moved out.
      assert.equal((await admin.post("/api/tenants", { name: "spare", filter: "id EXISTS" })).status, 201);
      const spareKey = await admin.post("/api/apikeys", { name: "spare", role: "read-only", tenant: "spare" });
      isError(await admin.del("/api/tenants/spare"), 409, "TENANT_IN_USE");
      assert.equal((await admin.del(`/api/apikeys/${spareKey.body.id}`)).status, 200);
      assert.equal((await admin.post("/api/users", { username: "spare", role: "read-only", password: PASSWORD, tenant: "spare" })).status, 201);
      assert.deepEqual((await admin.del("/api/tenants/spare")).body.error.details, { apiKeys: 0, users: 1 });
      assert.equal((await admin.patch("/api/users/spare", { tenant: null })).body.tenant, null);
      assert.equal((await admin.del("/api/tenants/spare")).status, 204);
      isError(await admin.patch("/api/tenants/spare", { description: "x" }), 404, "TENANT_NOT_FOUND");
      isError(await admin.patch("/api/tenants/acme", { filter: "tag = = 1" }), 400, "FILTER_INVALID");
      // GET /api/session (and whoami, for a key) tells the scoped principal its tenant.
      const session = (await scoped.get("/api/session")).body.principal;
      assert.deepEqual([session.kind, session.id, session.tenant], [who === "key" ? "apiKey" : "user", scopedId, "acme"]);
      if (who === "key") assert.deepEqual([(await scoped.get("/api/whoami")).body.id, (await scoped.get("/api/whoami")).body.tenant], [scopedId, "acme"]);
    });

    it("global configuration is refused to a scoped key, whatever its role; the files catalogue and status stay readable", async () => {
      const refused: [string, string, unknown?][] = [
        ["GET", "/api/apikeys"], ["POST", "/api/apikeys", { name: "mine", role: "admin" }], ["DELETE", "/api/apikeys/000000000000"],
        // Not even to unscope itself, or to make an unscoped user.
        ["GET", "/api/users"], ["PATCH", "/api/users/acme-admin", { tenant: null }], ["POST", "/api/users", { username: "mine", role: "admin", password: PASSWORD }],
        ["POST", "/api/filters", { name: "mine", filter: "id EXISTS" }], ["PUT", "/api/filters/mine", { filter: "id EXISTS" }], ["DELETE", "/api/filters/mine"],
        ["GET", "/api/audit"], ["GET", "/api/config"],
        ["GET", "/api/tenants"], ["POST", "/api/tenants", { name: "x", filter: "id EXISTS" }], ["PATCH", "/api/tenants/acme", { filter: "id EXISTS" }], ["DELETE", "/api/tenants/globex"],
        ["GET", "/api/presets"], ["PUT", "/api/presets/p1", { weight: 0, provisions: [] }], ["GET", "/api/provisions"], ["DELETE", "/api/provisions/x"],
        ["POST", "/api/files?name=fw.bin&fileType=1%20Firmware%20Upgrade%20Image", "bytes"], ["DELETE", `/api/files/${"0".repeat(32)}`],
        ["GET", "/metrics"],
      ];
      for (const [method, path, body] of refused) {
        const res = await scoped.call(method, path, body);
        assert.ok(isError(res, 403, "TENANT_FORBIDDEN"), `${method} ${path}`);
        assert.match(res.body.error.message, /tenant "acme"/);
      }
      assert.equal((await admin.get("/api/tenants/globex")).body.filter, 'tag = "globex"', "nothing was changed");
      assert.equal((await scoped.get("/api/files")).status, 200);
      assert.equal((await scoped.get("/api/status")).status, 200);
      assert.equal((await scoped.get("/api/openapi.json")).status, 200);
      if (who === "user") assert.equal((await t.acs.store.users.get("acme-admin"))?.tenant, "acme", "still scoped");
    });

    it("lists, counts, sorts, pages and exports only the tenant's devices; a filter cannot break out of the tenant's", async () => {
      const all = await scoped.get("/api/devices?count=true");
      assert.deepEqual([ids(all.body.devices), all.body.total], [A, 2]);
      assert.deepEqual((await scoped.get(`/api/devices?count=true&filter=${encodeURIComponent('tag = "globex"')}`)).body.total, 0);
      assert.deepEqual((await scoped.get(`/api/devices?count=true&filter=${encodeURIComponent('tag = "globex" OR productClass = "HGW"')}`)).body.total, 2);
      isError(await scoped.get(`/api/devices?filter=${encodeURIComponent('tag = "x") OR (productClass = "HGW"')}`), 400, "FILTER_INVALID");
      const sorted = await scoped.get("/api/devices?sort=-id&limit=1&offset=1");
      assert.deepEqual(sorted.body.devices.map((d: { id: string }) => d.id), [A[0]]);
      const page = await scoped.get(`/api/devices?limit=1&after=${encodeURIComponent(A[1]!)}`);
      assert.deepEqual([page.body.devices, page.body.next], [[], null]);
      const csv = await scoped.get("/api/devices/export?columns=Device.DeviceInfo.SoftwareVersion");
      assert.equal(csv.status, 200);
      const lines = csv.text.trim().split("\r\n");
      assert.deepEqual(lines.slice(1).map((l) => l.split(",")[0]).sort(), A);
      assert.ok(!B.some((b) => csv.text.includes(b)));
      const other = await scoped.get(`/api/devices/export?filter=${encodeURIComponent('tag = "globex"')}`);
      assert.equal(other.text.trim().split("\r\n").length, 1, "the header only");
      // The unscoped admin sees all four.
      assert.equal((await admin.get("/api/devices?count=true")).body.total, 4);
    });

    it("every route naming a device of the other tenant answers as if it did not exist, and changes nothing", async () => {
      const doc = (await admin.get("/api/openapi.json")).body as { paths: Record<string, Record<string, { operationId: string }>> };
      const bodies: Record<string, unknown> = {
        createTask: { name: "reboot" },
        setConnectionRequestCredentials: { username: "u", password: "p" },
        dryRunProvisioning: {},
        startDiagnostic: { kind: "ipPing", args: { Host: "example.net" } },
      };
      const seen: string[] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        if (!path.startsWith("/api/devices/{id}")) continue;
        for (const [method, op] of Object.entries(ops)) {
          const url = (id: string) => path.replace("{id}", encodeURIComponent(id)).replace("{tag}", "acme").replace("{metric}", "cpu").replace("{uploadId}", "0".repeat(32));
          const res = await scoped.call(method.toUpperCase(), url(B[0]!), bodies[op.operationId]);
          const code = path.includes("{uploadId}") ? "UPLOAD_NOT_FOUND" : "DEVICE_NOT_FOUND";
          assert.ok(isError(res, 404, code), `${method} ${path}`);
          // Word for word what the unscoped admin is told of a device that does not exist.
          const missing = await admin.call(method.toUpperCase(), url(MISSING), bodies[op.operationId]);
          assert.deepEqual(res.body, JSON.parse(missing.text.replaceAll(MISSING, B[0]!)), `${method} ${path}`);
          seen.push(op.operationId);
        }
      }
      assert.ok(seen.length >= 15, `device routes walked: ${seen.join(", ")}`);
      for (const op of ["getDevice", "deleteDevice", "addTag", "removeTag", "wakeDevice", "createTask", "dryRunProvisioning", "listDeviceUploads"]) assert.ok(seen.includes(op), op);
      // B's devices are as they were: not deleted, not tagged, no new task, no credentials.
      const b0 = await t.acs.store.devices.get(B[0]!);
      assert.deepEqual(b0?.tags, ["globex"]);
      assert.equal((await t.acs.store.tasks.list({ deviceId: B[0]! })).length, 1);
      assert.equal(await t.acs.store.connectionRequests.credentials(B[0]!), null);
      // The same routes on the tenant's own device work.
      assert.equal((await scoped.get(`/api/devices/${A[0]}`)).status, 200);
      assert.deepEqual((await scoped.call("PUT", `/api/devices/${A[0]}/tags/mine`)).body.tags.sort(), ["acme", "mine"]);
      assert.equal((await scoped.get(`/api/devices/${A[0]}/uploads`)).status, 200);
    });

    it("tasks and faults: lists hold the tenant's only; the other tenant's by id are not found; bulk tasks reach the tenant's devices only", async () => {
      const listed = (await scoped.get("/api/tasks")).body.tasks.map((x: { deviceId: string }) => x.deviceId);
      assert.ok(listed.length >= 2 && listed.every((d: string) => A.includes(d)), JSON.stringify(listed));
      assert.deepEqual((await scoped.get(`/api/tasks?deviceId=${encodeURIComponent(B[0]!)}`)).body.tasks, []);
      const other = tasksOf[B[0]!]!;
      const none = "9d0c2a4e-0000-4000-8000-000000000000";
      for (const [method, path] of [["GET", "/api/tasks/ID"], ["POST", "/api/tasks/ID/cancel"], ["POST", "/api/tasks/ID/retry"]] as const) {
        const res = await scoped.call(method, path.replace("ID", other));
        assert.ok(isError(res, 404, "TASK_NOT_FOUND"), path);
        const missing = await admin.call(method, path.replace("ID", none));
        assert.deepEqual(res.body, JSON.parse(missing.text.replaceAll(none, other)), path);
      }
      assert.equal((await t.acs.store.tasks.get(tasksOf[B[0]!]!))?.status, "pending", "not cancelled");
      assert.equal((await scoped.get(`/api/tasks/${tasksOf[A[0]!]}`)).status, 200);
      const faults = (await scoped.get("/api/faults")).body.faults.map((f: { deviceId: string }) => f.deviceId).sort();
      assert.deepEqual(faults, A);
      isError(await scoped.del(`/api/faults/${faultsOf[B[1]!]}`), 404, "FAULT_NOT_FOUND");
      assert.notEqual(await t.acs.store.faults.get(faultsOf[B[1]!]!), null, "not cleared");
      const bulk = await scoped.post("/api/tasks", { name: "reboot", filter: 'productClass = "HGW"' });
      assert.equal(bulk.status, 201, bulk.text);
      assert.equal(bulk.body.matched, 2);
      for (const id of bulk.body.taskIds as string[]) assert.ok(A.includes((await t.acs.store.tasks.get(id))!.deviceId));
    });

    it("bulk changes by filter, dry runs included, touch the tenant's devices only", async () => {
      assert.deepEqual((await scoped.post("/api/devices/tags", { all: true, add: ["bulk"], dryRun: true })).body, { matched: 2, dryRun: true });
      assert.deepEqual((await scoped.post("/api/devices/tags", { filter: 'tag = "globex" OR tag = "acme"', add: ["bulk"] })).body, { matched: 2, dryRun: false });
      for (const id of B) assert.deepEqual((await t.acs.store.devices.get(id))?.tags, ["globex"]);
      for (const id of A) assert.ok((await t.acs.store.devices.get(id))?.tags.includes("bulk"));
      assert.deepEqual((await scoped.post("/api/devices/delete", { filter: 'tag = "globex"', dryRun: true })).body, { matched: 0, deleted: 0, dryRun: true });
      const del = await scoped.post("/api/devices/delete", { filter: 'tag = "globex"', expected: 0 });
      assert.deepEqual(del.body, { matched: 0, deleted: 0, dryRun: false });
      assert.equal(await t.acs.store.devices.count(), 4);
    });

    it("the event stream, live and resumed, carries the tenant's devices' events only", async () => {
      const stream = await scoped.events("/api/events?types=task.created");
      after(() => stream.close());
      assert.equal(stream.status, 200);
      // B's events first, then A's: A's arriving means B's were passed over (the stream keeps order).
      for (const id of [...B, A[1]!]) assert.equal((await admin.post(`/api/devices/${id}/tasks`, { name: "reboot" })).status, 201);
      await stream.until(() => stream.events.some((e) => e.json.deviceId === A[1]), "A's event");
      // (Events of the earlier tests' tasks on A's devices may come too, when the feed had not read them yet.)
      const live = stream.events.map((e) => e.json.deviceId as string);
      assert.ok(live.every((d) => A.includes(d)), JSON.stringify(live));
      // Resumed from the start of the outbox: the same rule.
      const resumed = await scoped.events("/api/events?lastEventId=0");
      after(() => resumed.close());
      await resumed.until(() => resumed.events.some((e) => e.json.deviceId === A[1] && e.event === "task.created"), "the replay up to A's event");
      const devices = new Set(resumed.events.map((e) => e.json.deviceId));
      assert.ok([...devices].every((d) => A.includes(d)), JSON.stringify([...devices]));
    });

    it("a webhook created by a scoped key delivers its tenant's devices' events only, and only it sees the webhook", async () => {
      const receiver = await new Receiver().start();
      after(() => receiver.close());
      const hook = await scoped.post("/api/webhooks", { name: "acme hook", url: receiver.url, events: ["task.created"] });
      assert.equal(hook.status, 201, hook.text);
      assert.equal(hook.body.tenant, "acme");
      const adminHook = await admin.post("/api/webhooks", { name: "admin hook", url: receiver.url, events: ["device.deleted"] });
      for (const id of [...B, A[0]!]) assert.equal((await admin.post(`/api/devices/${id}/tasks`, { name: "reboot" })).status, 201);
      await eventually(() => (receiver.received.some((d) => d.json.deviceId === A[0]) ? true : undefined), "A's delivery");
      const queued = await t.acs.store.webhookDeliveries.list(hook.body.id);
      assert.ok(queued.length >= 1 && queued.every((d) => A.includes(d.deviceId!)), JSON.stringify(queued.map((d) => d.deviceId)));
      assert.ok(receiver.received.every((d) => A.includes(d.json.deviceId)));
      assert.deepEqual((await scoped.get("/api/webhooks")).body.webhooks.map((h: { id: string }) => h.id), [hook.body.id]);
      isError(await scoped.get(`/api/webhooks/${adminHook.body.id}`), 404, "WEBHOOK_NOT_FOUND");
      isError(await scoped.del(`/api/webhooks/${adminHook.body.id}`), 404, "WEBHOOK_NOT_FOUND");
      assert.ok(isError(await scoped.post(`/api/webhooks/${adminHook.body.id}/deliveries/any/redeliver`, {}), 404, "WEBHOOK_NOT_FOUND"), "not another's to redeliver");
      assert.equal((await admin.get("/api/webhooks")).body.webhooks.length, 2);
    });

    it("a campaign created by a scoped key covers its tenant's devices only; other campaigns are not its to see", async () => {
      const file = await t.acs.files.create(Readable.from([Buffer.from("firmware")]), { name: "hgw-2.0.bin", fileType: "1 Firmware Upgrade Image", version: "2.0" });
      const mine = await scoped.post("/api/campaigns", { name: "hgw 2.0", filter: 'productClass = "HGW"', fileId: file.id, window: { start: "00:00", end: "00:00" } });
      assert.equal(mine.status, 201, mine.text);
      assert.equal(mine.body.tenant, "acme");
      const theirs = await admin.post("/api/campaigns", { name: "all", filter: 'productClass = "HGW"', fileId: file.id, start: false });
      await t.acs.campaignRunner.pass();
      const devices = (await scoped.get(`/api/campaigns/${mine.body.id}/devices`)).body.devices.map((d: { deviceId: string }) => d.deviceId).sort();
      assert.deepEqual(devices, A);
      assert.deepEqual((await scoped.get("/api/campaigns")).body.campaigns.map((c: { id: string }) => c.id), [mine.body.id]);
      const none = "9d0c2a4e-0000-4000-8000-000000000000";
      for (const [method, path] of [["GET", "/api/campaigns/ID"], ["GET", "/api/campaigns/ID/devices"], ["POST", "/api/campaigns/ID/resume"], ["POST", "/api/campaigns/ID/abort"], ["DELETE", "/api/campaigns/ID"]] as const) {
        const res = await scoped.call(method, path.replace("ID", theirs.body.id));
        assert.ok(isError(res, 404, "CAMPAIGN_NOT_FOUND"), path);
        const missing = await admin.call(method, path.replace("ID", none));
        assert.deepEqual(res.body, JSON.parse(missing.text.replaceAll(none, theirs.body.id)), path);
      }
      assert.equal((await admin.get(`/api/campaigns/${theirs.body.id}`)).body.status, "paused");
      assert.equal((await scoped.post(`/api/campaigns/${mine.body.id}/abort`)).status, 200);
    });

    it("a change of the tenant's filter applies from the next request; a tenant gone leaves its keys nothing", async () => {
      assert.equal((await admin.patch("/api/tenants/acme", { filter: 'tag = "acme" OR tag = "globex"' })).status, 200);
      assert.equal((await scoped.get("/api/devices?count=true")).body.total, 4);
      assert.equal((await admin.patch("/api/tenants/acme", { filter: 'tag = "acme"' })).status, 200);
      assert.equal((await scoped.get("/api/devices?count=true")).body.total, 2);
      // A tenant deleted in a race with a key's creation: the key is refused, never widened to every device.
      assert.equal((await admin.post("/api/tenants", { name: "brief", filter: "id EXISTS" })).status, 201);
      const key = await admin.post("/api/apikeys", { name: "brief", role: "read-only", tenant: "brief" });
      assert.equal((await admin.post("/api/users", { username: "brief", role: "read-only", password: PASSWORD, tenant: "brief" })).status, 201);
      const user = await HttpApi.login(t.apiUrl, "brief", PASSWORD);
      await t.acs.store.tenants.delete("brief");
      isError(await new HttpApi(t.apiUrl, { key: key.body.key }).get("/api/devices"), 403, "TENANT_FORBIDDEN");
      const refused = await user.get("/api/devices");
      isError(refused, 403, "TENANT_FORBIDDEN");
      assert.match(refused.body.error.message, /user brief is scoped to tenant "brief", which no longer exists/);
      // Nor does the user get a login any more.
      const login = await fetch(`${t.apiUrl}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "brief", password: PASSWORD }) });
      assert.equal(login.status, 403);
      assert.equal(login.headers.get("set-cookie"), null);
      assert.equal(((await login.json()) as { error: { code: string } }).error.code, "PROVISIO_ERR_TENANT_FORBIDDEN");
    });

    it("the overview counts the tenant's devices, faults and campaigns only, and no fleet-wide sessions", async () => {
      const file = await t.acs.files.create(Readable.from([Buffer.from("firmware")]), { name: "hgw-3.0.bin", fileType: "1 Firmware Upgrade Image", version: "3.0" });
      const mine = await scoped.post("/api/campaigns", { name: "mine", filter: "id EXISTS", fileId: file.id, start: false });
      const theirs = await admin.post("/api/campaigns", { name: "theirs", filter: "id EXISTS", fileId: file.id, start: false });
      const o = (await scoped.get("/api/overview")).body;
      assert.equal(o.devices.total, 2);
      assert.equal(o.devices.online + o.devices.offline + o.devices.neverSeen, 2);
      assert.deepEqual([o.productClasses, o.softwareVersions], [[{ value: "HGW", devices: 2 }], [{ value: "1.0", devices: 2 }]]);
      assert.deepEqual(o.faultsByCode, [{ code: "cwmp.9002", faults: 2 }]);
      assert.deepEqual(o.campaigns.map((c: { id: string }) => c.id), [mine.body.id]);
      assert.equal(o.sessionsPerMinute, null);
      // The unscoped admin's: every device and campaign.
      const all = (await admin.get("/api/overview")).body;
      assert.equal(all.devices.total, 4);
      assert.deepEqual(all.softwareVersions, [{ value: "1.0", devices: 2 }, { value: "2.0", devices: 2 }]);
      assert.deepEqual(all.faultsByCode, [{ code: "cwmp.9002", faults: 4 }]);
      assert.ok(all.campaigns.some((c: { id: string }) => c.id === theirs.body.id));
      assert.ok(Array.isArray(all.sessionsPerMinute));
    });

    it("path completion lists the paths of the tenant's devices only; saved filters are readable, not writable", async () => {
      const names = async (api: HttpApi, prefix: string) => (await api.get(`/api/parameters/paths?prefix=${encodeURIComponent(prefix)}`)).body.paths.map((p: { path: string }) => p.path);
      assert.deepEqual(await names(scoped, "Device."), ["Device.DeviceInfo."]);
      assert.deepEqual(await names(scoped, B_ONLY), []);
      assert.deepEqual(await names(scoped, "Device.X_"), []);
      assert.deepEqual(await names(admin, "Device."), ["Device.DeviceInfo.", B_ONLY]);
      assert.deepEqual(await names(admin, B_ONLY), [`${B_ONLY}Code`]);
      assert.equal((await admin.post("/api/filters", { name: "hgw", filter: 'productClass = "HGW"' })).status, 201);
      assert.deepEqual((await scoped.get("/api/filters")).body.filters.map((f: { name: string }) => f.name), ["hgw"]);
    });

    it("a fleet diagnostic runs on the tenant's devices only, and only its tenant sees it", async () => {
      const ping = { kind: "ipPing", args: { Host: "example.net" } };
      const mine = await scoped.post("/api/diagnostics", { ...ping, filter: 'productClass = "HGW"' });
      assert.equal(mine.status, 201, mine.text);
      assert.deepEqual([mine.body.matched, mine.body.started], [2, 2]);
      assert.deepEqual((await t.acs.store.diagnostics.list({ fleetId: mine.body.fleetId })).map((r) => r.deviceId).sort(), A);
      const stored = await t.acs.store.diagnostics.getFleet(mine.body.fleetId);
      assert.equal(stored?.tenant, "acme");
      assert.match(stored!.filter, /acme/, "the next batches stay in the tenant");
      const seen = await scoped.get(`/api/diagnostics/fleets/${mine.body.fleetId}`);
      assert.deepEqual([seen.status, seen.body.runs], [200, 2]);
      // A filter naming the other tenant's devices reaches none of them.
      const none = await scoped.post("/api/diagnostics", { kind: "traceRoute", args: { Host: "example.net" }, filter: 'tag = "globex"' });
      assert.deepEqual([none.status, none.body.matched, none.body.started], [201, 0, 0]);
      // Another tenant's (or an unscoped) fleet is not found, word for word as one that does not exist.
      const theirs = await admin.post("/api/diagnostics", { ...ping, filter: 'tag = "globex"' });
      assert.deepEqual([theirs.status, theirs.body.matched], [201, 2]);
      const missing = "9d0c2a4e-0000-4000-8000-000000000000";
      const res = await scoped.get(`/api/diagnostics/fleets/${theirs.body.fleetId}`);
      assert.ok(isError(res, 404, "DIAGNOSTIC_NOT_FOUND"));
      assert.deepEqual(res.body, JSON.parse((await admin.get(`/api/diagnostics/fleets/${missing}`)).text.replaceAll(missing, theirs.body.fleetId)));
      assert.equal((await admin.get(`/api/diagnostics/fleets/${mine.body.fleetId}`)).status, 200);
    });

    if (who === "user") {
      it("a user's tenant is checked to exist, changed by admins, applied from the user's next request, and kept in the audit trail", async () => {
        isError(await admin.post("/api/users", { username: "nobody", role: "read-only", password: PASSWORD, tenant: "nobody" }), 404, "TENANT_NOT_FOUND");
        isError(await admin.get("/api/users/nobody"), 404, "USER_NOT_FOUND");
        isError(await admin.patch(`/api/users/${scopedId}`, { tenant: "nobody" }), 404, "TENANT_NOT_FOUND");
        isError(await admin.patch(`/api/users/${scopedId}`, { tenant: "no spaces" }), 400, "VALIDATION");
        assert.equal((await admin.get(`/api/users/${scopedId}`)).body.tenant, "acme", "unchanged");
        assert.ok((await admin.get("/api/users")).body.users.some((u: { username: string; tenant: string | null }) => u.username === scopedId && u.tenant === "acme"));
        // What the scoped user changes is recorded with its tenant.
        assert.equal((await scoped.call("PUT", `/api/devices/${A[1]}/tags/audited`)).status, 200);
        const entry = (await admin.get(`/api/audit?principal=${scopedId}&action=device.tag&limit=1`)).body.entries[0];
        assert.deepEqual([entry.principal.kind, entry.tenant, entry.target.id], ["user", "acme", A[1]]);
        // Moved to the other tenant, then unscoped: the same login follows at its next request.
        assert.equal((await admin.patch(`/api/users/${scopedId}`, { tenant: "globex" })).body.tenant, "globex");
        assert.deepEqual(ids((await scoped.get("/api/devices")).body.devices), B);
        assert.equal((await admin.patch(`/api/users/${scopedId}`, { tenant: null })).body.tenant, null);
        assert.equal((await scoped.get("/api/devices?count=true")).body.total, 4);
        assert.equal((await scoped.get("/api/users")).status, 200, "global configuration, now that it is unscoped");
        assert.equal((await admin.patch(`/api/users/${scopedId}`, { tenant: "acme" })).body.tenant, "acme");
        isError(await scoped.get("/api/users"), 403, "TENANT_FORBIDDEN");
      });
    }

    it("every route of the OpenAPI document has a tenancy rule of its own", async () => {
      const doc = (await admin.get("/api/openapi.json")).body as { paths: Record<string, Record<string, { operationId: string; "x-provisio-tenancy": string }>> };
      const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
      assert.ok(ops.length > 50);
      for (const op of ops) {
        assert.ok(Object.hasOwn(TENANCY, op.operationId), `${op.operationId} has no tenancy rule: add it to TENANCY in src/nbi/tenancy.ts (scoped, unscoped, global-read)`);
        assert.equal(op["x-provisio-tenancy"], TENANCY[op.operationId]!.rule, op.operationId);
      }
      const stale = Object.keys(TENANCY).filter((id) => !ops.some((op) => op.operationId === id));
      assert.deepEqual(stale, [], "rules of routes that no longer exist");
    });
  });
});
