// `provisio import genieacs --nbi`: read from a GenieACS NBI. The server here is not GenieACS: it answers
// as GenieACS's NBI reference documents (GET /<collection>/?query=..., devices with a query, sort, limit
// and projection, Basic authentication), and serves file content as its file server does (GET /<name>,
// here under /fs/), written for this test from that documentation, over real HTTP on 127.0.0.1.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Report } from "../../src/cli/genieacs-import.js";
import { deviceIdOf } from "../../src/session/index.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { genieExport, OUI, PRODUCT_CLASS, serial, sha256, type Export } from "./genieacs-export.js";
import { runCli } from "./support.js";

const DEVICES = 200;
const USER = "nbi";
const PASSWORD = "nbi secret";

type Doc = Record<string, unknown>;

/** GenieACS's projection: only these paths' subtrees (and _id). */
function project(doc: Doc, paths: string[]): Doc {
  const out: Doc = { _id: doc._id };
  for (const p of paths) {
    const parts = p.replace(/\.$/, "").split(".");
    let from: unknown = doc;
    let to = out;
    for (const [i, k] of parts.entries()) {
      from = (from as Doc | undefined)?.[k];
      if (from === undefined) break;
      if (i === parts.length - 1) to[k] = from;
      else to = (to[k] ??= {}) as Doc;
    }
  }
  return out;
}

function nbi(e: Export, requests: string[]): Server {
  const collections: Record<string, Doc[]> = { presets: e.presets, provisions: e.provisions, virtual_parameters: e.virtual_parameters, files: e.files };
  return createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`) return res.writeHead(401, { "www-authenticate": 'Basic realm="GenieACS"' }).end();
    const url = new URL(req.url!, "http://nbi");
    const json = (v: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(v));
    const [, collection, name] = url.pathname.split("/");
    if (collection === "fs" && name !== undefined && name !== "") {
      const content = e.contents.get(decodeURIComponent(name));
      return content === undefined ? res.writeHead(404).end() : res.writeHead(200, { "content-type": "application/octet-stream", "content-length": content.length }).end(req.method === "HEAD" ? undefined : content);
    }
    let query = JSON.parse(url.searchParams.get("query") ?? "{}") as Doc;
    if (collection === "devices") {
      // The queries this test makes the import send: a tag, and after the first page {$and: [it, {_id: {$gt: last}}]}.
      let after = "";
      if (Array.isArray(query.$and)) {
        after = ((query.$and[1] as Doc)._id as Doc).$gt as string;
        query = query.$and[0] as Doc;
      }
      let list = e.devices.filter((d) => String(d._id) > after && (query._tags === undefined || (Array.isArray(d._tags) && d._tags.includes(query._tags))));
      assert.deepEqual(JSON.parse(url.searchParams.get("sort") ?? "null"), { _id: 1 });
      list = [...list].sort((a, b) => (String(a._id) < String(b._id) ? -1 : 1));
      const skip = Number(url.searchParams.get("skip") ?? 0);
      const limit = Number(url.searchParams.get("limit") ?? list.length);
      const projection = url.searchParams.get("projection");
      return json(list.slice(skip, skip + limit).map((d) => (projection === null ? d : project(d, projection.split(",")))));
    }
    const docs = collections[collection ?? ""];
    return docs === undefined ? res.writeHead(404).end() : json(docs);
  });
}

forEachBackend((backend) => {
  describe("provisio import genieacs --nbi", () => {
    let dir: string;
    let t: ApiAcs;
    let server: Server;
    let nbiUrl: string;
    const requests: string[] = [];
    const exp = genieExport(DEVICES);
    const cli = (args: string[], env: NodeJS.ProcessEnv = { ...process.env, GENIEACS_NBI_PASSWORD: PASSWORD }) =>
      runCli(["import", "genieacs", "--db", t.dbUrl, "--data-dir", t.dataDir, "--nbi", nbiUrl, ...args], { cwd: dir, env });

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "provisio-genieacs-nbi-"));
      t = await startApiAcs(backend, { settings: { provisioning: { defaultPresets: false } } });
      server = nbi(exp, requests);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      nbiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise((resolve) => server?.close(resolve));
      await t?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("asks for the NBI's credentials, and says so when they are wrong", async () => {
      const none = await cli(["--only", "presets"]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /401 .*--nbi-user and GENIEACS_NBI_PASSWORD/);
      const noPassword = await cli(["--nbi-user", USER], { ...process.env, GENIEACS_NBI_PASSWORD: undefined });
      assert.equal(noPassword.code, 2);
      assert.match(noPassword.stderr, /GENIEACS_NBI_PASSWORD/);
      assert.equal((await t.acs.store.provisioning.list("preset")).length, 0);
    });

    it("imports documents and file content, and the devices a query selects, page by page, with a projection", async () => {
      requests.length = 0;
      const run = await cli(["--nbi-user", USER, "--device-query", JSON.stringify({ _tags: "even" }), "--device-projection", "Device.DeviceInfo.", "--page-size", "32", "--files-url", `${nbiUrl}/fs`, "--json"]);
      const r = JSON.parse(run.stdout) as Report;
      assert.equal(run.code, 1, "some documents could not be mapped");
      assert.equal(r.source, nbiUrl);
      assert.deepEqual(r.entries.filter((e) => e.outcome !== "refused").map((e) => `${e.kind}:${e.source}:${e.outcome}`).sort(), [
        "files:fw-2.0.bin:create", "files:gw.xml:create", "presets:migrated defaults:create", "presets:ntp:create", "provisions:set-ntp:create", "provisions:wifi-name:create", "virtual_parameters:wan_ip:create",
      ]);
      assert.deepEqual([r.devices!.create, r.devices!.refused.length], [DEVICES / 2, 0]);
      const pages = requests.filter((q) => q.startsWith("GET /devices/"));
      assert.equal(pages.length, Math.ceil(DEVICES / 2 / 32) + (DEVICES / 2 % 32 === 0 ? 1 : 0));
      assert.ok(pages.slice(1).every((q) => decodeURIComponent(q).includes('{"_id":{"$gt":')), "keyset pages, not skip");
      assert.ok(pages.every((q) => q.includes("limit=32") && q.includes(`projection=${encodeURIComponent("_id,_deviceId,_lastInform,_registered,_tags,Device.DeviceInfo.")}`)), pages[0]);

      assert.equal((await t.api.get("/api/presets/migrated-defaults")).body.document.filter, `tag = "migrated" AND productClass = "${PRODUCT_CLASS}"`);
      assert.equal((await t.api.get("/api/provisions/set-ntp")).body.document.dialect, "genieacs");
      const fw = (await t.acs.store.files.list({ kind: "file" })).find((f) => f.name === "fw-2.0.bin");
      assert.equal(fw?.sha256, sha256(exp.contents.get("fw-2.0.bin")!));
      assert.equal(await t.acs.store.devices.count({ filter: 'tag = "even"' }), DEVICES / 2);
      assert.equal(await t.acs.store.devices.count(), DEVICES / 2, "only what the query selected");
      const id = deviceIdOf({ oui: OUI, productClass: PRODUCT_CLASS, serialNumber: serial(4) });
      const paths = (await t.acs.store.parameters.all(id)).filter((p) => !p.object).map((p) => `${p.path}=${p.value}`);
      assert.deepEqual(paths, ["Device.DeviceInfo.SoftwareVersion=1.0.4", "Device.DeviceInfo.UpTime=1004"], "the projected subtree only");
    });
  });
});
