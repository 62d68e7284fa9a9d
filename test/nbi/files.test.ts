// Files through the REST API and the file server, on every backend: uploads streamed and checked,
// listed, fetched (Range, ETag) and deleted by the roles allowed to; device URLs honoured for their
// device only, until they expire; Digest on top when configured; device uploads kept per device;
// download and upload tasks filled in by the ACS.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CHUNK_SIZE, FileLinks } from "../../src/files/index.js";
import type { TaskRecord } from "../../src/store/types.js";
import { openTaskArgs } from "../../src/server/task-secrets.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";
import { http, httpHash, patternBytes, patternSha256, patternStream, sha256, withDigest } from "../files/http.js";
import { eventually, isError, startApiAcs, type ApiAcs, type ApiResponse } from "./support.js";

const FW = "1 Firmware Upgrade Image";

async function upload(t: ApiAcs, body: Buffer, query: Record<string, string>, key: string | null = t.adminKey): Promise<ApiResponse> {
  const res = await t.acs.nbi!.app.inject({
    method: "POST",
    url: `/api/files?${new URLSearchParams(query).toString()}`,
    headers: { "content-type": "application/octet-stream", ...(key !== null ? { authorization: `Bearer ${key}` } : {}) },
    payload: body,
  });
  return { status: res.statusCode, headers: res.headers, body: res.body === "" ? undefined : JSON.parse(res.body), text: res.body };
}

async function device(t: ApiAcs, serial = `F${randomBytes(3).toString("hex").toUpperCase()}`): Promise<TestCpe> {
  const c = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { serialNumber: serial, productClass: "GW" } });
  await c.inform(["0 BOOTSTRAP"]);
  await c.send(null);
  return c;
}

async function downloadTask(t: ApiAcs, deviceId: string, args: Record<string, unknown>): Promise<TaskRecord> {
  const res = await t.api.post(`/api/devices/${encodeURIComponent(deviceId)}/tasks`, { name: "download", args });
  assert.equal(res.status, 201, res.text);
  return (await t.acs.tasks.get(res.body.id as string))!;
}

