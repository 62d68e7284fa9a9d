// The audit trail through the API, on every backend: each class of change leaves its entry with who,
// from where, what, and before and after for configuration objects; refusals for want of a role are
// recorded, unknown credentials are not; no secret sent in a body reaches a stored entry; listing,
// filters, paging and CSV; retention by housekeeping; changes made with the CLI.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runCli } from "../cli/support.js";
import { backend as backendNamed, forEachBackend, queryDirect } from "../support/pg.js";
import { isError, startApiAcs, type Api, type ApiAcs } from "./support.js";

const cliMain = new URL("../../src/cli/main.js", import.meta.url).href;
const cli = (args: string[]) =>
  runCli(args, { cwd: process.cwd(), command: [process.execPath, "--input-type=module", "-e", `import(${JSON.stringify(cliMain)}).then((m) => m.main(process.argv))`, "provisio"] });

const T0 = new Date();
const DEVICE = "00D09E-HGW-A1";
// Every secret the test sends: none may be found in the stored entries.
const SECRETS = {
  webhook: "whsec-audit-first-0123456789",
  webhook2: "whsec-audit-second-0123456789",
  crPassword: "cr-password-audit-4711",
  passphrase: "wifi-passphrase-audit-0815",
  taskPassword: "task-param-secret-audit-42",
};

/** The newest entry matching the query. */
async function newest(api: Api, query: string) {
  const res = await api.get(`/api/audit?limit=1&${query}`);
  assert.equal(res.status, 200, res.text);
  const e = res.body.entries[0];
  assert.ok(e !== undefined, `an entry for ${query}`);
  return e;
}

