// The CWMP door's checks on what a CPE sends, against a real ACS over real HTTP: header entries it must
// understand (issue 12.10), identities that could collide or that the API could not address (12.10,
// 12.9). Each test is named after what it reproduces.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { serializeEnvelope, xsdValue, type CwmpMessage } from "../../src/cwmp/index.js";
import { DEVICE_ID_FIELD_LIMITS, MAX_DEVICE_ID_LENGTH } from "../../src/session/index.js";
import { HttpApi } from "../e2e/support.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe, type CpeReply } from "../support/test-cpe.js";

const SOAP = "http://schemas.xmlsoap.org/soap/envelope/";

function informXml(serial: string, header = ""): string {
  const body: CwmpMessage = {
    method: "Inform",
    deviceId: { manufacturer: "Acme", oui: "A1B2C3", productClass: "HGW", serialNumber: serial },
    event: [{ eventCode: "2 PERIODIC", commandKey: "" }],
    maxEnvelopes: 1,
    currentTime: "2026-01-01T00:00:00Z",
    retryCount: 0,
    parameterList: [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "1") }],
  };
  const xml = serializeEnvelope({ ns: "1-0", header: { id: "1" }, body });
  return header === "" ? xml : xml.replace("<soapenv:Header>", `<soapenv:Header>${header}`);
}

function cwmpFaultCode(r: CpeReply): number | undefined {
  const f = rpcIn(r);
  return f.method === "Fault" ? f.detail.faultCode : undefined;
}

forEachBackend((backend) => {
  describe("Inform intake", () => {
    let t: ApiAcs;
    let api: HttpApi;
    before(async () => {
      t = await startApiAcs(backend);
      api = new HttpApi(t.apiUrl, t.adminKey);
    });
    after(() => t.stop());

    const cpe = () => new TestCpe({ url: t.url, username: t.username, password: t.password });

    it("an Inform with an unknown mustUnderstand header gets the SOAP MustUnderstand fault and starts nothing", async () => {
      const c = cpe();
      const r = await c.post(informXml("MU1", `<x:Trace xmlns:x="urn:x" soapenv:mustUnderstand="1">1</x:Trace>`));
      assert.equal(r.status, 500);
      assert.match(r.text, /<faultcode>soapenv:MustUnderstand<\/faultcode>/);
      assert.match(r.text, /x:Trace/);
      assert.equal(r.headers["set-cookie"], undefined);
      assert.equal(await t.acs.store.devices.get("A1B2C3-HGW-MU1"), null);
      // Without the mandatory flag the same header is only a warning.
      const ok = await c.post(informXml("MU1", `<x:Trace xmlns:x="urn:x">1</x:Trace>`));
      assert.equal(ok.status, 200);
      assert.ok(await t.acs.store.devices.get("A1B2C3-HGW-MU1"));
      c.close();
    });

    it("inside a session, a message with an unknown mustUnderstand header is faulted and the session goes on", async () => {
      const c = cpe();
      assert.equal((await c.inform()).status, 200);
      const r = await c.post(`<s:Envelope xmlns:s="${SOAP}" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><s:Header><x:T xmlns:x="urn:x" s:mustUnderstand="1"/></s:Header><s:Body><cwmp:GetRPCMethods/></s:Body></s:Envelope>`);
      assert.equal(r.status, 500);
      assert.match(r.text, /MustUnderstand/);
      const grm = await c.send({ method: "GetRPCMethods" });
      assert.equal(rpcIn(grm).method, "GetRPCMethodsResponse");
      assert.equal((await c.send(null)).status, 204);
      c.close();
    });

    it("two serial numbers that differ only in bytes invalid in UTF-8 do not become one device", async () => {
      const c = cpe();
      const [head, tail] = informXml("@").split("@") as [string, string];
      for (const bad of [[0x53, 0xff], [0x53, 0xfe]]) {
        const r = await c.post(Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail)]));
        assert.equal(r.status, 500);
        assert.equal(cwmpFaultCode(r), 8003);
        assert.match(r.text, /not valid in the message's charset/);
      }
      assert.equal(await t.acs.store.devices.get("A1B2C3-HGW-S_EF_BF_BD"), null);
      // U+FFFD sent as valid UTF-8 is a character of the serial number like any other.
      const sent = await c.post(Buffer.from(informXml("S\uFFFD")));
      assert.equal(sent.status, 200);
      assert.ok(await t.acs.store.devices.get("A1B2C3-HGW-S_EF_BF_BD"));
      c.close();
    });

    it("a serial number longer than TR-069 allows (the 30,722-character id) is refused with a CWMP fault", async () => {
      const c = cpe();
      for (const serial of ["X".repeat(30_720), "X".repeat(DEVICE_ID_FIELD_LIMITS.serialNumber + 1)]) {
        const r = await c.post(informXml(serial));
        assert.equal(r.status, 500);
        assert.equal(cwmpFaultCode(r), 8003);
        assert.match(r.text, /SerialNumber has \d+ characters; TR-069 allows 64/);
        assert.equal(await t.acs.store.devices.get(`A1B2C3-HGW-${serial}`), null);
      }
      c.close();
    });

    it("the longest identity the door takes has an id the API can read and delete", async () => {
      // Four UTF-8 bytes per character, each escaped as _XX: the longest id deviceIdOf can make.
      const longest = new TestCpe({
        url: t.url,
        username: t.username,
        password: t.password,
        identity: { oui: "\u{1F600}".repeat(6), productClass: "\u{1F600}".repeat(64), serialNumber: "\u{1F601}".repeat(64), manufacturer: "M".repeat(64) },
      });
      assert.equal(longest.deviceId.length, MAX_DEVICE_ID_LENGTH);
      assert.equal((await longest.inform(["0 BOOTSTRAP"])).status, 200);
      assert.equal((await longest.send(null)).status, 204);
      const path = `/api/devices/${encodeURIComponent(longest.deviceId)}`;
      const got = await api.get(path);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.equal(got.body.device.id, longest.deviceId);
      assert.equal((await api.get(`/api/tasks?deviceId=${encodeURIComponent(longest.deviceId)}`)).status, 200);
      assert.equal((await api.del(path)).status, 204);
      assert.equal((await api.get(path)).status, 404);
      longest.close();
    });
  });
});
