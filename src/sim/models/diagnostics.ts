// Every diagnostic Provisio runs, for the built-in models: the objects (declared from the same
// definitions the ACS uses, src/diagnostics/kinds.ts, so the names match the data models) and plausible
// results that the simulator's network options control. Download and upload tests really move bytes:
// their source asks the runtime for a transfer and completes with what it measured.

import { formatDateTime, type XsdType } from "../../cwmp/index.js";
import { kindDefs, nameIn, typeIn, type DiagnosticKind, type KindModel, type ValueKind } from "../../diagnostics/kinds.js";
import { mix, unit } from "../rng.js";
import type { DiagnosticEnv, DiagnosticSource, NetworkProfile, ValueContext } from "../source.js";
import { wanAddress } from "./generators.js";
import { bool, boolW, int, str, strW, time, uint, uintW, ulong, ulongW, type ModelBuilder, type Spec } from "./dsl.js";

export const defaultNetwork: NetworkProfile = { latencyMs: 12, jitterMs: 4, lossPercent: 0, unreachableHosts: [] };

const STATES = ["None", "Requested", "Canceled", "Complete", "Completed", "Error", "Error_CannotResolveHostName", "Error_NoRouteToHost", "Error_MaxHopCountExceeded",
  "Error_InitConnectionFailed", "Error_NoResponse", "Error_TransferFailed", "Error_Timeout", "Error_DNSServerNotResolved", "Error_Internal", "Error_Other"];

// Where a model's Active Notification support differs from the rule (DiagnosticsState and inputs
// "normal", results "canDeny"): the data models are irregular here (test/sim/models.test.ts checks).
const NOTIFY_FLIPPED: Partial<Record<"Device." | "InternetGatewayDevice.", Partial<Record<DiagnosticKind, readonly string[]>>>> = {
  "Device.": {
    ipPing: ["IPAddressUsed", "MaximumResponseTime", "MaximumResponseTimeDetailed"],
    traceRoute: ["IPAddressUsed", "RouteHops.RTTimes"],
    download: ["EnablePerConnectionResults", "TestBytesReceived", "TotalBytesReceived", "TotalBytesSent", "PeriodOfFullLoading", "PerConnectionResultNumberOfEntries",
      "IncrementalResultNumberOfEntries", "IncrementalResult.TotalBytesReceived", "IncrementalResult.TotalBytesSent"],
    upload: ["EnablePerConnectionResults", "IPAddressUsed", "TestBytesSent", "TotalBytesReceived", "TotalBytesSent", "PeriodOfFullLoading", "PerConnectionResultNumberOfEntries",
      "PerConnectionResult.TestBytesSent", "IncrementalResultNumberOfEntries", "IncrementalResult.TestBytesSent", "IncrementalResult.TotalBytesReceived", "IncrementalResult.TotalBytesSent"],
    // Every UDPEcho parameter but Interface and ProtocolVersion is the other way round.
    udpEcho: ["*", "!Interface", "!ProtocolVersion"],
    nsLookup: ["DiagnosticsState", "Result.HostNameReturned"],
    serverSelection: ["DiagnosticsState", "IPAddressUsed", "MaximumResponseTime"],
    wifiScan: ["ResultNumberOfEntries", "Result.*"],
  },
  "InternetGatewayDevice.": { ipPing: ["DiagnosticsState"], traceRoute: ["DiagnosticsState"], download: ["DiagnosticsState"], upload: ["DiagnosticsState"], nsLookup: ["DiagnosticsState"] },
};

function notifyOf(root: "Device." | "InternetGatewayDevice.", kind: DiagnosticKind, name: string, result: boolean): "canDeny" | undefined {
  const flipped = NOTIFY_FLIPPED[root]?.[kind] ?? [];
  const table = name.includes(".") ? name.slice(0, name.indexOf(".") + 1) + "*" : "";
  const flip = !flipped.includes(`!${name}`) && (flipped.includes("*") || flipped.includes(name) || (table !== "" && flipped.includes(table)));
  return result !== flip ? "canDeny" : undefined;
}

/** A spec with its Active Notification support set. */
function notifying(spec: Spec, notify: "canDeny" | undefined): Spec {
  return notify === undefined ? spec : { ...spec, activeNotify: notify };
}

