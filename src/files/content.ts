// A file's bytes, streamed in and out, never held whole in memory.
//
// disk: under one folder, a file per content named by its key (dir/ab/abcd...), written to
// dir/tmp/<key>.part, flushed to disk and renamed into place, so that a reader never sees half a file
// and a crash leaves only a .part to sweep. Every process of one machine shares the folder.
//
// database: chunks of CHUNK_SIZE bytes in file_chunks (see the PostgreSQL migration for why chunks of
// bytea); a range is read from the chunks that hold it, one chunk at a time, as the reader drains.
//
// New content goes where `storage` says; content is read from wherever its record says it is, so
// changing the setting leaves older files readable.

import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, open } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ContentStorage, FileRepo } from "../store/types.js";
import { FileError } from "./errors.js";

/** Bytes per chunk of database content: small enough that a reader holds little, large enough that a file is few rows. */
export const CHUNK_SIZE = 256 * 1024;

export interface WrittenContent {
  key: string;
  storage: ContentStorage;
  size: number;
  sha256: string;
}

export interface WriteLimits {
  maxBytes: number;
  /** Hex SHA-256 the content must have (checked at the end; the content is discarded on a mismatch). */
  expectedSha256?: string;
  /** Bytes the client announced (Content-Length): fewer is an incomplete upload. */
  expectedSize?: number;
}

export interface ContentRef {
  contentKey: string;
  storage: ContentStorage;
  chunkSize: number | null;
  size: number;
}

function tooLarge(max: number): FileError {
  return new FileError("FILE_TOO_LARGE", `the content is larger than ${max} bytes`, { maxBytes: max });
}

export class FileContent {
  constructor(
    private readonly repo: () => FileRepo,
    private readonly dir: string,
    readonly storage: ContentStorage,
    private readonly clock: () => Date = () => new Date(),
    private readonly chunkSize = CHUNK_SIZE,
  ) {}

