// The file server's listening socket: an error there (out of file descriptors when accepting) is logged
// and the server keeps serving, instead of ending the process as an unhandled 'error' event would.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FileContent, FileLinks, FileService, startFileServer } from "../../src/files/index.js";
import { backend } from "../support/pg.js";
import { http } from "./http.js";

test("an error on the file server's listening socket is logged, and the server keeps serving", async () => {
  const store = await backend("sqlite").open();
  const dir = mkdtempSync(join(tmpdir(), "provisio-files-"));
  const errors: unknown[] = [];
  const log = { info() {}, warn() {}, error: (o: object) => errors.push(o) };
  const files = new FileService(store, new FileContent(() => store.files, dir, "disk"), { maxBytes: 1000, maxUploadBytes: 1000 });
  const links = new FileLinks({ baseUrl: "http://127.0.0.1/", secret: "s3cret", digest: false });
  const running = await startFileServer({ host: "127.0.0.1", port: 0, files, links, nonceSecret: "n", nonceTtlMs: 60_000, log });
  try {
    running.server.emit("error", Object.assign(new Error("accept EMFILE"), { code: "EMFILE" }));
    assert.equal(errors.length, 1);
    assert.equal((await http("GET", `http://127.0.0.1:${running.port}/nothing`)).status, 404);
  } finally {
    await running.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
