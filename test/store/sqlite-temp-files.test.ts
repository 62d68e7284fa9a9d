// SQLite's temporary files stay in memory (src/store/sqlite/index.ts): a transaction that joins a commit
// group is a savepoint, each page it changes first is copied to the sub-journal, and past 64 kB SQLite
// wrote that to a file of its own (created and deleted in the temporary folder, SQLITE_TMPDIR here),
// written again by every transaction of the group after it. The test looks for such a file among the
// process's open files while a savepoint has changed a few hundred kB of pages.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openStore } from "../../src/store/index.js";
import { inform } from "./conformance.js";

const dir = mkdtempSync(join(tmpdir(), "provisio-temp-files-"));
const temp = mkdtempSync(join(tmpdir(), "provisio-sqlite-tmpdir-"));
// Read by SQLite when it first opens a database in this process (each test file runs in its own).
process.env.SQLITE_TMPDIR = temp;
after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
});

/** The process's open files in the temporary folder (SQLite deletes each right after creating it). */
function openTempFiles(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(temp)) out.push(target);
    } catch {
      // Closed meanwhile.
    }
  }
  return out;
}

test("a transaction that joins a group and changes hundreds of kB of pages writes no temporary file", async () => {
  const store = await openStore(`sqlite:${join(dir, "t.db")}`);
  try {
    // 60 devices whose trees take a page or more each.
    const devices = Array.from({ length: 60 }, (_, i) => `00D09E-Temp-${i}`);
    for (const d of devices) {
      await store.devices.recordInform(inform(d));
      await store.parameters.setValues(d, [{ path: "Device.X.V", value: "a".repeat(3000), type: "xsd:string" }], new Date());
    }
    // The second is queued while the first holds the connection, and joins its group: a savepoint.
    const first = store.transaction((tx) => tx.parameters.setValues(devices[0]!, [{ path: "Device.X.W", value: "1", type: "xsd:string" }], new Date()));
    let seen: string[] = [];
    const second = store.transaction(async (tx) => {
      for (const d of devices) await tx.parameters.setValues(d, [{ path: "Device.X.V", value: "b".repeat(3000), type: "xsd:string" }], new Date());
      seen = openTempFiles();
    });
    await Promise.all([first, second]);
    assert.deepEqual(seen, []);
    const back = await store.parameters.get(devices[59]!, ["Device.X.V"]);
    assert.equal(back[0]?.value, "b".repeat(3000));
  } finally {
    await store.close();
  }
});
