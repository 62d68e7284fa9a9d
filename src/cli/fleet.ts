// `provisio fleet generate`: a realistic fleet with full trees written straight into the database, to
// size and measure a deployment (docs/operations.md, "Generated fleets"). Wiring only: the fleet is
// src/sim/fleet.ts, the writing src/sim/runtime/fleet-generate.ts.
import type { Command } from "commander";
import { checkGenerate, generateFleet, SimSetupError, type GenerateOptions, type GenerateProgress } from "../sim/runtime/index.js";
import { diskBytes } from "../store/disk-size.js";
import { audit, common, withStore, type CommonFlags } from "./apikey.js";
import { CliError, locateStore } from "./cli-store.js";
import { configFrom } from "./config-sources.js";
import { generateInWorkers } from "./fleet-jobs.js";
import { integer } from "./sim.js";

interface GenerateFlags extends CommonFlags {
  devices: number;
  start: number;
  seed: number;
  at?: string;
  window: number;
  serialPrefix: string;
  batch: number;
  replace?: boolean;
  jobs: number;
}

const HOUR = 3_600_000;

function line(p: GenerateProgress): string {
  const s = p.ms / 1000;
  return `${p.devices} devices, ${p.values} values, ${p.rows} parameter rows in ${s.toFixed(1)} s (${Math.round(p.rows / Math.max(s, 0.001))} rows/s)`;
}

export function addFleetCommand(program: Command): void {
  const fleet = program.command("fleet").description("generated fleets for sizing and benchmarks (on the database directly)");

  common(fleet.command("generate"))
    .description(
      "write N devices with full parameter trees into the database, as if each had bootstrapped and been discovered: " +
        "TR-181 and TR-098 gateways of four product classes, software versions, tags (region-0..7, lab, trial, broken), " +
        "last Informs spread over a window. Deterministic for a seed; --start appends to a fleet.",
    )
    .requiredOption("-n, --devices <n>", "how many devices", integer(1))
    .option("--start <k>", "index of the first device (devices k..k+n-1 of the seed)", integer(0), 0)
    .option("--seed <n>", "another seed gives another fleet", integer(0), 1)
    .option("--at <time>", "the newest last Inform (ISO 8601; default now)")
    .option("--window <hours>", "last Informs are spread over this many hours before --at", integer(1), 24)
    .option("--serial-prefix <text>", "serial numbers are this and the device's index (8 digits)", "GEN")
    .option("--batch <n>", "devices per transaction", integer(1), 200)
    .option("--replace", "write over devices with the same ids (deleting what they had) instead of refusing")
    .option("--jobs <n>", "worker threads writing at once, each its share of the devices (the work is mostly the ACS's: up to one per core)", integer(1), 1)
    .action(async (flags: GenerateFlags) => {
      const end = flags.at === undefined ? new Date() : new Date(flags.at);
      if (Number.isNaN(end.getTime())) throw new CliError(`--at ${flags.at}: expected a time such as 2026-12-01T00:00:00Z`);
      const url = locateStore(configFrom(flags, { db: flags.db, dataDir: flags.dataDir }), { allowNew: flags.newDatabase === true }).url;
      let lastReport = 0;
      const done = await withStore(flags, async (store) => {
        let result: GenerateProgress;
        try {
          const options: GenerateOptions = {
            devices: flags.devices, start: flags.start, seed: flags.seed, end, informWindowMs: flags.window * HOUR, serialPrefix: flags.serialPrefix,
            batch: flags.batch, replace: flags.replace === true,
            onProgress: (p) => {
              if (p.ms - lastReport < 5_000 && p.devices < flags.devices) return;
              lastReport = p.ms;
              process.stderr.write(`provisio fleet generate: ${line(p)}\n`);
            },
          };
          if (flags.jobs === 1) result = await generateFleet(store, options);
          else {
            // Checked once for the whole range before any worker writes.
            await checkGenerate(store, options);
            result = await generateInWorkers(url, options, flags.jobs);
          }
        } catch (err) {
          if (err instanceof SimSetupError) throw new CliError(err.message);
          throw err;
        }
        await audit(store, {
          command: "fleet generate", action: "device.generate", targetType: "device", targetId: null, outcome: 201,
          summary: `generated devices ${flags.start} to ${flags.start + flags.devices - 1} of seed ${flags.seed}${flags.replace === true ? " (replacing)" : ""}`,
        });
        return result;
      });
      const bytes = await diskBytes(url);
      const summary = {
        devices: done.devices, values: done.values, rows: done.rows, seconds: Math.round(done.ms) / 1000,
        rowsPerSecond: Math.round(done.rows / Math.max(done.ms / 1000, 0.001)), bytesOnDisk: bytes,
      };
      if (flags.json) process.stdout.write(JSON.stringify(summary) + "\n");
      else process.stdout.write(`Generated ${line(done)}. Database on disk: ${bytes === null ? "-" : `${(bytes / 1048576).toFixed(1)} MiB`}.\n`);
    });
}
