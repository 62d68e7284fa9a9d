// GenieACS-dialect provisions through the provisioner and the engine, with the real sandbox and no
// network: virtual parameters' args[0..3] and result, clear() over every provision's declarations,
// commit() in the rerun model, and tags.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { DeviceData, type KnownRecord } from "../../src/provisioning/data.js";
import { newEngineState, plan } from "../../src/provisioning/engine.js";
import type { Provision } from "../../src/provisioning/presets.js";
import { provision, type ScriptContext } from "../../src/provisioning/provisioner.js";
import { ScriptSandbox } from "../../src/provisioning/sandbox.js";
import { genieInput, HOUR, NOW } from "./support/genieacs.js";

function rec(path: string, value: string | null, type: string | null, at = NOW - HOUR): KnownRecord {
  return { path, object: path.endsWith("."), value, type, writable: true, notification: null, accessList: null, valueAt: value === null ? null : at, namesAt: at, attributesAt: null };
}

const context: ScriptContext = { device: genieInput().device, failed: [], enumerated: [], refreshed: [] };

describe("GenieACS provisions in the provisioner", () => {
  const sandbox = new ScriptSandbox({ memoryMb: 16, timeoutMs: 200 });
  after(() => sandbox.dispose());

  function data(records: KnownRecord[]): DeviceData {
    const d = new DeviceData();
    d.add(records, { prefixes: [""] });
    return d;
  }

  it("gives a virtual parameter args[0..3] and takes { writable, value: [value, type] }", async () => {
    const p: Provision = {
      name: "Echo",
      kind: "virtual",
      dialect: "genieacs",
      script: `log(JSON.stringify(args)); return {writable: true, value: [args[1].value ? args[1].value[0] + "!" : args[3].value[0], "xsd:string"]};`,
    };
    const lookup = (n: string) => ({ Echo: p, set: { name: "set", kind: "script", dialect: "genieacs", script: `declare("VirtualParameters.Echo", {value: Date.now() - 60000}, {value: "hi"})` } as Provision })[n];
    const d = data([rec("VirtualParameters.Echo", "before", "xsd:string", NOW - HOUR)]);
    const read = await provision([{ name: "Echo", preset: "p" }], lookup, d, sandbox, NOW, "Device.", context);
    assert.deepEqual(read.virtual, [{ path: "VirtualParameters.Echo", value: "before", type: "xsd:string" }]);
    assert.deepEqual(JSON.parse(read.logs[0]!.message), [{}, {}, { value: NOW - HOUR }, { value: ["before", "xsd:string"] }]);

    const set = await provision([{ name: "set", preset: "p" }], lookup, d, sandbox, NOW, "Device.", context);
    assert.deepEqual(set.virtual, [{ path: "VirtualParameters.Echo", value: "hi!", type: "xsd:string" }]);
    assert.deepEqual(JSON.parse(set.logs[0]!.message), [{ value: NOW - 60000 }, { value: ["hi", "xsd:string"] }, { value: NOW - HOUR }, { value: ["before", "xsd:string"] }]);
  });

  it("applies clear() to every provision's declarations under the path, and turns tags into actions", async () => {
    const lookup = (n: string) =>
      ({
        bootstrap: { name: "bootstrap", kind: "script", dialect: "genieacs", script: `clear("Device", Date.now()); declare("Tags.seen", null, {value: true});` },
        defaults: { name: "defaults", kind: "declarative", declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 300 }] },
      })[n] as Provision | undefined;
    const d = data([rec("Device.ManagementServer.PeriodicInformInterval", "300", "xsd:unsignedInt")]);
    const r = await provision([{ name: "bootstrap", preset: "a" }, { name: "defaults", preset: "b" }], lookup, d, sandbox, NOW, "Device.", context);
    assert.deepEqual(r.declarations, [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 300, maxAge: 0 }]);
    assert.deepEqual(r.actions, [{ kind: "tag", tag: "seen", present: true }]);
    // the engine reads the value again before deciding, although it already matched
    const step = plan(r.declarations, d, newEngineState(), { now: NOW, gpvBatchSize: 32, parameterKey: "k", maxRpcs: 10 });
    assert.equal(step.plan.kind, "rpc");
    assert.equal(step.plan.kind === "rpc" ? step.plan.request.method : "", "GetParameterValues");
  });

  it("applies the declarations before commit() first, and the rest once the device has them", async () => {
    const script = `declare("Device.WiFi.SSID.1.SSID", null, {value: "office"}); commit(); declare("Device.WiFi.SSID.1.Enable", null, {value: true});`;
    const lookup = () => ({ name: "c", kind: "script", dialect: "genieacs", script }) as Provision;
    const first = await provision([{ name: "c", preset: "p" }], lookup, data([rec("Device.WiFi.SSID.1.SSID", "home", "xsd:string"), rec("Device.WiFi.SSID.1.Enable", "false", "xsd:boolean")]), sandbox, NOW, "Device.", context);
    assert.deepEqual(first.declarations.map((x) => [x.path, x.value]), [["Device.WiFi.SSID.1.SSID", "office"]]);
    const then = await provision([{ name: "c", preset: "p" }], lookup, data([rec("Device.WiFi.SSID.1.SSID", "office", "xsd:string", NOW + 1), rec("Device.WiFi.SSID.1.Enable", "false", "xsd:boolean")]), sandbox, NOW, "Device.", context);
    assert.deepEqual(then.declarations.map((x) => [x.path, x.value]), [["Device.WiFi.SSID.1.SSID", "office"], ["Device.WiFi.SSID.1.Enable", true]]);
  });
});
