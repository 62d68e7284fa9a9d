// `provisio fleet generate`: a generated fleet (../fleet.ts) written straight into a store, batch by
// batch, the next batch made while the last one is written. Devices K..K+N-1 of a seed are the same
// whenever they are made, so a fleet grows by runs with later `start`s, and a run that stopped half way
// is finished by one that starts where it stopped (its last batch is all there or not at all).

import type { Store } from "../../store/types.js";
import { FleetGenerator, fleetDeviceId, type FleetDevice, type FleetOptions } from "../fleet.js";
import { SimSetupError } from "./errors.js";

export interface GenerateOptions extends FleetOptions {
  devices: number;
  /** Index of the first device. */
  start: number;
  /** Devices written per transaction. */
  batch: number;
  /** Write over devices with the same ids (deleting what they had) instead of refusing. */
  replace: boolean;
  /** After each batch is written. */
  onProgress?: (p: GenerateProgress) => void;
}

export interface GenerateProgress {
  devices: number;
  /** Parameters with a value (objects not counted). */
  values: number;
  /** Rows of the parameters table: values and objects. */
  rows: number;
  ms: number;
}

/** Ids checked per query before anything is written. */
const CHECK_CHUNK = 5_000;

/** Refuses (SIM_OPTIONS_INVALID) to write over devices that exist, unless told to. */
async function checkNew(store: Pick<Store, "fleet">, o: GenerateOptions): Promise<void> {
  let found = 0;
  let first: string | undefined;
  for (let i = o.start; i < o.start + o.devices; i += CHECK_CHUNK) {
    const ids: string[] = [];
    for (let k = i; k < Math.min(o.start + o.devices, i + CHECK_CHUNK); k++) ids.push(fleetDeviceId(o, k));
    const existing = await store.fleet.existing(ids);
    found += existing.length;
    first ??= existing[0];
  }
  if (found > 0) {
    throw new SimSetupError("SIM_OPTIONS_INVALID",
      `${found} of the devices ${o.start} to ${o.start + o.devices - 1} of this seed are in the database already (${first}, ...): ` +
      "--start picks other devices, --replace writes over them");
  }
}

function check(o: GenerateOptions): void {
  const whole = (name: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw new SimSetupError("SIM_OPTIONS_INVALID", `${name} ${v}: expected a whole number of at least ${min}`);
  };
  whole("--devices", o.devices, 1);
  whole("--start", o.start, 0);
  whole("--batch", o.batch, 1);
  whole("--seed", o.seed, 0);
  if (o.start + o.devices > 4_000_000) throw new SimSetupError("SIM_OPTIONS_INVALID", "a fleet holds at most 4,000,000 devices (their WAN addresses are 100.64.0.0/10)");
}

/** Refuses (SIM_OPTIONS_INVALID) what generateFleet would: options out of range, devices that exist without `replace`. */
export async function checkGenerate(store: Pick<Store, "fleet">, o: GenerateOptions): Promise<void> {
  check(o);
  if (!o.replace) await checkNew(store, o);
}

export async function generateFleet(store: Pick<Store, "fleet">, o: GenerateOptions): Promise<GenerateProgress> {
  await checkGenerate(store, o);
  const gen = new FleetGenerator(o);
  const started = performance.now();
  const done: GenerateProgress = { devices: 0, values: 0, rows: 0, ms: 0 };
  const end = o.start + o.devices;
  const make = (from: number): FleetDevice[] => {
    const out: FleetDevice[] = [];
    for (let i = from; i < Math.min(end, from + o.batch); i++) out.push(gen.device(i));
    return out;
  };
  let next = make(o.start);
  for (let from = o.start; from < end; from += o.batch) {
    const batch = next;
    const writing = store.fleet.load(batch, { replace: o.replace });
    // The next batch is made while this one is written (a store on a server works meanwhile).
    next = from + o.batch < end ? make(from + o.batch) : [];
    await writing;
    done.devices += batch.length;
    for (const d of batch) {
      done.rows += d.parameters.length;
      for (const p of d.parameters) if (!p.object) done.values++;
    }
    done.ms = performance.now() - started;
    o.onProgress?.({ ...done });
  }
  return done;
}
