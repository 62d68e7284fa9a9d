// Events are written in the transaction of the change they tell about (and only then emitted), old
// ones are pruned; secrets are sealed with a key kept outside the database; the standard data models
// give parameter types.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigError } from "../../src/config/index.js";
import { ModelError } from "../../src/model/index.js";
import { startAcs } from "../../src/server/acs.js";
import type { AcsEvent } from "../../src/server/events.js";
import { silentLogger } from "../../src/server/logger.js";
import { loadStandardModels } from "../../src/server/models.js";
import { loadSecrets, SecretBox, SecretError } from "../../src/server/secrets.js";
import { startTestAcs, testConfig, type TestAcs } from "../support/acs.js";
import { bbfDir } from "../support/paths.js";
import { outboxEvents, readSettled } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";

forEachBackend((backend) => {
  describe("the event outbox of the CWMP endpoint", () => {
    let t: TestAcs;
    const emitted: AcsEvent[] = [];
    before(async () => {
      t = await startTestAcs(backend, { manualClock: true });
      t.acs.events.subscribe((e) => emitted.push(e));
    });
    after(() => t.stop());

    it("writes a session's events with its changes, exactly the ones emitted", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP", "1 BOOT"]);
      await c.send(null);
      const stored = await outboxEvents(t.acs.store, (e) => e.deviceId === c.deviceId, (l) => l.some((e) => e.type === "session.ended"));
      assert.deepEqual(stored.map((e) => e.type), ["device.registered", "device.inform", "device.boot", "session.ended"]);
      const mine = emitted.filter((e) => e.deviceId === c.deviceId);
      assert.deepEqual(stored.map((e) => e.payload), mine.map((e) => ({ ...e, at: e.at.toISOString() })));
      c.close();
    });

    it("writes nothing for a session that is refused", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      // The device is in a session; a second Inform from elsewhere is refused (503) and rolled back.
      await c.inform(["2 PERIODIC"]);
      const other = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: c.identity });
      assert.equal((await other.inform(["2 PERIODIC"])).status, 503);
      await c.send(null);
      const events = await outboxEvents(t.acs.store, (e) => e.deviceId === c.deviceId, (l) => l.filter((e) => e.type === "session.ended").length >= 2);
      const second = events.slice(events.findIndex((e) => e.type === "session.ended") + 1);
      assert.deepEqual(second.map((e) => e.type), ["device.inform", "session.ended"], "only the accepted session's events");
      c.close();
      other.close();
    });

    it("prunes events past their retention", async () => {
      assert.ok((await readSettled(t.acs.store, 1)).length > 0);
      t.advance(2 * 86_400_000);
      const { pruned } = await t.acs.housekeep();
      assert.ok(pruned > 0);
      assert.deepEqual(await t.acs.store.outbox.read(null, 100), []);
    });

    it("prunes the Events of Informs past cwmp.eventRetention (30 days), keeping the device's last boot and bootstrap", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP", "1 BOOT"]);
      await c.send(null);
      t.advance(29 * 86_400_000);
      await c.inform(["2 PERIODIC"]);
      await c.send(null);
      t.advance(2 * 86_400_000);
      await t.acs.housekeep();
      assert.deepEqual((await t.acs.store.events.list(c.deviceId)).map((e) => e.code), ["2 PERIODIC"], "only the Inform of 2 days ago is left");
      const device = await t.acs.store.devices.get(c.deviceId);
      assert.ok(device?.lastBootAt !== null && device?.lastBootstrapAt !== null);
      c.close();
    });
  });

  describe("secrets", () => {
    it("refuses to start with a key other than the one the database's secrets were sealed with", async () => {
      const dir = mkdtempSync(join(tmpdir(), "provisio-secrets-"));
      try {
        const url = await backend.freshUrl();
        const first = await startAcs(testConfig(dir, url), { processMetrics: false });
        assert.equal(first.secrets.generatedNow, true);
        assert.equal(statSync(first.secrets.file!).mode & 0o777, 0o600);
        const sealed = first.secrets.box.seal("pw", "ctx");
        await first.close();
        // Same folder: the same key, which opens what was sealed.
        const again = await startAcs(testConfig(dir, url), { processMetrics: false });
        assert.equal(again.secrets.generatedNow, false);
        assert.equal(again.secrets.box.open(sealed, "ctx"), "pw");
        await again.close();
        const otherKey = randomBytes(32).toString("base64");
        await assert.rejects(startAcs(testConfig(dir, url, { secretsKey: otherKey }), { processMetrics: false }), (e: unknown) => e instanceof ConfigError && /sealed with another key/.test(e.message));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe("sealed secrets", () => {
  const box = new SecretBox(randomBytes(32));

  it("open only with the same key and the same context, and not when altered", () => {
    const sealed = box.seal("connection-request password", "connreq:dev-1");
    assert.equal(sealed.includes("password"), false);
    assert.notEqual(box.seal("connection-request password", "connreq:dev-1"), sealed, "a fresh IV each time");
    assert.equal(box.open(sealed, "connreq:dev-1"), "connection-request password");
    assert.throws(() => box.open(sealed, "connreq:dev-2"), SecretError);
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, "connreq:dev-1"), (e: unknown) => e instanceof SecretError && /another key/.test(e.message));
    const parts = sealed.split(".");
    parts[4] = Buffer.from("forged").toString("base64url");
    assert.throws(() => box.open(parts.join("."), "connreq:dev-1"), SecretError);
    assert.throws(() => box.open("plain text", "connreq:dev-1"), SecretError);
  });

  it("refuse a configured key that is not 32 bytes", async () => {
    await assert.rejects(loadSecrets({ configuredKey: Buffer.from("short").toString("base64"), dataDir: tmpdir(), store: null as never }), ConfigError);
  });
});

describe("standard data models", () => {
  it("give the type of a parameter from TR-181, TR-098, TR-104, TR-135 and TR-140, loading each model when first needed", () => {
    const m = loadStandardModels(join(bbfDir, "data-models"), silentLogger);
    assert.deepEqual(m.files.map((f) => [f.root, f.isService]).sort(), [
      ["Device.", false],
      ["InternetGatewayDevice.", false],
      ["STBService.", true],
      ["StorageService.", true],
      ["VoiceService.", true],
    ]);
    // TR-106's Device:1 and TR-181's USP edition sit beside TR-181 for CWMP: the latter serves.
    assert.match(m.files.find((f) => f.root === "Device.")?.file ?? "", /tr-181-2-17-0-cwmp-full\.xml$/);
    assert.equal(m.typeOf("Device.Services.VoiceService.1.VoiceProfile.2.Enable"), undefined);
    assert.equal(m.typeOf("Device.Services.VoiceService.1.SIP.Client.2.Enable"), "xsd:boolean");
    assert.equal(m.typeOf("Device.Services.STBService.1.Components.FrontEnd.2.Enable"), "xsd:boolean");
    assert.equal(m.typeOf("InternetGatewayDevice.Services.StorageService.1.UserAccount.3.Enable"), "xsd:boolean");
    assert.equal(m.typeOf("Device.ManagementServer.PeriodicInformInterval"), "xsd:unsignedInt");
    assert.equal(m.typeOf("Device.WiFi.SSID.3.Enable"), "xsd:boolean");
    assert.equal(m.typeOf("InternetGatewayDevice.ManagementServer.PeriodicInformTime"), "xsd:dateTime");
    assert.equal(m.typeOf("Device.X_ACME_Unknown"), undefined);
    assert.equal(m.typeOf("not a path at all"), undefined);
  });

  it("say which folder they cannot read", () => {
    assert.throws(() => loadStandardModels("/nonexistent/models", silentLogger), (e: unknown) => e instanceof ModelError && /models\.dir/.test(e.message));
  });
});
