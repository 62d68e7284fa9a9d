// Lost answers, sans I/O: what a session settles when it breaks off with a write in flight and the
// device's next Inform shows (or does not show) that the write took effect, and where a task interrupted
// after changing the device starts again.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cwmpFault, xsdValue, type CwmpEnvelope, type CwmpMessage, type CwmpNamespaceVersion, type Inform } from "../../src/cwmp/index.js";
import { AcsSession, addObjectKey, commandKeyOf, confirmedOutcome, type Effect, type Outcome, type TaskInput } from "../../src/session/index.js";

const now = new Date("2026-12-06T10:00:00Z");
const ID = "22222222-0000-0000-0000-000000000001";
const KEY = "Device.ManagementServer.ParameterKey";

function informOf(ns: CwmpNamespaceVersion, events: string[] = ["2 PERIODIC"], parameterKey = "k0"): CwmpEnvelope {
  const body: Inform = {
    method: "Inform",
    deviceId: { manufacturer: "Acme", oui: "A1B2C3", productClass: "HGW-1", serialNumber: "SN 002" },
    event: events.map((e) => ({ eventCode: e.split("|")[0]!, commandKey: e.split("|")[1] ?? "" })),
    maxEnvelopes: 1,
    currentTime: "2026-12-06T10:00:00Z",
    retryCount: 0,
    parameterList: [{ name: KEY, value: xsdValue("xsd:string", parameterKey) }],
  };
  return { ns, header: { id: "i" }, body };
}

const informBody = (events: string[], parameterKey = "k0") => informOf("1-2", events, parameterKey).body as Inform;

/** A session (CWMP 1.2) that has sent the first RPC for `tasks`. */
function sending(tasks: TaskInput[]): { session: AcsSession; rpc: { id: string; body: CwmpMessage } } {
  const { session } = AcsSession.start("sess-0002-abcdef", informOf("1-2"), now, tasks);
  return { session, rpc: rpcOf(session.receive([], now, tasks)) };
}

function answer(session: AcsSession, to: { id: string }, body: CwmpMessage, tasks: TaskInput[]): Outcome {
  return session.receive([{ ns: "1-2", header: { id: to.id }, body }], now, tasks);
}

function rpcOf(o: Outcome): { id: string; body: CwmpMessage } {
  assert.ok(o.reply.envelope?.body, "expected an RPC, got an empty reply");
  return { id: o.reply.envelope.header.id!, body: o.reply.envelope.body };
}

const copyOf = (session: AcsSession) => AcsSession.restore(JSON.parse(JSON.stringify(session.snapshot())));
const settled = (effects: Effect[]) => effects.filter((e) => e.type === "taskDone" || e.type === "taskWaiting" || e.type === "taskFault" || e.type === "setValues");
const keyOf = (m: CwmpMessage) => ("parameterKey" in m ? m.parameterKey : "commandKey" in m ? (m.commandKey ?? "") : "");

const TRANSFERS: { name: string; args: unknown; method: string; event: string }[] = [
  { name: "download", args: { url: "http://f/fw.bin", fileType: "1 Firmware Upgrade Image" }, method: "Download", event: "7 TRANSFER COMPLETE" },
  { name: "upload", args: { url: "http://f/up", fileType: "1 Vendor Configuration File" }, method: "Upload", event: "7 TRANSFER COMPLETE" },
  { name: "scheduleDownload", args: { url: "http://f/w.tar", fileType: "2 Web Content", timeWindows: [{ windowStart: 0, windowEnd: 60, windowMode: "1 At Any Time" }] }, method: "ScheduleDownload", event: "7 TRANSFER COMPLETE" },
  { name: "changeDUState", args: { operations: [{ type: "Install", url: "http://f/du.ipk" }] }, method: "ChangeDUState", event: "11 DU STATE CHANGE COMPLETE" },
];

