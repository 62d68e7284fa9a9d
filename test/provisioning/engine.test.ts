// The declarative engine paired with the simulator's CPE and a real store: each session is the engine
// planning, the store answering its loads, the CPE answering its RPCs. No network, real semantics.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cwmpFault, type CwmpEnvelope, type CwmpMessage } from "../../src/cwmp/index.js";
import { DeviceData, type KnownRecord } from "../../src/provisioning/data.js";
import type { Declaration } from "../../src/provisioning/declarations.js";
import { applyFault, applyResponse, newEngineState, plan, sameValue, type EngineFault } from "../../src/provisioning/engine.js";
import { cachedPattern, parsePattern, SelectorError } from "../../src/provisioning/selector.js";
import { Cpe, makeIdentity } from "../../src/sim/index.js";
import { builtinModels } from "../../src/sim/models/index.js";
import { openStore } from "../../src/store/index.js";
import type { ParameterRecord, Store } from "../../src/store/types.js";

const DEVICE = "dev-1";

function known(r: ParameterRecord): KnownRecord {
  return { ...r, valueAt: r.valueAt?.getTime() ?? null, namesAt: r.namesAt?.getTime() ?? null, attributesAt: r.attributesAt?.getTime() ?? null };
}

interface Pair {
  store: Store;
  cpe: Cpe;
  now: number;
  close(): Promise<void>;
}

