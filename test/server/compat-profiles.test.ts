// Device compatibility profiles end to end, over real HTTP: a device that matches a profile gets the
// profile's output from its very first reply (the challenge to its first Inform, then the
// InformResponse) to the end of its sessions, and every envelope still validates; other devices get
// today's output on the same ACS.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { digestAuthorization, parseChallenge, pickChallenge } from "../../src/auth/index.js";
import { parseCwmp, serializeEnvelope, xsdValue, type CwmpMessage } from "../../src/cwmp/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { bbfDir } from "../support/paths.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The server closed the connection after this reply. */
  closed: Promise<void>;
}

/** A CPE that shows every reply, the 401s included, and sees whether the server closes the connection. */
class RawCpe {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private cookie: string | undefined;
  private nc = 0;
  readonly serial = `L${randomBytes(4).toString("hex").toUpperCase()}`;
  constructor(private readonly url: string, private readonly username: string, private readonly password: string) {}

  post(body: string, authorization?: string): Promise<Reply> {
    const headers: Record<string, string> = { "Content-Type": 'text/xml; charset="utf-8"', SOAPAction: "" };
    if (authorization !== undefined) headers.Authorization = authorization;
    if (this.cookie !== undefined) headers.Cookie = this.cookie;
    return new Promise((resolve, reject) => {
      const req = request(this.url, { method: "POST", headers, agent: this.agent }, (res) => {
        const socket = res.socket;
        const closed = new Promise<void>((done) => (socket.destroyed ? done() : socket.once("close", () => done())));
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const set = res.headers["set-cookie"]?.[0];
          if (set !== undefined) this.cookie = set.split(";")[0];
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8"), closed });
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  /** The Digest answer to a 401, for the same body sent again. */
  authorization(challenge: Reply): string {
    const c = pickChallenge(parseChallenge(challenge.headers["www-authenticate"]));
    assert.ok(c !== undefined && c.scheme === "Digest");
    return digestAuthorization({ challenge: c, username: this.username, password: this.password, method: "POST", uri: new URL(this.url).pathname, cnonce: randomBytes(8).toString("hex"), nc: ++this.nc });
  }

  informBody(id: string): string {
    return this.envelope(id, {
      method: "Inform",
      deviceId: { manufacturer: "Legacy Corp", oui: "00D09E", productClass: "OLD1", serialNumber: this.serial },
      event: [{ eventCode: "1 BOOT", commandKey: "" }],
      maxEnvelopes: 1,
      currentTime: "2026-12-06T01:00:00Z",
      retryCount: 0,
      parameterList: [{ name: "InternetGatewayDevice.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "1.0") }],
    });
  }

  envelope(id: string, body: CwmpMessage): string {
    return serializeEnvelope({ ns: "1-0", header: { id }, body });
  }

  get deviceId(): string {
    return `00D09E-OLD1-${this.serial}`;
  }

  close(): void {
    this.agent.destroy();
  }
}

function validate(xmls: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), "provisio-compat-"));
  try {
    const files = xmls.map((xml, i) => {
      const file = join(dir, `${i}.xml`);
      writeFileSync(file, xml);
      return file;
    });
    const r = spawnSync("bash", [join(bbfDir, "validate-cwmp"), ...files], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const legacy = {
  name: "legacy-soap-env",
  filter: 'oui = "00D09E" AND InternetGatewayDevice.DeviceInfo.SoftwareVersion ^= "1."',
  xmlDeclaration: false,
  soapEnvPrefix: "SOAP-ENV",
  soapEncPrefix: "SOAP-ENC",
  emptyElements: "selfClosing",
  connection: "close",
};

forEachBackend((backend) => {
  describe("device compatibility profiles over HTTP", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend, { settings: { cwmp: { compatProfiles: [legacy] } } });
    });
    after(() => t.stop());

    it("answers a matching device in its profile from the first 401 to the end of its sessions", async () => {
      const cpe = new RawCpe(t.url, t.username, t.password);
      const sent: string[] = [];
      try {
        // Session 1: the challenge, then the InformResponse, each on a connection the ACS closes.
        const challenge = await cpe.post(cpe.informBody("1"));
        assert.equal(challenge.status, 401);
        assert.equal(challenge.headers.connection, "close");
        await challenge.closed;
        const informed = await cpe.post(cpe.informBody("1"), cpe.authorization(challenge));
        assert.equal(informed.status, 200);
        assert.equal(informed.headers.connection, "close");
        assert.ok(informed.text.startsWith('<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:SOAP-ENC='), informed.text);
        assert.match(informed.text, /<SOAP-ENV:Body><cwmp:InformResponse><MaxEnvelopes>1<\/MaxEnvelopes><\/cwmp:InformResponse><\/SOAP-ENV:Body><\/SOAP-ENV:Envelope>$/);
        sent.push(informed.text);
        await informed.closed;
        const ended = await cpe.post("");
        assert.equal(ended.status, 204);
        assert.equal(ended.headers.connection, "close");

        // Session 2, with a task: the RPC and the end follow the profile too (the session keeps it).
        const task = await t.acs.tasks.create(cpe.deviceId, "getParameterValues", { parameterNames: ["InternetGatewayDevice.DeviceInfo.UpTime"] });
        const again = await cpe.post(cpe.informBody("2"));
        assert.equal(again.status, 401);
        const informed2 = await cpe.post(cpe.informBody("2"), cpe.authorization(again));
        assert.equal(informed2.status, 200);
        sent.push(informed2.text);
        const rpc = await cpe.post("");
        assert.equal(rpc.status, 200);
        assert.equal(rpc.headers.connection, "close");
        assert.ok(rpc.text.startsWith("<SOAP-ENV:Envelope "), rpc.text);
        const gpv = parseCwmp(rpc.text).envelopes[0]!;
        assert.equal(gpv.body?.method, "GetParameterValues");
        sent.push(rpc.text);
        const done = await cpe.post(
          cpe.envelope(gpv.header.id!, { method: "GetParameterValuesResponse", parameterList: [{ name: "InternetGatewayDevice.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "42") }] }),
        );
        assert.equal(done.status, 204);
        assert.equal(done.headers.connection, "close");
        assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
        validate(sent);
      } finally {
        cpe.close();
      }
    });

    it("keeps a session's profile when another ACS process carries the session on", async () => {
      // The same database, secrets key and bootstrap credentials, and the same profiles: a second process.
      const settings = { secretsKey: randomBytes(32).toString("base64"), cwmp: { compatProfiles: [legacy], bootstrapUsername: "boot", bootstrapPassword: "boot-secret" } };
      const a = await startTestAcs(backend, { settings });
      const b = await startTestAcs(backend, { settings, dbUrl: a.dbUrl });
      const c = new TestCpe({ url: a.url, username: "boot", password: "boot-secret", identity: { oui: "00D09E" } });
      const version = [{ name: "InternetGatewayDevice.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "1.9") }];
      try {
        await c.inform(["0 BOOTSTRAP"], version);
        assert.equal((await c.send(null)).status, 204);
        await a.acs.tasks.create(c.deviceId, "reboot", {});
        const informed = await c.inform(["2 PERIODIC"], version);
        assert.ok(informed.text.startsWith("<SOAP-ENV:Envelope "), informed.text);
        c.moveTo(b.url);
        const rpc = await c.send(null);
        assert.equal(rpcIn(rpc).method, "Reboot");
        assert.ok(rpc.text.startsWith("<SOAP-ENV:Envelope "), rpc.text);
        assert.equal(rpc.headers.connection, "close");
        validate([informed.text, rpc.text]);
      } finally {
        c.close();
        await b.stop();
        await a.stop();
      }
    });

    it("answers other devices as before: XML declaration, soapenv, keep-alive", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { oui: "00D09E" } });
      try {
        // Same OUI, but the profile's filter also wants a 1.x SoftwareVersion in the Inform.
        const r = await c.inform(["1 BOOT"], [{ name: "InternetGatewayDevice.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "2.0") }]);
        assert.equal(r.status, 200);
        assert.notEqual(r.headers.connection, "close");
        assert.ok(r.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope '), r.text);
        assert.deepEqual(rpcIn(r), { method: "InformResponse", maxEnvelopes: 1 });
        assert.equal((await c.send(null)).status, 204);
      } finally {
        c.close();
      }
    });
  });
});
