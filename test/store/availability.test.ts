// The drivers' view of whether the database is reachable: back-off between attempts after failures,
// and one report per change.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Availability, type AvailabilityChange } from "../../src/store/availability.js";
import { isStoreUnavailable, StoreError } from "../../src/store/errors.js";

describe("Availability", () => {
  const setup = () => {
    let t = 1_000;
    const changes: AvailabilityChange[] = [];
    const a = new Availability((c) => changes.push(c), { firstMs: 100, maxMs: 400 }, () => t);
    return { a, changes, advance: (ms: number) => (t += ms) };
  };

  it("lets calls through until a failure, then refuses them until the back-off has passed", () => {
    const { a, advance } = setup();
    a.gate();
    const err = a.failed(new Error("connect ECONNREFUSED"));
    assert.ok(err instanceof StoreError && err.code === "STORE_UNAVAILABLE");
    assert.match(err.message, /ECONNREFUSED/);
    assert.throws(() => a.gate(), (e: unknown) => isStoreUnavailable(e) && /retrying in 100 ms/.test((e as Error).message));
    advance(99);
    assert.throws(() => a.gate());
    advance(1);
    a.gate();
  });

  it("doubles the wait with each failure in a row, up to the most", () => {
    const { a, advance } = setup();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      a.failed(new Error("down"));
      let waited = 0;
      while ((() => {
        try {
          a.gate();
          return false;
        } catch {
          return true;
        }
      })()) {
        advance(10);
        waited += 10;
      }
      waits.push(waited);
    }
    assert.deepEqual(waits, [100, 200, 400, 400, 400]);
  });

  it("reports going down once and coming back once, with when it went down", () => {
    const { a, changes, advance } = setup();
    a.succeeded();
    a.failed(new Error("first"));
    advance(50);
    a.failed(new Error("second"));
    assert.equal(a.isDown, true);
    advance(500);
    a.succeeded();
    a.succeeded();
    assert.equal(a.isDown, false);
    assert.deepEqual(changes.map((c) => [c.up, c.error?.message, c.since.getTime()]), [[false, "first", 1_000], [true, undefined, 1_000]]);
    // The next failure starts from the first wait again.
    a.failed(new Error("third"));
    assert.throws(() => a.gate(), /retrying in 100 ms/);
  });

  it("is what isStoreUnavailable finds through the causes of a wrapping error", () => {
    const { a } = setup();
    const err = a.failed(new Error("down"));
    assert.ok(isStoreUnavailable(new StoreError("STORE_TX_ABORTED", "rolled back", { cause: err })));
    assert.equal(isStoreUnavailable(new StoreError("STORE_TX_ABORTED", "rolled back", { cause: new Error("x") })), false);
  });
});
