// `provisio sim`: runs N simulated CPEs against an ACS from one process. Wiring only: options become
// SimulationOptions for the runtime (src/sim/runtime), and its summary becomes progress, a report or
// JSON.

import { readFileSync } from "node:fs";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { CwmpVersion } from "../sim/cpe.js";
import { USP_FAULT_KINDS } from "../sim/usp/index.js";
import { followRun, identityOptions, readPem, type CommonSimFlags } from "./sim-shared.js";
import { runUsp } from "./sim-usp.js";
import type { FactoryStun, FactoryXmpp } from "../sim/loaders.js";
import {
  CWMP_VERSIONS,
  FAULT_KINDS,
  isFaultKind,
  loadModel,
  parseScenario,
  SimSetupError,
  startSimulation,
  type FaultKind,
  type SimulationOptions,
  type SimulationSummary,
} from "../sim/runtime/index.js";

interface SimFlags extends CommonSimFlags {
  acs?: string;
  usp?: string;
  controllerId: string;
  controllerTopic?: string;
  faultMessages?: string;
  faultCode?: number;
  uspSessionContext?: boolean;
  uspSegmentBytes?: number;
  crUsername?: string;
  crPassword?: string;
  cwmpVersion: string;
  periodicInterval?: number;
  jitter: number;
  connectionRequestPort: number;
  connectionRequestHost: string;
  connectionRequestUrlHost?: string;
  state?: string;
  saveInterval: number;
  sessions?: number;
  ramp: number;
  concurrency: number;
  stunServer?: string;
  stunUsername?: string;
  stunPassword?: string;
  stunKeepalive?: number;
  udpHost?: string;
  udpPortBase?: number;
  udpMaxSockets: number;
  udpMaxSkew: number;
  xmppServer?: string;
  xmppDomain?: string;
  xmppUsername?: string;
  xmppPassword?: string;
  xmppResource?: string;
  xmppAllow?: string;
  xmppLogins: number;
  scenario?: string;
}

const DEFAULT_FAULT_KINDS = FAULT_KINDS.join(",");

