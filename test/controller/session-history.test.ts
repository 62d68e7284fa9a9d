// A USP device's session history through the REST API, on both stores: the USP Msgs exchanged with the
// agent (the Notify that started a session, the requests and responses), as JSON, with direction, MTP
// and time, secrets masked, under the CWMP history's caps.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { LoopbackMtp } from "../../src/mtp/loopback.js";
import { eventually } from "../nbi/support.js";
import { startE2eAcs, type E2eAcs } from "../e2e/support.js";
import { forEachBackend } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";
import { agentParams, onboardAgent, settledTask } from "../support/usp-fleet.js";

const SECRET = "hunter2-b7c1";
const MAX_ENVELOPE = 2048;

interface Envelope {
  protocol: string;
  direction: string;
  at: string;
  mtp?: string;
  msgId?: string;
  msgType?: string;
  msg?: string;
  xml?: string;
  truncated: boolean;
}

forEachBackend((b) => {
  describe("a USP device's session history", () => {
    let e: E2eAcs;
    let loop: LoopbackMtp;

    before(async () => {
      e = await startE2eAcs(b, { settings: { sessionHistory: { maxEnvelopeBytes: MAX_ENVELOPE } }, start: { uspMtps: (authenticate) => [(loop = new LoopbackMtp(authenticate))] } });
    });
    after(() => e.t.stop());

    const sessions = async (id: string) => (await e.operator.get(`/api/devices/${id}/sessions`)).body.sessions as { sessionId: string; events: string[]; rpcs: string[] }[];
    const envelopes = async (id: string, sessionId: string) => {
      const r = await e.operator.get(`/api/devices/${id}/sessions/${encodeURIComponent(sessionId)}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.envelopes as Envelope[];
    };
    const session = (id: string, rpc: string) =>
      eventually(async () => (await sessions(id)).find((s) => s.rpcs.includes(rpc)), `the session of ${rpc}`, 60_000);

    test("keeps the Msgs of each session in order, as JSON with TR-369's names, with direction, MTP and time", async () => {
      const started = Date.now();
      const { id } = await onboardAgent((endpointId) => loop.agent({ endpointId, username: e.t.username, password: e.t.password }), "HGW", "H1");
      const boot = await eventually(async () => (await sessions(id)).find((s) => s.events.includes("0 BOOTSTRAP")), "the onboarding session", 60_000);
      const kept = await envelopes(id, boot.sessionId);
      assert.ok(kept.every((x) => x.protocol === "usp" && x.mtp === loop.name && x.xml === undefined), JSON.stringify(kept[0]));
      // The OnBoardRequest that started it and its NotifyResp come first, then the identity's Get.
      assert.deepEqual(kept.slice(0, 4).map((x) => [x.direction, x.msgType]), [["received", "NOTIFY"], ["sent", "NOTIFY_RESP"], ["sent", "GET"], ["received", "GET_RESP"]]);
      const notify = JSON.parse(kept[0]!.msg!);
      assert.deepEqual(notify.body.request.notify.on_board_req, { oui: "00D09E", product_class: "HGW", serial_number: "H1", agent_supported_protocol_versions: "1.4" });
      assert.equal(notify.header.msg_id, kept[0]!.msgId);
      const get = JSON.parse(kept[2]!.msg!);
      assert.ok(get.body.request.get.param_paths.includes("Device.DeviceInfo.SerialNumber"), kept[2]!.msg);
      // A response answers its request's msg_id; times are in order and of this test.
      assert.equal(kept[3]!.msgId, kept[2]!.msgId);
      const times = kept.map((x) => Date.parse(x.at));
      assert.ok(times.every((t, i) => t >= started - 1000 && (i === 0 || t >= times[i - 1]!)), JSON.stringify(kept.map((x) => x.at)));
    });

    test("masks secrets, and cuts a large Msg at sessionHistory.maxEnvelopeBytes", async () => {
      const params = { ...agentParams("HGW", "H2"), "Device.Users.User.1.Password": "", "Device.DeviceInfo.Description": "d".repeat(3 * MAX_ENVELOPE) };
      const { agent, id } = await onboardAgent((endpointId) => loop.agent({ endpointId, username: e.t.username, password: e.t.password }), "HGW", "H2", { params });
      const set = await settledTask(e.operator, id, "setParameterValues", { parameterValues: [{ name: "Device.Users.User.1.Password", value: SECRET }] });
      assert.equal(set.status, "done", JSON.stringify(set));
      assert.equal(agent.params.get("Device.Users.User.1.Password"), SECRET, "the agent has it");
      const setSession = await session(id, "SetParameterValues");
      const setKept = await envelopes(id, setSession.sessionId);
      const setMsg = setKept.find((x) => x.msgType === "SET");
      assert.ok(setMsg !== undefined && setKept.some((x) => x.msgType === "SET_RESP" && x.direction === "received"), JSON.stringify(setKept.map((x) => x.msgType)));
      assert.deepEqual(JSON.parse(setMsg.msg!).body.request.set.update_objs[0].param_settings[0], { param: "Password", value: "***", required: true });
      assert.ok(!JSON.stringify(setKept).includes(SECRET), "the secret is nowhere in the history");

      const get = await settledTask(e.operator, id, "getParameterValues", { parameterNames: ["Device.DeviceInfo.Description"] });
      assert.equal(get.status, "done", JSON.stringify(get));
      const getKept = await envelopes(id, (await session(id, "GetParameterValues")).sessionId);
      // The task's Get, answered by a GetResp cut short.
      const request = getKept.find((x) => x.msgType === "GET" && x.msg!.includes('"Device.DeviceInfo.Description"'));
      const answer = getKept.find((x) => x.msgType === "GET_RESP" && x.msgId === request?.msgId);
      assert.ok(request !== undefined && answer !== undefined && !request.truncated && answer.truncated, JSON.stringify(getKept.map((x) => [x.msgType, x.truncated])));
      assert.equal(Buffer.byteLength(answer.msg!), MAX_ENVELOPE);
      assert.ok(answer.msg!.includes('"msg_type": "GET_RESP"'));
    });

    test("a CWMP device's envelopes stay XML, named by their protocol", async () => {
      const c = new TestCpe({ url: e.t.url, username: e.t.username, password: e.t.password, ns: "1-2" });
      await c.inform(["0 BOOTSTRAP"]);
      assert.equal((await c.send(null)).status, 204);
      const [first] = await eventually(async () => {
        const list = await sessions(encodeURIComponent(c.deviceId));
        return list.length > 0 ? list : undefined;
      }, "the CWMP session recorded");
      const kept = await envelopes(encodeURIComponent(c.deviceId), first!.sessionId);
      assert.ok(kept.length > 0 && kept.every((x) => x.protocol === "cwmp" && x.msg === undefined && x.mtp === undefined), JSON.stringify(kept));
      assert.match(kept[0]!.xml!, /Inform/);
      const doc = (await e.operator.get("/api/openapi.json")).body;
      const schema = JSON.stringify(doc.paths["/api/devices/{id}/sessions/{sessionId}"].get.responses["200"]);
      for (const field of ['"cwmp"', '"usp"', '"msgType"', '"mtp"', '"xml"']) assert.ok(schema.includes(field), `${field} in the OpenAPI schema`);
    });
  });
});
