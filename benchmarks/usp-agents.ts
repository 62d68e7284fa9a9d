// `npm run bench:usp-agents`: what the simulator's USP agents cost, beside CWMP devices of the same
// TR-181 gateway measured in the same run (the baseline).
//
// Memory: N agents (default 2,000) switched on, onboarded (OnBoardRequest answered) and each holding
// one ValueChange subscription, then idle; against N CWMP devices after their bootstrap session (as
// bench:sim-memory runs it). Heap per device after a full GC.
// Speed: one agent answering a Get of Device.DeviceInfo. (Record in, Record out, through the real
// codec), against one CWMP device answering a GetParameterValues of the same object (parsed envelope
// in, message out: no XML). Throughput and latency percentiles of single calls.
// Options: --devices N, --seconds S (per speed contender, default 2), --json. Needs node --expose-gc.

import { Cpe } from "../src/sim/cpe.js";
import { makeIdentity } from "../src/sim/identity.js";
import { builtinModels, tr181Source } from "../src/sim/models/index.js";
import { compileUspModel, UspAgent } from "../src/sim/usp/index.js";
import { decodeRecord, encodeMsg, encodeRecord, noSessionContextRecord, uspMsg } from "../src/usp/index.js";
import { throughput, type Throughput } from "./support/throughput.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const devices = arg("--devices", 2_000);
const seconds = arg("--seconds", 2);
const asJson = args.includes("--json");
const CTRL = "proto::provisio";
const T0 = Date.parse("2024-05-01T00:00:00Z");

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error("run node with --expose-gc");
  g();
  g();
}

const heap = () => process.memoryUsage().heapUsed;

function record(a: UspAgent, kind: Parameters<typeof uspMsg>[0], id: string, body: Parameters<typeof uspMsg>[2]): Uint8Array {
  return encodeRecord(noSessionContextRecord(CTRL, a.endpointId, encodeMsg(uspMsg(kind, id, body))));
}

function uspMemory(): { bytesPerDevice: number; modelBytes: number; agents: UspAgent[] } {
  gc();
  const before = heap();
  const m = compileUspModel(tr181Source(), { controllerId: CTRL });
  gc();
  const afterModel = heap();
  const agents: UspAgent[] = [];
  for (let i = 0; i < devices; i++) {
    const a = new UspAgent(m, makeIdentity(m.model.identityDefaults, {}, i));
    a.powerOn(T0);
    a.connected(T0);
    a.receive(record(a, "notifyResp", "onboard", { subscriptionId: "" }), T0);
    a.receive(record(a, "add", "sub", {
      allowPartial: false,
      createObjs: [{ objPath: "Device.LocalAgent.Subscription.", paramSettings: [
        { param: "Enable", value: "true", required: true }, { param: "ID", value: "vc", required: true },
        { param: "NotifType", value: "ValueChange", required: true }, { param: "ReferenceList", value: "Device.WiFi.SSID.*.SSID", required: true },
      ] }],
    }), T0);
    if (!a.onboarded) throw new Error("an agent did not onboard");
    agents.push(a);
  }
  gc();
  return { bytesPerDevice: (heap() - afterModel) / devices, modelBytes: afterModel - before, agents };
}

function cwmpMemory(): { bytesPerDevice: number; modelBytes: number; cpes: Cpe[] } {
  gc();
  const before = heap();
  const model = builtinModels["tr181-gateway"]!();
  gc();
  const afterModel = heap();
  const cpes: Cpe[] = [];
  for (let i = 0; i < devices; i++) {
    const cpe = new Cpe(model, makeIdentity(model.identityDefaults, { acsUrl: "http://127.0.0.1:7547/" }, i), { periodicJitterMs: 60_000 });
    cpe.powerOn(T0);
    cpe.startSession(T0);
    cpe.receive({ ns: "1-2", header: {}, body: { method: "InformResponse", maxEnvelopes: 1 } }, T0);
    cpe.receive(null, T0);
    cpes.push(cpe);
  }
  gc();
  return { bytesPerDevice: (heap() - afterModel) / devices, modelBytes: afterModel - before, cpes };
}

function uspGet(a: UspAgent): Throughput {
  const bytes = record(a, "get", "g", { paramPaths: ["Device.DeviceInfo."], maxDepth: 0 });
  return throughput(() => {
    const out = a.receive(bytes, T0);
    if (out.length !== 1 || out[0]!.type !== "send") throw new Error("no GetResp");
    decodeRecord(out[0]!.bytes);
  }, bytes.length, seconds);
}

function cwmpGet(cpe: Cpe): Throughput {
  cpe.startSession(T0 + 1);
  cpe.receive({ ns: "1-2", header: {}, body: { method: "InformResponse", maxEnvelopes: 1 } }, T0 + 1);
  return throughput(() => {
    const r = cpe.receive({ ns: "1-2", header: {}, body: { method: "GetParameterValues", parameterNames: ["Device.DeviceInfo."] } }, T0 + 1);
    if (r.done) throw new Error("the session ended");
  }, 0, seconds);
}

const usp = uspMemory();
const cwmp = cwmpMemory();
const speed = { usp: uspGet(usp.agents[0]!), cwmp: cwmpGet(cwmp.cpes[0]!) };
const kib = (b: number) => (b / 1024).toFixed(1);
const report = {
  work: `${devices} idle onboarded USP agents with one subscription each, against ${devices} CWMP devices after bootstrap; a Get of Device.DeviceInfo. on one device`,
  memory: {
    uspBytesPerAgent: Math.round(usp.bytesPerDevice),
    cwmpBytesPerDevice: Math.round(cwmp.bytesPerDevice),
    uspModelBytes: usp.modelBytes,
    cwmpModelBytes: cwmp.modelBytes,
  },
  getPerSecond: { usp: Math.round(speed.usp.perSec), cwmp: Math.round(speed.cwmp.perSec) },
  latencyUs: { usp: { p50: speed.usp.p50us, p99: speed.usp.p99us }, cwmp: { p50: speed.cwmp.p50us, p99: speed.cwmp.p99us } },
  rssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024),
};
if (asJson) console.log(JSON.stringify(report, null, 1));
else {
  console.log(report.work);
  console.log(`memory per device: USP agent ${kib(report.memory.uspBytesPerAgent)} KiB, CWMP device (baseline) ${kib(report.memory.cwmpBytesPerDevice)} KiB; models ${kib(usp.modelBytes)} / ${kib(cwmp.modelBytes)} KiB`);
  console.log(`Get of Device.DeviceInfo.: USP ${report.getPerSecond.usp}/s (p50 ${speed.usp.p50us.toFixed(0)} us, p99 ${speed.usp.p99us.toFixed(0)} us), CWMP baseline ${report.getPerSecond.cwmp}/s (p50 ${speed.cwmp.p50us.toFixed(0)} us, p99 ${speed.cwmp.p99us.toFixed(0)} us)`);
  console.log(`rss ${report.rssMiB} MiB`);
}
