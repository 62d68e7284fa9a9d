// The inflaters of request bodies (body.ts): each output chunk costs a trip through the thread pool and
// a turn of the event loop, so a large body must come out in few of them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateSync, gzipSync } from "node:zlib";
import { INFLATE_CHUNK_BYTES, inflaterFor } from "../../src/server/body.js";

async function inflate(encoding: string, body: Buffer): Promise<Buffer[]> {
  const inflater = inflaterFor(encoding);
  assert.ok(inflater !== null && inflater !== undefined);
  const chunks: Buffer[] = [];
  inflater.on("data", (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve, reject) => inflater.on("end", resolve).on("error", reject));
  inflater.end(body);
  await ended;
  return chunks;
}

describe("inflaterFor", () => {
  const plain = Buffer.alloc(4 << 20, "<Value>0</Value>");

  for (const [encoding, packed] of [["gzip", gzipSync(plain)], ["x-gzip", gzipSync(plain)], ["deflate", deflateSync(plain)]] as const) {
    it(`inflates ${encoding} in chunks of ${INFLATE_CHUNK_BYTES / 1024} KiB, not zlib's 16 KiB`, async () => {
      const chunks = await inflate(encoding, packed);
      assert.ok(Buffer.concat(chunks).equals(plain));
      assert.ok(chunks.length <= plain.length / INFLATE_CHUNK_BYTES + 1, `${chunks.length} chunks for 4 MiB`);
    });
  }

  it("has nothing to inflate for identity, and refuses other encodings", () => {
    assert.equal(inflaterFor("identity"), undefined);
    assert.equal(inflaterFor(""), undefined);
    assert.equal(inflaterFor("br"), null);
  });
});
