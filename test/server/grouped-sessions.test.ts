// CWMP exchanges sharing one PostgreSQL transaction (dbGroupSessions): when one of a group fails in the
// database (here an Inform for a device whose session is still in progress, refused as its session row
// is taken), the others run again on their own and their sessions start as if alone.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { availableBackends, backend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

if (availableBackends().includes("postgres")) {
  describe("grouped CWMP exchanges on PostgreSQL", () => {
    const b = backend("postgres");
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(b, { settings: { dbGroupSessions: 64 } });
    });
    after(() => t.stop());

    it("start every other session when one Inform of their group is refused in the database", async () => {
      const cpe = (identity?: TestCpe["identity"]) => new TestCpe({ url: t.url, username: t.username, password: t.password, ...(identity === undefined ? {} : { identity }) });
      const busy = cpe();
      const first = await busy.inform(["0 BOOTSTRAP"]);
      assert.equal(first.status, 200, `its first session is open: ${first.text}`);
      const again = cpe(busy.identity);
      const others = Array.from({ length: 8 }, () => cpe());
      try {
        for (let round = 0; round < 5; round++) {
          // The refused Inform amid the others, so that it shares their group.
          const replies = await Promise.all([...others.slice(0, 4), again, ...others.slice(4)].map((c) => c.inform(["2 PERIODIC"])));
          const refused = replies[4];
          const started = [...replies.slice(0, 4), ...replies.slice(5)];
          assert.notEqual(refused!.status, 200, "a device whose session is in progress is not given another");
          assert.match(refused!.text, /already has a session in progress/);
          for (const r of started) {
            assert.equal(r.status, 200, r.text);
            assert.equal(rpcIn(r)?.method, "InformResponse");
          }
          // The sessions end, so that the next round starts new ones.
          for (const c of others) assert.equal((await c.send(null)).status, 204);
        }
      } finally {
        for (const c of [busy, again, ...others]) c.close();
      }
    });
  });
}
