// The ACS process killed with SIGKILL at each step of a session, for each kind of write: another process
// then sends the write again exactly when the device did not carry it out, tells from what the device
// reports (ParameterKey, "M <method>" with the CommandKey, 0 BOOTSTRAP, its queued transfers) when it did,
// and resumes an addObject at the step it broke off at, on the instance it made.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { xsdValue, type CwmpMessage, type CwmpNamespaceVersion } from "../../src/cwmp/index.js";
import { TaskService } from "../../src/server/tasks.js";
import { openStore } from "../../src/store/index.js";
import type { TaskRecord } from "../../src/store/types.js";
import { PASS, serveArgs, startAcsProcess, USER, withProcesses } from "../support/acs-process.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe, type CpeReply } from "../support/test-cpe.js";

const withKey = (key: string) => [{ name: "Device.ManagementServer.ParameterKey", value: xsdValue("xsd:string", key) }];
const keyOf = (m: CwmpMessage) => ("parameterKey" in m ? m.parameterKey : "commandKey" in m ? (m.commandKey ?? "") : "");
const TIME = { startTime: "2026-12-06T00:00:00Z", completeTime: "2026-12-06T00:01:00Z" };

interface Kind {
  task: string;
  args: unknown;
  method: string;
  ns?: CwmpNamespaceVersion;
  /** What the device's next Inform reports once it carried out `rpc`, and what it sends then (a completion). */
  applied(rpc: CwmpMessage): { events: string[]; key: string; sends?: CwmpMessage };
  /** The RPC that lists the device's queued transfers, sent before the transfer is sent again. */
  check?: "GetQueuedTransfers" | "GetAllQueuedTransfers";
}

const transferComplete = (key: string): CwmpMessage => ({ method: "TransferComplete", commandKey: key, faultStruct: { faultCode: 0, faultString: "" }, ...TIME });
const transferred = (method: string) => (rpc: CwmpMessage) => ({ events: ["7 TRANSFER COMPLETE", `M ${method}|${keyOf(rpc)}`], key: "k0", sends: transferComplete(keyOf(rpc)) });
const byKey = (rpc: CwmpMessage) => ({ events: ["2 PERIODIC"], key: keyOf(rpc) });

const KINDS: Kind[] = [
  { task: "setParameterValues", args: { parameterValues: [{ name: "Device.DeviceInfo.ProvisioningCode", value: "P9", type: "xsd:string" }] }, method: "SetParameterValues", applied: byKey },
  { task: "addObject", args: { objectName: "Device.NAT.PortMapping." }, method: "AddObject", applied: byKey },
  { task: "deleteObject", args: { objectName: "Device.NAT.PortMapping.2." }, method: "DeleteObject", applied: byKey },
  { task: "reboot", args: {}, method: "Reboot", applied: (rpc) => ({ events: ["1 BOOT", `M Reboot|${keyOf(rpc)}`], key: "k0" }) },
  { task: "factoryReset", args: {}, method: "FactoryReset", applied: () => ({ events: ["0 BOOTSTRAP", "1 BOOT"], key: "" }) },
  { task: "download", args: { url: "http://127.0.0.1:9/fw.bin", fileType: "1 Firmware Upgrade Image" }, method: "Download", applied: transferred("Download"), check: "GetQueuedTransfers" },
  { task: "upload", args: { url: "http://127.0.0.1:9/up", fileType: "1 Vendor Configuration File" }, method: "Upload", applied: transferred("Upload"), check: "GetQueuedTransfers" },
  {
    task: "scheduleDownload", args: { url: "http://127.0.0.1:9/w.tar", fileType: "2 Web Content", timeWindows: [{ windowStart: 0, windowEnd: 3600, windowMode: "1 At Any Time" }] },
    method: "ScheduleDownload", ns: "1-2", applied: transferred("ScheduleDownload"), check: "GetAllQueuedTransfers",
  },
  {
    task: "changeDUState", args: { operations: [{ type: "Install", url: "http://127.0.0.1:9/du.ipk" }] }, method: "ChangeDUState", ns: "1-2",
    applied: (rpc) => ({
      events: ["11 DU STATE CHANGE COMPLETE", `M ChangeDUState|${keyOf(rpc)}`], key: "k0",
      sends: { method: "DUStateChangeComplete", commandKey: keyOf(rpc), results: [{ uuid: "u", deploymentUnitRef: "", version: "1", currentState: "Installed", resolved: true, executionUnitRefList: "", ...TIME, fault: { faultCode: 0, faultString: "" } }] },
    }),
  },
];

