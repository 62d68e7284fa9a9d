// textOnce (src/store/sql/text-once.ts): a statement's text built once per owner and key, past a bound
// built at each call (still right, no longer kept).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { textOnce } from "../../src/store/sql/text-once.js";

describe("textOnce", () => {
  it("builds a text once per owner and key, and keeps at most 256 of an owner's", () => {
    const [a, b] = [{}, {}];
    let built = 0;
    const text = (owner: object, key: string) => textOnce(owner, key, () => `SELECT ${++built} -- ${key}`);
    assert.equal(text(a, "x"), "SELECT 1 -- x");
    assert.equal(text(a, "x"), "SELECT 1 -- x");
    assert.equal(text(b, "x"), "SELECT 2 -- x", "another owner (dialect) has its own");
    for (let i = 0; i < 300; i++) text(a, `k${i}`);
    const before = built;
    assert.equal(text(a, "k0"), `SELECT ${before - 299} -- k0`, "kept");
    assert.equal(text(a, "k299"), `SELECT ${before + 1} -- k299`, "past the bound: built again");
    assert.equal(built, before + 1);
  });
});
