// dbPoolSize bounds the PostgreSQL connections an ACS process opens (docs/operations.md sizes it).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestAcs } from "../support/acs.js";
import { forEachBackend, queryDirect } from "../support/pg.js";

forEachBackend((backend) => {
  if (backend.name !== "postgres") return;
  describe("dbPoolSize", () => {
    it("caps the connections of an ACS process: transactions beyond it wait for one", async () => {
      const t = await startTestAcs(backend, { settings: { dbPoolSize: 2 } });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered = 0;
      try {
        const held = Array.from({ length: 5 }, (_, i) =>
          t.acs.store.transaction(async (tx) => {
            await tx.devices.get(`held-${i}`);
            entered++;
            await gate;
          }),
        );
        // Long enough for all five to have begun were there connections for them.
        await new Promise((r) => setTimeout(r, 500));
        const [row] = await queryDirect(t.dbUrl, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        assert.ok(Number(row?.n) <= 2, `connections: ${String(row?.n)}`);
        assert.ok(entered >= 1 && entered <= 2, `transactions in progress: ${entered}`);
        release();
        await Promise.all(held);
        assert.equal(entered, 5);
      } finally {
        release();
        await t.stop();
      }
    });
  });
});
