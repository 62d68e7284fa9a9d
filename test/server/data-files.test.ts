// Files generated once in the data folder, by several processes starting at once.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createOnce } from "../../src/server/data-files.js";

const dir = mkdtempSync(join(tmpdir(), "provisio-data-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const module = new URL("../../src/server/data-files.js", import.meta.url).href;

function creator(file: string, content: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      "--input-type=module", "-e",
      `const m = await import(${JSON.stringify(module)}); process.stdout.write(JSON.stringify(m.createOnce(${JSON.stringify(file)}, ${JSON.stringify(content)})));`,
    ], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  });
}

describe("createOnce", () => {
  it("creates the file once, readable by its owner only; later calls read it", () => {
    const file = join(dir, "one", "secret.key");
    assert.deepEqual(createOnce(file, "first\n"), { content: "first\n", created: true });
    assert.deepEqual(createOnce(file, "second\n"), { content: "first\n", created: false });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, "one")), ["secret.key"], "no temporary file is left behind");
  });

  it("of several processes racing, one creates it and every one reads its whole content", async () => {
    const file = join(dir, "race.key");
    const results = (await Promise.all(Array.from({ length: 6 }, (_, i) => creator(file, `content of process ${i}, long enough to be written in pieces `.repeat(200))))).map(
      (r) => JSON.parse(r) as { content: string; created: boolean },
    );
    assert.equal(results.filter((r) => r.created).length, 1);
    const winner = readFileSync(file, "utf8");
    for (const r of results) assert.equal(r.content, winner);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("race")), ["race.key"]);
  });
});
