// A Download, Upload, ScheduleDownload or ChangeDUState whose answer was lost is not sent again when the
// device shows it reached it: the Inform that delivers its TransferComplete or DUStateChangeComplete
// ("M Download", "M Upload", "M ScheduleDownload", "M ChangeDUState" with its CommandKey), or, for the
// transfers, the device's list of queued transfers. A ChangeDUState has no such list: without its
// event, it is sent again. Also when housekeeping ran out the task's attempts before the Inform came.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CwmpMessage, CwmpNamespaceVersion } from "../../src/cwmp/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

interface Kind {
  task: string;
  args: unknown;
  method: "Download" | "Upload" | "ScheduleDownload" | "ChangeDUState";
  ns: CwmpNamespaceVersion;
  /** The RPC that lists the device's queued transfers before it is sent again; null: none can. */
  check: "GetQueuedTransfers" | "GetAllQueuedTransfers" | null;
  /** The Inform event that announces its completion. */
  event: string;
  /** The CPE's request that reports it complete. */
  complete(key: string): CwmpMessage;
}

const TIME = { startTime: "2026-12-06T00:00:00Z", completeTime: "2026-12-06T00:01:00Z" };
const transferComplete = (key: string): CwmpMessage => ({ method: "TransferComplete", commandKey: key, faultStruct: { faultCode: 0, faultString: "" }, ...TIME });
const window = [{ windowStart: 0, windowEnd: 3600, windowMode: "1 At Any Time" }];

const TRANSFER_KINDS: Kind[] = [
  { task: "download", args: { url: "http://127.0.0.1:9/fw.bin", fileType: "1 Firmware Upgrade Image" }, method: "Download", ns: "1-0", check: "GetQueuedTransfers", event: "7 TRANSFER COMPLETE", complete: transferComplete },
  { task: "upload", args: { url: "http://127.0.0.1:9/up", fileType: "1 Vendor Configuration File" }, method: "Upload", ns: "1-0", check: "GetQueuedTransfers", event: "7 TRANSFER COMPLETE", complete: transferComplete },
  { task: "scheduleDownload", args: { url: "http://127.0.0.1:9/web.tar", fileType: "2 Web Content", timeWindows: window }, method: "ScheduleDownload", ns: "1-2", check: "GetAllQueuedTransfers", event: "7 TRANSFER COMPLETE", complete: transferComplete },
  {
    task: "changeDUState", args: { operations: [{ type: "Install", url: "http://127.0.0.1:9/du.ipk" }] }, method: "ChangeDUState", ns: "1-2", check: null, event: "11 DU STATE CHANGE COMPLETE",
    complete: (key) => ({
      method: "DUStateChangeComplete", commandKey: key,
      results: [{ uuid: "u-1", deploymentUnitRef: "Device.SoftwareModules.DeploymentUnit.1", version: "1", currentState: "Installed", resolved: true, executionUnitRefList: "", ...TIME, fault: { faultCode: 0, faultString: "" } }],
    }),
  },
];

const keyOf = (rpc: CwmpMessage) => ("commandKey" in rpc ? (rpc.commandKey ?? "") : "");