const resultSpec: Record<ValueKind, () => Spec> = {
  uint: () => uint("0"),
  int: () => int("0"),
  ulong: () => ulong("0"),
  bool: () => bool("false"),
  string: () => str(""),
  dateTime: () => time("0001-01-01T00:00:00Z"),
  list: () => str("", { list: true }),
  uintList: () => str("", { list: true }),
};

function inputSpec(type: XsdType, name: string): Spec {
  if (type === "xsd:boolean") return boolW("false");
  if (type === "xsd:unsignedLong") return ulongW("0");
  if (type === "xsd:unsignedInt") return uintW(name === "NumberOfRepetitions" || name === "NumberOfTries" || name === "NumberOfConnections" ? "1" : name === "Timeout" ? "1000" : name === "MaxHopCount" ? "30" : name === "DataBlockSize" ? "64" : "0");
  return strW(name === "ProtocolVersion" ? "Any" : name === "Protocol" ? "ICMP" : "", name === "HostList" ? { list: true } : {});
}

export function unreachable(host: string, net: NetworkProfile): boolean {
  const h = host.trim();
  return h === "" || h.includes(" ") || h.endsWith(".invalid") || net.unreachableHosts.includes(h);
}

/** n round-trip times (ms, fractional) and which echoes were lost, deterministic per device, host and time. */
export function echoes(ctx: ValueContext, net: NetworkProfile, host: string, n: number): { rtts: number[]; lost: number } {
  const h = [...host].reduce((a, c) => mix(a, c.charCodeAt(0)), 0x51);
  const rtts: number[] = [];
  let lost = 0;
  for (let i = 0; i < n; i++) {
    if (unit(ctx.seed, h, i, Math.floor(ctx.now / 1000)) * 100 < net.lossPercent) {
      lost++;
      continue;
    }
    rtts.push(Math.max(0.1, net.latencyMs + net.jitterMs * (2 * unit(ctx.seed, h, i, 0x77) - 1)));
  }
  return { rtts, lost };
}

const avg = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const round = (x: number) => String(Math.round(x));

type Outcome = { state: string; values?: Record<string, string>; rows?: Record<string, Record<string, string>[]> };
type Simulate = (read: (name: string) => string, ctx: ValueContext, env: DiagnosticEnv, model: KindModel) => Outcome;

const pingLike = (unitScale: number): Simulate => (read, ctx, env) => {
  const host = read("Host");
  if (unreachable(host, env.net)) return { state: "Error_CannotResolveHostName" };
  const n = Number(read("NumberOfRepetitions")) || 1;
  const { rtts, lost } = echoes(ctx, env.net, host, n);
  const times = rtts.map((t) => t * unitScale);
  const values: Record<string, string> = {
    IPAddressUsed: wanAddress(ctx.identity),
    SuccessCount: String(rtts.length),
    FailureCount: String(lost),
    AverageResponseTime: round(avg(times)),
    MinimumResponseTime: round(times.length ? Math.min(...times) : 0),
    MaximumResponseTime: round(times.length ? Math.max(...times) : 0),
    AverageResponseTimeDetailed: round(avg(rtts) * 1000),
    MinimumResponseTimeDetailed: round(rtts.length ? Math.min(...rtts) * 1000 : 0),
    MaximumResponseTimeDetailed: round(rtts.length ? Math.max(...rtts) * 1000 : 0),
  };
  const rows: Outcome["rows"] = {};
  if (read("EnableIndividualPacketResults") === "true") {
    rows.IndividualPacketResult = Array.from({ length: n }, (_, i) => {
      const sent = ctx.now - (n - i) * 1000;
      const ok = i < rtts.length;
      return {
        PacketSuccess: String(ok),
        PacketSendTime: formatDateTime(new Date(sent)),
        PacketReceiveTime: ok ? formatDateTime(new Date(sent + rtts[i]!)) : "0001-01-01T00:00:00Z",
        TestGenSN: String(i + 1),
        TestRespSN: ok ? String(i + 1) : "0",
        TestRespRcvTimeStamp: "0",
        TestRespReplyTimeStamp: "0",
        TestRespReplyFailureCount: "0",
      };
    });
  }
  return { state: "Complete", values, rows };
};

