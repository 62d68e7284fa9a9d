// The session history's envelope capture: secrets masked whatever the prefixes and value forms, and
// the per-envelope and per-session caps.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CaptureBudget, EnvelopeCapture, maskEnvelopeSecrets, maskMsgSecrets, SessionHistory } from "../../src/server/session-history.js";
import { silentLogger } from "../../src/server/logger.js";
import type { CwmpSessionEnvelope, SessionEnvelope, Store, UspSessionMessage } from "../../src/store/types.js";
import { msgJson, uspMsg } from "../../src/usp/index.js";
import { StoreCounters } from "../../src/store/index.js";
import { forEachBackend } from "../support/pg.js";
import { corpusDir } from "../support/paths.js";

const xmlOf = (e: SessionEnvelope) => (e.protocol === "usp" ? assert.fail("a CWMP envelope") : e.xml);

const pvs = (name: string, value: string, prefix = "") =>
  `<${prefix}ParameterValueStruct><${prefix}Name>${name}</${prefix}Name><${prefix}Value xsi:type="xsd:string">${value}</${prefix}Value></${prefix}ParameterValueStruct>`;

describe("session history envelopes", () => {
  it("masks the values of secret parameters, by name ending, with or without prefixes and CDATA", () => {
    const xml = [
      pvs("Device.ManagementServer.ConnectionRequestPassword", "p1"),
      pvs("Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "p2", "cwmp:"),
      pvs("Device.WiFi.AccessPoint.1.Security.PreSharedKey", "<![CDATA[p3<x>]]>"),
      pvs("InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.WEPKey.1.WEPKey", "p4"),
      pvs("Device.X_ACME.RadiusSecret", "p5"),
      pvs("Device.X_ACME.PSK", "p6"),
      pvs("Device.DeviceInfo.SoftwareVersion", "1.2.3"),
      pvs("Device.ManagementServer.Username", "user-kept"),
      "<Download><CommandKey>k</CommandKey><Username>u</Username><Password>p7</Password></Download>",
      pvs("Device.ManagementServer.Password", ""),
    ].join("\n");
    const masked = maskEnvelopeSecrets(xml);
    for (const secret of ["p1", "p2", "p3", "p4", "p5", "p6", "p7"]) assert.ok(!masked.includes(`>${secret}`) && !masked.includes(`[${secret}`), `${secret} masked`);
    assert.ok(masked.includes(">1.2.3<") && masked.includes(">user-kept<") && masked.includes("<Username>u</Username>"));
    assert.equal(masked.match(/\*\*\*/g)?.length, 7);
    assert.ok(masked.includes("<Name>Device.ManagementServer.ConnectionRequestPassword</Name>"), "names stay");
  });

  it("keeps an envelope that names no secret as it is, and masks one whose only hint is a secret's", () => {
    const plain = [pvs("Device.DeviceInfo.UpTime", "42"), pvs("Device.DeviceInfo.ModelName", "HGW &amp; co")].join("\n");
    assert.equal(maskEnvelopeSecrets(plain), plain);
    const withKey = [pvs("Device.ManagementServer.ParameterKey", "pk"), pvs("Device.DeviceInfo.UpTime", "42")].join("\n");
    assert.equal(maskEnvelopeSecrets(withKey), withKey.replace(">pk<", ">***<"), "ParameterKey ends with Key, as secretName reads it");
    const c = new EnvelopeCapture({ maxEnvelopeBytes: 1000, maxSessionBytes: 1000 });
    c.add("received", Buffer.from(plain), new Date());
    c.add("sent", withKey, new Date());
    assert.deepEqual(c.envelopes.map((e) => [xmlOf(e), e.truncated]), [[plain, false], [withKey.replace(">pk<", ">***<"), false]]);
  });

  it("masks every pair whose name ends as a secret's, as checking each pair did, in real devices' messages", () => {
    // The oracle: every Name/Value pair found, each name checked (what the masking did before it matched
    // only names with a secret's ending).
    const ENDS = /(Password|Passphrase|Key\d*|Secret|PSK)$/;
    const pair = /(<(?:[\w.-]+:)?Name\b[^>]*>)([^<]*)(<\/(?:[\w.-]+:)?Name>\s*<(?:[\w.-]+:)?Value\b[^>/]*>)([^<]*|<!\[CDATA\[[\s\S]*?\]\]>)(<\/(?:[\w.-]+:)?Value>)/g;
    const oracle = (xml: string) =>
      xml.replace(pair, (all, open: string, name: string, mid: string, value: string, close: string) =>
        value !== "" && ENDS.test(name.trim().slice(name.trim().lastIndexOf(".") + 1)) ? `${open}${name}${mid}***${close}` : all);
    const files = readdirSync(corpusDir).filter((f) => f.endsWith(".xml"));
    assert.ok(files.length >= 50);
    let masked = 0;
    for (const f of files) {
      // Each message also with a secret added after its first pair, and a name that holds a secret's
      // ending without ending with it.
      const xml = readFileSync(join(corpusDir, f), "utf8");
      const at = xml.indexOf("</ParameterValueStruct>");
      const variants = [xml];
      if (at >= 0) {
        const cut = at + "</ParameterValueStruct>".length;
        variants.push(xml.slice(0, cut) + pvs(" Device.Users.User.1.Password ", "s3cret") + pvs("Device.KeyTable.1.Name", "kept") + xml.slice(cut));
      }
      for (const v of variants) {
        const want = oracle(v).replace(/(<(?:[\w.-]+:)?Password\b[^>/]*>)([^<]+)(<\/(?:[\w.-]+:)?Password>)/g, "$1***$3");
        assert.equal(maskEnvelopeSecrets(v), want, f);
        if (want !== v) masked++;
      }
    }
    assert.ok(masked >= 10, `${masked} messages had something masked`);
  });

  it("cuts an envelope at maxEnvelopeBytes, stops at maxSessionBytes and counts what it left out", () => {
    const c = new EnvelopeCapture({ maxEnvelopeBytes: 100, maxSessionBytes: 250 });
    c.add("received", Buffer.from("a".repeat(80)), new Date());
    c.add("sent", "b".repeat(300), new Date());
    c.add("received", Buffer.from(""), new Date());
    c.add("received", "c".repeat(120), new Date());
    c.add("sent", "d", new Date());
    assert.deepEqual(c.envelopes.map((e) => [e.direction, xmlOf(e).length, e.truncated]), [["received", 80, false], ["sent", 100, true], ["received", 70, true]]);
    assert.equal(c.dropped, 1);
  });

  it("holds at most the shared budget over every session in progress, and frees a session's share at its release", () => {
    const budget = new CaptureBudget(250);
    const sessions = Array.from({ length: 5 }, () => new EnvelopeCapture({ maxEnvelopeBytes: 100, maxSessionBytes: 1000 }, budget));
    for (const c of sessions) c.add("received", "x".repeat(100), new Date());
    assert.equal(budget.held, 250);
    assert.deepEqual(sessions.map((c) => [c.envelopes.length, c.dropped]), [[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]]);
    assert.equal(xmlOf(sessions[2]!.envelopes[0]!).length, 50, "the last room is used, the envelope cut");
    sessions[0]!.release();
    sessions[0]!.release();
    assert.equal(budget.held, 150, "released once");
    sessions[4]!.add("sent", "y".repeat(100), new Date());
    assert.equal(sessions[4]!.envelopes.length, 1);
    sessions[0]!.add("sent", "z", new Date());
    assert.deepEqual([sessions[0]!.envelopes.length, sessions[0]!.dropped, budget.held], [1, 1, 250], "a released capture keeps nothing more");
  });

  it("masks the secrets of USP Msgs: Set's and Add's values, maps by their keys, a ValueChange's value", () => {
    const masked = (msg: Parameters<typeof msgJson>[0]) => JSON.stringify(maskMsgSecrets(msgJson(msg)));
    const set = masked(uspMsg("set", "1", { allowPartial: false, updateObjs: [{ objPath: "Device.WiFi.AccessPoint.1.Security.", paramSettings: [{ param: "KeyPassphrase", value: "p1", required: true }, { param: "ModeEnabled", value: "WPA2-Personal", required: true }] }] }));
    const add = masked(uspMsg("add", "2", { allowPartial: false, createObjs: [{ objPath: "Device.Users.User.", paramSettings: [{ param: "Password", value: "p2", required: true }, { param: "Username", value: "kept-user", required: true }] }] }));
    const operate = masked(uspMsg("operate", "3", { command: "Device.DeviceInfo.FirmwareImage.2.Download()", commandKey: "ck", sendResp: true, inputArgs: { URL: "http://fw/1.bin", Username: "u", Password: "p3" } }));
    const get = masked(uspMsg("getResp", "4", { reqPathResults: [{ requestedPath: "Device.", errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.X_ACME.", resultParams: { RadiusSecret: "p4", PSK: "p5", Name: "kept-name", Empty: "" } }] }] }));
    const vc = masked(uspMsg("notify", "5", { subscriptionId: "s", sendResp: true, notification: "valueChange", valueChange: { paramPath: "Device.ManagementServer.ConnectionRequestPassword", paramValue: "p6" } }));
    const all = [set, add, operate, get, vc].join("\n");
    for (const secret of ["p1", "p2", "p3", "p4", "p5", "p6"]) assert.ok(!all.includes(`"${secret}"`), `${secret} masked`);
    assert.equal(all.match(/"\*\*\*"/g)?.length, 6);
    for (const kept of ["WPA2-Personal", "kept-user", "http://fw/1.bin", "kept-name", "ck", "KeyPassphrase", "Device.ManagementServer.ConnectionRequestPassword"]) assert.ok(all.includes(kept), kept);
  });

  it("holds USP Msgs to the same per-envelope and per-session caps", () => {
    const c = new EnvelopeCapture({ maxEnvelopeBytes: 256, maxSessionBytes: 300 });
    const m = { direction: "sent" as const, at: new Date(), mtp: "mqtt", msg: uspMsg("get", "1", { paramPaths: [`Device.${"X".repeat(300)}.`], maxDepth: 0 }) };
    for (let i = 0; i < 3; i++) c.addUsp(m);
    assert.deepEqual(c.envelopes.map((e) => [e.protocol, e.truncated, Buffer.byteLength(e.protocol === "usp" ? e.msg : "")]), [["usp", true, 256], ["usp", true, 44]]);
    assert.equal(c.dropped, 1);
  });

  it("masks before it cuts, so that a cut cannot leave a secret's start", () => {
    const c = new EnvelopeCapture({ maxEnvelopeBytes: 200, maxSessionBytes: 10_000 });
    const xml = pvs("Device.ManagementServer.ConnectionRequestPassword", "s".repeat(400));
    c.add("sent", xml, new Date());
    assert.ok(!xmlOf(c.envelopes[0]!).includes("sss"));
    assert.equal(c.envelopes[0]!.truncated, false);
  });
});

forEachBackend((backend) => {
  describe("session history in the store", () => {
    let store: Store;
    before(async () => {
      store = await backend.open();
      await store.devices.recordInform({ id: "dev-1", manufacturer: "Acme", oui: "A1B2C3", productClass: "HGW", serialNumber: "1", at: new Date(), address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
    });
    after(() => store.close());

    const summary = { events: ["2 PERIODIC"], rpcs: [], cpeRequests: [], tasks: { done: 0, failed: 0 }, faults: [] };
    const end = (h: SessionHistory, sessionId: string, at: Date, capture: ReturnType<SessionHistory["capture"]>) =>
      h.ended({ deviceId: "dev-1", sessionId, startedAt: at, endedAt: at, outcome: "completed", summary }, capture);

    it("keeps no envelopes when sessionHistory.envelopes is off, and nothing at all with perDevice 0", async () => {
      const off = new SessionHistory(store, silentLogger, { perDevice: 2, envelopes: false, maxEnvelopeBytes: 1000, maxSessionBytes: 10_000, maxHeldBytes: 1_000_000 }, () => new Date(), 0);
      assert.equal(off.capture(), null);
      end(off, "s-off", new Date(), off.capture());
      await off.close();
      assert.equal((await store.sessionHistory.get("dev-1", "s-off"))?.envelopes, null);

      const none = new SessionHistory(store, silentLogger, { perDevice: 0, envelopes: true, maxEnvelopeBytes: 1000, maxSessionBytes: 10_000, maxHeldBytes: 1_000_000 }, () => new Date(), 0);
      assert.equal(none.capture(), null);
      end(none, "s-none", new Date(), null);
      await none.close();
      assert.equal(await store.sessionHistory.get("dev-1", "s-none"), null);
    });

    it("keeps a USP device's Msgs beside CWMP envelopes, in order, with their MTP, and reads them back", async () => {
      const h = new SessionHistory(store, silentLogger, { perDevice: 5, envelopes: true, maxEnvelopeBytes: 500, maxSessionBytes: 10_000, maxHeldBytes: 1_000_000 }, () => new Date(), 0);
      const c = h.capture()!;
      const at = new Date("2026-01-02T03:04:05.678Z");
      c.addUsp({ direction: "sent", at, mtp: "websocket", msg: uspMsg("set", "m-1", { allowPartial: false, updateObjs: [{ objPath: "Device.Users.User.1.", paramSettings: [{ param: "Password", value: "hunter2", required: true }] }] }) });
      c.addUsp({ direction: "received", at, mtp: "websocket", msg: uspMsg("getResp", "m-2", { reqPathResults: [{ requestedPath: "Device.", errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.DeviceInfo.", resultParams: { Description: "d".repeat(600) } }] }] }) });
      c.add("received", pvs("Device.DeviceInfo.UpTime", "42"), at);
      end(h, "s-usp", at, c);
      await h.close();
      const got = (await store.sessionHistory.get("dev-1", "s-usp"))!.envelopes!;
      assert.deepEqual(got.map((e) => [e.protocol ?? "cwmp", e.direction, e.at.toISOString(), e.truncated]), [
        ["usp", "sent", at.toISOString(), false],
        ["usp", "received", at.toISOString(), true],
        ["cwmp", "received", at.toISOString(), false],
      ]);
      const [set, resp] = got as UspSessionMessage[];
      assert.deepEqual([set!.mtp, set!.msgId, set!.msgType, resp!.msgType], ["websocket", "m-1", "SET", "GET_RESP"]);
      const setJson = JSON.parse(set!.msg);
      assert.deepEqual(setJson.body.request.set.update_objs[0].param_settings[0], { param: "Password", value: "***", required: true });
      assert.equal(Buffer.byteLength(resp!.msg), 500, "cut at maxEnvelopeBytes");
      assert.ok(resp!.msg.startsWith('{\n  "header": {\n    "msg_id": "m-2"'), resp!.msg.slice(0, 60));
    });

    it("writes the rows of sessions that end together in one transaction, each device keeping its newest perDevice", async () => {
      const counters = new StoreCounters();
      const counted = await backend.open({ postgres: { counters }, sqlite: { counters } });
      try {
        const device = (id: string) => counted.devices.recordInform({ id, manufacturer: "Acme", oui: "A1B2C3", productClass: "HGW", serialNumber: id, at: new Date(), address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
        await device("b-1");
        await device("b-2");
        const h = new SessionHistory(counted, silentLogger, { perDevice: 2, envelopes: true, maxEnvelopeBytes: 1000, maxSessionBytes: 10_000, maxHeldBytes: 1_000_000 }, () => new Date(), 3_600_000);
        const began = counters.transactions;
        const t0 = Date.now();
        for (let i = 0; i < 6; i++) {
          const deviceId = i % 2 === 0 ? "b-1" : "b-2";
          const capture = h.capture();
          capture?.add("received", `<Inform>${i}</Inform>`, new Date(t0 + i));
          h.ended({ deviceId, sessionId: `s-${i}`, startedAt: new Date(t0 + i), endedAt: new Date(t0 + i), outcome: "completed", summary }, capture);
        }
        await h.close();
        // The six rows in one write; the per-minute counts in two of their own (the first session's at once,
        // the others' at close).
        assert.equal(counters.transactions - began, 3);
        assert.deepEqual((await counted.sessionHistory.list("b-1", 10)).map((r) => r.sessionId), ["s-4", "s-2"]);
        assert.deepEqual((await counted.sessionHistory.list("b-2", 10)).map((r) => r.sessionId), ["s-5", "s-3"]);
        assert.equal(((await counted.sessionHistory.get("b-2", "s-5"))?.envelopes?.[0] as CwmpSessionEnvelope | undefined)?.xml, "<Inform>5</Inform>");

        // A device deleted before its row was written loses that row only.
        const again = new SessionHistory(counted, silentLogger, { perDevice: 2, envelopes: false, maxEnvelopeBytes: 1000, maxSessionBytes: 10_000, maxHeldBytes: 1_000_000 }, () => new Date(), 3_600_000);
        again.ended({ deviceId: "b-1", sessionId: "s-6", startedAt: new Date(t0 + 6), endedAt: new Date(t0 + 6), outcome: "completed", summary }, null);
        again.ended({ deviceId: "gone", sessionId: "s-gone", startedAt: new Date(t0 + 7), endedAt: new Date(t0 + 7), outcome: "completed", summary }, null);
        again.ended({ deviceId: "b-2", sessionId: "s-7", startedAt: new Date(t0 + 8), endedAt: new Date(t0 + 8), outcome: "completed", summary }, null);
        await again.close();
        assert.deepEqual((await counted.sessionHistory.list("b-1", 10)).map((r) => r.sessionId), ["s-6", "s-4"]);
        assert.deepEqual((await counted.sessionHistory.list("b-2", 10)).map((r) => r.sessionId), ["s-7", "s-5"]);
      } finally {
        await counted.close();
      }
    });

    it("writes nothing and throws nothing for a device deleted meanwhile", async () => {
      const h = new SessionHistory(store, silentLogger, { perDevice: 2, envelopes: true, maxEnvelopeBytes: 1000, maxSessionBytes: 10_000, maxHeldBytes: 1_000_000 }, () => new Date(), 0);
      h.ended({ deviceId: "gone", sessionId: "s-gone", startedAt: new Date(), endedAt: new Date(), outcome: "completed", summary }, h.capture());
      await h.close();
      assert.equal(await store.sessionHistory.get("gone", "s-gone"), null);
    });
  });
});
