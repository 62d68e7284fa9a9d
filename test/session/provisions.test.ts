// Provisions in a session: the session plans them before tasks, asks for stored data as it needs it,
// and converges. Driven by a small edge loop over a real store and the simulator's CPE.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CwmpEnvelope, CwmpMessage } from "../../src/cwmp/index.js";
import { DeviceData } from "../../src/provisioning/data.js";
import type { Declaration } from "../../src/provisioning/declarations.js";
import { AcsSession, defaultSessionConfig, type Effect, type TaskInput } from "../../src/session/index.js";
import { Cpe, makeIdentity } from "../../src/sim/index.js";
import { builtinModels } from "../../src/sim/models/index.js";
import { openStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";

async function apply(store: Store, deviceId: string, effects: Effect[], now: Date): Promise<void> {
  for (const e of effects) {
    if (e.type === "setValues") await store.parameters.setValues(deviceId, e.values, now);
    else if (e.type === "setNames") await store.parameters.setNames(deviceId, e.requestPath, e.nextLevel, e.names, now);
    else if (e.type === "setAttributes") await store.parameters.setAttributes(deviceId, e.attributes, now);
    else if (e.type === "deleteSubtree") await store.parameters.deleteSubtree(deviceId, e.prefix);
    else if (e.type === "inform") {
      await store.devices.recordInform({ ...e.identity, id: e.deviceId, at: now, address: null, cwmpNamespace: e.ns, cwmpVersion: e.cwmpVersion, events: [] });
    }
  }
}

/** The edge's part of one POST: consume, apply, then plan with loads until there is a reply. */
async function exchange(session: AcsSession, store: Store, envelopes: CwmpEnvelope[], now: Date, tasks: TaskInput[], declarations: Declaration[], all: Effect[]) {
  const consumed = session.consume(envelopes, now);
  all.push(...consumed.effects);
  await apply(store, session.deviceId, consumed.effects, now);
  if (consumed.reply !== null) return consumed.reply;
  const data = new DeviceData();
  for (;;) {
    const step = session.plan(now, { tasks, declarations, data });
    all.push(...step.effects);
    await apply(store, session.deviceId, step.effects, now);
    if (step.kind === "reply") return step.reply;
    const records = [...(await store.parameters.get(session.deviceId, step.paths))];
    for (const p of step.prefixes) records.push(...(await store.parameters.subtree(session.deviceId, p)));
    data.add(
      records.map((r) => ({ ...r, valueAt: r.valueAt?.getTime() ?? null, namesAt: r.namesAt?.getTime() ?? null, attributesAt: r.attributesAt?.getTime() ?? null })),
      { paths: step.paths, prefixes: step.prefixes },
    );
  }
}

async function runSession(store: Store, cpe: Cpe, now: Date, declarations: Declaration[], tasks: TaskInput[] = []) {
  const effects: Effect[] = [];
  const rpcs: CwmpMessage[] = [];
  const inform = cpe.startSession(now.getTime());
  const started = AcsSession.start(`s-${now.getTime()}-abcdef`, inform, now, tasks, defaultSessionConfig, { provisions: declarations.length > 0 });
  effects.push(...started.effects);
  await apply(store, started.session.deviceId, started.effects, now);
  let out = cpe.receive(started.reply.envelope, now.getTime());
  for (let i = 0; i < 100; i++) {
    assert.equal(out.done, false);
    if (out.done) break;
    const reply = await exchange(started.session, store, out.reply === null ? [] : [out.reply], now, tasks, declarations, effects);
    if (reply.envelope?.body) rpcs.push(reply.envelope.body);
    out = cpe.receive(reply.envelope, now.getTime());
    if (out.done) return { rpcs, effects, deviceId: started.session.deviceId };
  }
  throw new Error("the session did not end");
}

describe("provisions in a session", () => {
  it("are applied before tasks, converge, and leave the next session without RPCs", async () => {
    const store = await openStore("sqlite::memory:");
    const model = builtinModels["tr181-gateway"]!();
    const cpe = new Cpe(model, makeIdentity(model.identityDefaults, { acsUrl: "http://acs/" }, 0), { cwmpVersion: "1.4" });
    const now = new Date("2026-11-21T10:00:00Z");
    cpe.powerOn(now.getTime());
    const declarations: Declaration[] = [
      { path: "Device.ManagementServer.PeriodicInformInterval", value: 900 },
      { path: "Device.NAT.PortMapping.[ExternalPort=2222,Protocol=TCP].", instances: 1 },
      { path: "Device.NAT.PortMapping.[ExternalPort=2222,Protocol=TCP].Enable", value: true },
    ];
    const task: TaskInput = { id: "11111111-0000-0000-0000-000000000001", name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.UpTime"] } };
    const first = await runSession(store, cpe, now, declarations, [task]);
    const methods = first.rpcs.map((r) => r.method);
    assert.ok(methods.indexOf("AddObject") < methods.lastIndexOf("GetParameterValues"), "provisions run before the task");
    assert.equal(methods.filter((m) => m === "AddObject").length, 1);
    assert.equal(methods.at(-1), "GetParameterValues", "the task comes last");
    assert.deepEqual(first.effects.filter((e) => e.type === "provisionsDone"), [{ type: "provisionsDone", faults: 0 }]);
    assert.ok(first.effects.some((e) => e.type === "taskDone"));
    const [interval] = await store.parameters.get(first.deviceId, ["Device.ManagementServer.PeriodicInformInterval"]);
    assert.equal(interval?.value, "900");

    const second = await runSession(store, cpe, new Date(now.getTime() + 60_000), declarations);
    assert.deepEqual(second.rpcs, [], "nothing set twice, nothing added twice");
    await store.close();
  });

  it("reports what it could not apply as provision faults", async () => {
    const store = await openStore("sqlite::memory:");
    const model = builtinModels["tr181-gateway"]!();
    const cpe = new Cpe(model, makeIdentity(model.identityDefaults, { acsUrl: "http://acs/" }, 1), { cwmpVersion: "1.4" });
    const now = new Date("2026-11-21T10:00:00Z");
    cpe.powerOn(now.getTime());
    const r = await runSession(store, cpe, now, [{ path: "Device.DeviceInfo.SoftwareVersion", value: "0.0.1" }]);
    const faults = r.effects.filter((e) => e.type === "provisionFault");
    assert.equal(faults.length, 1);
    assert.deepEqual(r.effects.filter((e) => e.type === "provisionsDone"), [{ type: "provisionsDone", faults: 1 }]);
    await store.close();
  });
});