/** Where the ACS dies, and what must happen after: one device each. */
interface Case {
  label: string;
  task: string;
  args: unknown;
  ns?: CwmpNamespaceVersion;
  /** From the reply to the device's Inform up to the SIGKILL; returns the RPC then in flight, if any. */
  reach(c: TestCpe): Promise<CwmpMessage | null>;
  /** The device comes back to the new process; asserts what the ACS sends it. */
  back(c: TestCpe, inFlight: CwmpMessage | null): Promise<void>;
  /** The task's status, attempts and last fault's code at the end. */
  expected: [string, number, string | null];
}

/** Answers the queue check `reply` with an empty list, or one holding `key`; returns the next reply. */
function answerCheck(c: TestCpe, reply: CpeReply, check: NonNullable<Kind["check"]>, key?: string): Promise<CpeReply> {
  const list = key === undefined ? [] : [{ commandKey: key, state: 2 }];
  return c.answer(reply, check === "GetQueuedTransfers"
    ? { method: "GetQueuedTransfersResponse", transferList: list }
    : { method: "GetAllQueuedTransfersResponse", transferList: list.map((t) => ({ ...t, isDownload: true, fileType: "2 Web Content", fileSize: 0, targetFileName: "" })) });
}

/** The device did not carry it out: the ACS looks in its queue first (transfers), then sends it again. */
async function sentAgain(c: TestCpe, kind: Kind, label: string): Promise<void> {
  assert.equal((await c.inform(["2 PERIODIC"], withKey("k0"))).status, 200, label);
  let next = await c.send(null);
  if (kind.check !== undefined) {
    assert.equal(rpcIn(next).method, kind.check, label);
    next = await answerCheck(c, next, kind.check);
  }
  assert.equal(rpcIn(next).method, kind.method, `${label}: sent again`);
}

function casesOf(kind: Kind): Case[] {
  const base = { task: kind.task, args: kind.args, ...(kind.ns === undefined ? {} : { ns: kind.ns }) };
  const first = async (c: TestCpe) => {
    const rpc = rpcIn(await c.send(null));
    assert.equal(rpc.method, kind.method);
    return rpc;
  };
  const cases: Case[] = [
    // After its InformResponse: the RPC planned ahead, which counts as sent.
    { ...base, label: `${kind.method}, killed with the RPC planned`, reach: () => Promise.resolve(null), back: (c) => sentAgain(c, kind, base.task), expected: ["pending", 1, "session.replaced"] },
    { ...base, label: `${kind.method}, killed with the RPC lost on the way`, reach: first, back: (c) => sentAgain(c, kind, base.task), expected: ["pending", 1, "session.replaced"] },
    {
      ...base, label: `${kind.method}, killed with the RPC carried out, its answer lost`, reach: first,
      async back(c, rpc) {
        const { events, key, sends } = kind.applied(rpc!);
        assert.equal((await c.inform(events, withKey(key))).status, 200);
        if (sends !== undefined) assert.equal(rpcIn(await c.send(sends)).method, `${sends.method}Response`);
        const next = await c.send(null);
        assert.equal(next.status, 204, `${this.label}: sent again (${next.envelope?.body?.method})`);
      },
      expected: ["done", 0, null],
    },
  ];
  if (kind.check !== undefined) {
    cases.push({
      ...base, label: `${kind.method}, killed with the transfer accepted and still queued`, reach: first,
      async back(c, rpc) {
        assert.equal((await c.inform(["2 PERIODIC"], withKey("k0"))).status, 200);
        const check = await c.send(null);
        assert.equal(rpcIn(check).method, kind.check);
        assert.equal((await answerCheck(c, check, kind.check!, keyOf(rpc!))).status, 204, this.label);
      },
      expected: ["waiting", 1, "session.replaced"],
    });
  }
  return cases;
}

