// The vendored TR-369 schemas are the Broadband Forum's files unchanged, and the descriptor the codec
// loads is what scripts/usp-descriptor.mjs makes of them today.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import type * as Descriptor from "../../scripts/usp-descriptor.mjs";
import { bbfDir, repoRoot } from "../support/paths.js";

// Loaded from the checkout: dist/ has no copy of scripts/.
const script = (await import(pathToFileURL(resolve(repoRoot, "scripts/usp-descriptor.mjs")).href)) as typeof Descriptor;
const vendored = join(repoRoot, "src", "usp", "schema");

test("the vendored .proto files are ../shared/bbf/usp's, byte for byte, licence included", () => {
  assert.deepEqual([...script.protoFiles].sort(), ["usp-msg-1-4.proto", "usp-record-1-4.proto"]);
  for (const file of script.protoFiles) {
    const ours = readFileSync(join(vendored, file), "utf8");
    assert.equal(ours, readFileSync(join(bbfDir, "usp", file), "utf8"), `${file} differs from ../shared/bbf/usp/${file}`);
    assert.match(ours, /Copyright \(c\) 2017-2023, Broadband Forum/);
    assert.match(ours, /Redistribution and use in source and binary forms/);
  }
});

test("src/usp/schema/descriptor.ts is what the script generates from the vendored files", () => {
  const committed = readFileSync(join(vendored, "descriptor.ts"), "utf8");
  assert.equal(committed, script.descriptorSource(vendored), "run `node scripts/usp-descriptor.mjs` and commit the result");
});