export function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer of at least ${min}`);
    return n;
  };
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number of seconds (0 or more)");
  return n;
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number of milliseconds (0 or more)");
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("expected a number between 0 and 1");
  return n;
}

/** "1.4", "1.0,1.4" (devices take them in turn) or "mix" (all five in turn). */
export function parseCwmpVersions(value: string): CwmpVersion[] {
  if (value.trim() === "mix") return [...CWMP_VERSIONS];
  const list = value.split(",").map((v) => v.trim()).filter((v) => v !== "");
  const bad = list.filter((v) => !(CWMP_VERSIONS as readonly string[]).includes(v));
  if (list.length === 0 || bad.length > 0) throw new SimSetupError("SIM_OPTIONS_INVALID", `--cwmp-version ${value}: expected one or more of ${CWMP_VERSIONS.join(", ")} (comma-separated), or "mix"`);
  return list as CwmpVersion[];
}

export function parseFaultKinds(value: string): FaultKind[] {
  const list = value.split(",").map((v) => v.trim()).filter((v) => v !== "");
  const bad = list.filter((v) => !isFaultKind(v));
  if (list.length === 0 || bad.length > 0) throw new SimSetupError("SIM_OPTIONS_INVALID", `--fault-kinds ${value}: expected one or more of ${FAULT_KINDS.join(", ")}`);
  return list as FaultKind[];
}

/** "host", "host:port", "[v6]" or "[v6]:port". */
export function parseHostPort(flag: string, value: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(value.trim()) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(value.trim());
  const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
  if (m === null || m[1]!.trim() === "" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SimSetupError("SIM_OPTIONS_INVALID", `${flag} ${value}: expected host or host:port (an IPv6 address in brackets)`);
  }
  return { host: m[1]!, port };
}

/** SimulationOptions from the command line's flags (pure apart from reading the files they name). */
export function simulationOptions(f: SimFlags): SimulationOptions {
  const values: Record<string, string> = {};
  if (f.periodicInterval !== undefined) values["ManagementServer.PeriodicInformInterval"] = String(f.periodicInterval);
  const stunOnly = ["stunUsername", "stunPassword", "stunKeepalive"] as const;
  if (f.stunServer === undefined && stunOnly.some((k) => f[k] !== undefined)) throw new SimSetupError("SIM_OPTIONS_INVALID", "--stun-username, --stun-password and --stun-keepalive go with --stun-server");
  const xmppOnly = ["xmppDomain", "xmppUsername", "xmppPassword", "xmppResource", "xmppAllow"] as const;
  if (f.xmppServer === undefined && xmppOnly.some((k) => f[k] !== undefined)) throw new SimSetupError("SIM_OPTIONS_INVALID", "--xmpp-domain, --xmpp-username, --xmpp-password, --xmpp-resource and --xmpp-allow go with --xmpp-server");
  let stun: FactoryStun | undefined;
  if (f.stunServer !== undefined) {
    const { host, port } = parseHostPort("--stun-server", f.stunServer, 3478);
    stun = { host, port };
    if (f.stunUsername !== undefined) stun.username = f.stunUsername;
    if (f.stunPassword !== undefined) stun.password = f.stunPassword;
    if (f.stunKeepalive !== undefined) stun.keepAliveS = f.stunKeepalive;
  }
  let xmpp: FactoryXmpp | undefined;
  if (f.xmppServer !== undefined) {
    const { host, port } = parseHostPort("--xmpp-server", f.xmppServer, 5222);
    if (f.xmppPassword === undefined) throw new SimSetupError("SIM_OPTIONS_INVALID", "--xmpp-server needs --xmpp-password (a template, like --password): the accounts must exist on the XMPP server");
    xmpp = { host, port, username: f.xmppUsername ?? "{serial}", password: f.xmppPassword };
    if (f.xmppDomain !== undefined) xmpp.domain = f.xmppDomain;
    if (f.xmppResource !== undefined) xmpp.resource = f.xmppResource;
    if (f.xmppAllow !== undefined) xmpp.allowedJids = f.xmppAllow;
  }
  const model = loadModel({
    builtin: f.model,
    ...(f.dataModel !== undefined ? { file: f.dataModel } : {}),
    ...(f.tableRows !== undefined ? { rows: f.tableRows } : {}),
    values,
    ...(stun !== undefined ? { stun } : {}),
    ...(xmpp !== undefined ? { xmpp } : {}),
  });
  const ca = readPem("--ca", f.ca);
  const cert = readPem("--cert", f.cert);
  const key = readPem("--key", f.key);
  if ((cert === undefined) !== (key === undefined)) throw new SimSetupError("SIM_OPTIONS_INVALID", "--cert and --key go together");
  const identity: NonNullable<SimulationOptions["identity"]> = identityOptions(f);
  if (f.crUsername !== undefined) identity.connectionRequestUsername = f.crUsername;
  if (f.crPassword !== undefined) identity.connectionRequestPassword = f.crPassword;
  const o: SimulationOptions = {
    acsUrl: f.acs ?? "",
    devices: f.devices,
    model,
    identity,
    cwmpVersion: parseCwmpVersions(f.cwmpVersion),
    cpe: {
      periodicJitterMs: Math.round(f.jitter * 1000),
      rebootDurationMs: Math.round(f.rebootTime * 1000),
      network: { latencyMs: f.netLatency, jitterMs: f.netJitter, lossPercent: f.netLoss * 100, unreachableHosts: f.netUnreachable },
    },
    concurrency: f.concurrency,
    rampMs: Math.round(f.ramp * 1000),
    httpTimeoutMs: Math.max(1, Math.round(f.timeout * 1000)),
    connectionRequests: {
      host: f.connectionRequestHost,
      port: f.connectionRequestPort,
      ...(f.connectionRequestUrlHost !== undefined ? { advertiseHost: f.connectionRequestUrlHost } : {}),
    },
    udp: {
      ...(f.udpHost !== undefined ? { host: f.udpHost } : {}),
      ...(f.udpPortBase !== undefined ? { portBase: f.udpPortBase } : {}),
      maxSockets: f.udpMaxSockets,
      maxClockSkewMs: Math.round(f.udpMaxSkew * 1000),
    },
    xmpp: { loginConcurrency: f.xmppLogins },
    saveIntervalMs: Math.round(f.saveInterval * 1000),
    seed: f.seed,
  };
  if (ca !== undefined || cert !== undefined || f.insecure) {
    o.tls = { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert, key: key! } : {}), rejectUnauthorized: !f.insecure };
  }
  if (f.state !== undefined) o.stateDir = f.state;
  if (f.duration !== undefined) o.durationMs = Math.round(f.duration * 1000);
  if (f.sessions !== undefined) o.maxSessions = f.sessions;
  if (f.faultRate > 0) o.faults = { rate: f.faultRate, kinds: parseFaultKinds(f.faultKinds), slowMs: Math.round(f.slowDelay * 1000) };
  if (f.scenario !== undefined) {
    let text: string;
    try {
      text = readFileSync(f.scenario, "utf8");
    } catch (e) {
      throw new SimSetupError("SIM_OPTIONS_INVALID", `--scenario ${f.scenario}: ${(e as Error).message}`);
    }
    o.scenario = parseScenario(text, model, f.devices, `--scenario ${f.scenario}`);
  }
  return o;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

/** The one-line live view. */
export function progressLine(s: SimulationSummary): string {
  const l = s.latencyMs;
  return (
    `${s.devices.up}/${s.devices.total} up  sessions ${s.sessions.completed} done, ${s.sessions.failed} failed, ${s.sessions.inFlight} in flight` +
    (s.sessions.queued > 0 ? `, ${s.sessions.queued} waiting` : "") +
    `  ${s.sessions.perSecond.toFixed(1)}/s  session p50 ${ms(l.session.p50)} p95 ${ms(l.session.p95)} ms  http p50 ${ms(l.http.p50)} ms`
  );
}

/** The report printed at the end on a terminal. */
export function report(s: SimulationSummary): string {
  const l = s.latencyMs;
  const lat = (x: typeof l.session) => `p50 ${ms(x.p50)}  p90 ${ms(x.p90)}  p95 ${ms(x.p95)}  p99 ${ms(x.p99)}  max ${ms(x.max)}`;
  const list = (r: Record<string, number | undefined>) => Object.entries(r).map(([k, v]) => `${k} ${v ?? 0}`).join(", ");
  const lines = [
    `provisio sim: ${s.devices.total} devices, ${s.sessions.completed} sessions completed, ${s.sessions.failed} failed in ${(s.durationMs / 1000).toFixed(1)} s (${s.sessions.perSecond.toFixed(1)}/s), ended by ${s.ended}`,
    `  session latency (ms)  ${lat(l.session)}`,
    `  HTTP latency (ms)     ${lat(l.http)}`,
  ];
  if (Object.keys(s.failures).length > 0) lines.push(`  failures: ${list(s.failures)}`);
  if (Object.keys(s.events).length > 0) lines.push(`  events: ${list(s.events)}`);
  if (s.transfers.started > 0) lines.push(`  transfers: ${s.transfers.completed} completed, ${s.transfers.failed} failed${Object.keys(s.transfers.faults).length > 0 ? ` (${list(s.transfers.faults)})` : ""}`);
  for (const [method, cr] of Object.entries(s.connectionRequests.byMethod)) {
    if (cr.accepted + cr.refused + cr.unavailable + cr.unknown > 0) lines.push(`  connection requests (${method}): ${list(cr)}`);
  }
  const st = s.stun;
  if (st !== null && st.bindingRequests > 0) {
    lines.push(`  STUN: ${st.sockets} devices, ${st.bindingRequests} binding requests, ${st.bindingResponses} answered, ${st.bindingErrors} errors, ${st.bindingTimeouts} unanswered, ${st.bindingChanges} binding changes` +
      (st.socketLimitHits > 0 ? `, ${st.socketLimitHits} devices over the socket limit` : ""));
  }
  const x = s.xmpp;
  if (x !== null && x.logins + x.loginFailures > 0) lines.push(`  XMPP: ${x.online} online, ${x.logins} logins, ${x.loginFailures} failed`);
  if (Object.keys(s.faultsInjected).length > 0) lines.push(`  faults injected: ${list(s.faultsInjected)}`);
  lines.push(`  memory: rss ${mib(s.memory.rssBytes)} (peak ${mib(s.memory.maxRssBytes)}), heap ${mib(s.memory.heapUsedBytes)}`);
  return lines.join("\n") + "\n";
}

async function run(f: SimFlags): Promise<void> {
  if ((f.acs === undefined) === (f.usp === undefined)) {
    process.stderr.write("provisio sim: give --acs URL (CWMP devices) or --usp URL (USP agents)\n");
    process.exitCode = 2;
    return;
  }
  if (f.usp !== undefined) return runUsp({ ...f, usp: f.usp }, DEFAULT_FAULT_KINDS);
  if (f.faultMessages !== undefined || f.faultCode !== undefined || f.controllerTopic !== undefined || f.uspSessionContext !== undefined || f.uspSegmentBytes !== undefined) {
    process.stderr.write("provisio sim: --fault-messages, --fault-code, --controller-topic, --usp-session-context and --usp-segment-bytes go with --usp\n");
    process.exitCode = 2;
    return;
  }
  await followRun(() => startSimulation(simulationOptions(f)), f.json === true, progressLine, report);
}

export function addSimCommand(program: Command): void {
  program
    .command("sim")
    .description("simulate TR-069 devices (CPEs) against an ACS, or TR-369 (USP) agents against a USP controller: thousands from one process, each with its own identity and values")
    .option("--acs <url>", "the ACS's CWMP URL (http:// or https://): simulate CWMP devices")
    .option("--usp <url>", "the USP controller's MTP URL (ws://, wss://, mqtt:// or mqtts://): simulate USP agents instead (see docs/simulator.md)")
    .option("--controller-id <eid>", "with --usp: the controller's endpoint id, known to the agents from the factory", "proto::provisio")
    .option("--controller-topic <topic>", "with --usp mqtt://: the topic the controller listens on (its usp.mqtt.topic; default usp/controller)")
    .option("--usp-session-context", "with --usp: the agents speak to the controller in Session Context Records of their own (sequence ids, retransmission, segmentation), not NoSessionContext")
    .option("--usp-segment-bytes <n>", "with --usp-session-context: the largest payload of one Record; longer Msgs are segmented (default 65536)", integer(1))
    .option("-n, --devices <n>", "devices to simulate", integer(1), 1)
    .option("--serial-prefix <text>", "serial numbers are this prefix and a 6-digit counter (default: the model's)")
    .option("--first-serial <n>", "counter of the first device (default 1): runs side by side need distinct ranges", integer(0))
    .option("--oui <hex6>", "manufacturer OUI, six hex digits (default: the model's)")
    .option("--product-class <text>", "product class (default: the model's)")
    .option("--manufacturer <text>", "manufacturer name (default: the model's)")
    .addOption(new Option("--model <name>", "built-in device model").choices(["tr181-gateway", "tr098-gateway"]).default("tr181-gateway"))
    .option("--data-model <file>", "device model from a Broadband Forum data-model XML file, or a device dump (.csv or .json); wins over --model")
    .option("--table-rows <n>", "with a BBF --data-model: rows created in each table", integer(0))
    .option("--username <pattern>", "ACS username: shared (bootstrap) or a pattern with {serial}, {oui}, {productClass}, {index}, {secret} (default {oui}-{serial})")
    .option("--password <pattern>", "ACS password, shared or a pattern as for --username (default {secret}, a per-device secret)")
    .option("--cr-username <pattern>", "ConnectionRequestUsername, a pattern as for --username (default {serial})")
    .option("--cr-password <pattern>", "ConnectionRequestPassword, a pattern as for --username (default cr-{secret})")
    .option("--cwmp-version <list>", 'CWMP version of the devices: 1.0 to 1.4, a comma-separated list that devices take in turn, or "mix"', "1.4")
    .option("--periodic-interval <seconds>", "override the model's PeriodicInformInterval", integer(1))
    .option("--jitter <seconds>", "random delay added to each periodic inform", seconds, 0)
    .option("--reboot-time <seconds>", "how long a reboot or factory reset keeps a device down", seconds, 5)
    .option("--net-latency <ms>", "diagnostics: round-trip time to any host", milliseconds, 12)
    .option("--net-jitter <ms>", "diagnostics: spread of round-trip times", milliseconds, 4)
    .option("--net-loss <fraction>", "diagnostics: share of echoes lost (0 to 1)", fraction, 0)
    .option("--net-unreachable <hosts>", "diagnostics: comma-separated hosts that do not resolve (names ending in .invalid never do)", (v: string) => v.split(",").map((h) => h.trim()).filter((h) => h !== ""), [])
    .option("--connection-request-port <port>", "port of the Connection Request listener shared by every device (0: any free port)", integer(0), 0)
    .option("--connection-request-host <address>", "address the Connection Request listener binds", "127.0.0.1")
    .option("--connection-request-url-host <host>", "host written in ConnectionRequestURL (default: the bound address, or this machine's first external IPv4 when binding 0.0.0.0)")
    .option("--state <dir>", "keep the devices' state in this folder: restored on start, saved periodically and on exit")
    .option("--save-interval <seconds>", "with --state: how often state is saved", seconds, 60)
    .option("--duration <seconds>", "stop after this long", seconds)
    .option("--sessions <n>", "stop once this many sessions have ended (completed or failed)", integer(1))
    .option("--ramp <seconds>", "power the devices on spread over this long (their first sessions with them)", seconds, 0)
    .option("--concurrency <n>", "sessions in flight at once; others wait their turn", integer(1), 256)
    .option("--timeout <seconds>", "longest wait for an answer from the ACS or a file server", seconds, 30)
    .option("--ca <file>", "HTTPS: CA certificate(s) to trust (PEM)")
    .option("--cert <file>", "HTTPS: client certificate (PEM), with --key")
    .option("--key <file>", "HTTPS: the client certificate's private key (PEM)")
    .option("--insecure", "HTTPS: accept any server certificate")
    .option("--fault-rate <0..1>", "share of sessions with an injected fault", fraction, 0)
    .option("--fault-kinds <list>", `faults to inject, comma-separated: ${FAULT_KINDS.join(", ")}; with --usp: ${USP_FAULT_KINDS.join(", ")}`, DEFAULT_FAULT_KINDS)
    .option("--fault-messages <list>", "with --usp: only these requests misbehave, comma-separated (get, set, add, delete, operate, getSupportedDm, getInstances, ...)")
    .option("--fault-code <code>", "with --usp: the USP error code of the error fault (default 7002)", integer(7000))
    .option("--slow-delay <seconds>", "with the slow fault: delay of each request (with --usp: of each delayed answer)", seconds, 2)
    .option("--stun-server <host[:port]>", "every device enables STUN (UDP Connection Requests, TR-111) with this server (port 3478 by default): the ACS's STUN server")
    .option("--stun-username <pattern>", "with --stun-server: STUNUsername, a pattern as for --username (default {serial})")
    .option("--stun-password <pattern>", "with --stun-server: STUNPassword, which signs Binding Requests (default none)")
    .option("--stun-keepalive <seconds>", "with --stun-server: STUNMaximumKeepAlivePeriod (default: 30 s, the minimum period)", integer(1))
    .option("--udp-host <address>", "address the devices' UDP Connection Request sockets bind (default: --connection-request-host)")
    .option("--udp-port-base <port>", "device i's UDP socket takes this port + i (default: any free port)", integer(1))
    .option("--udp-max-sockets <n>", "devices running STUN at once, one UDP socket each", integer(1), 10_000)
    .option("--udp-max-skew <seconds>", "UDP Connection Requests whose timestamp is further off are refused (0: no check)", seconds, 300)
    .option("--xmpp-server <host[:port]>", "every device logs in to this XMPP server (port 5222 by default) for XMPP Connection Requests (TR-069 Annex K)")
    .option("--xmpp-domain <domain>", "with --xmpp-server: the accounts' XMPP domain (default: the server's host)")
    .option("--xmpp-username <pattern>", "with --xmpp-server: the account's username, a pattern as for --username (default {serial})")
    .option("--xmpp-password <pattern>", "with --xmpp-server (required): the account's password, a pattern as for --username")
    .option("--xmpp-resource <text>", "with --xmpp-server: the XMPP resource (default cwmp)")
    .option("--xmpp-allow <jids>", "with --xmpp-server: ConnReqAllowedJabberIDs, comma-separated (the ACS's bare JID allows all its processes)")
    .option("--xmpp-logins <n>", "XMPP logins in progress at once", integer(1), 16)
    .option("--scenario <file>", "timed steps (JSON) that happen to devices during the run: set a value, raise or clear an alarm, silence, resume, reboot")
    .option("--json", "print a machine-readable summary at the end (progress, if any, goes to stderr)")
    .option("--seed <n>", "seed of everything random (values, MACs, faults): the same seed replays the same run", integer(0), 0)
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  provisio sim --acs http://127.0.0.1:7547/ --username provisio-bootstrap --password SECRET\n" +
        "  provisio sim --acs http://acs:7547/ -n 10000 --ramp 60 --duration 600 --json\n" +
        "  provisio sim --acs http://acs:7547/ -n 100 --state ./sim-state --periodic-interval 300\n" +
        "  provisio sim --acs http://acs:7547/ -n 500 --fault-rate 0.05 --fault-kinds drop,malformed\n" +
        "  provisio sim --acs http://acs:7547/ -n 10 --scenario health.json --duration 900\n" +
        "  provisio sim --acs http://acs:7547/ -n 100 --stun-server acs:3478 --cr-username cr --cr-password SECRET\n" +
        "  provisio sim --usp ws://acs:7577/usp -n 1000 --username provisio-bootstrap --password SECRET\n" +
        "  provisio sim --usp mqtt://broker:1883 -n 100 --fault-rate 0.1 --fault-kinds error,drop --fault-messages set,operate\n" +
        "  provisio sim --acs http://acs:7547/ -n 10 --xmpp-server xmpp.example.net --xmpp-username 'cpe-{index}' --xmpp-password 'pw-{index}' --xmpp-allow acs@xmpp.example.net\n" +
        "\nThe run ends with --duration, --sessions, or Ctrl-C. Every option is described in docs/simulator.md.",
    )
    // run() turns a bad setup (options, model file, state folder, ports) into a message and exit code 2.
    .action((flags: SimFlags) => run(flags));
}
