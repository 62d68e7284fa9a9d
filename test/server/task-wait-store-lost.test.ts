// A caller waiting for a task (the API's `wait`) whose last read fails, because the store went away in
// the meantime: the wait fails with the store's error, which the API answers as 503. It used to leave
// the read's rejection unhandled, which ends a Node process, and the caller waiting forever.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EventBus } from "../../src/server/events.js";
import { TaskService } from "../../src/server/tasks.js";
import { isStoreUnavailable, openStore, StoreError } from "../../src/store/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";

forEachBackend((backend) => {
  describe("waiting for a task when the store is lost", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend);
    });
    after(() => t.stop());

    it("fails the wait with the store's error instead of leaving it unhandled", async () => {
      const cpe = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await cpe.inform(["0 BOOTSTRAP"]);
      await cpe.send(null);
      cpe.close();
      // A store of its own on the same database, so that closing it leaves the ACS's intact.
      const store = await openStore(t.dbUrl, { migrate: false });
      // The wait subscribes to task events once its first read is done: then the store may go.
      let waiting!: () => void;
      const subscribed = new Promise<void>((resolve) => (waiting = resolve));
      const events = new EventBus();
      const tasks = new TaskService(store, { maxAttempts: 3, expirySeconds: 0 }, {
        emit: (e) => events.emit(e),
        subscribe: (listener) => {
          waiting();
          return events.subscribe(listener);
        },
      });
      const task = await tasks.create(cpe.deviceId, "reboot", {});
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      try {
        // Polls every 10 s (never, within the test): the deadline's read is the one that meets the closed store.
        const wait = tasks.waitFor(task.id, 300, 10_000);
        await subscribed;
        await store.close();
        const outcome = await Promise.race([
          wait.then((v) => ({ resolved: v }), (err: unknown) => ({ rejected: err })),
          new Promise<{ hung: true }>((resolve) => setTimeout(() => resolve({ hung: true }), 5_000)),
        ]);
        assert.ok("rejected" in outcome, `the wait should fail; it ${"hung" in outcome ? "never ended" : "resolved"}`);
        const err = outcome.rejected;
        assert.ok(err instanceof StoreError || isStoreUnavailable(err), `a store error, got ${String(err)}`);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(unhandled, [], "no rejection is left unhandled");
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
    });
  });
});