const traceRoute: Simulate = (read, ctx, env) => {
  const host = read("Host");
  if (unreachable(host, env.net)) return { state: "Error_CannotResolveHostName" };
  const tries = Math.min(3, Number(read("NumberOfTries")) || 1);
  const max = Number(read("MaxHopCount")) || 30;
  const hops = 3 + Math.floor(5 * unit(ctx.seed, 0x7e));
  if (hops > max) return { state: "Error_MaxHopCountExceeded" };
  const rows = Array.from({ length: hops }, (_, i) => {
    const last = i === hops - 1;
    const rtt = (env.net.latencyMs * (i + 1)) / hops;
    return {
      Host: last ? host : `hop${i + 1}.isp.example`,
      HostAddress: last ? "203.0.113.10" : `198.51.100.${i + 1}`,
      ErrorCode: "0",
      RTTimes: Array.from({ length: tries }, (_, t) => round(rtt + env.net.jitterMs * unit(ctx.seed, i, t))).join(","),
    };
  });
  return { state: "Complete", values: { IPAddressUsed: wanAddress(ctx.identity), ResponseTime: round(env.net.latencyMs) }, rows: { RouteHops: rows } };
};

const nsLookup: Simulate = (read, ctx, env) => {
  const server = read("DNSServer");
  if (server !== "" && unreachable(server, env.net)) return { state: "Error_DNSServerNotResolved" };
  const name = read("HostName");
  const n = Number(read("NumberOfRepetitions")) || 1;
  const bad = unreachable(name, env.net);
  const rows = Array.from({ length: n }, (_, i) => ({
    Status: bad ? "Error_HostNameNotResolved" : "Success",
    AnswerType: bad ? "None" : "NonAuthoritative",
    HostNameReturned: bad ? "" : name,
    IPAddresses: bad ? "" : `203.0.113.${1 + (mix(ctx.seed, name.length) % 200)}`,
    DNSServerIP: server === "" ? "192.0.2.53" : server,
    ResponseTime: round(env.net.latencyMs / 2 + env.net.jitterMs * unit(ctx.seed, i, 0x35)),
  }));
  return { state: "Complete", values: { SuccessCount: bad ? "0" : String(n) }, rows: { Result: rows } };
};

const serverSelection: Simulate = (read, ctx, env) => {
  const hosts = read("HostList").split(",").map((h) => h.trim()).filter((h) => h !== "" && !unreachable(h, env.net));
  if (hosts.length === 0) return { state: "Error_CannotResolveHostName" };
  const n = Number(read("NumberOfRepetitions")) || 1;
  const measured = hosts.map((h) => ({ h, rtts: echoes(ctx, env.net, h, n).rtts.map((t) => t * 1000 * (1 + unit(ctx.seed, h.length))) }));
  const best = measured.filter((m) => m.rtts.length > 0).sort((a, b) => avg(a.rtts) - avg(b.rtts))[0];
  if (best === undefined) return { state: "Error_Other" };
  return {
    state: "Complete",
    values: {
      FastestHost: best.h,
      IPAddressUsed: wanAddress(ctx.identity),
      AverageResponseTime: round(avg(best.rtts)),
      MinimumResponseTime: round(Math.min(...best.rtts)),
      MaximumResponseTime: round(Math.max(...best.rtts)),
    },
  };
};