forEachBackend((backend) => {
  describe("a transfer or ChangeDUState whose answer was lost", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend, { manualClock: true, settings: { cwmp: { sessionTimeout: 30 } } });
    });
    after(() => t.stop());

    /** A device with the task's RPC sent to it and left unanswered: the CPE is gone, its connection closed. */
    async function inFlight(kind: Kind, maxAttempts = 3) {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, ns: kind.ns });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      const task = await t.acs.tasks.create(c.deviceId, kind.task, kind.args, { maxAttempts });
      await c.inform(["2 PERIODIC"]);
      const rpc = rpcIn(await c.send(null));
      assert.equal(rpc.method, kind.method);
      c.reset();
      return { c, task, key: keyOf(rpc) };
    }

    /** The device informs with the completion of the RPC, then delivers it: the task is done, nothing is sent again. */
    async function completes(kind: Kind, c: TestCpe, taskId: string, key: string) {
      assert.equal((await c.inform([kind.event, `M ${kind.method}|${key}`])).status, 200);
      const waiting = await t.acs.tasks.get(taskId);
      assert.deepEqual([waiting?.status, waiting?.result, waiting?.completedAt], ["waiting", { confirmed: `M ${kind.method}` }, null], "under way as soon as the Inform shows it");
      const answer = await c.send(kind.complete(key));
      assert.equal(rpcIn(answer).method, `${kind.complete(key).method}Response`);
      const next = await c.send(null);
      assert.equal(next.status, 204, `nothing sent again, got ${next.envelope?.body?.method}`);
      const done = await t.acs.tasks.get(taskId);
      assert.equal(done?.status, "done");
      assert.equal((done?.result as { confirmed?: string }).confirmed, `M ${kind.method}`);
    }

    for (const kind of TRANSFER_KINDS) {
      for (const path of ["the next Inform", "housekeeping"] as const) {
        it(`${kind.method}, carried out, settled by ${path}: its completion settles it, not sent again`, async () => {
          const { c, task, key } = await inFlight(kind);
          if (path === "housekeeping") {
            t.advance(31_000);
            assert.equal((await t.acs.housekeep()).sessions >= 1, true);
            assert.equal((await t.acs.tasks.get(task.id))?.status, "pending");
          }
          await completes(kind, c, task.id, key);
          c.close();
        });
      }

      it(`${kind.method}, failed by housekeeping with its attempts used up, then shown carried out: done after all`, async () => {
        const { c, task, key } = await inFlight(kind, 1);
        t.advance(31_000);
        await t.acs.housekeep();
        assert.deepEqual([(await t.acs.tasks.get(task.id))?.status, (await t.acs.tasks.get(task.id))?.lastFault?.code], ["failed", "session.timeout"]);
        await completes(kind, c, task.id, key);
        const events = await outboxEvents(t.acs.store, (e) => e.type === "task.completed" && (e.payload as { taskId?: string }).taskId === task.id, (l) => l.length > 0);
        assert.equal(events.length, 1, "the done task's event is emitted");
        c.close();
      });

      it(`${kind.method}, failed by housekeeping with its attempts used up, still under way at the next Inform: its completion, later, settles it`, async () => {
        const { c, task, key } = await inFlight(kind, 1);
        t.advance(31_000);
        await t.acs.housekeep();
        assert.equal((await c.inform(["2 PERIODIC"])).status, 200);
        assert.equal((await c.send(null)).status, 204);
        assert.equal((await t.acs.tasks.get(task.id))?.status, "failed");
        assert.equal((await c.inform([kind.event, `M ${kind.method}|${key}`])).status, 200);
        assert.equal(rpcIn(await c.send(kind.complete(key))).method, `${kind.complete(key).method}Response`);
        assert.equal((await c.send(null)).status, 204);
        assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
        c.close();
      });

      it(`${kind.method}, not carried out: ${kind.check === null ? "sent again" : `looked for with ${kind.check}, then sent again`}`, async () => {
        const { c, task } = await inFlight(kind);
        assert.equal((await c.inform(["2 PERIODIC"])).status, 200);
        const after = await t.acs.tasks.get(task.id);
        assert.deepEqual([after?.status, after?.lastFault?.code, (after?.lastFault?.detail as { unconfirmed?: { method: string } }).unconfirmed?.method], ["pending", "session.replaced", kind.method]);
        let next = await c.send(null);
        if (kind.check !== null) {
          assert.equal(rpcIn(next).method, kind.check);
          next = await c.answer(next, kind.check === "GetQueuedTransfers" ? { method: "GetQueuedTransfersResponse", transferList: [] } : { method: "GetAllQueuedTransfersResponse", transferList: [] });
        }
        assert.equal(rpcIn(next).method, kind.method);
        c.close();
      });

      if (kind.check !== null) {
        it(`${kind.method}, still queued on the device: found with ${kind.check}, it waits for its TransferComplete`, async () => {
          const { c, task, key } = await inFlight(kind);
          assert.equal((await c.inform(["2 PERIODIC"])).status, 200);
          const check = await c.send(null);
          assert.equal(rpcIn(check).method, kind.check);
          const queued = { commandKey: key, state: 1 };
          const list = kind.check === "GetQueuedTransfers"
            ? { method: "GetQueuedTransfersResponse" as const, transferList: [queued] }
            : { method: "GetAllQueuedTransfersResponse" as const, transferList: [{ ...queued, isDownload: kind.method !== "Upload", fileType: "1 Firmware Upgrade Image", fileSize: 0, targetFileName: "" }] };
          assert.equal((await c.answer(check, list)).status, 204);
          const waiting = await t.acs.tasks.get(task.id);
          assert.deepEqual([waiting?.status, waiting?.result], ["waiting", { queued: { state: 1 } }]);
          c.close();
        });
      }
    }

    it("an event with another CommandKey shows nothing", async () => {
      const kind = TRANSFER_KINDS[3]!;
      const { c, task } = await inFlight(kind);
      assert.equal((await c.inform([kind.event, `M ${kind.method}|someone-else`])).status, 200);
      assert.equal((await t.acs.tasks.get(task.id))?.status, "pending");
      c.close();
    });
  });
});