  private pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), key);
  }

  private tmpDir(): string {
    return join(this.dir, "tmp");
  }

  /**
   * Writes `source` as new content and returns its key, size and SHA-256. Fails with FILE_TOO_LARGE as
   * soon as it passes maxBytes, FILE_CHECKSUM_MISMATCH at the end; nothing is left behind on failure
   * (or only what housekeeping sweeps, after a crash).
   */
  async write(source: AsyncIterable<Uint8Array>, limits: WriteLimits): Promise<WrittenContent> {
    if (limits.expectedSize !== undefined && limits.expectedSize > limits.maxBytes) throw tooLarge(limits.maxBytes);
    const key = randomUUID().replace(/-/g, "");
    const repo = this.repo();
    await repo.beginContent(key, this.storage, this.clock(), this.storage === "database" ? this.chunkSize : null);
    const hash = createHash("sha256");
    let size = 0;
    try {
      if (this.storage === "disk") size = await this.writeDisk(key, source, limits.maxBytes, hash);
      else size = await this.writeDatabase(key, source, limits.maxBytes, hash, repo);
      if (limits.expectedSize !== undefined && size !== limits.expectedSize) {
        throw new FileError("FILE_INCOMPLETE", `${size} bytes arrived of the ${limits.expectedSize} announced`);
      }
      const sha256 = hash.digest("hex");
      if (limits.expectedSha256 !== undefined && limits.expectedSha256.toLowerCase() !== sha256) {
        throw new FileError("FILE_CHECKSUM_MISMATCH", `the content's SHA-256 is ${sha256}, not ${limits.expectedSha256.toLowerCase()}`, { sha256, expected: limits.expectedSha256.toLowerCase() });
      }
      return { key, storage: this.storage, size, sha256 };
    } catch (err) {
      await this.discard({ key, storage: this.storage }).catch(() => undefined);
      throw err;
    }
  }

  private async writeDisk(key: string, source: AsyncIterable<Uint8Array>, max: number, hash: ReturnType<typeof createHash>): Promise<number> {
    await mkdir(this.tmpDir(), { recursive: true });
    const tmp = join(this.tmpDir(), `${key}.part`);
    const out: WriteStream = createWriteStream(tmp, { flags: "wx", mode: 0o600 });
    let failed: Error | null = null;
    out.on("error", (e) => (failed = e));
    let size = 0;
    try {
      for await (const chunk of source) {
        if (failed) throw failed;
        size += chunk.byteLength;
        if (size > max) throw tooLarge(max);
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          out.once("drain", () => {
            out.off("error", onError);
            resolve();
          });
          out.once("error", onError);
        });
      }
      await new Promise<void>((resolve, reject) => {
        out.once("error", reject);
        out.end(() => resolve());
      });
      if (failed) throw failed;
      // Flushed before the rename: after a crash the name points at whole content or at nothing.
      const fh = await open(tmp, "r");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      const final = this.pathOf(key);
      await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
      await rename(tmp, final);
      return size;
    } catch (err) {
      // The stream opens its file asynchronously: until it is closed, the .part may still be created
      // after the rm below (a limit hit by the first chunk did leave one behind).
      if (!out.closed) {
        await new Promise<void>((resolve) => {
          out.once("close", () => resolve());
          out.destroy();
        });
      }
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  private async writeDatabase(key: string, source: AsyncIterable<Uint8Array>, max: number, hash: ReturnType<typeof createHash>, repo: FileRepo): Promise<number> {
    let buf = Buffer.allocUnsafe(this.chunkSize);
    let fill = 0;
    let n = 0;
    let size = 0;
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > max) throw tooLarge(max);
      hash.update(chunk);
      let offset = 0;
      while (offset < chunk.byteLength) {
        const take = Math.min(this.chunkSize - fill, chunk.byteLength - offset);
        buf.set(chunk.subarray(offset, offset + take), fill);
        fill += take;
        offset += take;
        if (fill === this.chunkSize) {
          await repo.putChunk(key, n++, buf);
          buf = Buffer.allocUnsafe(this.chunkSize);
          fill = 0;
        }
      }
    }
    if (fill > 0) await repo.putChunk(key, n, buf.subarray(0, fill));
    return size;
  }

  /** The bytes start..end (inclusive) of stored content, as a stream read as it drains. */
  read(ref: ContentRef, start: number, end: number): Readable {
    if (ref.size === 0 || end < start) return Readable.from([]);
    if (ref.storage === "disk") return createReadStream(this.pathOf(ref.contentKey), { start, end, highWaterMark: 64 * 1024 });
    const size = ref.chunkSize ?? this.chunkSize;
    const repo = this.repo();
    const key = ref.contentKey;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let n = Math.floor(start / size); n <= Math.floor(end / size); n++) {
        const data = await repo.chunk(key, n);
        if (data === null) throw new FileError("FILE_NOT_FOUND", `chunk ${n} of content ${key} is missing`);
        const from = n * size;
        const lo = Math.max(0, start - from);
        const hi = Math.min(data.length, end - from + 1);
        yield data.subarray(lo, hi);
      }
    }
    return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
  }

  /** Removes content (its bytes and its record); a record still referred to by a file is kept. */
  async discard(ref: { key: string; storage: ContentStorage }): Promise<void> {
    if (ref.storage === "disk") await rm(this.pathOf(ref.key), { force: true });
    await this.repo().deleteContent(ref.key);
  }

  /**
   * Sweeps what no file refers to: content begun before `staleBefore` and never used (an upload that
   * crashed), and .part files of writers that died. Returns how many were removed.
   */
  async sweep(staleBefore: Date, limit = 200): Promise<number> {
    let removed = 0;
    for (const orphan of await this.repo().orphanContents(staleBefore, limit)) {
      // Disk bytes go first: if this stops in between, the record is still there to find next time.
      if (orphan.storage === "disk") await rm(this.pathOf(orphan.key), { force: true });
      if (await this.repo().deleteContent(orphan.key)) removed++;
    }
    let parts: string[] = [];
    try {
      parts = await readdir(this.tmpDir());
    } catch {
      parts = [];
    }
    for (const name of parts) {
      const p = join(this.tmpDir(), name);
      try {
        if ((await stat(p)).mtime.getTime() < staleBefore.getTime()) {
          await rm(p, { force: true });
          removed++;
        }
      } catch {
        // gone meanwhile
      }
    }
    return removed;
  }
}
