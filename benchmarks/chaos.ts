// `npm run chaos`: the standing fault-injection proof. `provisio serve` is killed with SIGKILL at random
// moments of the sessions of simulated devices that have tasks of every kind of write to carry out, and
// restarted on the same database; on PostgreSQL the database server itself is crashed and restarted a
// few times too. Once the ACS runs undisturbed and every task has settled, the devices say what reached
// them: no task may be left pending, fail with no reason, or have its write carried out twice (or not
// at all while done). See benchmarks/support/chaos-run.ts and docs/RELIABILITY.md.
//
//   npm run chaos -- [--kills 100] [--backend sqlite|postgres|both] [--seed S] [--devices 50]
//                    [--max-delay 1500] [--pg-restarts 5] [--settle 180]
//
// PostgreSQL runs start a throwaway cluster of their own (scripts/pg-cluster.mjs), with durable commits.
// Exits 1 on any violation, printing each task's history and the devices' record of what they applied.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { withCrashableCluster } from "./support/chaos-cluster.js";
import { runChaos, type ChaosResult } from "./support/chaos-run.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const { values } = parseArgs({
  options: {
    kills: { type: "string", default: "100" },
    backend: { type: "string", default: "both" },
    seed: { type: "string" },
    devices: { type: "string", default: "50" },
    "max-delay": { type: "string", default: "1500" },
    "pg-restarts": { type: "string", default: "5" },
    settle: { type: "string", default: "180" },
  },
});

function integer(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer of at least ${min}, not ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return n;
}

const backends = values.backend === "both" ? ["sqlite", "postgres"] : [values.backend];
if (!backends.every((b) => b === "sqlite" || b === "postgres")) {
  process.stderr.write(`--backend must be sqlite, postgres or both, not ${JSON.stringify(values.backend)}\n`);
  process.exit(2);
}
const common = {
  kills: integer("kills", values.kills, 1),
  devices: integer("devices", values.devices, 1),
  seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : integer("seed", values.seed, 0),
  maxKillDelayMs: integer("max-delay", values["max-delay"], 0),
  settleMs: integer("settle", values.settle, 1) * 1000,
  log: (line: string) => process.stderr.write(`${line}\n`),
};

async function run(backend: string): Promise<ChaosResult> {
  const dataDir = mkdtempSync(join(tmpdir(), `provisio-chaos-${backend}-`));
  try {
    if (backend === "sqlite") return await runChaos({ ...common, db: `sqlite:${join(dataDir, "acs.db")}`, dataDir });
    return await withCrashableCluster((cluster) =>
      runChaos({ ...common, db: cluster.url, dataDir, databaseRestarts: integer("pg-restarts", values["pg-restarts"], 0), restartDatabase: cluster.crashAndRestart }),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

let failed = false;
process.stdout.write(`chaos: seed ${common.seed}, ${common.kills} kills, ${common.devices} devices\n`);
for (const backend of backends) {
  const r = await run(backend);
  const starts = [...r.timing.acsStartMs].sort((a, b) => a - b);
  process.stdout.write(
    `${backend}: ${r.kills} SIGKILLs of the ACS, ${r.databaseRestarts} PostgreSQL crashes; ${Object.values(r.tasks).reduce((a, b) => a + b, 0)} tasks ${JSON.stringify(r.tasks)}\n` +
      `  outcomes ${JSON.stringify(r.outcomes)}\n` +
      `  ${r.evidence.killsDuringSessions} kills cut ${r.evidence.sessionsCut} device sessions (${r.evidence.sessionsFailed} sessions failed in all); ${r.evidence.tasksInterrupted} tasks interrupted; confirmed by an Inform: ${JSON.stringify(r.evidence.confirmedByInform)}\n` +
      `  chaos ${(r.timing.chaosMs / 1000).toFixed(1)} s, settling ${(r.timing.settleMs / 1000).toFixed(1)} s, ACS start median ${starts[Math.floor(starts.length / 2)]} ms\n` +
      `  violations: ${r.violations.length}\n`,
  );
  for (const v of r.violations) process.stdout.write(`  VIOLATION ${v}\n`);
  for (const h of r.history) process.stdout.write(`${h}\n`);
  if (r.violations.length > 0) failed = true;
}
process.exit(failed ? 1 : 0);
