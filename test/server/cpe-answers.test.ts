// What the ACS records of a CPE's odd answers (issue 13.6), over real HTTP on both backends: entries for
// objects in a GetParameterValues response, faults whose CWMP code cannot be read or sits out of place.
// Each test is named after what it reproduces.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { xsdValue } from "../../src/cwmp/index.js";
import type { TaskRecord } from "../../src/store/types.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe, type CpeReply } from "../support/test-cpe.js";

const SOAP = "http://schemas.xmlsoap.org/soap/envelope/";

/** A SOAP Fault body as a CPE wrote it, answering the ACS's request with this cwmp:ID. */
function rawFault(id: string, inner: string): string {
  return `<s:Envelope xmlns:s="${SOAP}" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><s:Header><cwmp:ID s:mustUnderstand="1">${id}</cwmp:ID></s:Header><s:Body><s:Fault>${inner}</s:Fault></s:Body></s:Envelope>`;
}

forEachBackend((backend) => {
  describe("odd CPE answers", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend);
    });
    after(() => t.stop());

    async function device(): Promise<TestCpe> {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, ns: "1-2" });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      return c;
    }

    /** One session in which the CPE answers the task's RPC with `answer`; the task's record after it. */
    async function answered(c: TestCpe, task: TaskRecord, answer: (rpc: CpeReply) => Promise<CpeReply>): Promise<TaskRecord> {
      await c.inform();
      const rpc = await c.send(null);
      assert.equal(rpcIn(rpc).method === "Fault", false);
      const end = await answer(rpc);
      assert.equal(end.status, 204, end.text.slice(0, 300));
      return (await t.acs.tasks.get(task.id))!;
    }

    it("a GetParameterValues response entry that names an object is neither stored as a value nor counted", async () => {
      const c = await device();
      const task = await t.acs.tasks.create(c.deviceId, "getParameterValues", { parameterNames: ["Device.WiFi."] });
      const done = await answered(c, task, (rpc) =>
        c.answer(rpc, {
          method: "GetParameterValuesResponse",
          parameterList: [
            { name: "Device.WiFi.", value: xsdValue("xsd:string", "") },
            { name: "Device.WiFi.RadioNumberOfEntries", value: xsdValue("xsd:unsignedInt", "2") },
          ],
        }),
      );
      assert.equal(done.status, "done");
      assert.equal((done.result as { count: number }).count, 1);
      assert.deepEqual(Object.keys((done.result as { values: object }).values), ["Device.WiFi.RadioNumberOfEntries"]);
      const stored = await t.acs.store.parameters.get(c.deviceId, ["Device.WiFi.", "Device.WiFi.RadioNumberOfEntries"]);
      // The object is there as the parameter's parent, without a value.
      assert.deepEqual(stored.map((p) => [p.path, p.value]), [["Device.WiFi.", null], ["Device.WiFi.RadioNumberOfEntries", "2"]]);
      c.close();
    });

    it("a Fault without a CWMP detail is recorded as cwmp.unreadable with its faultcode and faultstring, not cwmp.0", async () => {
      const c = await device();
      const task = await t.acs.tasks.create(c.deviceId, "reboot", {});
      const failed = await answered(c, task, (rpc) => c.post(rawFault(rpc.envelope!.header.id!, "<faultcode>s:Server</faultcode><faultstring>flash busy</faultstring>")));
      assert.equal(failed.lastFault?.code, "cwmp.unreadable");
      assert.match(failed.lastFault!.message, /faultcode "s:Server", faultstring "flash busy"/);
      const [fault] = await t.acs.store.faults.list({ deviceId: c.deviceId });
      assert.equal(fault?.code, "cwmp.unreadable");
      c.close();
    });

    it("a Fault whose CWMP detail sits inside its faultstring keeps its code", async () => {
      const c = await device();
      const task = await t.acs.tasks.create(c.deviceId, "reboot", {});
      const inner = "<faultcode>Client</faultcode><faultstring>CWMP fault<detail><cwmp:Fault><FaultCode>9001</FaultCode><FaultString>Request denied</FaultString></cwmp:Fault></detail></faultstring>";
      const failed = await answered(c, task, (rpc) => c.post(rawFault(rpc.envelope!.header.id!, inner)));
      assert.deepEqual(failed.lastFault, { code: "cwmp.9001", message: "Request denied" });
      c.close();
    });

    it("a Fault whose CWMP detail sits inside an unclosed faultstring keeps its code", async () => {
      const c = await device();
      const task = await t.acs.tasks.create(c.deviceId, "reboot", {});
      const inner = "<faultcode>Client</faultcode><faultstring>CWMP fault<detail><cwmp:Fault><FaultCode>9001</FaultCode><FaultString>Request denied</FaultString></cwmp:Fault></detail>";
      const failed = await answered(c, task, (rpc) => c.post(rawFault(rpc.envelope!.header.id!, inner)));
      assert.deepEqual(failed.lastFault, { code: "cwmp.9001", message: "Request denied" });
      c.close();
    });

    it("outside a session nothing is salvaged: a message that is not well-formed is refused", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      const r = await c.post(rawFault("1", "<faultcode>Client</faultcode><faultstring>x<detail><cwmp:Fault><FaultCode>9001</FaultCode></cwmp:Fault></detail>"));
      assert.equal(r.status, 400);
      assert.match(r.text, /^XML_SYNTAX/);
      c.close();
    });
  });
});

