// The state folder (--state DIR): every device's state, so a simulation stopped and started again
// goes on with the same devices (values set by the ACS, bootstrap done, queued transfers, pending
// TransferCompletes) instead of bootstrapping a fresh fleet.
//
//   DIR/simulation.json   what the run was: model, device count, when it was saved
//   DIR/devices.jsonl     one line per device: {"serialNumber": ..., "state": CpeState}
//
// Files are replaced atomically (written beside, then renamed), so a crash mid-save leaves the last
// complete save.

import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { CpeState } from "../cpe.js";
import { SimSetupError } from "./errors.js";

export interface SavedRun {
  version: 1;
  model: string;
  devices: number;
  savedAt: string;
}

const RUN_FILE = "simulation.json";
const DEVICES_FILE = "devices.jsonl";

/** The saved devices by serial number; empty when the folder holds no save yet. */
export async function loadState(dir: string, model: string): Promise<Map<string, CpeState>> {
  const out = new Map<string, CpeState>();
  const runFile = join(dir, RUN_FILE);
  if (!existsSync(runFile)) return out;
  let run: SavedRun;
  try {
    run = JSON.parse(await readFile(runFile, "utf8")) as SavedRun;
  } catch (e) {
    throw new SimSetupError("SIM_STATE_DIR", `${runFile} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (run.version !== 1) throw new SimSetupError("SIM_STATE_DIR", `${runFile} has version ${String(run.version)}; this simulator reads version 1`);
  if (run.model !== model) {
    throw new SimSetupError("SIM_STATE_DIR", `the state in ${dir} is for the model ${JSON.stringify(run.model)}, not ${JSON.stringify(model)}: choose that model or another --state folder`);
  }
  let text: string;
  try {
    text = await readFile(join(dir, DEVICES_FILE), "utf8");
  } catch (e) {
    throw new SimSetupError("SIM_STATE_DIR", `${join(dir, DEVICES_FILE)} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  let line = 0;
  for (const row of text.split("\n")) {
    line++;
    if (row.trim() === "") continue;
    try {
      const { serialNumber, state } = JSON.parse(row) as { serialNumber: string; state: CpeState };
      out.set(serialNumber, state);
    } catch (e) {
      throw new SimSetupError("SIM_STATE_DIR", `${join(dir, DEVICES_FILE)} line ${line} is not valid: ${(e as Error).message}`, { cause: e });
    }
  }
  return out;
}

async function replace(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** Saves every device's state. */
export async function saveState(dir: string, model: string, devices: Iterable<{ serialNumber: string; state: CpeState }>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lines: string[] = [];
  for (const d of devices) lines.push(JSON.stringify({ serialNumber: d.serialNumber, state: d.state }));
  await replace(join(dir, DEVICES_FILE), lines.join("\n") + "\n");
  const run: SavedRun = { version: 1, model, devices: lines.length, savedAt: new Date().toISOString() };
  await replace(join(dir, RUN_FILE), JSON.stringify(run, null, 2) + "\n");
}
