// Load shedding: past cwmp.maxInFlight requests being processed, new sessions get 503 with Retry-After,
// while the requests of sessions in progress (recognised by their cookie or by their connection) go on;
// every answer, the 503s included, is counted in the metrics.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Gauge, Histogram } from "prom-client";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { backend } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";

describe("load shedding", () => {
  let t: TestAcs;
  before(async () => {
    t = await startTestAcs(backend("sqlite"), { settings: { cwmp: { maxInFlight: 1 } } });
  });
  after(() => t.stop());

  const inFlight = async () => (await (t.acs.metrics.registry.getSingleMetric("provisio_cwmp_requests_in_flight") as Gauge).get()).values[0]?.value ?? 0;
  const answered = async (status: number) => {
    const h = await (t.acs.metrics.registry.getSingleMetric("provisio_cwmp_http_request_duration_seconds") as Histogram).get();
    return h.values.find((v) => v.metricName?.endsWith("_count") && v.labels.status === String(status))?.value ?? 0;
  };

  it("sheds only new sessions, never the requests of sessions in progress, and counts every answer", async () => {
    const cpe = () => new TestCpe({ url: t.url, username: t.username, password: t.password });
    const withCookie = cpe();
    const withConnection = new TestCpe({ url: t.url, username: t.username, password: t.password, cookies: false });
    assert.equal((await withCookie.inform(["1 BOOT"])).status, 200);
    assert.equal((await withConnection.inform(["1 BOOT"])).status, 200);
    const before503 = await answered(503);

    // The store held (SQLite runs one transaction at a time): a new session's authenticated Inform
    // waits for it, and holds the one slot.
    let release!: () => void;
    const held = t.acs.store.transaction(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = cpe();
    const blocked = waiting.inform(["1 BOOT"]);
    while ((await inFlight()) < 1) await new Promise((r) => setTimeout(r, 10));

    const shed = await cpe().inform(["1 BOOT"]);
    assert.equal(shed.status, 503);
    assert.equal(shed.headers["retry-after"], "10");

    // A session's request on a new connection (its cookie tells) and one on its kept connection.
    withCookie.moveTo(t.url);
    const next = [withCookie.send(null), withConnection.send(null)];
    release();
    await held;
    assert.deepEqual((await Promise.all(next)).map((r) => r.status), [204, 204]);
    assert.equal((await blocked).status, 200);
    assert.equal((await waiting.send(null)).status, 204);
    assert.equal(await answered(503), before503 + 1);
    assert.equal(await inFlight(), 0);
    for (const c of [withCookie, withConnection, waiting]) c.close();
  });
});
