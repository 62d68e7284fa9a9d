// Provisioning scripts run outside store transactions, so a script that runs to its time limit holds up
// only its own device's session (on SQLite every transaction shares one connection); and a script that
// fails every time is suspended, visibly, until an operator stores it again. Both backends.

import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { eventually, startApiAcs, type ApiAcs } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { refuseUntilEnd, TestCpe } from "../support/test-cpe.js";

async function put(t: ApiAcs, path: string, doc: unknown): Promise<void> {
  const r = await t.api.put(path, doc);
  assert.equal(r.status, 200, r.text);
}

/** One whole session: Inform, empty POST, and the ACS's RPCs answered with a fault until the 204. */
async function session(cpe: TestCpe, events: string[]): Promise<void> {
  const informed = await cpe.inform(events);
  assert.equal(informed.status, 200, informed.text);
  await refuseUntilEnd(cpe, await cpe.send(null));
}

forEachBackend((backend) => {
  describe(`provisioning scripts outside transactions (${backend.name})`, () => {
    let t: ApiAcs;
    const cpes: TestCpe[] = [];
    const cpe = (serial: string) => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { serialNumber: serial } });
      cpes.push(c);
      return c;
    };

    before(async () => {
      // A generous time limit, so that the looping script is still running while another device's whole
      // session goes through, however busy the machine.
      t = await startApiAcs(backend, { settings: { provisioning: { refreshInterval: 0.05, scriptTimeout: 4000, scriptFailureLimit: 3 } } });
      await put(t, "/api/provisions/spin", { name: "spin", kind: "script", script: "for (;;) {}" });
      await put(t, "/api/presets/spin", { name: "spin", filter: 'serialNumber ^= "SPIN"', provisions: [{ name: "spin" }] });
      await put(t, "/api/provisions/broken", { name: "broken", kind: "script", script: 'throw new Error("broken on purpose");' });
      await put(t, "/api/presets/broken", { name: "broken", filter: 'serialNumber ^= "BROKEN"', provisions: [{ name: "broken" }] });
      await t.acs.provisioning.refresh(Date.now(), true);
    });
    after(async () => {
      for (const c of cpes) c.close();
      await t.stop();
    });

    it("lets another device's whole session through while a script runs to its time limit", async () => {
      const spinning = cpe("SPIN-1");
      const other = cpe("OTHER-1");
      assert.equal((await spinning.inform(["0 BOOTSTRAP"])).status, 200);
      let spinDone = false;
      const spinPost = spinning.send(null).then((r) => {
        spinDone = true;
        return r;
      });
      // Let the looping device's exchange reach the ACS first.
      await sleep(300);
      await session(other, ["0 BOOTSTRAP"]);
      assert.equal(spinDone, false, "the other device's session waited for the looping script");
      const answered = await spinPost;
      assert.equal(answered.status, 204, answered.text);
      const faults = await t.acs.store.faults.list({ limit: 10 });
      assert.deepEqual(faults.map((f) => [f.deviceId, f.code]), [[spinning.deviceId, "provision.script-timeout"]]);
    });

    it("suspends a script after provisioning.scriptFailureLimit failing sessions in a row, and resumes it when stored again", async () => {
      const device = cpe("BROKEN-1");
      const faultCode = async () => (await t.acs.store.faults.list({ deviceId: device.deviceId, limit: 10 })).map((f) => f.code);
      for (let i = 0; i < 2; i++) {
        await session(device, [i === 0 ? "0 BOOTSTRAP" : "2 PERIODIC"]);
        assert.deepEqual(await faultCode(), ["provision.script-error"], `session ${i + 1}`);
      }
      // The third failure suspends it; the session itself may already see the suspension when it plans
      // again after the run (the exchange runs again once its scripts have run).
      await session(device, ["2 PERIODIC"]);
      assert.ok(["provision.script-error", "provision.suspended"].includes((await faultCode())[0]!), "session 3");
      const doc = await eventually(async () => {
        const r = await t.api.get("/api/provisions/broken");
        const d = (r.body as { document: { suspended?: { failures: number; reason: string } } }).document;
        return d.suspended;
      }, "the provision suspended");
      assert.equal(doc.failures, 3);
      assert.match(doc.reason, /failed in 3 sessions in a row; the last time: .*broken on purpose/);
      await t.acs.provisioning.refresh(Date.now(), true);
      await session(device, ["2 PERIODIC"]);
      assert.deepEqual(await faultCode(), ["provision.suspended"]);

      // Stored again without `suspended`: it runs (and fails) again.
      await put(t, "/api/provisions/broken", { name: "broken", kind: "script", script: 'throw new Error("broken on purpose");' });
      await t.acs.provisioning.refresh(Date.now(), true);
      await session(device, ["2 PERIODIC"]);
      assert.deepEqual(await faultCode(), ["provision.script-error"]);
    });
  });
});
