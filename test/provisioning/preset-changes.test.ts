// A preset stored through the API applies to every session that starts after the call returned, in every
// ACS process (not a refresh interval later); and a device still on the shared bootstrap credentials
// gets its own at its next session, whatever its events. Both backends, two ACS processes on one store.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CwmpMessage } from "../../src/cwmp/index.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { refuseUntilEnd, TestCpe } from "../support/test-cpe.js";

const BOOTSTRAP = { name: "bootstrap", events: ["0 BOOTSTRAP"], filter: 'productClass = "LATE"', provisions: [{ name: "builtin:bootstrap-credentials" }] };

/** The parameters an RPC reads or sets (GetParameterValues comes first: the engine reads before it writes). */
function namesIn(m: CwmpMessage): string[] {
  if (m.method === "GetParameterValues") return [...m.parameterNames].sort();
  if (m.method === "SetParameterValues") return m.parameterList.map((p) => p.name).sort();
  throw new assert.AssertionError({ message: `unexpected ${m.method}` });
}

const CREDENTIAL_PARAMETERS = [
  "Device.ManagementServer.ConnectionRequestPassword",
  "Device.ManagementServer.ConnectionRequestUsername",
  "Device.ManagementServer.Password",
  "Device.ManagementServer.Username",
];

forEachBackend((backend) => {
  describe(`preset changes and late bootstraps (${backend.name})`, () => {
    let a: ApiAcs;
    let b: ApiAcs;
    const cpes: TestCpe[] = [];

    before(async () => {
      // Refresh intervals far longer than the test: only the session's own check can find the change.
      const settings = { provisioning: { refreshInterval: 3600 } };
      a = await startApiAcs(backend, { settings });
      b = await startApiAcs(backend, { settings, dbUrl: a.dbUrl, dataDir: a.dataDir });
    });
    after(async () => {
      for (const c of cpes) c.close();
      await b.stop();
      await a.stop();
    });

    const cpe = (serial: string, acs: ApiAcs) => {
      const c = new TestCpe({ url: acs.url, username: acs.username, password: acs.password, identity: { productClass: "LATE", serialNumber: serial } });
      cpes.push(c);
      return c;
    };

    it("applies a preset stored through one process to the next session on another", async () => {
      // b has read the presets (there are none) before the change.
      const early = cpe("EARLY-1", b);
      assert.equal((await early.inform(["0 BOOTSTRAP"])).status, 200);
      assert.deepEqual(await refuseUntilEnd(early, await early.send(null)), [], "no preset yet, nothing to do");

      const stored = await a.api.put("/api/presets/bootstrap", BOOTSTRAP);
      assert.equal(stored.status, 200, stored.text);

      const fresh = cpe("FRESH-1", b);
      assert.equal((await fresh.inform(["0 BOOTSTRAP"])).status, 200);
      const rpcs = await refuseUntilEnd(fresh, await fresh.send(null));
      assert.ok(rpcs.length > 0, "the new preset gave the device its credentials");
      assert.deepEqual(namesIn(rpcs[0]!), CREDENTIAL_PARAMETERS);
      for (const rpc of rpcs) assert.ok(namesIn(rpc).every((n) => CREDENTIAL_PARAMETERS.includes(n)));
    });

    it("gives a device still on the bootstrap credentials its own at its next session, whatever its events", async () => {
      // EARLY-1 bootstrapped before the preset existed; its next session is a periodic one, on either process.
      const early = new TestCpe({ url: a.url, username: a.username, password: a.password, identity: { productClass: "LATE", serialNumber: "EARLY-1" } });
      cpes.push(early);
      assert.equal((await early.inform(["2 PERIODIC"])).status, 200);
      const rpcs = await refuseUntilEnd(early, await early.send(null));
      assert.ok(rpcs.length > 0, "the device got its credentials in a periodic session");
      assert.deepEqual(namesIn(rpcs[0]!), CREDENTIAL_PARAMETERS);
      for (const rpc of rpcs) assert.ok(namesIn(rpc).every((n) => CREDENTIAL_PARAMETERS.includes(n)));

      // A device of another product class, which the preset's filter does not match, gets nothing.
      const other = new TestCpe({ url: a.url, username: a.username, password: a.password, identity: { productClass: "OTHER", serialNumber: "OTHER-1" } });
      cpes.push(other);
      assert.equal((await other.inform(["2 PERIODIC"])).status, 200);
      assert.deepEqual(await refuseUntilEnd(other, await other.send(null)), []);
    });
  });
});
