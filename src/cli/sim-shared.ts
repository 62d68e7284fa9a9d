// What `provisio sim` does alike for CWMP devices and USP agents: reading PEM files, the devices'
// identity options, and following a run to its end (progress on a terminal, the summary at the end).

import { readFileSync } from "node:fs";
import type { IdentityOptions } from "../sim/identity.js";
import { SimSetupError } from "../sim/runtime/index.js";

export function readPem(flag: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new SimSetupError("SIM_OPTIONS_INVALID", `${flag} ${file}: ${(e as Error).message}`);
  }
}

export interface IdentityFlags {
  seed: number;
  serialPrefix?: string;
  firstSerial?: number;
  oui?: string;
  productClass?: string;
  manufacturer?: string;
  username?: string;
  password?: string;
}

/** The flags both modes take (CWMP devices and USP agents). */
export interface CommonSimFlags extends IdentityFlags {
  devices: number;
  model: string;
  dataModel?: string;
  tableRows?: number;
  rebootTime: number;
  netLatency: number;
  netJitter: number;
  netLoss: number;
  netUnreachable: string[];
  duration?: number;
  timeout: number;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  faultRate: number;
  faultKinds: string;
  slowDelay: number;
  json?: boolean;
}

/** The identity options the flags give (the ACS's or controller's credentials included). */
export function identityOptions(f: IdentityFlags): IdentityOptions & { seed: number } {
  const identity: IdentityOptions & { seed: number } = { seed: f.seed };
  if (f.serialPrefix !== undefined) identity.serialPrefix = f.serialPrefix;
  if (f.firstSerial !== undefined) identity.firstSerial = f.firstSerial;
  if (f.oui !== undefined) {
    if (!/^[0-9A-Fa-f]{6}$/.test(f.oui)) throw new SimSetupError("SIM_OPTIONS_INVALID", `--oui ${f.oui}: expected six hex digits`);
    identity.oui = f.oui;
  }
  if (f.productClass !== undefined) identity.productClass = f.productClass;
  if (f.manufacturer !== undefined) identity.manufacturer = f.manufacturer;
  if (f.username !== undefined) identity.acsUsername = f.username;
  if (f.password !== undefined) identity.acsPassword = f.password;
  return identity;
}

interface Run<S> {
  stats(): S;
  stop(): Promise<unknown>;
  readonly finished: Promise<S>;
}

/**
 * Starts a run and follows it until it ends: a progress line each second on a terminal (stdout, or
 * stderr with --json), Ctrl-C or SIGTERM to stop (twice: quit), then the report or the JSON summary.
 * A setup that fails (SimSetupError) is a message and exit code 2.
 */
export async function followRun<S>(start: () => Run<S> | Promise<Run<S>>, json: boolean, progressLine: (s: S) => string, report: (s: S) => string): Promise<void> {
  let sim: Run<S>;
  try {
    sim = await start();
  } catch (e) {
    if (e instanceof SimSetupError) {
      process.stderr.write(`provisio sim: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const out = json ? process.stderr : process.stdout;
  const live = out.isTTY === true;
  const progress = live ? setInterval(() => out.write(`\r\x1b[2K${progressLine(sim.stats())}`), 1_000) : undefined;
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) process.exit(130);
    void sim.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // The runtime's timers do not hold the event loop; this does, until the run ends.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    const summary = await sim.finished;
    if (live) out.write("\r\x1b[2K");
    if (json) process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    else if (live) out.write(report(summary));
  } finally {
    clearInterval(keepAlive);
    if (progress !== undefined) clearInterval(progress);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