describe("a transfer or ChangeDUState in flight when the session broke off", () => {
  for (const k of TRANSFERS) {
    it(`${k.method}: waits for its completion when the next Inform carries "M ${k.method}" with its CommandKey, else retried with what would show it`, () => {
      const task: TaskInput = { id: ID, name: k.name, args: k.args as TaskInput["args"] };
      const { session, rpc } = sending([task]);
      assert.equal(rpc.body.method, k.method);
      const key = keyOf(rpc.body);
      assert.equal(key, commandKeyOf(ID));
      const copy = copyOf(session);
      const another = copyOf(session);
      assert.deepEqual(settled(session.abandon("replaced", informBody([k.event, `M ${k.method}|${key}`]))), [{ type: "taskWaiting", taskId: ID, result: { confirmed: `M ${k.method}` } }]);
      const unconfirmed = { method: k.method, key, keyBefore: null };
      assert.deepEqual(settled(copy.abandon("replaced", informBody([k.event, `M ${k.method}|another`]))), [
        { type: "taskFault", taskId: ID, fault: { code: "session.replaced", message: "the CPE started a new session", detail: { unconfirmed } }, retry: true },
      ]);
      assert.equal(settled(another.timeout()).length, 1, "housekeeping leaves it to the next Inform");
    });
  }

  for (const k of TRANSFERS.slice(1)) {
    const check = k.method === "ChangeDUState" ? null : "GetAllQueuedTransfers";
    it(`${k.method} whose last attempt is unconfirmed: ${check === null ? "no RPC lists it, it is sent again" : "looked for among the queued transfers first, and waits when found"}`, () => {
      const task: TaskInput = { id: ID, name: k.name, args: k.args as TaskInput["args"], unconfirmed: { method: k.method, key: commandKeyOf(ID), keyBefore: null } };
      const { session, rpc } = sending([task]);
      if (check === null) return assert.equal(rpc.body.method, k.method);
      assert.deepEqual(rpc.body, { method: check });
      const found = answer(session, rpc, { method: "GetAllQueuedTransfersResponse", transferList: [{ commandKey: commandKeyOf(ID), state: 2, isDownload: k.method !== "Upload", fileType: "x", fileSize: 0, targetFileName: "" }] }, [task]);
      assert.deepEqual(settled(found.effects), [{ type: "taskWaiting", taskId: ID, result: { queued: { state: 2 } } }]);
      const { session: other, rpc: check2 } = sending([task]);
      assert.equal(rpcOf(answer(other, check2, { method: "GetAllQueuedTransfersResponse", transferList: [] }, [task])).body.method, k.method);
    });
  }
});

