import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cwmpFault, parseCwmp, serializeEnvelope, xsdValue, type CwmpEnvelope, type CwmpMessage, type Inform } from "../../src/cwmp/index.js";
import { AcsSession, InformError, defaultSessionConfig, type Effect, type Outcome, type TaskInput } from "../../src/session/index.js";

const now = new Date("2026-11-21T10:00:00Z");

function inform(overrides: Partial<Inform> = {}, header: CwmpEnvelope["header"] = { id: "inf-1" }, ns: CwmpEnvelope["ns"] = "1-0"): CwmpEnvelope {
  return {
    ns,
    header,
    body: {
      method: "Inform",
      deviceId: { manufacturer: "Acme", oui: "A1B2C3", productClass: "HGW-1", serialNumber: "SN 001" },
      event: [{ eventCode: "2 PERIODIC", commandKey: "" }],
      maxEnvelopes: 1,
      currentTime: "2026-11-21T10:00:00Z",
      retryCount: 0,
      parameterList: [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "1.0") }],
      ...overrides,
    },
  };
}

/** Sends what the CPE says through real bytes, as a server would see it. */
function cpe(body: CwmpMessage | null, id?: string, ns: CwmpEnvelope["ns"] = "1-0"): CwmpEnvelope[] {
  if (body === null) return [];
  const env: CwmpEnvelope = { ns, header: id === undefined ? {} : { id }, body };
  return parseCwmp(serializeEnvelope(env)).envelopes;
}

function task(id: string, name: string, args: unknown): TaskInput {
  return { id, name, args: args as TaskInput["args"] };
}

function start(tasks: TaskInput[] = [], config = defaultSessionConfig, env = inform()) {
  return AcsSession.start("sess-0001-abcdef", env, now, tasks, config);
}

function rpcOf(o: Outcome): { id: string; body: CwmpMessage } {
  assert.ok(o.reply.envelope, "expected an RPC, got an empty reply");
  assert.ok(o.reply.envelope.body);
  return { id: o.reply.envelope.header.id!, body: o.reply.envelope.body };
}

function ofType<T extends Effect["type"]>(effects: Effect[], type: T): Extract<Effect, { type: T }>[] {
  return effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
}

describe("session start", () => {
  it("answers an Inform with InformResponse echoing its cwmp:ID and records the device", () => {
    const { session, reply, effects } = start();
    assert.equal(session.deviceId, "A1B2C3-HGW_2D1-SN_20001");
    assert.deepEqual(reply.envelope, { ns: "1-0", header: { id: "inf-1" }, body: { method: "InformResponse", maxEnvelopes: 1 } });
    const [inf] = ofType(effects, "inform");
    assert.equal(inf!.deviceId, "A1B2C3-HGW_2D1-SN_20001");
    assert.deepEqual(inf!.events, [{ eventCode: "2 PERIODIC", commandKey: "" }]);
    assert.equal(inf!.cwmpVersion, "1.0");
    assert.deepEqual(ofType(effects, "setValues")[0]!.values, [{ path: "Device.DeviceInfo.SoftwareVersion", value: "1.0", type: "xsd:string" }]);
  });

  it("refuses an Inform without OUI or serial number, and anything else first", () => {
    assert.throws(() => start([], defaultSessionConfig, inform({ deviceId: { manufacturer: "x", oui: "", productClass: "", serialNumber: "1" } })), InformError);
    const notInform: CwmpEnvelope = { ns: "1-0", header: {}, body: { method: "GetRPCMethods" } };
    assert.throws(() => start([], defaultSessionConfig, notInform), (e: unknown) => e instanceof InformError && e.fault.detail.faultCode === 8003);
  });

  it("negotiates the CWMP version with a 1.4 CPE", () => {
    const { reply, effects } = start([], defaultSessionConfig, inform({}, { id: "1", supportedCwmpVersions: "1.0,1.1,1.2,1.3,1.4" }, "1-2"));
    assert.equal(reply.envelope!.header.useCwmpVersion, "1.4");
    assert.equal(ofType(effects, "inform")[0]!.cwmpVersion, "1.4");
    assert.ok(serializeEnvelope(reply.envelope!).includes("<cwmp:UseCWMPVersion soapenv:mustUnderstand=\"1\">1.4</cwmp:UseCWMPVersion>"));
  });

  it("leaves out ProductClass from the id when empty", () => {
    const { session } = start([], defaultSessionConfig, inform({ deviceId: { manufacturer: "x", oui: "00AA11", productClass: "", serialNumber: "S1" } }));
    assert.equal(session.deviceId, "00AA11-S1");
  });
});