async function pair(model: "tr181-gateway" | "tr098-gateway" = "tr181-gateway"): Promise<Pair> {
  const store = await openStore("sqlite::memory:");
  await store.devices.recordInform({ id: DEVICE, manufacturer: "x", oui: "000000", productClass: "p", serialNumber: "1", at: new Date(), address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
  const m = builtinModels[model]!();
  const cpe = new Cpe(m, makeIdentity(m.identityDefaults, { acsUrl: "http://acs/" }, 0), { cwmpVersion: "1.4" });
  const now = Date.parse("2026-11-21T10:00:00Z");
  cpe.powerOn(now);
  return { store, cpe, now, close: () => store.close() };
}

/** One session: the CPE informs, then the engine drives it until it is done. */
async function session(
  p: Pair,
  declarations: Declaration[],
  options: { maxRpcs?: number; answer?: (rpc: CwmpMessage) => CwmpMessage | null; gpvBatchSize?: number; msPerRpc?: number } = {},
): Promise<{ rpcs: CwmpMessage[]; faults: EngineFault[] }> {
  const state = newEngineState();
  const rpcs: CwmpMessage[] = [];
  const faults: EngineFault[] = [];
  const ctx = { now: p.now, sessionStart: p.now, gpvBatchSize: options.gpvBatchSize ?? 32, parameterKey: "pk", maxRpcs: options.maxRpcs ?? 64 };
  const inform = p.cpe.startSession(p.now);
  let out = p.cpe.receive({ ns: inform.ns, header: { id: inform.header.id ?? "1" }, body: { method: "InformResponse", maxEnvelopes: 1 } }, p.now);
  assert.equal(out.done, false);
  for (let i = 0; ; i++) {
    assert.ok(i < 200, "the engine does not converge");
    const data = new DeviceData();
    let step = plan(declarations, data, state, ctx);
    while (step.plan.kind === "load") {
      faults.push(...step.faults);
      const records = [...(await p.store.parameters.get(DEVICE, step.plan.paths))];
      for (const prefix of step.plan.prefixes) records.push(...(await p.store.parameters.subtree(DEVICE, prefix)));
      data.add(records.map(known), { paths: step.plan.paths, prefixes: step.plan.prefixes });
      step = plan(declarations, data, state, ctx);
    }
    faults.push(...step.faults);
    if (step.plan.kind === "done") break;
    const { request, intent } = step.plan;
    rpcs.push(request);
    const forced = options.answer?.(request) ?? null;
    let response: CwmpMessage;
    if (forced !== null) {
      response = forced;
    } else {
      out = p.cpe.receive({ ns: "1-2", header: { id: `r${i}` }, body: request }, p.now);
      assert.ok(!out.done && out.reply?.body, "the CPE answers the RPC");
      response = (out.reply as CwmpEnvelope).body!;
    }
    if (response.method === "Fault") {
      faults.push(...applyFault(intent, response, state));
      continue;
    }
    const learned = applyResponse(intent, response, state);
    const at = new Date(ctx.now);
    // Time passes between exchanges (the session's start stays put).
    ctx.now += options.msPerRpc ?? 0;
    for (const n of learned.names) await p.store.parameters.setNames(DEVICE, n.requestPath, n.nextLevel, n.names, at);
    if (learned.values.length > 0) await p.store.parameters.setValues(DEVICE, learned.values, at);
    if (learned.attributes.length > 0) await p.store.parameters.setAttributes(DEVICE, learned.attributes, at);
    for (const d of learned.deleted) await p.store.parameters.deleteSubtree(DEVICE, d);
  }
  p.cpe.receive(null, p.now);
  return { rpcs, faults };
}

const methods = (rpcs: CwmpMessage[]) => rpcs.map((r) => r.method);

describe("declaration paths", () => {
  it("parses wildcards and key selectors, values with dots and quotes", () => {
    const p = parsePattern('Device.NAT.PortMapping.[ExternalPort=8080,InternalClient=192.168.1.10,Description="a, b"].Enable');
    assert.deepEqual(p.segments[3], { kind: "select", keys: [{ name: "ExternalPort", value: "8080" }, { name: "InternalClient", value: "192.168.1.10" }, { name: "Description", value: "a, b" }] });
    assert.equal(p.object, false);
    assert.equal(parsePattern("Device.WiFi.SSID.*.").object, true);
    for (const bad of ["", "Device..X", "Device.WiFi.SSID.*", "Device.[X]", "Device.[=1].", "Device.a b"]) assert.throws(() => parsePattern(bad), SelectorError, bad);
  });

  it("remembers parsed paths, not failures, and keeps working past its bound", () => {
    const first = cachedPattern("Device.WiFi.SSID.*.Enable");
    assert.equal(cachedPattern("Device.WiFi.SSID.*.Enable"), first);
    assert.deepEqual(first, parsePattern("Device.WiFi.SSID.*.Enable"));
    for (let i = 0; i < 2; i++) assert.throws(() => cachedPattern("Device..X"), SelectorError);
    for (let i = 0; i < 5000; i++) assert.equal(cachedPattern(`Device.X.${i}.Y`).text, `Device.X.${i}.Y`);
    assert.equal(cachedPattern("Device.WiFi.SSID.*.Enable").pattern, true);
    assert.equal(cachedPattern("Device.WiFi.SSID.1.Enable").pattern, false);
  });

  it("compares values by type", () => {
    assert.ok(sameValue({ value: "1", type: "xsd:boolean" }, true));
    assert.ok(sameValue({ value: "true", type: "xsd:boolean" }, "1"));
    assert.ok(!sameValue({ value: "0", type: "xsd:boolean" }, true));
    assert.ok(sameValue({ value: "007", type: "xsd:unsignedInt" }, 7));
    // a number given as text (a script's or an API's string) compares as a number by the stored type
    assert.ok(sameValue({ value: "007", type: "xsd:unsignedInt" }, "7"));
    assert.ok(sameValue({ value: "300", type: "xsd:unsignedLong" }, "300.0"));
    assert.ok(!sameValue({ value: "007", type: "xsd:string" }, "7"));
    assert.ok(sameValue({ value: "2026-01-01T00:00:00Z", type: "xsd:dateTime" }, "2026-01-01T01:00:00+01:00"));
    assert.ok(!sameValue({ value: "a", type: "xsd:string" }, "A"));
    assert.ok(!sameValue({ value: null, type: null }, ""));
  });
});

describe("the declarative engine with a simulated CPE", () => {
  it("reads before it writes, writes only what differs, and is idempotent", async () => {
    const p = await pair();
    const decl: Declaration[] = [
      { path: "Device.ManagementServer.PeriodicInformInterval", value: 300 },
      { path: "Device.ManagementServer.PeriodicInformEnable", value: true },
    ];
    const first = await session(p, decl);
    assert.deepEqual(methods(first.rpcs), ["GetParameterValues", "SetParameterValues"]);
    const spv = first.rpcs[1] as Extract<CwmpMessage, { method: "SetParameterValues" }>;
    assert.deepEqual(spv.parameterList.map((x) => [x.name, x.value.type, x.value.text]), [["Device.ManagementServer.PeriodicInformInterval", "xsd:unsignedInt", "300"]]);
    assert.deepEqual(first.faults, []);
    const second = await session(p, decl);
    assert.deepEqual(second.rpcs, [], "a device already in the desired state gets no RPC at all");
    await p.close();
  });

  it("refreshes values older than maxAge, and only those", async () => {
    const p = await pair();
    const decl: Declaration[] = [{ path: "Device.DeviceInfo.UpTime", maxAge: 60 }];
    assert.deepEqual(methods((await session(p, decl)).rpcs), ["GetParameterValues"]);
    assert.deepEqual((await session(p, decl)).rpcs, []);
    p.now += 61_000;
    assert.deepEqual(methods((await session(p, decl)).rpcs), ["GetParameterValues"]);
    await p.close();
  });

  it("keeps what the session read fresh until it ends, so a read split over several RPCs ends", async () => {
    const p = await pair();
    const names = ["UpTime", "ModelName", "ModelNumber", "Description", "SerialNumber"].map((n) => `Device.DeviceInfo.${n}`);
    const decl: Declaration[] = names.map((path) => ({ path, maxAge: 0 }));
    const r = await session(p, decl, { gpvBatchSize: 2, msPerRpc: 5 });
    assert.deepEqual(methods(r.rpcs), ["GetParameterValues", "GetParameterValues", "GetParameterValues"]);
    assert.deepEqual(r.rpcs.flatMap((x) => (x.method === "GetParameterValues" ? x.parameterNames : [])).sort(), [...names].sort(), "each is read once");
    // The next session reads them all again: maxAge 0 means "read in this session".
    p.now += 1_000;
    assert.equal((await session(p, decl, { gpvBatchSize: 2, msPerRpc: 5 })).rpcs.length, 3);
    await p.close();
  });

  it("sets a value on every instance a wildcard reaches", async () => {
    const p = await pair();
    const decl: Declaration[] = [{ path: "Device.WiFi.SSID.*.SSID", value: "provisio-net" }];
    const r = await session(p, decl);
    assert.deepEqual(methods(r.rpcs), ["GetParameterNames", "GetParameterValues", "SetParameterValues"]);
    assert.deepEqual((await session(p, decl)).rpcs, []);
    const names = (await p.store.parameters.subtree(DEVICE, "Device.WiFi.SSID.")).filter((x) => x.path.endsWith(".SSID"));
    assert.ok(names.length >= 2);
    assert.ok(names.every((x) => x.value === "provisio-net"));
    await p.close();
  });

  it("creates an instance once, by its keys, sets it up, and never duplicates it", async () => {
    const p = await pair();
    const decl: Declaration[] = [
      { path: "Device.NAT.PortMapping.[ExternalPort=8443,Protocol=UDP].", instances: 1 },
      { path: "Device.NAT.PortMapping.[ExternalPort=8443,Protocol=UDP].InternalPort", value: 80 },
      { path: "Device.NAT.PortMapping.[ExternalPort=8443,Protocol=UDP].Enable", value: true },
    ];
    const first = await session(p, decl);
    assert.ok(methods(first.rpcs).includes("AddObject"));
    assert.equal(methods(first.rpcs).filter((m) => m === "AddObject").length, 1);
    assert.deepEqual(first.faults, []);
    for (let i = 0; i < 3; i++) {
      const again = await session(p, decl);
      assert.ok(!methods(again.rpcs).includes("AddObject"), "never duplicated");
      assert.ok(!methods(again.rpcs).includes("SetParameterValues"), "nothing set twice");
    }
    const mappings = (await p.store.parameters.subtree(DEVICE, "Device.NAT.PortMapping.")).filter((x) => x.path.endsWith(".ExternalPort") && x.value === "8443");
    assert.equal(mappings.length, 1);
    const inst = mappings[0]!.path.slice(0, -"ExternalPort".length);
    const [internal] = await p.store.parameters.get(DEVICE, [inst + "InternalPort"]);
    assert.equal(internal?.value, "80");
    await p.close();
  });

  it("deletes instances a selector must not match", async () => {
    const p = await pair();
    await session(p, [{ path: "Device.NAT.PortMapping.[ExternalPort=9000].", instances: 2 }]);
    assert.equal((await p.store.parameters.subtree(DEVICE, "Device.NAT.PortMapping.")).filter((x) => x.path.endsWith(".ExternalPort") && x.value === "9000").length, 2);
    const r = await session(p, [{ path: "Device.NAT.PortMapping.[ExternalPort=9000].", instances: 0 }]);
    assert.deepEqual(methods(r.rpcs).filter((m) => m === "DeleteObject").length, 2);
    assert.equal((await p.store.parameters.subtree(DEVICE, "Device.NAT.PortMapping.")).filter((x) => x.path.endsWith(".ExternalPort") && x.value === "9000").length, 0);
    await p.close();
  });

  it("sets attributes after reading them, once", async () => {
    const p = await pair();
    const decl: Declaration[] = [{ path: "Device.ManagementServer.PeriodicInformInterval", notification: 1 }];
    assert.deepEqual(methods((await session(p, decl)).rpcs), ["GetParameterAttributes", "SetParameterAttributes"]);
    assert.deepEqual((await session(p, decl)).rpcs, []);
    await p.close();
  });

  it("reports a notification the device refuses (9009: forced active), and does not loop on it", async () => {
    const p = await pair();
    const decl: Declaration[] = [{ path: "Device.DeviceInfo.SoftwareVersion", notification: 1 }];
    const r = await session(p, decl);
    assert.deepEqual(methods(r.rpcs), ["GetParameterAttributes", "SetParameterAttributes"]);
    assert.deepEqual(r.faults.map((f) => f.code), ["cwmp.9009"]);
    await p.close();
  });

  it("sets attributes one by one after a batch is refused, to give up and name only the path refused", async () => {
    const p = await pair();
    const decl: Declaration[] = [
      { path: "Device.DeviceInfo.SoftwareVersion", notification: 1 },
      { path: "Device.ManagementServer.PeriodicInformInterval", notification: 1 },
    ];
    const r = await session(p, decl);
    assert.deepEqual(methods(r.rpcs), ["GetParameterAttributes", "SetParameterAttributes", "SetParameterAttributes", "SetParameterAttributes"]);
    assert.deepEqual(r.faults.map((f) => [f.code, f.path]), [["cwmp.9009", "Device.DeviceInfo.SoftwareVersion"]]);
    const again = await session(p, decl);
    assert.deepEqual(again.rpcs.map((x) => (x.method === "SetParameterAttributes" ? x.parameterList.map((a) => a.name) : [])), [["Device.DeviceInfo.SoftwareVersion"]], "the other was set");
    await p.close();
  });

  it("reports a value the device refuses, and does not loop on it", async () => {

    const p = await pair();
    const decl: Declaration[] = [{ path: "Device.DeviceInfo.SoftwareVersion", value: "9.9" }];
    const r = await session(p, decl);
    assert.deepEqual(methods(r.rpcs), ["GetParameterValues", "SetParameterValues"]);
    assert.equal(r.faults.length, 1);
    assert.equal(r.faults[0]!.code, "cwmp.9008");
    assert.equal(r.faults[0]!.path, "Device.DeviceInfo.SoftwareVersion");
    await p.close();
  });

  it("reads a faulted batch name by name, giving up only the unknown one", async () => {
    const p = await pair();
    const r = await session(p, [
      { path: "Device.X_Nope.A", value: 1 },
      { path: "Device.ManagementServer.PeriodicInformInterval", value: 777 },
    ]);
    assert.deepEqual(methods(r.rpcs), ["GetParameterValues", "GetParameterValues", "GetParameterValues", "SetParameterValues"]);
    assert.deepEqual((r.rpcs[1] as { parameterNames: string[] }).parameterNames, ["Device.X_Nope.A"]);
    assert.deepEqual(r.faults.map((f) => [f.code, f.path]), [["cwmp.9005", "Device.X_Nope.A"]]);
    assert.equal(p.cpe.read("Device.ManagementServer.PeriodicInformInterval", p.now), "777");
    await p.close();
  });

  it("sets the other values again when the CPE names one it refuses", async () => {
    const p = await pair();
    const r = await session(p, [
      { path: "Device.DeviceInfo.SoftwareVersion", value: "9.9" },
      { path: "Device.ManagementServer.PeriodicInformInterval", value: 555 },
    ]);
    assert.deepEqual(methods(r.rpcs), ["GetParameterValues", "SetParameterValues", "SetParameterValues"]);
    assert.deepEqual((r.rpcs[2] as Extract<CwmpMessage, { method: "SetParameterValues" }>).parameterList.map((x) => x.name), ["Device.ManagementServer.PeriodicInformInterval"]);
    assert.deepEqual(r.faults.map((f) => [f.code, f.path]), [["cwmp.9008", "Device.DeviceInfo.SoftwareVersion"]]);
    assert.equal(p.cpe.read("Device.ManagementServer.PeriodicInformInterval", p.now), "555");
    await p.close();
  });

  it("stops provisions that fight over a value", async () => {
    const p = await pair();
    const decl: Declaration[] = [
      { path: "Device.ManagementServer.PeriodicInformInterval", value: 120 },
      { path: "Device.ManagementServer.PeriodicInformInterval", value: 240 },
    ];
    const r = await session(p, decl);
    assert.deepEqual(methods(r.rpcs), ["GetParameterValues", "SetParameterValues"], "set once, not back and forth");
    assert.deepEqual(r.faults.map((f) => f.code), ["provision.conflict"], "reported once");
    await p.close();
  });

  it("stops a loop at the RPC limit", async () => {
    const p = await pair();
    const decl: Declaration[] = [{ path: "Device.NAT.PortMapping.[ExternalPort=1].", instances: 40 }];
    const r = await session(p, decl, { maxRpcs: 5 });
    assert.equal(r.rpcs.length, 5);
    assert.equal(r.faults.at(-1)?.code, "provision.loop");
    await p.close();
  });

  it("works on a TR-098 device and reports bad paths and values", async () => {
    const p = await pair("tr098-gateway");
    const r = await session(p, [
      { path: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", value: 600 },
      { path: "InternetGatewayDevice..Bad", value: 1 },
      { path: "InternetGatewayDevice.ManagementServer.PeriodicInformEnable", value: "sometimes" },
    ]);
    assert.deepEqual(r.faults.map((f) => f.code).sort(), ["provision.invalid-path", "provision.invalid-value"]);
    assert.ok(methods(r.rpcs).includes("SetParameterValues"));
    await p.close();
  });

  it("gives up a read the CPE faults, for this session", async () => {
    const p = await pair();
    const r = await session(p, [{ path: "Device.X_Nope.Thing", maxAge: 0 }]);
    assert.deepEqual(methods(r.rpcs), ["GetParameterValues"]);
    assert.equal(r.faults[0]?.code, "cwmp.9005");
    const faulted = await session(p, [{ path: "Device.DeviceInfo.UpTime", maxAge: 0 }], { answer: (rpc) => (rpc.method === "GetParameterValues" ? cwmpFault(9002) : null) });
    assert.equal(faulted.rpcs.length, 1);
    await p.close();
  });
});
