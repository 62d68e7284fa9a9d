// The CWMP door's checks on what a CPE sends, against a real ACS over real HTTP: header entries it must
// understand (issue 12.10), identities that could collide or that the API could not address (12.10,
// 12.9), Informs bigger than a login may send (12.8). Each test is named after what it reproduces.

import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { serializeEnvelope, xsdValue, type CwmpMessage, type ParameterValueStruct } from "../../src/cwmp/index.js";
import { DEVICE_ID_FIELD_LIMITS, MAX_DEVICE_ID_LENGTH } from "../../src/session/index.js";
import { HttpApi } from "../e2e/support.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe, type CpeReply } from "../support/test-cpe.js";

const SOAP = "http://schemas.xmlsoap.org/soap/envelope/";

/** An Inform envelope from device A1B2C3-HGW-`serial` carrying these parameters. */
function informOf(serial: string, parameterList: ParameterValueStruct[]): string {
  const body: CwmpMessage = {
    method: "Inform",
    deviceId: { manufacturer: "Acme", oui: "A1B2C3", productClass: "HGW", serialNumber: serial },
    event: [{ eventCode: "2 PERIODIC", commandKey: "" }],
    maxEnvelopes: 1,
    currentTime: "2026-01-01T00:00:00Z",
    retryCount: 0,
    parameterList,
  };
  return serializeEnvelope({ ns: "1-0", header: { id: "1" }, body });
}

function informXml(serial: string, header = ""): string {
  const xml = informOf(serial, [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "1") }]);
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

/** An Inform of `count` parameters, each value `valueLength` characters long. */
function bigInform(serial: string, count: number, valueLength = 8): string {
  return informOf(serial, Array.from({ length: count }, (_, i) => ({ name: `Device.X_Test.P${i}`, value: xsdValue("xsd:string", "v".repeat(valueLength)) })));
}

/** One POST on its own connection; a connection the ACS closes on an unread body counts as refused (status 0). */
function postOnce(url: string, body: string, authorization?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: "POST", agent: false, headers: { "Content-Type": "text/xml", ...(authorization === undefined ? {} : { Authorization: authorization }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", () => resolve({ status: res.statusCode ?? 0, text: "" }));
    });
    req.on("error", () => resolve({ status: 0, text: "" }));
    req.end(body);
  });
}

// The garbage collector, for the memory check (the test runner does not pass --expose-gc).
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;

