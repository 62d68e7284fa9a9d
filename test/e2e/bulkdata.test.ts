// Bulk Data end to end, on every backend: presets with builtin:bulkdata give simulated TR-181 devices a
// BulkData profile (AddObject by Alias, a Parameter row per reference, the collector's URL and the
// device's own credentials); the devices then POST JSON and CSV reports over real HTTP with Digest,
// and the values land in the store at the reports' times, through the onReport hook and with
// device.bulkData events. Wrong credentials, another device's credentials, an unknown device, malformed
// and oversized bodies are refused with a clear answer while the devices go on reporting; an older
// report never overwrites a newer value.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { digestAuthorization, parseChallenge, pickChallenge } from "../../src/auth/index.js";
import type { Observation } from "../../src/server/bulkdata.js";
import { deviceIdOf } from "../../src/session/index.js";
import type { BulkDataSent, Simulation } from "../../src/sim/runtime/index.js";
import type { StoreTx } from "../../src/store/index.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { eventually, startDevices, startE2eAcs, type E2eAcs } from "./support.js";

const REPORTED = ["DeviceInfo.UpTime", "DeviceInfo.SoftwareVersion", "ManagementServer.PeriodicInformInterval"];

interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

function post(url: string, body: Buffer | string, headers: Record<string, string>): Promise<Answer> {
  const data = typeof body === "string" ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { ...headers, "Content-Length": String(data.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
    });
    // A refusal may close the connection before the whole body is written.
    req.on("error", (err) => ((err as NodeJS.ErrnoException).code === "EPIPE" || (err as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(err)));
    req.end(data);
  });
}

/** A POST that answers the collector's Digest challenge with these credentials. */
async function postAs(url: string, body: Buffer | string, headers: Record<string, string>, username: string, password: string): Promise<Answer> {
  const first = await post(url, body, headers);
  if (first.status !== 401) return first;
  const challenge = pickChallenge(parseChallenge(first.headers["www-authenticate"]), { allowBasic: false });
  assert.ok(challenge !== undefined && challenge.scheme === "Digest", "a Digest challenge");
  const target = new URL(url);
  const authorization = digestAuthorization({ challenge, username, password, method: "POST", uri: target.pathname + target.search, cnonce: randomBytes(8).toString("hex"), nc: 1 });
  return post(url, body, { ...headers, Authorization: authorization });
}

const JSON_TYPE = { "Content-Type": "application/json" };

