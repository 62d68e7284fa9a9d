// Memory footprint of many simulated devices in one process (a measurement, not a test).
//
//   npm run build && node --expose-gc dist/benchmarks/sim-memory.js --measure [devices] [tr181-gateway|tr098-gateway]
//
// Each device is switched on and runs its bootstrap session (Inform, InformResponse, a provisioning
// SetParameterValues and AddObject, the empty response), so it holds what a device holds in a real run.
// Without --measure the module does nothing.

import { Cpe } from "../src/sim/cpe.js";
import { makeIdentity } from "../src/sim/identity.js";
import { builtinModels } from "../src/sim/models/index.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

function mib(n: number): string {
  return (n / 1024 / 1024).toFixed(1) + " MiB";
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error("run node with --expose-gc");
  g();
  g();
}

function countParameters(cpe: Cpe, now: number): number {
  let n = 0;
  cpe.tree.forEachParam({ kind: "object", path: cpe.model.root.path, def: cpe.model.root, inst: [] }, now, () => n++);
  return n;
}

function measure(count: number, modelName: string): void {
  const load = builtinModels[modelName];
  if (load === undefined) throw new Error(`no model ${modelName}`);
  gc();
  const before = process.memoryUsage();
  const model = load();
  gc();
  const afterModel = process.memoryUsage();
  const t0 = Date.parse("2024-05-01T00:00:00Z");
  const root = model.root.path;
  const devices: Cpe[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const cpe = new Cpe(model, makeIdentity(model.identityDefaults, { acsUrl: "http://127.0.0.1:7547/" }, i), { periodicJitterMs: 60_000 });
    const now = t0 + i;
    cpe.powerOn(now);
    cpe.startSession(now);
    cpe.receive({ ns: "1-2", header: {}, body: { method: "InformResponse", maxEnvelopes: 1 } }, now);
    cpe.receive({
      ns: "1-2", header: {}, body: {
        method: "SetParameterValues", parameterKey: "bootstrap",
        parameterList: [{ name: `${root}ManagementServer.PeriodicInformInterval`, value: { type: "xsd:unsignedInt", text: "300" } }],
      },
    }, now);
    cpe.receive({ ns: "1-2", header: {}, body: { method: "GetParameterValues", parameterNames: [`${root}DeviceInfo.`] } }, now);
    cpe.receive(null, now);
    devices.push(cpe);
  }
  const elapsed = performance.now() - started;
  gc();
  const after = process.memoryUsage();
  const perDevice = (after.heapUsed - afterModel.heapUsed) / count;
  const state = JSON.stringify(devices[count - 1]!.toJSON()).length;
  console.log(JSON.stringify({
    model: modelName,
    devices: count,
    parameterDefinitions: model.params.length,
    parametersPerDevice: countParameters(devices[0]!, t0),
    modelHeap: mib(afterModel.heapUsed - before.heapUsed),
    devicesHeap: mib(after.heapUsed - afterModel.heapUsed),
    bytesPerDevice: Math.round(perDevice),
    heapUsed: mib(after.heapUsed),
    rss: mib(after.rss),
    stateJsonBytesPerDevice: state,
    bootstrapSessionsPerSecond: Math.round(count / (elapsed / 1000)),
  }, null, 1));
}

if (process.argv.includes("--measure")) {
  const args = process.argv.slice(2).filter((a) => a !== "--measure");
  measure(Number(args[0] ?? 10_000), args[1] ?? "tr181-gateway");
}