describe("CPE requests", () => {
  it("answers TransferComplete, GetRPCMethods and unknown methods, echoing IDs", () => {
    const { session } = start();
    const tc = session.receive(
      cpe({ method: "TransferComplete", commandKey: "abc", faultStruct: { faultCode: 0, faultString: "" }, startTime: "2026-11-21T09:00:00Z", completeTime: "2026-11-21T09:01:00Z" }, "t1"),
      now,
      [],
    );
    assert.deepEqual(tc.reply.envelope, { ns: "1-0", header: { id: "t1" }, body: { method: "TransferCompleteResponse" } });
    assert.equal(ofType(tc.effects, "transferComplete")[0]!.commandKey, "abc");
    const grm = session.receive(cpe({ method: "GetRPCMethods" }, "g1"), now, []);
    assert.deepEqual(grm.reply.envelope!.body, { method: "GetRPCMethodsResponse", methodList: ["Inform", "GetRPCMethods", "TransferComplete", "RequestDownload", "Kicked"] });
    const unknown = session.receive(parseCwmp(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><s:Body><cwmp:X_Vendor_Thing/></s:Body></s:Envelope>`).envelopes, now, []);
    const body = unknown.reply.envelope!.body as Extract<CwmpMessage, { method: "Fault" }>;
    assert.equal(body.detail.faultCode, 8000);
    assert.equal(session.phase, "cpeRequests");
  });

  it("ends with an empty reply when there is nothing to do", () => {
    const { session } = start();
    const o = session.receive([], now, []);
    assert.deepEqual(o.reply, { envelope: null, ended: true });
    assert.deepEqual(ofType(o.effects, "sessionEnded"), [{ type: "sessionEnded", reason: "completed" }]);
  });
});

describe("tasks", () => {
  it("runs a getParameterValues task and stores what it learned", () => {
    const { session } = start();
    const t = task("11111111-2222-3333-4444-555555555555", "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });
    const rpc = rpcOf(session.receive([], now, [t]));
    assert.deepEqual(rpc.body, { method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.UpTime"] });
    const o = session.receive(cpe({ method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "42") }] }, rpc.id), now, [t]);
    assert.deepEqual(ofType(o.effects, "setValues")[0]!.values, [{ path: "Device.DeviceInfo.UpTime", value: "42", type: "xsd:unsignedInt" }]);
    const done = ofType(o.effects, "taskDone")[0]!;
    assert.equal(done.taskId, t.id);
    assert.deepEqual(done.result, { count: 1, values: { "Device.DeviceInfo.UpTime": { value: "42", type: "xsd:unsignedInt" } } });
    // the store still lists the task as runnable until the effects are applied: it must not run twice
    assert.equal(o.reply.envelope, null);
    assert.equal(o.reply.ended, true);
  });

  it("batches reads of several tasks into one GetParameterValues and gives each its part", () => {
    const { session } = start();
    const a = task("aaaaaaaa-0000-0000-0000-000000000001", "getParameterValues", { parameterNames: ["Device.A"] });
    const b = task("bbbbbbbb-0000-0000-0000-000000000002", "getParameterValues", { parameterNames: ["Device.B.", "Device.A"] });
    const rpc = rpcOf(session.receive([], now, [a, b]));
    assert.deepEqual(rpc.body, { method: "GetParameterValues", parameterNames: ["Device.A", "Device.B."] });
    const o = session.receive(
      cpe({ method: "GetParameterValuesResponse", parameterList: [{ name: "Device.A", value: xsdValue("xsd:string", "a") }, { name: "Device.B.X", value: xsdValue("xsd:int", "-1") }] }, rpc.id),
      now,
      [a, b],
    );
    const done = ofType(o.effects, "taskDone");
    assert.deepEqual(done.find((d) => d.taskId === a.id)!.result, { count: 1, values: { "Device.A": { value: "a", type: "xsd:string" } } });
    assert.deepEqual(Object.keys((done.find((d) => d.taskId === b.id)!.result as { values: object }).values).sort(), ["Device.A", "Device.B.X"]);
  });

  it("re-asks each task alone when a batched read faults, so only the culprit fails", () => {
    const { session } = start();
    const good = task("aaaaaaaa-0000-0000-0000-000000000001", "getParameterValues", { parameterNames: ["Device.A"] });
    const bad = task("bbbbbbbb-0000-0000-0000-000000000002", "getParameterValues", { parameterNames: ["Device.Nope"] });
    const first = rpcOf(session.receive([], now, [good, bad]));
    const afterFault = session.receive(cpe(cwmpFault(9005), first.id), now, [good, bad]);
    assert.equal(ofType(afterFault.effects, "taskFault").length, 0);
    const second = rpcOf(afterFault);
    assert.deepEqual(second.body, { method: "GetParameterValues", parameterNames: ["Device.A"] });
    const third = rpcOf(session.receive(cpe({ method: "GetParameterValuesResponse", parameterList: [{ name: "Device.A", value: xsdValue("xsd:string", "a") }] }, second.id), now, [good, bad]));
    assert.deepEqual(third.body, { method: "GetParameterValues", parameterNames: ["Device.Nope"] });
    const last = session.receive(cpe(cwmpFault(9005, "Invalid parameter name"), third.id), now, [good, bad]);
    assert.deepEqual(ofType(last.effects, "taskFault"), [{ type: "taskFault", taskId: bad.id, fault: { code: "cwmp.9005", message: "Invalid parameter name" }, retry: false }]);
    assert.equal(last.reply.ended, true);
  });

  it("splits a big read into batches", () => {
    const { session } = start([], { ...defaultSessionConfig, gpvBatchSize: 2 });
    const t = task("aaaaaaaa-0000-0000-0000-000000000001", "getParameterValues", { parameterNames: ["A.1", "A.2", "A.3"] });
    const r1 = rpcOf(session.receive([], now, [t]));
    assert.deepEqual(r1.body, { method: "GetParameterValues", parameterNames: ["A.1", "A.2"] });
    const r2 = rpcOf(session.receive(cpe({ method: "GetParameterValuesResponse", parameterList: [] }, r1.id), now, [t]));
    assert.deepEqual(r2.body, { method: "GetParameterValues", parameterNames: ["A.3"] });
  });

  it("sets values with the SetParameterValuesFault list kept on a fault, not retried", () => {
    const { session } = start();
    const t = task("cccccccc-0000-0000-0000-000000000003", "setParameterValues", { parameterValues: [{ name: "Device.X", value: 5, type: "xsd:unsignedInt" }] });
    const rpc = rpcOf(session.receive([], now, [t]));
    const spv = rpc.body as Extract<CwmpMessage, { method: "SetParameterValues" }>;
    assert.deepEqual(spv.parameterList, [{ name: "Device.X", value: { type: "xsd:unsignedInt", text: "5" } }]);
    assert.equal(spv.parameterKey, "cccccccc000000000000000000000003");
    const o = session.receive(cpe(cwmpFault(9003, "Invalid arguments", [{ parameterName: "Device.X", faultCode: 9008, faultString: "not writable" }]), rpc.id), now, [t]);
    assert.deepEqual(ofType(o.effects, "taskFault")[0], {
      type: "taskFault",
      taskId: t.id,
      fault: { code: "cwmp.9003", message: "Invalid arguments", detail: { setParameterValuesFault: [{ parameterName: "Device.X", faultCode: 9008, faultString: "not writable" }] } },
      retry: false,
    });
  });

  it("retries internal errors of the CPE", () => {
    const { session } = start();
    const t = task("cccccccc-0000-0000-0000-000000000003", "reboot", {});
    const rpc = rpcOf(session.receive([], now, [t]));
    assert.deepEqual(rpc.body, { method: "Reboot", commandKey: "cccccccc000000000000000000000003" });
    const o = session.receive(cpe(cwmpFault(9002), rpc.id), now, [t]);
    assert.equal(ofType(o.effects, "taskFault")[0]!.retry, true);
  });

  it("walks a subtree level by level when the CPE cannot list it at once", () => {
    const { session } = start();
    const t = task("dddddddd-0000-0000-0000-000000000004", "getParameterNames", { parameterPath: "Device.X." });
    const r1 = rpcOf(session.receive([], now, [t]));
    assert.deepEqual(r1.body, { method: "GetParameterNames", parameterPath: "Device.X.", nextLevel: false });
    const r2 = rpcOf(session.receive(cpe(cwmpFault(9004), r1.id), now, [t]));
    assert.deepEqual(r2.body, { method: "GetParameterNames", parameterPath: "Device.X.", nextLevel: true });
    const r3 = rpcOf(
      session.receive(cpe({ method: "GetParameterNamesResponse", parameterList: [{ name: "Device.X.A", writable: true }, { name: "Device.X.Y.", writable: false }] }, r2.id), now, [t]),
    );
    assert.deepEqual(r3.body, { method: "GetParameterNames", parameterPath: "Device.X.Y.", nextLevel: true });
    const o4 = session.receive(cpe({ method: "GetParameterNamesResponse", parameterList: [{ name: "Device.X.Y.B", writable: false }] }, r3.id), now, [t]);
    assert.deepEqual(ofType(o4.effects, "setNames")[0], { type: "setNames", requestPath: "Device.X.Y.", nextLevel: true, names: [{ path: "Device.X.Y.B", writable: false }] });
    const r4 = rpcOf(o4);
    assert.deepEqual(r4.body, { method: "GetParameterValues", parameterNames: ["Device.X."] });
  });

  it("reads a subtree's values by name in batches, and passes over an instance gone since it was listed (9005)", () => {
    const { session } = start([], { ...defaultSessionConfig, gpvBatchSize: 2 });
    const t = task("dddddddd-0000-0000-0000-000000000006", "getParameterNames", { parameterPath: "Device.Hosts.", batched: true });
    const r1 = rpcOf(session.receive([], now, [t]));
    const names = ["Device.Hosts.Host.1.IPAddress", "Device.Hosts.Host.2.IPAddress", "Device.Hosts.Host.3.IPAddress"];
    const r2 = rpcOf(session.receive(cpe({ method: "GetParameterNamesResponse", parameterList: names.map((name) => ({ name, writable: false })) }, r1.id), now, [t]));
    assert.deepEqual(r2.body, { method: "GetParameterValues", parameterNames: names.slice(0, 2) });
    // Host 2 left the LAN: the batch faults, and its names are read one by one.
    const r3 = rpcOf(session.receive(cpe(cwmpFault(9005), r2.id), now, [t]));
    assert.deepEqual(r3.body, { method: "GetParameterValues", parameterNames: [names[0]] });
    const value = (name: string): CwmpMessage => ({ method: "GetParameterValuesResponse", parameterList: [{ name, value: xsdValue("xsd:string", "192.0.2.1") }] });
    const r4 = rpcOf(session.receive(cpe(value(names[0]!), r3.id), now, [t]));
    assert.deepEqual(r4.body, { method: "GetParameterValues", parameterNames: [names[1]] });
    const r5 = rpcOf(session.receive(cpe(cwmpFault(9005), r4.id), now, [t]));
    assert.deepEqual(r5.body, { method: "GetParameterValues", parameterNames: [names[2]] });
    const done = session.receive(cpe(value(names[2]!), r5.id), now, [t]);
    assert.deepEqual(ofType(done.effects, "taskDone")[0]!.result, { values: 2, skipped: 1 });
  });

  // A discovery's names, as a gateway lists them: long shared prefixes.
  const discovered = Array.from({ length: 40 }, (_, i) => [`Device.WiFi.SSID.${i + 1}.Stats.BytesSent`, `Device.WiFi.SSID.${i + 1}.Stats.BytesReceived`, `Device.WiFi.SSID.${i + 1}.Name`]).flat();
  const answer = (names: readonly string[]): CwmpMessage => ({ method: "GetParameterValuesResponse", parameterList: names.map((name) => ({ name, value: xsdValue("xsd:string", "x") })) });

  /** The state of the task whose RPC is in flight, in a session snapshot. */
  function taskState(snapshot: unknown): Record<string, unknown> {
    const state = (snapshot as { pending: { origins: { state: Record<string, unknown> }[] } }).pending.origins[0]!.state;
    assert.equal(state.phase, "values");
    return state;
  }

  it("keeps a batched read's names to read in its state packed, fewer at each exchange", () => {
    const { session } = start([], { ...defaultSessionConfig, gpvBatchSize: 10 });
    const t = task("dddddddd-0000-0000-0000-000000000007", "getParameterNames", { parameterPath: "Device.WiFi.", batched: true });
    const r1 = rpcOf(session.receive([], now, [t]));
    let r = rpcOf(session.receive(cpe({ method: "GetParameterNamesResponse", parameterList: discovered.map((name) => ({ name, writable: false })) }, r1.id), now, [t]));
    const asked: string[] = [];
    const sizes: number[] = [];
    for (;;) {
      const names = (r.body as Extract<CwmpMessage, { method: "GetParameterValues" }>).parameterNames;
      asked.push(...names);
      sizes.push(JSON.stringify(taskState(session.snapshot())).length);
      const o = session.receive(cpe(answer(names), r.id), now, [t]);
      if (ofType(o.effects, "taskDone").length > 0) {
        assert.deepEqual(ofType(o.effects, "taskDone")[0]!.result, { values: discovered.length });
        break;
      }
      r = rpcOf(o);
    }
    assert.deepEqual(asked, discovered, "every name read once, in order");
    assert.equal(sizes.length, 12);
    assert.ok(sizes[0]! < JSON.stringify(discovered).length / 2, `the state at the first batch (${sizes[0]} characters) holds the names in less than half their size`);
    for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! < sizes[i - 1]!, `the state shrinks as the read goes on: ${sizes.join(", ")}`);
  });

  it("carries on a batched read whose state was written with every name and an offset (before the names were packed)", () => {
    const config = { ...defaultSessionConfig, gpvBatchSize: 10 };
    const { session } = start([], config);
    const t = task("dddddddd-0000-0000-0000-000000000008", "getParameterNames", { parameterPath: "Device.WiFi.", batched: true });
    const r1 = rpcOf(session.receive([], now, [t]));
    const r2 = rpcOf(session.receive(cpe({ method: "GetParameterNamesResponse", parameterList: discovered.map((name) => ({ name, writable: false })) }, r1.id), now, [t]));
    const r3 = rpcOf(session.receive(cpe(answer(discovered.slice(0, 10)), r2.id), now, [t]));
    // The state as the previous version wrote it at the second batch.
    const snapshot = session.snapshot() as Record<string, unknown>;
    const state = taskState(snapshot);
    for (const key of Object.keys(state)) delete state[key];
    Object.assign(state, { phase: "values", params: discovered, offset: 10 });
    const restored = AcsSession.restore(JSON.parse(JSON.stringify(snapshot)) as never, config);
    // The second batch faults (an instance went away): its names are read one by one, then the rest.
    const r4 = rpcOf(restored.receive(cpe(cwmpFault(9005), r3.id), now, [t]));
    assert.deepEqual((r4.body as Extract<CwmpMessage, { method: "GetParameterValues" }>).parameterNames, [discovered[10]]);
    let r = r4;
    const asked: string[] = [];
    for (;;) {
      const names = (r.body as Extract<CwmpMessage, { method: "GetParameterValues" }>).parameterNames;
      asked.push(...names);
      const o = restored.receive(cpe(answer(names), r.id), now, [t]);
      if (ofType(o.effects, "taskDone").length > 0) {
        assert.deepEqual(ofType(o.effects, "taskDone")[0]!.result, { values: discovered.length });
        break;
      }
      r = rpcOf(o);
    }
    assert.deepEqual(asked, discovered.slice(10));
  });

  it("uses the root object instead of an empty path", () => {
    const { session } = start();
    const t = task("dddddddd-0000-0000-0000-000000000004", "getParameterNames", { parameterPath: "", values: false });
    assert.deepEqual(rpcOf(session.receive([], now, [t])).body, { method: "GetParameterNames", parameterPath: "Device.", nextLevel: false });
  });

  it("adds an object, learns it and sets values on it", () => {
    const { session } = start();
    const t = task("eeeeeeee-0000-0000-0000-000000000005", "addObject", {
      objectName: "Device.NAT.PortMapping.",
      parameterValues: [{ name: "ExternalPort", value: 8080, type: "xsd:unsignedInt" }],
    });
    const r1 = rpcOf(session.receive([], now, [t]));
    assert.equal(r1.body.method, "AddObject");
    const r2 = rpcOf(session.receive(cpe({ method: "AddObjectResponse", instanceNumber: 3, status: 0 }, r1.id), now, [t]));
    assert.deepEqual(r2.body, { method: "GetParameterNames", parameterPath: "Device.NAT.PortMapping.3.", nextLevel: false });
    const o3 = session.receive(cpe({ method: "GetParameterNamesResponse", parameterList: [{ name: "Device.NAT.PortMapping.3.ExternalPort", writable: true }] }, r2.id), now, [t]);
    assert.equal(ofType(o3.effects, "setNames")[0]!.requestPath, "Device.NAT.PortMapping.3.");
    const r3 = rpcOf(o3);
    const r4 = rpcOf(
      session.receive(cpe({ method: "GetParameterValuesResponse", parameterList: [{ name: "Device.NAT.PortMapping.3.ExternalPort", value: xsdValue("xsd:unsignedInt", "0") }] }, r3.id), now, [t]),
    );
    assert.deepEqual((r4.body as Extract<CwmpMessage, { method: "SetParameterValues" }>).parameterList, [
      { name: "Device.NAT.PortMapping.3.ExternalPort", value: { type: "xsd:unsignedInt", text: "8080" } },
    ]);
    const o5 = session.receive(cpe({ method: "SetParameterValuesResponse", status: 0 }, r4.id), now, [t]);
    assert.deepEqual(ofType(o5.effects, "taskDone")[0]!.result, { instanceNumber: 3, path: "Device.NAT.PortMapping.3." });
  });

  it("deletes an object and the subtree it had", () => {
    const { session } = start();
    const t = task("eeeeeeee-0000-0000-0000-000000000005", "deleteObject", { objectName: "Device.NAT.PortMapping.3." });
    const r = rpcOf(session.receive([], now, [t]));
    const o = session.receive(cpe({ method: "DeleteObjectResponse", status: 0 }, r.id), now, [t]);
    assert.deepEqual(ofType(o.effects, "deleteSubtree"), [{ type: "deleteSubtree", prefix: "Device.NAT.PortMapping.3." }]);
  });

  it("waits for TransferComplete when a download is not finished at once", () => {
    const { session } = start();
    const t = task("ffffffff-0000-0000-0000-000000000006", "download", { fileType: "1 Firmware Upgrade Image", url: "http://files/fw.bin", fileSize: 100 });
    const r = rpcOf(session.receive([], now, [t]));
    assert.equal((r.body as Extract<CwmpMessage, { method: "Download" }>).commandKey, "ffffffff000000000000000000000006");
    const o = session.receive(cpe({ method: "DownloadResponse", status: 1, startTime: "", completeTime: "" }, r.id), now, [t]);
    assert.equal(ofType(o.effects, "taskWaiting")[0]!.taskId, t.id);
  });

  it("fails tasks whose arguments are invalid or which the device's namespace lacks, without an RPC", () => {
    const { session } = start();
    const bad = task("11111111-0000-0000-0000-000000000001", "setParameterValues", { parameterValues: [] });
    const unsupported = task("22222222-0000-0000-0000-000000000002", "scheduleDownload", {
      fileType: "1 Firmware Upgrade Image",
      url: "http://x/",
      timeWindows: [{ windowStart: 0, windowEnd: 60, windowMode: "1 At Any Time" }],
    });
    const unknown = task("33333333-0000-0000-0000-000000000003", "makeCoffee", {});
    const o = session.receive([], now, [bad, unsupported, unknown]);
    assert.deepEqual(
      ofType(o.effects, "taskFault").map((f) => [f.taskId, f.fault.code, f.retry]),
      [
        [bad.id, "task.invalid-arguments", false],
        [unsupported.id, "task.unsupported", false],
        [unknown.id, "task.unknown", false],
      ],
    );
    assert.equal(o.reply.ended, true);
  });

  it("does not start a task twice in one session", () => {
    const { session } = start();
    const t = task("11111111-0000-0000-0000-000000000001", "reboot", {});
    const r = rpcOf(session.receive([], now, [t]));
    // the task is still listed (its effects are not applied yet in this test): the session skips it
    const o = session.receive(cpe({ method: "RebootResponse" }, r.id), now, [t]);
    assert.equal(o.reply.envelope, null);
  });
});

describe("protocol errors and vanishing CPEs", () => {
  it("settles the outstanding RPC as retryable when the CPE sends an empty POST instead", () => {
    const { session } = start();
    const t = task("11111111-0000-0000-0000-000000000001", "reboot", {});
    rpcOf(session.receive([], now, [t]));
    const o = session.receive([], now, [t]);
    assert.deepEqual(ofType(o.effects, "taskFault")[0]!.fault.code, "session.no-response");
    assert.equal(ofType(o.effects, "taskFault")[0]!.retry, true);
    assert.equal(o.reply.ended, true);
  });

  it("ends the session on a response to another method", () => {
    const { session } = start();
    const t = task("11111111-0000-0000-0000-000000000001", "reboot", {});
    const r = rpcOf(session.receive([], now, [t]));
    const o = session.receive(cpe({ method: "FactoryResetResponse" }, r.id), now, [t]);
    assert.equal(ofType(o.effects, "sessionFault")[0]!.code, "session.wrong-response");
    assert.deepEqual(ofType(o.effects, "sessionEnded"), [{ type: "sessionEnded", reason: "protocol-error" }]);
  });

  it("ends the session on a response nobody asked for", () => {
    const { session } = start();
    const o = session.receive(cpe({ method: "RebootResponse" }), now, []);
    assert.equal(ofType(o.effects, "sessionFault")[0]!.code, "session.unexpected-message");
    assert.equal(o.reply.ended, true);
  });

  it("settles the outstanding RPC when the CPE times out", () => {
    const { session } = start();
    const t = task("11111111-0000-0000-0000-000000000001", "factoryReset", {});
    rpcOf(session.receive([], now, [t]));
    const effects = session.timeout();
    const unconfirmed = { method: "FactoryReset", key: "", keyBefore: null };
    assert.deepEqual(ofType(effects, "taskFault")[0], { type: "taskFault", taskId: t.id, fault: { code: "session.timeout", message: "the CPE stopped answering", detail: { unconfirmed } }, retry: true });
    assert.deepEqual(ofType(effects, "sessionEnded"), [{ type: "sessionEnded", reason: "timeout" }]);
  });

  it("settles a write in flight as done when the device's next Inform shows its ParameterKey, unless the device had that key already", () => {
    const withKey = (key: string) => inform({ parameterList: [{ name: "Device.ManagementServer.ParameterKey", value: xsdValue("xsd:string", key) }] });
    const spv = (id: string, parameterKey: string) => task(id, "setParameterValues", { parameterValues: [{ name: "Device.X.Y", value: "1", type: "xsd:string" }], parameterKey });
    const a = spv("11111111-0000-0000-0000-00000000000a", "k1");
    const b = spv("11111111-0000-0000-0000-00000000000b", "k2");
    const { session } = start([a, b], defaultSessionConfig, withKey("k0"));
    const first = rpcOf(session.receive([], now, [a, b]));
    rpcOf(session.receive(cpe({ method: "SetParameterValuesResponse", status: 0 }, first.id), now, [a, b]));
    const copy = AcsSession.restore(JSON.parse(JSON.stringify(session.snapshot())));
    // b (k2) in flight; the device reports k2: it took effect.
    assert.deepEqual(ofType(session.abandon("replaced", withKey("k2").body as Inform), "taskDone"), [{ type: "taskDone", taskId: b.id, result: { confirmed: "ParameterKey" } }]);
    // Reporting k1, the key a's accepted write set, shows nothing about b.
    const [fault] = ofType(copy.abandon("replaced", withKey("k1").body as Inform), "taskFault");
    assert.deepEqual(fault?.fault.detail, { unconfirmed: { method: "SetParameterValues", key: "k2", keyBefore: "k1" } });
  });

  it("settles a Reboot in flight as done on M Reboot with its CommandKey", () => {
    const t = task("11111111-0000-0000-0000-000000000001", "reboot", {});
    const { session } = start([t]);
    const rpc = rpcOf(session.receive([], now, [t]));
    const key = rpc.body.method === "Reboot" ? rpc.body.commandKey : "";
    const copy = AcsSession.restore(JSON.parse(JSON.stringify(session.snapshot())));
    const rebooted = inform({ event: [{ eventCode: "1 BOOT", commandKey: "" }, { eventCode: "M Reboot", commandKey: key }] }).body as Inform;
    assert.deepEqual(ofType(session.abandon("replaced", rebooted), "taskDone"), [{ type: "taskDone", taskId: t.id, result: { confirmed: "M Reboot" } }]);
    const other = inform({ event: [{ eventCode: "1 BOOT", commandKey: "" }, { eventCode: "M Reboot", commandKey: "someone else's" }] }).body as Inform;
    assert.equal(ofType(copy.abandon("replaced", other), "taskFault").length, 1);
  });

  it("stops a session that sends too many RPCs", () => {
    const { session } = start([], { ...defaultSessionConfig, maxRpcs: 2, gpvBatchSize: 1 });
    const t = task("11111111-0000-0000-0000-000000000001", "getParameterValues", { parameterNames: ["A", "B", "C"] });
    const r1 = rpcOf(session.receive([], now, [t]));
    const r2 = rpcOf(session.receive(cpe({ method: "GetParameterValuesResponse", parameterList: [] }, r1.id), now, [t]));
    const o = session.receive(cpe({ method: "GetParameterValuesResponse", parameterList: [] }, r2.id), now, [t]);
    assert.deepEqual(ofType(o.effects, "sessionEnded"), [{ type: "sessionEnded", reason: "rpc-limit" }]);
    assert.equal(ofType(o.effects, "taskFault")[0]!.fault.code, "session.rpc-limit");
  });
});

describe("state between HTTP exchanges", () => {
  it("continues identically after a JSON round trip of its snapshot", () => {
    const t = task("11111111-0000-0000-0000-000000000001", "getParameterValues", { parameterNames: ["A", "B"] });
    const config = { ...defaultSessionConfig, gpvBatchSize: 1 };
    const { session } = start([], config);
    const r1 = rpcOf(session.receive([], now, [t]));
    const moved = AcsSession.restore(JSON.parse(JSON.stringify(session.snapshot())), config);
    const r2 = rpcOf(moved.receive(cpe({ method: "GetParameterValuesResponse", parameterList: [] }, r1.id), now, [t]));
    assert.deepEqual(r2.body, { method: "GetParameterValues", parameterNames: ["B"] });
    assert.notEqual(r2.id, r1.id);
  });
});

describe("the first RPC planned ahead of the empty POST", () => {
  const t = task("11111111-0000-0000-0000-000000000001", "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });

  /** A session whose first RPC was planned with its Inform, stored as JSON (as the store keeps it). */
  function ahead(tasks: TaskInput[] = [t]): { stored: () => AcsSession; rpc: { id: string; body: CwmpMessage } } {
    const { session } = start(tasks);
    const copy = session.planAhead(now);
    assert.ok(copy);
    const step = copy.plan(now, { tasks });
    assert.equal(session.keepAhead(copy, step), true);
    assert.equal(session.hasAhead, true);
    const json = JSON.stringify(session.snapshot());
    assert.equal(step.kind, "reply");
    return { stored: () => AcsSession.restore(JSON.parse(json)), rpc: rpcOf(step as Outcome) };
  }

  it("answers the empty POST with the planned RPC, recording nothing", () => {
    const { stored, rpc } = ahead();
    const s = stored();
    const o = s.consume([], now);
    assert.deepEqual(o.effects, []);
    assert.deepEqual(rpcOf(o as Outcome), rpc);
    assert.equal(s.phase, "awaitingResponse");
    assert.equal(s.hasAhead, false);
  });

  it("takes the response to it in a process that holds only the stored state", () => {
    const { stored, rpc } = ahead();
    const o = stored().receive(cpe({ method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "5") }] }, rpc.id), now, []);
    assert.equal(ofType(o.effects, "taskDone")[0]!.taskId, t.id);
    assert.equal(o.reply.ended, true);
  });

  it("drops it when the CPE sends a request first, and plans again after that request", () => {
    const { stored } = ahead();
    const s = stored();
    const answered = s.receive(cpe({ method: "TransferComplete", commandKey: "k", faultStruct: { faultCode: 0, faultString: "" }, startTime: "2026-11-21T10:00:00Z", completeTime: "2026-11-21T10:00:01Z" }, "tc-1"), now, []);
    assert.equal(answered.reply.envelope?.body?.method, "TransferCompleteResponse");
    assert.equal(s.hasAhead, false);
    // No task is runnable any more (the request could have settled it): the session ends instead.
    assert.equal(s.receive([], now, []).reply.ended, true);
  });

  it("ends the session on a second empty POST, once the first took the RPC", () => {
    const { stored } = ahead();
    const s = stored();
    s.consume([], now);
    const o = s.receive([], now, [t]);
    assert.equal(ofType(o.effects, "taskFault")[0]!.fault.code, "session.no-response");
    assert.equal(o.reply.ended, true);
  });

  it("counts the RPC as sent when the CPE vanishes, so its task's attempt counts", () => {
    const effects = ahead().stored().timeout();
    assert.deepEqual(ofType(effects, "taskFault")[0], { type: "taskFault", taskId: t.id, fault: { code: "session.timeout", message: "the CPE stopped answering" }, retry: true });
  });

  it("keeps nothing when the plan is the end of the session or records something", () => {
    const { session } = start([]);
    const copy = session.planAhead(now)!;
    assert.equal(session.keepAhead(copy, copy.plan(now, { tasks: [] })), false);
    const bad = task("11111111-0000-0000-0000-000000000002", "getParameterValues", { parameterNames: 5 });
    const { session: s2 } = start([bad]);
    const copy2 = s2.planAhead(now)!;
    assert.equal(s2.keepAhead(copy2, copy2.plan(now, { tasks: [bad] })), false, "a task failed at planning is an effect to record");
    assert.equal(s2.hasAhead, false);
    assert.equal(s2.phase, "cpeRequests", "the session itself has not moved");
  });

  it("is planned only right after the Inform", () => {
    const { session } = start([t]);
    session.receive([], now, [t]);
    assert.equal(session.planAhead(now), null);
  });
});

describe("HoldRequests", () => {
  it("holds the CPE's requests while tasks run, releases them, then takes the held requests", () => {
    const config = { ...defaultSessionConfig, holdRequests: true };
    const t = task("11111111-0000-0000-0000-000000000001", "reboot", {});
    const { session, reply } = start([t], config);
    assert.equal(reply.envelope!.header.holdRequests, true);
    const r1 = session.receive([], now, [t]);
    assert.equal(r1.reply.envelope!.header.holdRequests, true);
    const release = session.receive(cpe({ method: "RebootResponse" }, rpcOf(r1).id), now, [t]);
    assert.deepEqual(release.reply.envelope!.body, { method: "GetRPCMethods" });
    assert.equal(release.reply.envelope!.header.holdRequests, undefined);
    const afterRelease = session.receive(cpe({ method: "GetRPCMethodsResponse", methodList: ["GetRPCMethods"] }, rpcOf(release).id), now, [t]);
    assert.deepEqual(afterRelease.reply, { envelope: null, ended: false });
    assert.equal(session.lingering, true);
    const held = session.receive(
      cpe({ method: "TransferComplete", commandKey: "k", faultStruct: { faultCode: 0, faultString: "" }, startTime: "", completeTime: "" }, "tc"),
      now,
      [],
    );
    assert.deepEqual(held.reply.envelope!.body, { method: "TransferCompleteResponse" });
    const end = session.receive([], now, []);
    assert.deepEqual(end.reply, { envelope: null, ended: true });
  });
});
