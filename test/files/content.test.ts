// File content on disk and in the database, on every backend: written as a stream and read back by
// any range, refused past the size limit or with another checksum without leaving anything behind,
// and swept when no file refers to it.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import { FileContent, FileError, FileService } from "../../src/files/index.js";
import type { ContentStorage } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";
import { patternBytes, patternSha256, patternStream } from "./http.js";

async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

forEachBackend((backend) => {
  for (const storage of ["disk", "database"] as ContentStorage[]) {
    describe(`content stored on ${storage}`, () => {
      const CHUNK = 1000;
      const setup = async () => {
        const store = await backend.open();
        const dir = mkdtempSync(join(tmpdir(), "provisio-files-"));
        dirs.push(dir);
        let now = Date.parse("2026-05-01T00:00:00Z");
        const clock = () => new Date(now);
        const content = new FileContent(() => store.files, dir, storage, clock, CHUNK);
        const files = new FileService(store, content, { maxBytes: 50_000, maxUploadBytes: 50_000 }, clock);
        return { store, dir, content, files, advance: (ms: number) => (now += ms), clock };
      };

      it("writes a stream and reads back the whole and any range, across chunks", async () => {
        const { files } = await setup();
        const size = 12_345;
        const f = await files.create(patternStream(size), { name: "p.bin", fileType: "2 Web Content" });
        assert.deepEqual([f.size, f.sha256, f.storage, f.chunkSize], [size, patternSha256(size), storage, storage === "database" ? CHUNK : null]);
        assert.ok((await drain(files.read(f, 0, size - 1))).equals(patternBytes(0, size - 1)));
        for (const [a, b] of [[0, 0], [999, 1000], [1500, 4321], [12_000, 12_344], [2000, 2999]] as const) {
          assert.ok((await drain(files.read(f, a, b))).equals(patternBytes(a, b)), `${a}-${b}`);
        }
        const empty = await files.create(Readable.from([]), { name: "empty.txt", fileType: "2 Web Content" });
        assert.deepEqual([empty.size, empty.contentType], [0, "text/plain; charset=utf-8"]);
        assert.equal((await drain(files.read(empty, 0, -1))).length, 0);
      });

      it("stops at the size limit and on a checksum mismatch, leaving no content behind", async () => {
        const { store, dir, files, clock } = await setup();
        await assert.rejects(files.create(patternStream(60_000), { name: "big.bin", fileType: "2 Web Content" }), (e: unknown) => e instanceof FileError && e.code === "FILE_TOO_LARGE");
        await assert.rejects(files.create(patternStream(10), { name: "big.bin", fileType: "2 Web Content" }, 60_000), (e: unknown) => e instanceof FileError && e.code === "FILE_TOO_LARGE");
        await assert.rejects(files.create(patternStream(100), { name: "s.bin", fileType: "2 Web Content", sha256: "1".repeat(64) }), (e: unknown) => e instanceof FileError && e.code === "FILE_CHECKSUM_MISMATCH");
        await assert.rejects(files.create(patternStream(100), { name: "s.bin", fileType: "2 Web Content" }, 200), (e: unknown) => e instanceof FileError && e.code === "FILE_INCOMPLETE");
        assert.equal(await store.files.count(), 0);
        assert.deepEqual(await store.files.orphanContents(new Date(clock().getTime() + 1), 10), []);
        const onDisk = existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((p) => !String(p).endsWith("tmp") && String(p).length > 2) : [];
        assert.deepEqual(onDisk, []);
      });

      it("leaves no partial file when the very first chunk is over the limit", async () => {
        const { dir, content } = await setup();
        // The error comes before the file stream has even opened its file: the cleanup must wait for it.
        for (let i = 0; i < 20; i++) {
          await assert.rejects(content.write(Readable.from([Buffer.alloc(20_000)]), { maxBytes: 10_000 }), (e: unknown) => e instanceof FileError && e.code === "FILE_TOO_LARGE");
        }
        await new Promise((r) => setTimeout(r, 50));
        const tmpDir = join(dir, "tmp");
        assert.deepEqual(existsSync(tmpDir) ? readdirSync(tmpDir) : [], []);
      });

      it("sweeps content no file refers to once it is old enough, and stale partial files", async () => {
        const { store, dir, content, files, advance, clock } = await setup();
        const kept = await files.create(patternStream(3000), { name: "kept.bin", fileType: "2 Web Content" });
        const dropped = await files.create(patternStream(3000), { name: "dropped.bin", fileType: "2 Web Content" });
        // An upload that crashed: content begun, never referred to; and a .part of a writer that died.
        const crashed = await content.write(patternStream(2500), { maxBytes: 10_000 });
        mkdirSync(join(dir, "tmp"), { recursive: true });
        const part = join(dir, "tmp", "dead.part");
        writeFileSync(part, "half");
        utimesSync(part, clock(), clock());
        await files.delete(dropped.id);
        assert.equal(await files.sweep(), 0, "too young to sweep");
        advance(25 * 3_600_000);
        assert.equal(await files.sweep(), 2);
        assert.deepEqual(await store.files.orphanContents(new Date(clock().getTime() + 1), 10), []);
        assert.equal(existsSync(part), false);
        if (storage === "disk") {
          assert.equal(existsSync(join(dir, crashed.key.slice(0, 2), crashed.key)), false);
          assert.equal(existsSync(join(dir, kept.contentKey.slice(0, 2), kept.contentKey)), true);
        }
        assert.ok((await drain(files.read(kept, 0, 2999))).equals(patternBytes(0, 2999)));
      });
    });
  }
});