describe("setParameterValues and addObject with their answer lost", () => {
  const values = [{ name: "Description", value: "x", type: "xsd:string" }];
  const add: TaskInput = { id: ID, name: "addObject", args: { objectName: "Device.NAT.PortMapping.", parameterValues: values } };
  const stored = { type: "setValues", values: [{ path: "Device.NAT.PortMapping.3.Description", value: "x", type: "xsd:string" }], set: true };

  /** An addObject with values, added as instance 3, read back, its SetParameterValues in flight. */
  function setting(task = add) {
    const { session, rpc } = sending([task]);
    const names = rpcOf(answer(session, rpc, { method: "AddObjectResponse", instanceNumber: 3, status: 0 }, [task]));
    const read = rpcOf(answer(session, names, { method: "GetParameterNamesResponse", parameterList: [{ name: "Device.NAT.PortMapping.3.Description", writable: true }] }, [task]));
    const set = rpcOf(answer(session, read, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.NAT.PortMapping.3.Description", value: xsdValue("xsd:string", "") }] }, [task]));
    return { session, add: rpc.body, set: set.body };
  }

  it("a SetParameterValues confirmed by its ParameterKey stores what it set, as its answer would have", () => {
    const spv: TaskInput = { id: ID, name: "setParameterValues", args: { parameterValues: [{ name: "Device.X.Y", value: "7", type: "xsd:unsignedInt" }] } };
    const { session, rpc } = sending([spv]);
    assert.deepEqual(settled(session.abandon("replaced", informBody(["2 PERIODIC"], keyOf(rpc.body)))), [
      { type: "setValues", values: [{ path: "Device.X.Y", value: "7", type: "xsd:unsignedInt" }], set: true },
      { type: "taskDone", taskId: ID, result: { confirmed: "ParameterKey" } },
    ]);
  });

  it("an addObject with values adds under a ParameterKey of its own, and sets them under the task's (or the one it gives)", () => {
    const { add: a, set } = setting();
    assert.deepEqual([keyOf(a), keyOf(set)], [addObjectKey(ID), commandKeyOf(ID)]);
    assert.ok(addObjectKey(ID).length <= 32);
    const given = setting({ ...add, args: { ...(add.args as object), parameterKey: "mine" } });
    assert.deepEqual([keyOf(given.add), keyOf(given.set)], [addObjectKey(ID), "mine"]);
    const { rpc } = sending([{ ...add, args: { objectName: "Device.NAT.PortMapping." } }]);
    assert.equal(keyOf(rpc.body), commandKeyOf(ID), "without values the AddObject is the task's one write");
  });

  it("values in flight, shown set by their key: done with the instance and the values stored; not shown: retried on the same instance", () => {
    const { session, add: a, set } = setting();
    const copy = copyOf(session);
    assert.deepEqual(settled(session.abandon("replaced", informBody(["2 PERIODIC"], keyOf(set)))), [
      stored,
      { type: "taskDone", taskId: ID, result: { instanceNumber: 3, path: "Device.NAT.PortMapping.3.", confirmed: "ParameterKey" } },
    ]);
    const [fault] = settled(copy.abandon("replaced", informBody(["2 PERIODIC"], keyOf(a))));
    const detail = { unconfirmed: { method: "SetParameterValues", key: keyOf(set), keyBefore: keyOf(a) }, resume: { phase: "set", instance: 3 } };
    assert.deepEqual(fault, { type: "taskFault", taskId: ID, fault: { code: "session.replaced", message: "the CPE started a new session", detail }, retry: true });
    // The next attempt, from the task's record, sends the values to instance 3 again.
    const again = sending([{ ...add, unconfirmed: detail.unconfirmed, resume: detail.resume }]);
    assert.deepEqual(again.rpc.body, set);
    // Had the next Inform confirmed them, the task's record says enough to settle it the same way.
    assert.deepEqual(confirmedOutcome({ id: ID, name: add.name, args: add.args }, detail.unconfirmed, "ParameterKey", detail.resume)[0], stored);
  });

  it("the AddObject's answer lost, shown applied: done without values, task.interrupted with values (the instance's number was in the answer)", () => {
    const { session, rpc } = sending([add]);
    assert.deepEqual(settled(session.abandon("replaced", informBody(["2 PERIODIC"], keyOf(rpc.body)))).map((e) => (e.type === "taskFault" ? e.fault.code : e.type)), ["task.interrupted"]);
    const plain: TaskInput = { ...add, args: { objectName: "Device.NAT.PortMapping." } };
    const bare = sending([plain]);
    assert.deepEqual(settled(bare.session.abandon("replaced", informBody(["2 PERIODIC"], keyOf(bare.rpc.body)))), [{ type: "taskDone", taskId: ID, result: { confirmed: "ParameterKey" } }]);
  });

  it("interrupted while reading the new instance, or faulted on it: retried from there, never added again", () => {
    const { session, rpc } = sending([add]);
    const names = rpcOf(answer(session, rpc, { method: "AddObjectResponse", instanceNumber: 3, status: 0 }, [add]));
    const copy = copyOf(session);
    const [broke] = settled(session.timeout());
    assert.deepEqual(broke, { type: "taskFault", taskId: ID, fault: { code: "session.timeout", message: "the CPE stopped answering", detail: { resume: { phase: "names", instance: 3 } } }, retry: true });
    assert.deepEqual(sending([{ ...add, resume: { phase: "names", instance: 3 } }]).rpc.body, names.body);
    const [faulted] = settled(answer(copy, names, cwmpFault(9002, "busy"), [add]).effects);
    assert.deepEqual(faulted?.type === "taskFault" ? [faulted.retry, faulted.fault.detail] : [], [true, { resume: { phase: "names", instance: 3 } }]);
  });

  it("its read of the new instance, batched with another task's that faults, is asked again alone, not added again", () => {
    const plain: TaskInput = { ...add, args: { objectName: "Device.NAT.PortMapping." } };
    const gpv: TaskInput = { id: "22222222-0000-0000-0000-000000000002", name: "getParameterValues", args: { parameterNames: ["Device.Bad."] } };
    const { session, rpc } = sending([plain, gpv]);
    const names = rpcOf(answer(session, rpc, { method: "AddObjectResponse", instanceNumber: 3, status: 0 }, [plain, gpv]));
    const batch = rpcOf(answer(session, names, { method: "GetParameterNamesResponse", parameterList: [] }, [plain, gpv]));
    assert.deepEqual(batch.body, { method: "GetParameterValues", parameterNames: ["Device.NAT.PortMapping.3.", "Device.Bad."] });
    const alone = rpcOf(answer(session, batch, cwmpFault(9005, "Invalid parameter name"), [plain, gpv]));
    assert.deepEqual(alone.body, { method: "GetParameterValues", parameterNames: ["Device.NAT.PortMapping.3."] });
  });
});