forEachBackend((backend) => {
  describe("audit trail through the API", () => {
    let t: ApiAcs;
    let adminId: string;
    before(async () => {
      t = await startApiAcs(backend, { settings: { webhooks: { allowTargets: ["127.0.0.1"] }, audit: { retentionDays: 30 } } });
      adminId = (await t.api.get("/api/whoami")).body.id;
      await t.acs.store.devices.recordInform({ id: DEVICE, manufacturer: "M", oui: "00D09E", productClass: "HGW", serialNumber: "A1", at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
    });
    after(() => t.stop());

    it("presets: creation, change and deletion, with who, from where, before and after", async () => {
      const doc = { name: "lab", filter: "", provisions: [{ name: "builtin:periodic-inform", args: { interval: 300 } }] };
      assert.equal((await t.api.put("/api/presets/lab", doc)).status, 200);
      let e = await newest(t.api, "targetType=preset&targetId=lab");
      assert.equal(e.action, "preset.put");
      assert.equal(e.operation, "putPreset");
      assert.deepEqual(e.principal, { kind: "apiKey", id: adminId, name: e.principal.name });
      assert.equal(e.address, "127.0.0.1");
      assert.equal(e.outcome, 200);
      assert.equal(e.before, null);
      assert.equal(e.after.version, 1);
      assert.equal(e.after.document.name, "lab");
      assert.ok(Date.now() - Date.parse(e.at) < 60_000);

      assert.equal((await t.api.put("/api/presets/lab", { ...doc, weight: 5 })).status, 200);
      e = await newest(t.api, "targetType=preset&targetId=lab");
      assert.deepEqual([e.before.version, e.before.document.weight ?? 0, e.after.version, e.after.document.weight], [1, 0, 2, 5]);

      assert.equal((await t.api.del("/api/presets/lab")).status, 204);
      e = await newest(t.api, "targetType=preset&targetId=lab");
      assert.deepEqual([e.action, e.before.version, e.after], ["preset.delete", 2, null]);
    });

    it("provisions: the values of secret parameters are masked in before and after", async () => {
      const doc = { name: "wifi", kind: "declarative", declarations: [{ path: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", value: SECRETS.passphrase }, { path: "Device.WiFi.SSID.1.SSID", value: "home" }] };
      assert.equal((await t.api.put("/api/provisions/wifi", doc)).status, 200);
      const e = await newest(t.api, "targetType=provision&targetId=wifi");
      assert.equal(e.action, "provision.put");
      assert.deepEqual(e.after.document.declarations.map((d: { value: unknown }) => d.value), ["***", "home"]);
    });

    it("webhooks: created, changed (the secret too) and deleted, never with their secret", async () => {
      const created = await t.api.post("/api/webhooks", { name: "ops", url: "http://127.0.0.1:9/hook", secret: SECRETS.webhook });
      assert.equal(created.status, 201, created.text);
      const id = created.body.id;
      let e = await newest(t.api, `targetType=webhook&targetId=${id}`);
      assert.deepEqual([e.action, e.before, e.after.name, e.after.url], ["webhook.create", null, "ops", "http://127.0.0.1:9/hook"]);
      assert.equal("secret" in e.after, false);

      assert.equal((await t.api.patch(`/api/webhooks/${id}`, { name: "ops2", secret: SECRETS.webhook2 })).status, 200);
      e = await newest(t.api, `targetType=webhook&targetId=${id}`);
      assert.deepEqual([e.action, e.before.name, e.after.name], ["webhook.update", "ops", "ops2"]);
      assert.match(e.summary, /name, secret/);

      assert.equal((await t.api.del(`/api/webhooks/${id}`)).status, 204);
      e = await newest(t.api, `targetType=webhook&targetId=${id}`);
      assert.deepEqual([e.action, e.before.name, e.after], ["webhook.delete", "ops2", null]);
    });

    it("API keys: creation and revocation, never the key", async () => {
      const created = await t.api.post("/api/apikeys", { name: "robot", role: "operator" });
      assert.equal(created.status, 201);
      let e = await newest(t.api, `targetType=apiKey&targetId=${created.body.id}`);
      assert.deepEqual([e.action, e.after.name, e.after.role, e.after.revokedAt], ["apiKey.create", "robot", "operator", null]);
      assert.equal(JSON.stringify(e).includes(created.body.key), false);
      assert.equal((await t.api.del(`/api/apikeys/${created.body.id}`)).status, 200);
      e = await newest(t.api, `targetType=apiKey&targetId=${created.body.id}`);
      assert.equal(e.action, "apiKey.revoke");
      assert.deepEqual([e.before.revokedAt, typeof e.after.revokedAt], [null, "string"]);
      const rows = await queryDirect(t.dbUrl, "SELECT * FROM audit_log");
      assert.equal(JSON.stringify(rows).includes(created.body.key), false, "the key is in no stored entry");
    });

    it("connection-request credentials: set and deleted, the username kept, the password never", async () => {
      assert.equal((await t.api.put(`/api/devices/${DEVICE}/connection-request/credentials`, { username: "cr-user", password: SECRETS.crPassword })).status, 204);
      let e = await newest(t.api, "action=connectionRequestCredentials.set");
      assert.deepEqual([e.target, e.before, e.after.username], [{ type: "device", id: DEVICE }, null, "cr-user"]);
      assert.equal(JSON.stringify(e.after).includes("password"), false);
      assert.equal((await t.api.del(`/api/devices/${DEVICE}/connection-request/credentials`)).status, 204);
      e = await newest(t.api, "action=connectionRequestCredentials.delete");
      assert.deepEqual([e.before.username, e.after], ["cr-user", null]);
    });

    it("tasks, single and bulk, cancelled and retried: what was asked, with secret values masked", async () => {
      const args = { parameterValues: [{ name: "Device.Users.User.1.Password", value: SECRETS.taskPassword, type: "xsd:string" }] };
      const task = await t.api.post(`/api/devices/${DEVICE}/tasks`, { name: "setParameterValues", args });
      assert.equal(task.status, 201, task.text);
      let e = await newest(t.api, `targetType=task&targetId=${task.body.id}`);
      assert.deepEqual([e.action, e.after.deviceId, e.after.name], ["task.create", DEVICE, "setParameterValues"]);
      assert.equal(e.after.args.parameterValues[0].value, "***");
      assert.equal((await t.api.post(`/api/tasks/${task.body.id}/cancel`)).status, 200);
      assert.equal((await newest(t.api, `targetId=${task.body.id}`)).action, "task.cancel");
      assert.equal((await t.api.post(`/api/tasks/${task.body.id}/retry`)).status, 200);
      assert.equal((await newest(t.api, `targetId=${task.body.id}`)).action, "task.retry");

      const bulk = await t.api.post("/api/tasks", { name: "setParameterValues", args, filter: "productClass = \"HGW\"" });
      assert.equal(bulk.status, 201, bulk.text);
      e = await newest(t.api, "action=task.createMany");
      assert.deepEqual([e.target.id, e.after.filter, e.after.result.created, e.after.args.parameterValues[0].value], [null, "productClass = \"HGW\"", 1, "***"]);
    });

    it("devices: tags one by one and in bulk, deletion with the device as it was", async () => {
      assert.equal((await t.api.put(`/api/devices/${DEVICE}/tags/lab`)).status, 200);
      let e = await newest(t.api, `targetType=device&targetId=${DEVICE}`);
      assert.deepEqual([e.action, e.summary], ["device.tag", `tagged device ${DEVICE}: lab`]);
      assert.equal((await t.api.post("/api/devices/tags", { filter: "tag = \"lab\"", add: ["x"] })).status, 200);
      e = await newest(t.api, "action=device.tagMany");
      assert.deepEqual([e.after.filter, e.after.add, e.after.result.matched], ["tag = \"lab\"", ["x"], 1]);
      const other = "00D09E-HGW-B2";
      await t.acs.store.devices.recordInform({ id: other, manufacturer: "M", oui: "00D09E", productClass: "HGW", serialNumber: "B2", at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
      assert.equal((await t.api.del(`/api/devices/${other}`)).status, 204);
      e = await newest(t.api, `targetType=device&targetId=${other}`);
      assert.deepEqual([e.action, e.before.id, e.after], ["device.delete", other, null]);
    });

    it("files and campaigns: upload, campaign steps, deletions, without the file's content", async () => {
      const content = "firmware-bytes-audit-never-stored";
      const up = await t.api.call("POST", "/api/files?name=fw.bin&fileType=1%20Firmware%20Upgrade%20Image&version=2.0", content, { "content-type": "application/octet-stream" });
      assert.equal(up.status, 201, up.text);
      let e = await newest(t.api, `targetType=file&targetId=${up.body.id}`);
      assert.deepEqual([e.action, e.after.name, e.after.size], ["file.upload", "fw.bin", content.length]);

      const c = await t.api.post("/api/campaigns", { name: "fw", filter: "productClass = \"HGW\"", fileId: up.body.id, start: false });
      assert.equal(c.status, 201, c.text);
      e = await newest(t.api, `targetType=campaign&targetId=${c.body.id}`);
      assert.deepEqual([e.action, e.after.status], ["campaign.create", "paused"]);
      assert.equal((await t.api.patch(`/api/campaigns/${c.body.id}`, { batchSize: 5 })).status, 200);
      e = await newest(t.api, `targetType=campaign&targetId=${c.body.id}`);
      assert.deepEqual([e.action, e.before.batchSize, e.after.batchSize], ["campaign.update", 100, 5]);
      assert.equal((await t.api.post(`/api/campaigns/${c.body.id}/abort`)).status, 200);
      e = await newest(t.api, `targetType=campaign&targetId=${c.body.id}`);
      assert.deepEqual([e.action, e.before.status, e.after.status], ["campaign.abort", "paused", "aborted"]);
      assert.equal((await t.api.del(`/api/campaigns/${c.body.id}`)).status, 204);
      assert.equal((await newest(t.api, `targetType=campaign&targetId=${c.body.id}`)).action, "campaign.delete");

      assert.equal((await t.api.del(`/api/files/${up.body.id}`)).status, 204);
      e = await newest(t.api, `targetType=file&targetId=${up.body.id}`);
      assert.deepEqual([e.action, e.before.name, e.after], ["file.delete", "fw.bin", null]);
      const rows = await queryDirect(t.dbUrl, "SELECT * FROM audit_log");
      assert.equal(JSON.stringify(rows).includes(content), false);
    });

    it("a refusal for want of a role is recorded with who tried; a failed change with its error; no credential, nothing", async () => {
      const readOnly = t.api.with(await t.keyFor("read-only"));
      const readOnlyId = (await readOnly.get("/api/whoami")).body.id;
      isError(await readOnly.put("/api/presets/sneaky", { name: "sneaky" }), 403, "FORBIDDEN");
      let e = await newest(t.api, `principal=${readOnlyId}`);
      assert.deepEqual([e.action, e.target, e.outcome, e.before, e.after], ["preset.put", { type: "preset", id: "sneaky" }, 403, null, null]);
      assert.match(e.summary, /^refused \(403 FORBIDDEN\)/);

      isError(await t.api.del("/api/webhooks/nope"), 404, "WEBHOOK_NOT_FOUND");
      e = await newest(t.api, "action=webhook.delete&targetId=nope");
      assert.deepEqual([e.outcome, e.before, e.after], [404, null, null]);

      const count = (await t.api.get("/api/audit?limit=1000")).body.entries.length;
      isError(await t.api.with(null).put("/api/presets/anon", { name: "anon" }), 401, "AUTH_REQUIRED");
      isError(await t.api.with("pvk_not-a-key").put("/api/presets/anon", { name: "anon" }), 401, "AUTH_INVALID");
      // Reads leave nothing either.
      await t.api.get("/api/presets");
      assert.equal((await t.api.get("/api/audit?limit=1000")).body.entries.length, count);
    });

    it("no secret sent in any body is found in any stored entry", async () => {
      const rows = JSON.stringify(await queryDirect(t.dbUrl, "SELECT * FROM audit_log"));
      for (const [what, secret] of Object.entries(SECRETS)) assert.equal(rows.includes(secret), false, `${what} is stored`);
      assert.equal(rows.includes("sealed:"), false, "nor sealed forms");
    });

    it("lists newest first with filters and paging, as JSON and CSV; admins only", async () => {
      const all = (await t.api.get("/api/audit?limit=1000")).body.entries as { id: number; action: string; at: string }[];
      assert.ok(all.length > 20);
      assert.deepEqual(all.map((e) => e.id), [...all.map((e) => e.id)].sort((a, b) => b - a));
      const seen: number[] = [];
      for (let before: number | null = null; ;) {
        const page: { body: { entries: { id: number }[]; next: number | null } } = await t.api.get(`/api/audit?limit=7${before === null ? "" : `&before=${before}`}`);
        seen.push(...page.body.entries.map((e) => e.id));
        if (page.body.next === null) break;
        before = page.body.next;
      }
      assert.deepEqual(seen, all.map((e) => e.id));
      const puts = (await t.api.get("/api/audit?action=preset.put&limit=1000")).body.entries;
      assert.deepEqual(puts.map((e: { id: number }) => e.id), all.filter((e) => e.action === "preset.put").map((e) => e.id));
      const mid = all[Math.floor(all.length / 2)]!;
      const since = (await t.api.get(`/api/audit?limit=1000&since=${encodeURIComponent(mid.at)}`)).body.entries;
      assert.ok(since.every((e: { at: string }) => e.at >= mid.at) && since.some((e: { id: number }) => e.id === mid.id));
      const future = new Date(Date.now() + 3_600_000).toISOString();
      assert.equal((await t.api.get(`/api/audit?until=${encodeURIComponent(T0.toISOString())}`)).body.entries.length, 0);
      assert.equal((await t.api.get(`/api/audit?limit=1000&until=${encodeURIComponent(future)}`)).body.entries.length, all.length);

      const csv = await t.api.get("/api/audit?limit=3&action=preset.put", { accept: "text/csv" });
      assert.equal(csv.status, 200);
      assert.match(String(csv.headers["content-type"]), /^text\/csv/);
      const lines = csv.text.trimEnd().split("\r\n");
      assert.equal(lines[0], "id,at,principalKind,principalId,principalName,tenant,address,operation,action,targetType,targetId,outcome,summary,before,after");
      assert.equal(lines.length, 1 + puts.slice(0, 3).length);
      assert.ok(lines[1]!.startsWith(`${puts[0].id},`));

      const listAudit = (await t.api.get("/api/openapi.json")).body.paths["/api/audit"].get;
      assert.deepEqual(Object.keys(listAudit.responses["200"].content), ["application/json", "text/csv"]);
      isError(await t.api.with(await t.keyFor("operator")).get("/api/audit"), 403, "FORBIDDEN");
      isError(await t.api.get("/api/audit?since=yesterday"), 400, "VALIDATION");
    });

    it("housekeeping deletes entries older than audit.retentionDays", async () => {
      const recent = await newest(t.api, "action=preset.put");
      const old = await t.acs.store.audit.record({
        at: new Date(Date.now() - 31 * 86_400_000), principal: { kind: "apiKey", id: "k", name: "k" }, tenant: null, address: null,
        operation: "putPreset", action: "preset.put", targetType: "preset", targetId: "ancient", outcome: 200, summary: "old", before: null, after: null,
      });
      await t.acs.housekeep();
      assert.equal((await t.api.get("/api/audit?targetId=ancient")).body.entries.length, 0, `entry ${old.id} pruned`);
      assert.equal((await newest(t.api, "action=preset.put")).id, recent.id);
    });

    it("the CLI's changes are recorded as principal cli, with the OS user", async () => {
      const common = ["--db", t.dbUrl, "--data-dir", t.dataDir];
      const created = await cli(["apikey", "create", "--name", "from-cli", "--role", "read-only", "--json", ...common]);
      assert.equal(created.code, 0, created.stderr);
      const { id, key } = JSON.parse(created.stdout);
      let e = await newest(t.api, `targetType=apiKey&targetId=${id}`);
      assert.equal(e.principal.kind, "cli");
      assert.ok(e.principal.id !== "" && e.principal.id === e.principal.name);
      assert.deepEqual([e.operation, e.action, e.address, e.after.name], ["cli:apikey create", "apiKey.create", null, "from-cli"]);
      assert.equal(JSON.stringify(e).includes(key), false);
      assert.equal((await cli(["apikey", "revoke", id, ...common])).code, 0);
      e = await newest(t.api, `targetType=apiKey&targetId=${id}`);
      assert.deepEqual([e.operation, e.before.revokedAt, typeof e.after.revokedAt], ["cli:apikey revoke", null, "string"]);
    });
  });
});

describe("audit trail: the client's address", () => {
  const sqlite = (settings: Record<string, unknown>) => startApiAcs(backendNamed("sqlite"), { settings });
  const put = (t: ApiAcs, forwarded: string) =>
    fetch(`${t.apiUrl}/api/presets/addr`, { method: "PUT", headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json", "x-forwarded-for": forwarded }, body: JSON.stringify({ name: "addr", provisions: [{ name: "builtin:periodic-inform" }] }) });

  it("is the peer's, whatever X-Forwarded-For says, unless the peer is a trusted proxy", async () => {
    const plain = await sqlite({});
    try {
      assert.equal((await put(plain, "203.0.113.9")).status, 200);
      assert.equal((await newest(plain.api, "targetId=addr")).address, "127.0.0.1");
    } finally {
      await plain.stop();
    }
    const proxied = await sqlite({ nbi: { trustedProxies: ["127.0.0.1"] } });
    try {
      assert.equal((await put(proxied, "203.0.113.9")).status, 200);
      assert.equal((await newest(proxied.api, "targetId=addr")).address, "203.0.113.9");
    } finally {
      await proxied.stop();
    }
  });
});

forEachBackend((backend) => {
  describe("audit trail: an entry that cannot be written", () => {
    it("leaves the change made and answered, and the entry in the log at error level", async () => {
      const lines: { level: string; obj: Record<string, unknown>; msg: string | undefined }[] = [];
      const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
      const t = await startApiAcs(backend, { settings: { webhooks: { allowTargets: ["127.0.0.1"] } }, log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } });
      try {
        await queryDirect(t.dbUrl, "ALTER TABLE audit_log RENAME TO audit_log_away");
        const res = await t.api.post("/api/webhooks", { name: "lost", url: "http://127.0.0.1:9/hook", secret: SECRETS.webhook });
        assert.equal(res.status, 201, res.text);
        assert.equal((await t.api.get(`/api/webhooks/${res.body.id}`)).status, 200, "the change is kept");
        const logged = lines.find((l) => l.level === "error" && /AUDIT ENTRY NOT WRITTEN/.test(l.msg ?? ""));
        assert.ok(logged !== undefined, "logged loudly");
        const entry = logged.obj.audit as Record<string, unknown>;
        assert.deepEqual([entry.action, entry.targetId, entry.outcome], ["webhook.create", res.body.id, 201]);
        assert.equal(JSON.stringify(logged.obj).includes(SECRETS.webhook), false);
      } finally {
        await t.stop();
      }
    });
  });
});
