import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_STORE_URL, openStore, parseStoreUrl, StoreError } from "../../src/store/index.js";

test("store URLs name their backend and location", () => {
  assert.deepEqual(parseStoreUrl(DEFAULT_STORE_URL), { backend: "sqlite", path: "./data/provisio.db" });
  assert.deepEqual(parseStoreUrl("sqlite::memory:"), { backend: "sqlite", path: ":memory:" });
  assert.deepEqual(parseStoreUrl(":memory:"), { backend: "sqlite", path: ":memory:" });
  assert.deepEqual(parseStoreUrl("sqlite:/var/lib/provisio/db.sqlite"), { backend: "sqlite", path: "/var/lib/provisio/db.sqlite" });
  assert.deepEqual(parseStoreUrl("sqlite:///var/lib/provisio/db.sqlite"), { backend: "sqlite", path: "/var/lib/provisio/db.sqlite" });
  assert.deepEqual(parseStoreUrl("data/x.db"), { backend: "sqlite", path: "data/x.db" });
  assert.deepEqual(parseStoreUrl("/abs/x.db"), { backend: "sqlite", path: "/abs/x.db" });
  assert.deepEqual(parseStoreUrl("postgres://u:p@db:5432/acs"), { backend: "postgres", url: "postgres://u:p@db:5432/acs" });
  assert.deepEqual(parseStoreUrl("postgresql://db/acs?sslmode=require"), { backend: "postgres", url: "postgresql://db/acs?sslmode=require" });
});

test("unknown or empty store URLs are refused with a typed error", async () => {
  for (const bad of ["", "  ", "mysql://db/acs", "sqlite:", "mongodb+srv://x"]) {
    assert.throws(() => parseStoreUrl(bad), (err: unknown) => err instanceof StoreError && err.code === "STORE_BAD_URL", bad);
  }
  await assert.rejects(openStore("redis://x"), (err: unknown) => err instanceof StoreError && err.code === "STORE_BAD_URL");
});