forEachBackend((backend) => {
  describe("Bulk Data collection", () => {
    let a: E2eAcs;
    let sim: Simulation;
    let csvSim: Simulation;
    const sent: BulkDataSent[] = [];
    const hooked: { deviceId: string; observations: Observation[]; at: Date }[] = [];
    const ids: string[] = [];

    before(async () => {
      a = await startE2eAcs(backend, {
        settings: { bulkData: { maxBodyBytes: 4096 } },
        start: {
          onBulkDataReport: async (_tx: StoreTx, deviceId: string, observations: Observation[], at: Date) => {
            hooked.push({ deviceId, observations, at });
          },
        },
      });
      // Reports become samples of the metrics that record what they carry (docs/metrics.md).
      assert.equal((await a.admin.put("/api/metrics/bd_uptime", { path: "Device.DeviceInfo.UpTime", kind: "gauge", unit: "s" })).status, 201);
      for (const [name, args] of [
        ["bulk-json", { parameters: REPORTED, interval: 1, encoding: "JSON", format: "NameValuePair" }],
        ["bulk-csv", { parameters: ["DeviceInfo.UpTime", "ManagementServer."], interval: 1, encoding: "CSV", format: "ParameterPerColumn", timestamp: "ISO-8601" }],
      ] as const) {
        const productClass = name === "bulk-json" ? "BD-JSON" : "BD-CSV";
        const r = await a.admin.put(`/api/presets/${name}`, { name, filter: `productClass = "${productClass}"`, events: ["0 BOOTSTRAP"], provisions: [{ name: "builtin:bulkdata", args }] });
        assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
      }
      const json = await startDevices(a.t, { serialPrefix: "BDJ", productClass: "BD-JSON", devices: 2, connectionRequests: false, udp: false, xmpp: false, bulkData: { onReport: (r) => sent.push(r) } });
      const csv = await startDevices(a.t, { serialPrefix: "BDC", productClass: "BD-CSV", devices: 1, connectionRequests: false, udp: false, xmpp: false, bulkData: { onReport: (r) => sent.push(r) } });
      sim = json.sim;
      csvSim = csv.sim;
      for (const s of [json.sim, csv.sim]) for (const d of s.devices) ids.push(deviceIdOf(d.identity));
    });

    after(async () => {
      await sim?.stop();
      await csvSim?.stop();
      await a?.t.stop();
    });

    it("provisioning sets up each device's profile, and its reports land in the store at their time", async () => {
      // Every device reports twice, accepted.
      await eventually(() => (ids.every((id) => hooked.filter((h) => h.deviceId === id).length >= 2) ? true : undefined), "two reports of every device", 60_000);
      // Nothing refused: a busy ACS (503) or a body cut by the end of the run (0) only delays a report.
      assert.ok(sent.length > 0 && sent.every((s) => s.status === 200 || s.status === 503 || s.status === 0), JSON.stringify(sent.filter((s) => s.status !== 200)));
      for (const id of ids) {
        const profile = (await a.t.acs.store.parameters.subtree(id, "Device.BulkData.Profile.")).filter((p) => !p.object);
        const value = (name: string) => profile.find((p) => p.path.endsWith(name))?.value;
        assert.equal(value(".Alias"), "provisio");
        assert.equal(value(".HTTP.URL"), `${a.t.url}bulkdata/${id}`);
        assert.equal(value(".HTTP.Username"), id);
        // The password is kept by its digest only.
        assert.match(value(".HTTP.Password") ?? "", /^sha256:/);
        const csv = id.endsWith("BDC000001");
        assert.equal(value(".EncodingType"), csv ? "CSV" : "JSON");
        assert.equal(profile.filter((p) => /\.Parameter\.\d+\.Reference$/.test(p.path)).length, csv ? 2 : 3);

        const mine = hooked.filter((h) => h.deviceId === id);
        const last = mine[mine.length - 1]!;
        const paths = last.observations.map((o) => o.path);
        assert.ok(paths.includes("Device.DeviceInfo.UpTime"), paths.join());
        if (csv) assert.ok(paths.includes("Device.ManagementServer.PeriodicInformInterval"), "an object reference reports what is under it");
        else assert.deepEqual(paths.sort(), REPORTED.map((p) => `Device.${p}`).sort());
        // The stored value is the newest report's, at its collection time (whole seconds: both encodings carry seconds).
        const [upTime] = await a.t.acs.store.parameters.get(id, ["Device.DeviceInfo.UpTime"]);
        const newest = await eventually(async () => {
          const [u] = await a.t.acs.store.parameters.get(id, ["Device.DeviceInfo.UpTime"]);
          const match = hooked.filter((h) => h.deviceId === id).find((h) => h.at.getTime() === u?.valueAt?.getTime());
          return match === undefined ? undefined : { u, match };
        }, "the stored value to be one report's");
        assert.ok(upTime !== undefined);
        assert.equal(newest.match.at.getTime() % 1000, 0);
        assert.equal(newest.u!.value, newest.match.observations.find((o) => o.path === "Device.DeviceInfo.UpTime")!.value);
      }
      // The outbox shows an event once every transaction before it has settled: polled, not read once.
      const events = await outboxEvents(a.t.acs.store, (e) => e.type === "device.bulkData", (l) => ids.every((id) => l.some((e) => e.deviceId === id)));
      assert.ok(ids.every((id) => events.some((e) => e.deviceId === id)), JSON.stringify(events.map((e) => e.deviceId)));
      const payload = events[0]!.payload as { reports: number; values: number; collectedAt: string };
      assert.ok(payload.reports >= 1 && payload.values >= 1 && !Number.isNaN(Date.parse(payload.collectedAt)));
    });

    it("each report is a sample of the metrics that record its values, at the report's own time", async () => {
      for (const id of ids) {
        // The hook runs inside the report's transaction: a report just seen may not be committed yet.
        const reports = hooked.filter((h) => h.deviceId === id);
        assert.ok(reports.length >= 2);
        const to = new Date(Date.now() + 60_000).toISOString();
        const points = await eventually(async () => {
          const res = await a.admin.get(`/api/devices/${encodeURIComponent(id)}/metrics/bd_uptime?from=${new Date(0).toISOString()}&to=${to}&resolution=raw`);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          const got = new Map((res.body.points as { at: string; mean: number }[]).map((p) => [p.at, p.mean]));
          return reports.every((r) => got.has(r.at.toISOString())) ? got : undefined;
        }, `a sample for each of ${id}'s reports`);
        for (const r of reports) {
          const value = r.observations.find((o) => o.path === "Device.DeviceInfo.UpTime")!.value;
          assert.equal(points.get(r.at.toISOString()), Number(value), `${id}'s report of ${r.at.toISOString()}`);
        }
      }
    });

    it("refuses bad credentials, another device's, unknown devices, malformed and oversized bodies, clearly, while devices go on reporting", async () => {
      const collector = a.t.acs.bulkData!;
      const [one, two] = ids as [string, string];
      const mine = collector.profileFor(one);
      const body = JSON.stringify({ Report: [{ "Device.DeviceInfo.ProvisioningCode": "x" }] });

      const none = await post(mine.url, body, JSON_TYPE);
      assert.equal(none.status, 401);
      assert.match(none.text, /authentication required/);
      const wrong = await postAs(mine.url, body, JSON_TYPE, one, "not-the-password");
      assert.equal(wrong.status, 401);
      assert.match(wrong.text, /digest bad-response/);
      const theirs = collector.profileFor(two);
      const other = await postAs(mine.url, body, JSON_TYPE, theirs.username, theirs.password);
      assert.equal(other.status, 403);
      assert.match(other.text, /another device's/);
      const ghost = collector.profileFor("00D09E-NOPE-123");
      const unknown = await postAs(ghost.url, body, JSON_TYPE, ghost.username, ghost.password);
      assert.equal(unknown.status, 404);
      assert.match(unknown.text, /no device 00D09E-NOPE-123/);

      const malformed = await postAs(mine.url, '{"Report":[{"Device.A":1}', JSON_TYPE, mine.username, mine.password);
      assert.equal(malformed.status, 400);
      assert.match(malformed.text, /^BULKDATA_JSON: the body is not JSON/);
      const badCsv = await postAs(mine.url, "ParameterName,ParameterValue\nDevice.A,1,2\n", { "Content-Type": "text/csv" }, mine.username, mine.password);
      assert.equal(badCsv.status, 400);
      assert.match(badCsv.text, /row 2 has 3 fields/);
      const xml = await postAs(mine.url, "<r/>", { "Content-Type": "application/xml" }, mine.username, mine.password);
      assert.equal(xml.status, 415);
      const big = await postAs(mine.url, JSON.stringify({ "Device.DeviceInfo.ProvisioningCode": "x".repeat(5000) }), JSON_TYPE, mine.username, mine.password);
      assert.equal(big.status, 413);
      assert.match(big.text, /BODY_TOO_LARGE/);
      const get = await post(mine.url, "", {}).then(() => new Promise<Answer>((resolve, reject) => {
        request(mine.url, { method: "GET" }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: "", headers: res.headers }));
        }).on("error", reject).end();
      }));
      assert.equal(get.status, 405);
      assert.equal(get.headers.allow, "POST, PUT");
      // Nothing of the refused bodies was stored.
      assert.deepEqual(await a.t.acs.store.parameters.get(one, ["Device.A"]), []);

      // A gzipped report of the device's own is taken; an older one does not overwrite it.
      const now = Math.floor(Date.now() / 1000);
      const fresh = gzipSync(JSON.stringify({ Report: [{ CollectionTime: now, "Device.DeviceInfo.ProvisioningCode": "fresh" }] }));
      const ok = await postAs(mine.url, fresh, { ...JSON_TYPE, "Content-Encoding": "gzip", "BBF-Report-Format": "NameValuePair" }, mine.username, mine.password);
      assert.equal(ok.status, 200, ok.text);
      assert.match(ok.text, /stored 1 report\(s\), 1 value\(s\)/);
      const old = await postAs(mine.url, JSON.stringify({ Report: [{ CollectionTime: now - 3600, "Device.DeviceInfo.ProvisioningCode": "stale" }] }), JSON_TYPE, mine.username, mine.password);
      assert.equal(old.status, 200);
      assert.match(old.text, /stored 1 report\(s\), 0 value\(s\)/);
      const [code] = await a.t.acs.store.parameters.get(one, ["Device.DeviceInfo.ProvisioningCode"]);
      assert.equal(code?.value, "fresh");
      assert.equal(code?.valueAt?.getTime(), now * 1000);

      // The devices kept reporting meanwhile.
      const before = sent.filter((s) => s.status === 200).length;
      await eventually(() => (sent.filter((s) => s.status === 200).length >= before + ids.length ? true : undefined), "more reports after the refusals", 60_000);
      const { body: metrics } = await a.t.acs.metrics.render();
      assert.match(metrics, /provisio_bulkdata_bodies_total\{outcome="accepted"\} [1-9]/);
      for (const outcome of ["unauthenticated", "forbidden", "unknown-device", "malformed", "too-large", "method"]) {
        assert.match(metrics, new RegExp(`provisio_bulkdata_bodies_total\\{outcome="${outcome}"\\} [1-9]`), outcome);
      }
    });
  });
});