forEachBackend((backend) => {
  describe("Inform limits (issue 12.8)", () => {
    let t: ApiAcs;
    const limits = { maxInformBytes: 256 * 1024, maxInformParameters: 400, maxInformValueLength: 1024, bootstrapMaxInformBytes: 64 * 1024, bootstrapMaxInformParameters: 50 };
    before(async () => {
      t = await startApiAcs(backend, { settings: { cwmp: limits } });
    });
    after(() => t.stop());

    const cpe = () => new TestCpe({ url: t.url, username: t.username, password: t.password });
    const basic = (user: string) => `Basic ${Buffer.from(`${user}:x`).toString("base64")}`;

    it("an 11 MB Inform of 100,000 parameters with the bootstrap credentials is refused before it is read", async () => {
      const huge = bigInform("HUGE1", 100_000, 60);
      assert.ok(huge.length > 11_000_000);
      const r = await postOnce(t.url, huge, basic(t.username));
      if (r.status !== 0) {
        assert.equal(r.status, 413);
        assert.match(r.text, /BODY_TOO_LARGE: body of \d+ bytes exceeds the limit of 65536 \(an Inform with the bootstrap credentials\)/);
      }
      assert.equal(await t.acs.store.devices.get("A1B2C3-HGW-HUGE1"), null);
    });

    it("the bootstrap login gets the tighter body limit; another login, or none, the Inform one", async () => {
      const body = bigInform("MID1", 40, 2000);
      assert.ok(body.length > limits.bootstrapMaxInformBytes && body.length < limits.maxInformBytes);
      const asBootstrap = await postOnce(t.url, body, basic(t.username));
      assert.equal(asBootstrap.status, 413);
      // Read, then refused for its credentials (a device's own login would be taken in).
      const asOther = await postOnce(t.url, body, basic("someone-else"));
      assert.equal(asOther.status, 401);
      // Nor does a request without credentials meet it: a Digest exchange that starts with the Inform gets its challenge.
      const unauthenticated = await postOnce(t.url, body);
      assert.equal(unauthenticated.status, 401);
    });

    it("an Inform with more parameters than the bootstrap login may carry is refused with fault 8004", async () => {
      const c = cpe();
      const r = await c.post(bigInform("MANY1", 60));
      assert.equal(r.status, 500);
      assert.equal(cwmpFaultCode(r), 8004);
      assert.match(r.text, /Inform carries 60 parameters; at most 50 are accepted with the bootstrap credentials/);
      assert.equal(await t.acs.store.devices.get("A1B2C3-HGW-MANY1"), null);
      c.close();
    });

    it("inside a session too, a new Inform with the bootstrap credentials meets the bootstrap parameter limit", async () => {
      const c = cpe();
      assert.equal((await c.inform()).status, 200);
      const r = await c.post(bigInform("MANY3", 60));
      assert.equal(cwmpFaultCode(r), 8004);
      assert.match(r.text, /at most 50 are accepted with the bootstrap credentials/);
      c.close();
    });

    it("far more parameters stop the reading early (XML_LIMIT_ELEMENTS), with the limit said", async () => {
      const body = bigInform("MANY2", 300);
      assert.ok(body.length < limits.bootstrapMaxInformBytes);
      const r = await postOnce(t.url, body, basic(t.username));
      assert.equal(r.status, 400);
      assert.match(r.text, /XML_LIMIT_ELEMENTS: .*at most 65536 bytes and 50 parameters/);
    });

    it("a parameter value longer than maxInformValueLength is refused with fault 8004", async () => {
      const c = cpe();
      const r = await c.post(bigInform("LONG1", 3, 1025));
      assert.equal(cwmpFaultCode(r), 8004);
      assert.match(r.text, /has a name or value of 1025 characters; at most 1024/);
      c.close();
    });

    it("a made-up session cookie does not buy the session's body limit", async () => {
      const body = bigInform("COOKIE1", 40, 2000);
      const withCookie = await new Promise<number>((resolve) => {
        const req = request(t.url, { method: "POST", agent: false, headers: { "Content-Type": "text/xml", Cookie: "provisio_session=made-up", Authorization: basic(t.username) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", () => resolve(0));
        req.end(body);
      });
      assert.ok(withCookie === 413 || withCookie === 0, `status ${withCookie}`);
    });

    it("a burst of oversized Informs is refused, the ACS keeps serving, and its memory comes back", async () => {
      const warm = cpe();
      assert.equal((await warm.inform()).status, 200);
      warm.close();
      collect();
      const baseline = process.memoryUsage().heapUsed;
      const tooMany = bigInform("BURST", 300);
      const tooBig = bigInform("BURST", 200, 1000);
      let refused = 0;
      for (let round = 0; round < 10; round++) {
        const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => postOnce(t.url, i % 2 === 0 ? tooMany : tooBig, basic(t.username))));
        refused += replies.filter((r) => r.status === 413 || r.status === 400 || r.status === 0).length;
        // Other devices' sessions go on during the burst.
        const c = cpe();
        assert.equal((await c.inform()).status, 200);
        assert.equal((await c.send(null)).status, 204);
        c.close();
      }
      assert.equal(refused, 80);
      collect();
      const grown = process.memoryUsage().heapUsed - baseline;
      // Generous: the burst sent 80 bodies of up to 1 MB; none of them may stay behind.
      assert.ok(grown < 48 * 1024 * 1024, `heap grew by ${Math.round(grown / 1048576)} MB`);
    });
  });
});
