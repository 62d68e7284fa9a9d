// A PostgreSQL pool whose every connection is in use: a call that waits too long for one fails, but the
// database is not taken for down. It used to be: pg-pool's wait timeout reads like an unreachable
// server, so the store turned every call away for a while and logged an outage, and under load a busy
// minute became one outage after another.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AvailabilityChange } from "../../src/store/availability.js";
import { isStoreUnavailable } from "../../src/store/index.js";
import { openPostgresStore } from "../../src/store/postgres/index.js";
import type { Store } from "../../src/store/types.js";
import { createTestDatabase, pgServerUrl, PG_MISSING_MESSAGE, type TestDatabase } from "../support/pg.js";

describe("postgres: a saturated pool is not an outage", () => {
  let db: TestDatabase;
  let store: Store;
  const changes: AvailabilityChange[] = [];
  before(async () => {
    const server = pgServerUrl();
    assert.ok(server, PG_MISSING_MESSAGE);
    db = await createTestDatabase(server);
    store = await openPostgresStore(db.url, { maxConnections: 1, connectTimeoutMs: 300, onAvailability: (c) => changes.push(c) });
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  it("fails the call that found no free connection, and the next one goes through", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    // The pool's only connection, held by a transaction until the test lets it go.
    const tx = store.transaction(async (t) => {
      await t.devices.get("nobody");
      entered();
      await held;
    });
    await inside;
    await assert.rejects(store.devices.get("nobody"), (err: unknown) => isStoreUnavailable(err) && /all in use/.test((err as Error).message));
    release();
    await tx;
    assert.equal(await store.devices.get("nobody"), null, "the next call is not turned away");
    assert.deepEqual(changes, [], "no outage was reported");
  });
});
