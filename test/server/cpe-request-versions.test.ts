// Found by `npm run fuzz` (docs/RELIABILITY.md): a CPE in a cwmp-1-0 session sent a request that only a
// later version defines (AutonomousDUStateChangeComplete in cwmp-1-2), and the ACS answered 500
// "internal error", since the response it wrote does not exist in the session's version either. It is a
// CWMP fault 8000 (method not supported) now, and the session goes on.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { serializeEnvelope } from "../../src/cwmp/index.js";
import { envelopeOf, messageFixtures } from "../cwmp/fixtures.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

const LATER_REQUESTS = ["AutonomousTransferComplete", "DUStateChangeComplete", "AutonomousDUStateChangeComplete"];

forEachBackend((backend) => {
  describe("a CPE request its session's CWMP version does not define", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend);
    });
    after(() => t.stop());

    for (const name of LATER_REQUESTS) {
      it(`${name} in a cwmp-1-0 session gets fault 8000, and the session goes on`, async () => {
        const fixture = messageFixtures.find((f) => f.name === name)!;
        const cpe = new TestCpe({ url: t.url, username: t.username, password: t.password, ns: "1-0" });
        try {
          assert.equal((await cpe.inform(["1 BOOT"])).status, 200);
          const reply = await cpe.post(serializeEnvelope(envelopeOf(fixture, fixture.since)));
          assert.equal(reply.status, 500, reply.text);
          assert.equal(reply.envelope?.ns, "1-0");
          const fault = rpcIn(reply);
          assert.equal(fault.method, "Fault");
          assert.equal(fault.method === "Fault" && fault.detail.faultCode, 8000);
          assert.equal((await cpe.send(null)).status, 204);
        } finally {
          cpe.close();
        }
      });
    }
  });
});