const wifiScan: Simulate = (_read, ctx) => {
  const n = 2 + Math.floor(6 * unit(ctx.seed, 0x5ca));
  const rows = Array.from({ length: n }, (_, i) => {
    const five = unit(ctx.seed, i, 0x5) < 0.4;
    return {
      Radio: five ? "Device.WiFi.Radio.2" : "Device.WiFi.Radio.1",
      SSID: `Neighbour-${(mix(ctx.seed, i) % 9000) + 1000}`,
      BSSID: ["02", ...[1, 2, 3, 4, 5].map((k) => ((mix(ctx.seed, i, k) & 0xff).toString(16).padStart(2, "0")))].join(":"),
      Mode: "Infrastructure",
      Channel: five ? String([36, 40, 44, 48, 100][i % 5]) : String([1, 6, 11][i % 3]),
      SignalStrength: String(-40 - Math.floor(50 * unit(ctx.seed, i, 0x51))),
      SecurityModeEnabled: "WPA2",
      EncryptionMode: "AES",
      OperatingFrequencyBand: five ? "5GHz" : "2.4GHz",
      SupportedStandards: five ? "a,n,ac" : "b,g,n",
      OperatingStandards: five ? "ac" : "n",
      OperatingChannelBandwidth: five ? "80MHz" : "20MHz",
      BeaconPeriod: "100",
      Noise: String(-90 - Math.floor(10 * unit(ctx.seed, i, 0x90))),
      BasicDataTransferRates: "6,12,24",
      SupportedDataTransferRates: "6,9,12,18,24,36,48,54",
      DTIMPeriod: "1",
    };
  });
  return { state: "Complete", rows: { Result: rows } };
};

/** Download and upload: the runtime moved the bytes (env.transfer); TR-143's times and counts follow. */
const transfer = (dir: "Received" | "Sent"): Simulate => (read, ctx, env, model) => {
  const t = env.transfer;
  if (t === undefined || !t.ok) {
    const reason = t?.ok === false ? t.reason : "connect";
    const tr098 = model.complete === "Completed";
    if (reason === "resolve" && !tr098) return { state: "Error_CannotResolveHostName" };
    return { state: reason === "transfer" ? (dir === "Received" ? "Error_TransferFailed" : "Error_NoTransferComplete") : reason === "response" ? "Error_NoResponse" : "Error_InitConnectionFailed" };
  }
  // TR-143 times to the microsecond (xsd:dateTime allows the fraction).
  const iso = (ms: number) => new Date(Math.floor(ms)).toISOString().replace(/Z$/, `${String(Math.floor((ms % 1) * 1000)).padStart(3, "0")}Z`);
  const times = { ROMTime: iso(t.romTime), BOMTime: iso(t.bomTime), EOMTime: iso(t.eomTime), TCPOpenRequestTime: iso(t.tcpOpenRequestTime), TCPOpenResponseTime: iso(t.tcpOpenResponseTime) };
  const counts = { [`TestBytes${dir}`]: String(t.testBytes), TotalBytesReceived: String(t.totalBytesReceived), TotalBytesSent: String(t.totalBytesSent) };
  const values = { ...times, ...counts, IPAddressUsed: wanAddress(ctx.identity), PeriodOfFullLoading: String(Math.round((t.eomTime - t.bomTime) * 1000)) };
  const rows: Outcome["rows"] = {};
  if (read("EnablePerConnectionResults") === "true") rows.PerConnectionResult = [{ ...times, ...counts }];
  return { state: model.complete, values, rows };
};

const simulators: { readonly [K in DiagnosticKind]: Simulate } = {
  ipPing: pingLike(1),
  traceRoute,
  download: transfer("Received"),
  upload: transfer("Sent"),
  udpEcho: pingLike(1000),
  nsLookup,
  serverSelection,
  wifiScan,
};

/** How long each kind takes on the simulated device (transfers take what they take). */
const DURATION_MS: { readonly [K in DiagnosticKind]: number } = {
  ipPing: 3_000, traceRoute: 5_000, download: 0, upload: 0, udpEcho: 3_000, nsLookup: 1_000, serverSelection: 4_000, wifiScan: 2_000,
};

/**
 * Declares the objects of these kinds on the builder (inputs writable, results read-only, result tables)
 * and returns their diagnostic sources. Names the model lacks (TR-098's) are left out.
 */