forEachBackend((backend) => {
  describe("files through the API and the file server", () => {
    let t: ApiAcs;
    let readOnly: string;
    let operator: string;
    before(async () => {
      t = await startApiAcs(backend, { settings: { files: { maxUploadSize: 4096 } } });
      readOnly = await t.keyFor("read-only");
      operator = await t.keyFor("operator");
    });
    after(() => t.stop());

    it("admins upload files, streamed and hashed; read-only keys list and fetch them; other roles may not change them", async () => {
      const bytes = randomBytes(300_000);
      const created = await upload(t, bytes, { name: "gw-2.4.1.bin", fileType: FW, version: "2.4.1", productClass: "GW", oui: "a1b2c3", sha256: sha256(bytes) });
      assert.equal(created.status, 201, created.text);
      const file = created.body;
      assert.deepEqual([file.size, file.sha256, file.version, file.oui, file.contentType], [bytes.length, sha256(bytes), "2.4.1", "A1B2C3", "application/octet-stream"]);
      assert.equal(file.storage, backend.name === "postgres" ? "database" : "disk");
      assert.equal(created.headers.location, `/api/files/${file.id}`);
      const ro = t.api.with(readOnly);
      const list = await ro.get("/api/files?productClass=GW");
      assert.equal(list.status, 200);
      assert.ok(list.body.files.some((f: { id: string }) => f.id === file.id));
      assert.equal((await ro.get(`/api/files/${file.id}`)).body.sha256, sha256(bytes));
      const got = await t.acs.nbi!.app.inject({ method: "GET", url: `/api/files/${file.id}/content`, headers: { authorization: `Bearer ${readOnly}` } });
      assert.equal(got.statusCode, 200);
      assert.ok(got.rawPayload.equals(bytes));
      assert.equal(got.headers.etag, `"${sha256(bytes)}"`);
      assert.match(String(got.headers["content-disposition"]), /filename="gw-2.4.1.bin"/);
      const part = await t.acs.nbi!.app.inject({ method: "GET", url: `/api/files/${file.id}/content`, headers: { authorization: `Bearer ${readOnly}`, range: "bytes=262140-262149" } });
      assert.equal(part.statusCode, 206);
      assert.ok(part.rawPayload.equals(bytes.subarray(262140, 262150)));
      assert.equal(part.headers["content-range"], `bytes 262140-262149/${bytes.length}`);
      const same = await t.acs.nbi!.app.inject({ method: "GET", url: `/api/files/${file.id}/content`, headers: { authorization: `Bearer ${readOnly}`, "if-none-match": `"${sha256(bytes)}"` } });
      assert.equal(same.statusCode, 304);
      isError(await upload(t, bytes, { name: "x.bin", fileType: FW }, operator), 403, "FORBIDDEN");
      isError(await t.api.with(operator).del(`/api/files/${file.id}`), 403, "FORBIDDEN");
      isError(await ro.get("/api/files/ffffffffffffffffffffffffffffffff"), 404, "FILE_NOT_FOUND");
    });

    it("takes the file part of a multipart/form-data upload (curl -F file=@fw.bin), streamed over HTTP, and refuses other forms", async () => {
      const bytes = randomBytes(4 * 1024 * 1024);
      const post = (form: FormData, query: Record<string, string>) => fetch(`${t.apiUrl}/api/files?${new URLSearchParams(query).toString()}`, {
        method: "POST", body: form, headers: { authorization: `Bearer ${t.adminKey}` },
      });
      const form = new FormData();
      form.append("file", new Blob([bytes]), "gw-4.0.bin");
      const res = await post(form, { name: "gw-4.0.bin", fileType: FW, sha256: sha256(bytes) });
      const created = await res.json() as { id: string; size: number; sha256: string };
      assert.equal(res.status, 201, JSON.stringify(created));
      assert.deepEqual([created.size, created.sha256], [4194304, sha256(bytes)]);
      const got = await t.acs.nbi!.app.inject({ method: "GET", url: `/api/files/${created.id}/content`, headers: { authorization: `Bearer ${t.adminKey}` } });
      assert.ok(got.rawPayload.equals(bytes), "the content is the file, without the MIME envelope");

      const before = await t.acs.store.files.count();
      const withField = new FormData();
      withField.append("fileType", FW);
      withField.append("file", new Blob([bytes.subarray(0, 1000)]), "x.bin");
      const refused = await post(withField, { name: "x.bin", fileType: FW });
      const body = await refused.json() as { error: { code: string; message: string } };
      assert.deepEqual([refused.status, body.error.code], [400, "PROVISIO_ERR_VALIDATION"]);
      assert.match(body.error.message, /the multipart part "fileType" is not read: send the file as the part "file" and its metadata in the query string/);
      const mixed = await t.acs.nbi!.app.inject({
        method: "POST", url: `/api/files?name=m.bin&fileType=${encodeURIComponent(FW)}`, payload: "--b\r\n\r\nx\r\n--b--",
        headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "multipart/mixed; boundary=b" },
      });
      isError({ status: mixed.statusCode, headers: mixed.headers, body: JSON.parse(mixed.body), text: mixed.body }, 400, "VALIDATION");
      assert.equal(await t.acs.store.files.count(), before);
      assert.deepEqual(await t.acs.store.files.orphanContents(new Date(Date.now() + 86_400_000), 10), []);
      if (backend.name === "sqlite") assert.deepEqual(readdirSync(join(t.dataDir, "files", "tmp")), []);
    });

    it("refuses a wrong checksum, bad metadata or an oversized upload, keeping nothing", async () => {
      const before = await t.acs.store.files.count();
      const bytes = randomBytes(1000);
      const bad = await upload(t, bytes, { name: "c.cfg", fileType: "3 Vendor Configuration File", sha256: "0".repeat(64) });
      isError(bad, 400, "FILE_CHECKSUM_MISMATCH");
      assert.equal(bad.body.error.details.sha256, sha256(bytes));
      const meta = await upload(t, bytes, { name: "c.cfg", fileType: "7 Something" });
      isError(meta, 400, "VALIDATION");
      assert.equal(meta.body.error.details[0].field, "fileType");
      isError(await upload(t, bytes, { name: "c.cfg", fileType: "2 Web Content", oui: "XYZ" }), 400, "VALIDATION");
      assert.equal(await t.acs.store.files.count(), before);
      // Nothing half-written is left behind: no orphaned content, no temporary file.
      assert.deepEqual(await t.acs.store.files.orphanContents(new Date(Date.now() + 86_400_000), 10), []);
      if (backend.name === "sqlite") assert.deepEqual(readdirSync(join(t.dataDir, "files", "tmp")), []);
    });

    it("fills download tasks from the file: URL for the device, FileType, FileSize and the version to check", async () => {
      const bytes = randomBytes(5000);
      const file = (await upload(t, bytes, { name: "gw-3.0.0.bin", fileType: FW, version: "3.0.0" })).body;
      const c = await device(t);
      const task = await downloadTask(t, c.deviceId, { fileId: file.id });
      const args = task.args as Record<string, unknown>;
      assert.deepEqual([args.fileType, args.fileSize, args.expectedVersion], [FW, 5000, "3.0.0"]);
      const url = new URL(args.url as string);
      assert.equal(url.origin, new URL(t.acs.fileServerUrl!).origin);
      assert.equal(url.pathname, `/files/${file.id}/gw-3.0.0.bin`);
      assert.equal(url.searchParams.get("d"), c.deviceId);
      // The Download the device gets carries a URL made as it is sent, which the file server honours.
      await c.inform(["6 CONNECTION REQUEST"]);
      const rpc = rpcIn(await c.send(null));
      assert.equal(rpc.method, "Download");
      const sent = rpc as Extract<typeof rpc, { method: "Download" }>;
      assert.deepEqual([sent.fileType, sent.fileSize, sent.commandKey], [FW, 5000, task.id.replace(/-/g, "")]);
      const fetched = await http("GET", sent.url);
      assert.equal(fetched.status, 200);
      assert.ok(fetched.body.equals(bytes));
      c.close();
      const errs = await t.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, { name: "download", args: { fileId: "e".repeat(32) } });
      isError(errs, 404, "FILE_NOT_FOUND");
      isError(await t.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, { name: "download", args: { fileType: FW } }), 400, "VALIDATION");
      isError(await t.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, { name: "download", args: { fileId: file.id, fileType: "2 Web Content" } }), 400, "VALIDATION");
      const own = await downloadTask(t, c.deviceId, { url: "http://cdn.example.net/x.bin", fileType: "2 Web Content" });
      assert.deepEqual((own.args as Record<string, unknown>).url, "http://cdn.example.net/x.bin");
    });

    it("the file server honours a device's URL only: altered, expired, another device's or another file's are refused", async () => {
      const bytes = randomBytes(CHUNK_SIZE + 1000);
      const file = (await upload(t, bytes, { name: "web.tar", fileType: "2 Web Content" })).body;
      const other = (await upload(t, randomBytes(10), { name: "other.tar", fileType: "2 Web Content" })).body;
      const c = await device(t);
      const url = new URL(((await downloadTask(t, c.deviceId, { fileId: file.id })).args as { url: string }).url);
      c.close();
      const ok = await http("GET", url.toString());
      assert.equal(ok.status, 200);
      assert.ok(ok.body.equals(bytes));
      assert.equal(ok.headers["content-type"], "application/x-tar");
      assert.equal(ok.headers["content-length"], String(bytes.length));
      const head = await http("HEAD", url.toString());
      assert.deepEqual([head.status, head.body.length, head.headers["content-length"], head.headers.etag], [200, 0, String(bytes.length), `"${file.sha256}"`]);
      // Range across the chunk boundary, ETag, If-Range.
      const range = await http("GET", url.toString(), { Range: `bytes=${CHUNK_SIZE - 5}-${CHUNK_SIZE + 5}` });
      assert.equal(range.status, 206);
      assert.ok(range.body.equals(bytes.subarray(CHUNK_SIZE - 5, CHUNK_SIZE + 6)));
      assert.equal((await http("GET", url.toString(), { Range: "bytes=-10" })).body.equals(bytes.subarray(bytes.length - 10)), true);
      const past = await http("GET", url.toString(), { Range: `bytes=${bytes.length}-` });
      assert.deepEqual([past.status, past.headers["content-range"]], [416, `bytes */${bytes.length}`]);
      assert.equal((await http("GET", url.toString(), { "If-None-Match": `"${file.sha256}"` })).status, 304);
      assert.equal((await http("GET", url.toString(), { Range: "bytes=0-9", "If-Range": '"stale"' })).status, 200);
      // Refusals.
      const tamper = (f: (u: URL) => void) => {
        const u = new URL(url.toString());
        f(u);
        return u.toString();
      };
      const refused = async (u: string, reason: RegExp) => {
        const res = await http("GET", u);
        assert.equal(res.status, 403, `${u}: ${res.status}`);
        assert.match(res.body.toString(), reason);
      };
      await refused(tamper((u) => u.searchParams.set("d", "A1B2C3-GW-SOMEONEELSE")), /not valid/);
      await refused(tamper((u) => u.searchParams.set("t", "A".repeat(22))), /not valid/);
      await refused(tamper((u) => u.searchParams.delete("t")), /no valid token/);
      await refused(tamper((u) => (u.pathname = `/files/${other.id}/web.tar`)), /not valid/);
      await refused(tamper((u) => u.searchParams.set("e", String(Number(u.searchParams.get("e")) + 1))), /not valid/);
      // Any process holding the shared secret makes URLs this server accepts, and an expired one is refused.
      const secret = String(await t.acs.store.settings.get("files.tokenSecret"));
      const links = new FileLinks({ baseUrl: t.acs.fileServerUrl!, secret, digest: false });
      const now = Math.floor(Date.now() / 1000);
      assert.equal((await http("GET", links.downloadUrl(file, c.deviceId, now + 60)!)).status, 200);
      await refused(links.downloadUrl(file, c.deviceId, now - 1)!, /expired/);
      assert.equal((await http("POST", url.toString())).status, 405);
      assert.equal((await http("GET", `${t.acs.fileServerUrl!}nothing`)).status, 404);
      // A deleted file is gone from the server too.
      assert.equal((await t.api.del(`/api/files/${file.id}`)).status, 204);
      assert.equal((await http("GET", url.toString())).status, 404);
      isError(await t.api.del(`/api/files/${file.id}`), 404, "FILE_NOT_FOUND");
    });

    it("streams a large file in and out without holding it: stored while it still arrives, served whole and by range", async () => {
      const size = 24 * 1024 * 1024 + 12345;
      let resume!: () => void;
      const resumed = new Promise<void>((r) => (resume = r));
      const half = 8 * 1024 * 1024;
      const uploading = http("POST", `${t.apiUrl}/api/files?name=big.img&fileType=${encodeURIComponent(FW)}&version=9.9`, {
        Authorization: `Bearer ${t.adminKey}`, "Content-Type": "application/octet-stream", "Content-Length": String(size),
      }, patternStream(size, half, resumed));
      // With half of it sent and the sender waiting, the first part is already in storage.
      await eventually(async () => {
        if (backend.name === "postgres") {
          const rows = await queryDirect(t.dbUrl, "SELECT COUNT(*) AS n FROM file_chunks");
          return Number(rows[0]!.n) >= half / CHUNK_SIZE - 1 ? true : undefined;
        }
        const parts = (() => {
          try {
            return readdirSync(join(t.dataDir, "files", "tmp"));
          } catch {
            return [];
          }
        })();
        return parts.length > 0 ? true : undefined;
      }, "the first half stored before the rest is sent", 20_000);
      resume();
      const res = await uploading;
      assert.equal(res.status, 201, res.body.toString());
      const file = JSON.parse(res.body.toString());
      assert.deepEqual([file.size, file.sha256], [size, patternSha256(size)]);
      const c = await device(t);
      const url = ((await downloadTask(t, c.deviceId, { fileId: file.id })).args as { url: string }).url;
      c.close();
      const whole = await httpHash(url);
      assert.deepEqual([whole.status, whole.size, whole.sha256], [200, size, file.sha256]);
      const tail = await http("GET", url, { Range: `bytes=${size - 100_000}-` });
      assert.equal(tail.status, 206);
      assert.ok(tail.body.equals(patternBytes(size - 100_000, size - 1)));
      assert.equal((await t.api.del(`/api/files/${file.id}`)).status, 204);
    });

    it("keeps what devices upload per device, listable and downloadable; a repeated upload replaces it", async () => {
      const c = await device(t);
      const res = await t.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, { name: "upload", args: { fileType: "1 Vendor Configuration File" } });
      assert.equal(res.status, 201, res.text);
      const args = res.body.args as { url: string; uploadId: string };
      assert.match(args.uploadId, /^[0-9a-f]{32}$/);
      const config = Buffer.from(JSON.stringify({ "Device.WiFi.SSID.1.SSID": "backup" }));
      const put = await http("PUT", args.url, { "Content-Type": "application/json" }, config);
      assert.equal(put.status, 201);
      const ro = t.api.with(readOnly);
      const list = await ro.get(`/api/devices/${encodeURIComponent(c.deviceId)}/uploads`);
      assert.deepEqual(list.body.uploads.map((u: { id: string; fileType: string; size: number; contentType: string }) => [u.id, u.fileType, u.size, u.contentType]), [[args.uploadId, "1 Vendor Configuration File", config.length, "application/json"]]);
      // The content (a backup holds the device's secrets) is for operators.
      const contentUrl = `/api/devices/${encodeURIComponent(c.deviceId)}/uploads/${args.uploadId}/content`;
      isError(await ro.get(contentUrl), 403, "FORBIDDEN");
      const content = await t.acs.nbi!.app.inject({ method: "GET", url: contentUrl, headers: { authorization: `Bearer ${operator}` } });
      assert.ok(content.rawPayload.equals(config));
      const again = Buffer.from("second");
      assert.equal((await http("POST", args.url, {}, again)).status, 200);
      assert.equal((await ro.get(`/api/devices/${encodeURIComponent(c.deviceId)}/uploads/${args.uploadId}`)).body.sha256, sha256(again));
      assert.equal((await ro.get(`/api/devices/${encodeURIComponent(c.deviceId)}/uploads`)).body.uploads.length, 1);
      // Refused: another device's slot, an altered type, and more than files.maxUploadSize.
      const u = new URL(args.url);
      u.searchParams.set("ft", "2 Vendor Log File");
      assert.equal((await http("PUT", u.toString(), {}, again)).status, 403);
      assert.equal((await http("PUT", args.url, {}, randomBytes(5000))).status, 413);
      isError(await ro.get(`/api/devices/${encodeURIComponent(c.deviceId)}/uploads/${"d".repeat(32)}`), 404, "UPLOAD_NOT_FOUND");
      isError(await ro.get("/api/devices/NOPE-X-Y/uploads"), 404, "DEVICE_NOT_FOUND");
      isError(await ro.del(`/api/devices/${encodeURIComponent(c.deviceId)}/uploads/${args.uploadId}`), 403, "FORBIDDEN");
      assert.equal((await t.api.del(`/api/devices/${encodeURIComponent(c.deviceId)}/uploads/${args.uploadId}`)).status, 204);
      assert.deepEqual((await ro.get(`/api/devices/${encodeURIComponent(c.deviceId)}/uploads`)).body.uploads, []);
      c.close();
    });

    it("refuses to delete a file a campaign still downloads", async () => {
      const file = (await upload(t, randomBytes(100), { name: "gw-5.bin", fileType: FW, version: "5" })).body;
      const created = await t.api.post("/api/campaigns", { name: "in use", filter: "productClass = \"NONE\"", fileId: file.id, start: false });
      assert.equal(created.status, 201, created.text);
      const refused = await t.api.del(`/api/files/${file.id}`);
      isError(refused, 409, "FILE_IN_USE");
      assert.deepEqual(refused.body.error.details.campaigns, [created.body.id]);
      assert.equal((await t.api.post(`/api/campaigns/${created.body.id}/abort`)).status, 200);
      assert.equal((await t.api.del(`/api/files/${file.id}`)).status, 204);
    });
  });

  describe("file server with Digest, and without a file server", () => {
    let t: ApiAcs;
    let off: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend, { settings: { files: { auth: "token+digest" } } });
      off = await startApiAcs(backend, { settings: { files: { enabled: false, maxSize: 1000 } } });
    });
    after(async () => {
      await t.stop();
      await off.stop();
    });

    it("asks for the device's credentials, given in the task; wrong or another device's are refused", async () => {
      const bytes = randomBytes(2000);
      const file = (await upload(t, bytes, { name: "tone.wav", fileType: "4 Tone File" })).body;
      const a = await device(t);
      const b = await device(t);
      // The task keeps the password sealed; the device gets it opened, as here.
      const sent = (task: TaskRecord) => {
        assert.match((task.args as { password: string }).password, /^sealed:v1\./);
        return openTaskArgs(t.acs.secrets.box, task.deviceId, task.name, task.args) as { url: string; username: string; password: string };
      };
      const ta = sent(await downloadTask(t, a.deviceId, { fileId: file.id }));
      const tb = sent(await downloadTask(t, b.deviceId, { fileId: file.id }));
      a.close();
      b.close();
      assert.equal(ta.username, a.deviceId);
      const bare = await http("GET", ta.url);
      assert.equal(bare.status, 401);
      assert.match(String(bare.headers["www-authenticate"]), /^Digest realm="provisio-files"/);
      assert.equal((await withDigest("GET", ta.url, ta.username, "wrong")).status, 401);
      assert.equal((await withDigest("GET", ta.url, tb.username, tb.password)).status, 401);
      const ok = await withDigest("GET", ta.url, ta.username, ta.password);
      assert.equal(ok.status, 200);
      assert.ok(ok.body.equals(bytes));
      assert.equal(ok.headers["content-type"], "audio/wav");
      const up = sent((await t.api.post(`/api/devices/${encodeURIComponent(a.deviceId)}/tasks`, { name: "upload", args: { fileType: "2 Vendor Log File" } })).body as TaskRecord);
      assert.equal((await http("PUT", up.url, {}, Buffer.from("log"))).status, 401);
      assert.equal((await withDigest("PUT", up.url, up.username, up.password, Buffer.from("log line\n"))).status, 201);
    });

    it("without a file server, stores files but cannot make URLs for devices; refuses files over files.maxSize", async () => {
      assert.equal(off.acs.fileServerUrl, null);
      const file = await upload(off, randomBytes(500), { name: "gw-1.bin", fileType: FW, version: "1" });
      assert.equal(file.status, 201);
      isError(await upload(off, randomBytes(1001), { name: "gw-2.bin", fileType: FW }), 413, "FILE_TOO_LARGE");
      const c = await device(off);
      c.close();
      isError(await off.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, { name: "download", args: { fileId: file.body.id } }), 409, "FILES_DISABLED");
      isError(await off.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, { name: "upload", args: { fileType: "2 Vendor Log File" } }), 409, "FILES_DISABLED");
      assert.equal((await off.acs.tasks.list({ deviceId: c.deviceId })).length, 0);
    });
  });
});