/** An addObject with a value to set, killed at each of its steps (its two writes each with a ParameterKey of their own). */
function addObjectCases(): Case[] {
  const base = { task: "addObject", args: { objectName: "Device.NAT.PortMapping.", parameterValues: [{ name: "Description", value: "x", type: "xsd:string" }] } };
  // Each case drives the session `upTo` RPCs in (AddObject, GetParameterNames, GetParameterValues,
  // SetParameterValues), answering all but the last; `keys` keeps the keys of the two writes.
  const drive = (upTo: number, keys: string[]) => async (c: TestCpe): Promise<CwmpMessage> => {
    const answers: CwmpMessage[] = [
      { method: "AddObjectResponse", instanceNumber: 5, status: 0 },
      { method: "GetParameterNamesResponse", parameterList: [{ name: "Device.NAT.PortMapping.5.Description", writable: true }] },
      { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.NAT.PortMapping.5.Description", value: xsdValue("xsd:string", "") }] },
    ];
    let reply = await c.send(null);
    for (let i = 0; i < upTo; i++) {
      const rpc = rpcIn(reply);
      if (i === 0 || i === 3) keys.push(keyOf(rpc));
      if (i < upTo - 1) reply = await c.answer(reply, answers[i]!);
    }
    return rpcIn(reply);
  };
  const expectNext = async (c: TestCpe, key: string, method: string | null, label: string) => {
    assert.equal((await c.inform(["2 PERIODIC"], withKey(key))).status, 200, label);
    const next = await c.send(null);
    if (method === null) return assert.equal(next.status, 204, `${label}: sent ${next.envelope?.body?.method}`);
    const rpc = rpcIn(next);
    assert.equal(rpc.method, method, label);
    // Never a second instance: whatever comes after the add names instance 5.
    if (method !== "AddObject") assert.match(JSON.stringify(rpc), /PortMapping\.5\./, label);
  };
  const k: string[][] = [[], [], [], [], [], []];
  return [
    { ...base, label: "addObject with values, killed with its AddObject planned", reach: () => Promise.resolve(null), back: (c) => expectNext(c, "k0", "AddObject", "planned"), expected: ["pending", 1, "session.replaced"] },
    { ...base, label: "addObject with values, killed with its AddObject lost", reach: drive(1, k[0]!), back: (c) => expectNext(c, "k0", "AddObject", "add lost"), expected: ["pending", 1, "session.replaced"] },
    // The protocol's one gap: the instance's number was only in the lost answer.
    { ...base, label: "addObject with values, killed with its AddObject carried out", reach: drive(1, k[1]!), back: (c) => expectNext(c, k[1]![0]!, null, "add applied"), expected: ["failed", 1, "task.interrupted"] },
    { ...base, label: "addObject with values, killed reading the new instance's names", reach: drive(2, k[2]!), back: (c) => expectNext(c, k[2]![0]!, "GetParameterNames", "names"), expected: ["pending", 1, "session.replaced"] },
    { ...base, label: "addObject with values, killed reading the new instance's values", reach: drive(3, k[3]!), back: (c) => expectNext(c, k[3]![0]!, "GetParameterValues", "values"), expected: ["pending", 1, "session.replaced"] },
    { ...base, label: "addObject with values, killed with its values lost", reach: drive(4, k[4]!), back: (c) => expectNext(c, k[4]![0]!, "SetParameterValues", "set lost"), expected: ["pending", 1, "session.replaced"] },
    { ...base, label: "addObject with values, killed with its values set", reach: drive(4, k[5]!), back: (c) => expectNext(c, k[5]![1]!, null, "set applied"), expected: ["done", 0, null] },
  ];
}

forEachBackend((b) => {
  describe("SIGKILL at each step of a session, for each kind of write", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "provisio-kill-steps-"));
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    it("sends each write again exactly when the device did not carry it out, and resumes an addObject where it stopped", async () => {
      const db = await b.freshUrl();
      const cases = [...KINDS.flatMap(casesOf), ...addObjectCases()];
      await withProcesses(async (_procs, track) => {
        const first = track(await startAcsProcess(serveArgs(db, dataDir)));
        const cpes = cases.map((c) => new TestCpe({ url: first.url, username: USER, password: PASS, ...(c.ns === undefined ? {} : { ns: c.ns }) }));
        let store = await openStore(db);
        const tasks: TaskRecord[] = [];
        try {
          for (const [i, c] of cpes.entries()) {
            await c.inform(["0 BOOTSTRAP"], withKey("k0"));
            await c.send(null);
            tasks.push(await new TaskService(store, { maxAttempts: 3, expirySeconds: 0 }).create(c.deviceId, cases[i]!.task, cases[i]!.args));
          }
        } finally {
          await store.close();
        }
        const inFlight: (CwmpMessage | null)[] = [];
        for (const [i, c] of cpes.entries()) {
          assert.equal((await c.inform(["2 PERIODIC"], withKey("k0"))).status, 200);
          inFlight.push(await cases[i]!.reach(c));
        }
        await first.kill();

        const second = track(await startAcsProcess(serveArgs(db, dataDir)));
        for (const [i, c] of cpes.entries()) {
          c.reset();
          c.moveTo(second.url);
          await cases[i]!.back(c, inFlight[i]!);
        }
        store = await openStore(db);
        try {
          for (const [i, task] of tasks.entries()) {
            const now = await store.tasks.get(task.id);
            assert.deepEqual([now?.status, now?.attempts, now?.lastFault?.code ?? null], cases[i]!.expected, cases[i]!.label);
          }
        } finally {
          await store.close();
        }
        for (const c of cpes) c.close();
      });
    });
  });
});
