// CWMP over HTTPS: Basic over TLS, and TLS client certificates tied to the device's identity.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { createTestPki, type TestPki } from "../support/certs.js";
import { forEachBackend } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";

forEachBackend((backend) => {
  describe("CWMP over HTTPS", () => {
    let pki: TestPki;
    let t: TestAcs;
    let httpsUrl: string;
    before(async () => {
      pki = createTestPki();
      t = await startTestAcs(backend, {
        settings: {
          cwmp: { httpsPort: 0, tlsCert: pki.server.certFile, tlsKey: pki.server.keyFile, tlsClientCa: pki.ca.certFile, tlsClientIdentity: "serialNumber" },
        },
      });
      httpsUrl = `https://127.0.0.1:${t.acs.cwmpsPort}/`;
    });
    after(async () => {
      await t.stop();
      pki.remove();
    });

    it("accepts Basic over TLS, which plain HTTP refuses", async () => {
      const c = new TestCpe({ url: httpsUrl, username: t.username, password: t.password, preferBasic: true, tls: { ca: pki.ca.cert } });
      const r = await c.inform(["0 BOOTSTRAP"]);
      assert.equal(r.status, 200);
      assert.equal((await c.send(null)).status, 204);
      assert.ok(await t.acs.store.devices.get(c.deviceId));
      c.close();
    });

    it("lets a device in on a client certificate naming its serial number, without HTTP credentials", async () => {
      const serial = "CERT0001";
      const cert = pki.client(serial);
      const c = new TestCpe({ url: httpsUrl, identity: { serialNumber: serial }, tls: { ca: pki.ca.cert, cert: cert.cert, key: cert.key } });
      const r = await c.inform(["0 BOOTSTRAP"]);
      assert.equal(r.status, 200);
      assert.equal((await c.send(null)).status, 204);
      assert.ok(await t.acs.store.devices.get(c.deviceId));
      c.close();
    });

    it("refuses a certificate that names another device", async () => {
      const cert = pki.client("SOMEONE-ELSE");
      const c = new TestCpe({ url: httpsUrl, identity: { serialNumber: "CERT0002" }, tls: { ca: pki.ca.cert, cert: cert.cert, key: cert.key } });
      const r = await c.inform(["0 BOOTSTRAP"]);
      assert.equal(r.status, 403);
      assert.equal(await t.acs.store.devices.get(c.deviceId), null);
      c.close();
    });

    it("does not trust a certificate from another CA: the device must authenticate over HTTP", async () => {
      const cert = pki.stranger("CERT0003");
      const c = new TestCpe({ url: httpsUrl, identity: { serialNumber: "CERT0003" }, tls: { ca: pki.ca.cert, cert: cert.cert, key: cert.key } });
      assert.equal((await c.inform(["0 BOOTSTRAP"])).status, 401);
      c.close();
    });
  });
});
