// Files the ACS generates once in its data folder (the secrets key, the bootstrap credentials), when
// several processes may start at once on one folder: each writes a private temporary file and links it
// into place, which succeeds for one of them only, so nobody ever reads a file that is still empty or
// half written (writeFileSync with "wx" creates the file before it writes it).
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Creates `file` with `content` unless it exists; returns what the file holds and whether we wrote it. */
export function createOnce(file: string, content: string): { content: string; created: boolean } {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: "wx" });
  try {
    linkSync(tmp, file);
    return { content, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return { content: readFileSync(file, "utf8"), created: false };
  } finally {
    unlinkSync(tmp);
  }
}
