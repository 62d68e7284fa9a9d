// `provisio sim --usp URL`: the simulator's USP agents (TR-369) instead of CWMP devices. The same
// identity, model, network and fault options as the CWMP simulator; options that only mean something
// to CWMP are refused with a message rather than ignored.

import { modelSource, SimSetupError } from "../sim/runtime/index.js";
import { compileUspModel, USP_FAULT_KINDS, type UspFaultKind, type UspFaultOptions } from "../sim/usp/index.js";
import { agentMtpFactory, startUspSimulation, type UspSimulationOptions, type UspSimulationStats } from "../sim/usp/runtime/index.js";
import { msgTypeOf, type MessageKind } from "../usp/index.js";
import { SimError } from "../sim/errors.js";
import { followRun, identityOptions, readPem, type CommonSimFlags } from "./sim-shared.js";

export interface UspSimFlags extends CommonSimFlags {
  usp: string;
  controllerId: string;
  controllerTopic?: string;
  faultMessages?: string;
  faultCode?: number;
  uspSessionContext?: boolean;
  uspSegmentBytes?: number;
}

/** CWMP-only options that have no default, so their presence can be told. */
const CWMP_ONLY = {
  acs: "--acs", periodicInterval: "--periodic-interval", state: "--state", sessions: "--sessions", scenario: "--scenario",
  stunServer: "--stun-server", xmppServer: "--xmpp-server", crUsername: "--cr-username", crPassword: "--cr-password",
} as const;

export function checkUspOnly(f: Record<string, unknown>): void {
  const given = Object.entries(CWMP_ONLY).filter(([k]) => f[k] !== undefined).map(([, flag]) => flag);
  if (given.length > 0) throw new SimSetupError("SIM_OPTIONS_INVALID", `${given.join(", ")}: CWMP options, not for USP agents (--usp)`);
}

function faults(f: UspSimFlags, cwmpDefault: string): UspFaultOptions | undefined {
  if (!(f.faultRate > 0)) return undefined;
  const kinds = f.faultKinds === cwmpDefault ? [...USP_FAULT_KINDS] : f.faultKinds.split(",").map((k) => k.trim()).filter((k) => k !== "");
  const bad = kinds.filter((k) => !(USP_FAULT_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0 || bad.length > 0) throw new SimSetupError("SIM_OPTIONS_INVALID", `--fault-kinds ${f.faultKinds}: USP agents take ${USP_FAULT_KINDS.join(", ")}`);
  const o: UspFaultOptions = { rate: f.faultRate, kinds: kinds as UspFaultKind[], delayMs: Math.round(f.slowDelay * 1000) };
  if (f.faultMessages !== undefined) {
    const names = f.faultMessages.split(",").map((k) => k.trim()).filter((k) => k !== "");
    const unknown = names.filter((n) => !(n in msgTypeOf));
    if (names.length === 0 || unknown.length > 0) throw new SimSetupError("SIM_OPTIONS_INVALID", `--fault-messages ${f.faultMessages}: expected message names such as get, set, add, delete, operate, getSupportedDm, getInstances`);
    o.messages = names as MessageKind[];
  }
  if (f.faultCode !== undefined) {
    if (f.faultCode < 7000 || f.faultCode > 7999) throw new SimSetupError("SIM_OPTIONS_INVALID", `--fault-code ${f.faultCode}: a USP error code is 7000 to 7999`);
    o.errorCode = f.faultCode;
  }
  return o;
}

/** The USP simulation's options from the flags (pure apart from reading the files they name). */
export function uspSimulationOptions(f: UspSimFlags, cwmpFaultKinds: string): UspSimulationOptions {
  const identity = identityOptions(f);
  const choice = { builtin: f.model, ...(f.dataModel !== undefined ? { file: f.dataModel } : {}), ...(f.tableRows !== undefined ? { rows: f.tableRows } : {}) };
  // modelSource reports a model file's problems in the user's terms; the USP overlay goes on the source.
  const source = modelSource(choice);
  let model;
  try {
    model = compileUspModel(source, { controllerId: f.controllerId });
  } catch (e) {
    if (e instanceof SimError) throw new SimSetupError("SIM_MODEL_FILE", `${f.dataModel ?? f.model}: ${e.message}`, { cause: e });
    throw e;
  }
  const ca = readPem("--ca", f.ca);
  const cert = readPem("--cert", f.cert);
  const key = readPem("--key", f.key);
  if ((cert === undefined) !== (key === undefined)) throw new SimSetupError("SIM_OPTIONS_INVALID", "--cert and --key go together");
  const tls = ca !== undefined || cert !== undefined || f.insecure ? { ...(ca ? { ca } : {}), ...(cert ? { cert, key: key! } : {}), rejectUnauthorized: !f.insecure } : undefined;
  const fault = faults(f, cwmpFaultKinds);
  if (f.uspSegmentBytes !== undefined && f.uspSessionContext !== true) throw new SimSetupError("SIM_OPTIONS_INVALID", "--usp-segment-bytes goes with --usp-session-context");
  const o: UspSimulationOptions = {
    devices: f.devices,
    model,
    identity,
    agent: {
      rebootMs: Math.round(f.rebootTime * 1000),
      network: { latencyMs: f.netLatency, jitterMs: f.netJitter, lossPercent: f.netLoss * 100, unreachableHosts: f.netUnreachable },
      ...(fault ? { faults: fault } : {}),
      ...(f.uspSessionContext === true ? { sessionContext: f.uspSegmentBytes === undefined ? {} : { maxSegmentBytes: f.uspSegmentBytes } } : {}),
    },
    mtp: agentMtpFactory(f.usp, { ...(tls ? { tls } : {}), ...(f.controllerTopic !== undefined ? { controllerTopic: f.controllerTopic } : {}) }),
    transferTimeoutMs: Math.max(1, Math.round(f.timeout * 1000)),
    ...(tls ? { tls } : {}),
  };
  if (f.duration !== undefined) o.durationMs = Math.round(f.duration * 1000);
  return o;
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

export function uspProgressLine(s: UspSimulationStats): string {
  return `${s.connected}/${s.agents} agents reached the controller, ${s.onboarded} onboarded, ${s.up} up  records in ${s.recordsIn} out ${s.recordsOut}` +
    (s.sendFailures > 0 ? `, ${s.sendFailures} unsent` : "") + (s.unanswered > 0 ? `  ${s.unanswered} notifications unanswered` : "");
}

export function uspReport(s: UspSimulationStats): string {
  return [
    `provisio sim --usp: ${s.agents} agents, ${s.connected} reached the controller, ${s.onboarded} onboarded`,
    `  records: ${s.recordsIn} received, ${s.recordsOut} sent, ${s.sendFailures} not sent`,
    `  downloads: ${s.downloads.completed} completed, ${s.downloads.failed} failed`,
    `  memory: rss ${mib(s.memory.rssBytes)}, heap ${mib(s.memory.heapUsedBytes)}`,
  ].join("\n") + "\n";
}

export async function runUsp(f: UspSimFlags & Record<string, unknown>, cwmpFaultKinds: string): Promise<void> {
  await followRun(() => {
    checkUspOnly(f);
    return startUspSimulation(uspSimulationOptions(f, cwmpFaultKinds));
  }, f.json === true, uspProgressLine, uspReport);
}