export function addDiagnostics(b: ModelBuilder, kinds: readonly DiagnosticKind[]): DiagnosticSource[] {
  const root = b.root as "Device." | "InternetGatewayDevice.";
  const sources: DiagnosticSource[] = [];
  for (const kind of kinds) {
    const def = kindDefs[kind];
    const model = def.models[root];
    if (model === undefined) continue;
    const rel = model.object.slice(root.length);
    const notify = (name: string, result: boolean) => notifyOf(root, kind, name, result);
    // TR-098 counts bytes in unsignedInt where TR-181 has unsignedLong.
    const result = (vk: ValueKind) => resultSpec[root === "InternetGatewayDevice." && vk === "ulong" ? "uint" : vk]();
    const specs: Record<string, Spec> = { DiagnosticsState: notifying(strW("None", { enum: STATES, settable: ["Requested", "Canceled"] }), notify("DiagnosticsState", false)) };
    for (const [name, input] of Object.entries(def.inputs)) {
      const param = input.local === true ? null : nameIn(model, name);
      if (param !== null) specs[param] = notifying(inputSpec(typeIn(model, name, input), name), notify(name, false));
    }
    for (const [name, vk] of Object.entries(def.results)) {
      const param = nameIn(model, name);
      if (param !== null) specs[param] = notifying(result(vk), notify(name, true));
    }
    const tables = Object.entries(def.tables).filter(([t, fields]) => Object.keys(fields).some((f) => nameIn(model, `${t}.${f}`) !== null));
    for (const [t] of tables) specs[`${t}NumberOfEntries`] = notifying(uint("0"), notify(`${t}NumberOfEntries`, true));
    b.obj(rel, specs);
    for (const [t, fields] of tables) {
      const fspecs: Record<string, Spec> = {};
      for (const [f, vk] of Object.entries(fields)) {
        const param = nameIn(model, `${t}.${f}`);
        if (param !== null) fspecs[param] = notifying(result(vk), notify(`${t}.${f}`, true));
      }
      b.obj(`${rel}${t}.{i}.`, fspecs, { numEntries: `${t}NumberOfEntries` });
    }
    const simulate = simulators[kind];
    const source: DiagnosticSource = {
      statePath: model.object + "DiagnosticsState",
      durationMs: DURATION_MS[kind],
      tables: tables.map(([t]) => `${model.object}${t}.`),
      complete(read, ctx, env) {
        const get = (name: string) => {
          const param = nameIn(model, name);
          return param === null ? "" : read(model.object + param);
        };
        const out = simulate(get, ctx, env, model);
        const values: Record<string, string> = { [model.object + "DiagnosticsState"]: out.state };
        for (const [k, v] of Object.entries(out.values ?? {})) {
          const param = nameIn(model, k);
          if (param !== null && def.results[k] !== undefined) values[model.object + param] = v;
        }
        const rows: Record<string, Record<string, string>[]> = {};
        for (const [t, list] of Object.entries(out.rows ?? {})) {
          rows[`${model.object}${t}.`] = list.map((r) =>
            Object.fromEntries(Object.entries(r).flatMap(([f, v]) => {
              const param = nameIn(model, `${t}.${f}`);
              return param === null ? [] : [[param, v]];
            })),
          );
        }
        return { values, rows };
      },
    };
    if (kind === "download" || kind === "upload") {
      source.transfer = (read) => ({
        direction: kind,
        url: read(model.object + (kind === "download" ? "DownloadURL" : "UploadURL")),
        bytes: kind === "upload" ? Number(read(model.object + "TestFileLength")) || 0 : 0,
      });
    }
    sources.push(source);
  }
  return sources;
}

/**
 * A diagnostic run as a USP agent's command (TR-181 for USP: Device.IP.Diagnostics.IPPing() and its kin),
 * from the same simulation as the CWMP objects: input args in; output args out, Status for the state and
 * table rows as "Table.n.Field". Transfers (download, upload) report what the runtime measured, given as
 * env.transfer.
 */
export function commandOutputs(kind: DiagnosticKind, inputArgs: Readonly<Record<string, string>>, ctx: ValueContext, env: DiagnosticEnv): Record<string, string> {
  const def = kindDefs[kind];
  const out = simulators[kind]((name) => inputArgs[name] ?? "", ctx, env, def.models["Device."]!);
  const args: Record<string, string> = { Status: out.state };
  // The kind's results only, as its object has them (UDP echo has no ...Detailed times).
  for (const [name, v] of Object.entries(out.values ?? {})) if (def.results[name] !== undefined) args[name] = v;
  for (const [table, rows] of Object.entries(out.rows ?? {})) {
    for (const [i, row] of rows.entries()) for (const [field, v] of Object.entries(row)) args[`${table}.${i + 1}.${field}`] = v;
  }
  return args;
}
