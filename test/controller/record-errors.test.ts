// TR-369's USP Record errors (R-MTP.5) in the real ACS over the loopback MTP: a Record the controller
// cannot process is answered with an Error in a Record of its own (7100 unparsable, 7104 a refused
// field or an unsupported USP version, 7102 payload security) when its sender can be named, it was
// addressed to us and the MTP knows the way back; a Record for another controller, or one naming another
// sender than its connection, is dropped. And the rule itself, for an MQTT Record without a reply-to.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { refusedRecordReply } from "../../src/controller/record-errors.js";
import { LoopbackMtp } from "../../src/mtp/loopback.js";
import { decodeRecord, encodeMsg, encodeRecord, msgBody, noSessionContextRecord, recordHeader, uspMsg, UspRemoteError, type UspMsg } from "../../src/usp/index.js";
import { eventually } from "../nbi/support.js";
import { startE2eAcs, type E2eAcs } from "../e2e/support.js";
import { forEachBackend } from "../support/pg.js";
import { TestAgent } from "../support/usp-agent.js";
import { agentParams, CONTROLLER } from "../support/usp-fleet.js";

const EID = "os::00D09E-HGW-ERR1";
const get = (msgId: string) => encodeMsg(uspMsg("get", msgId, { paramPaths: ["Device."], maxDepth: 0 }));

/** A Record's bytes with its version field's text replaced by another of the same length. */
function withVersion(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const hex = Buffer.from(bytes).toString("hex");
  const at = hex.indexOf(Buffer.from(from).toString("hex"));
  assert.ok(at >= 0);
  return Buffer.from(hex.slice(0, at) + Buffer.from(to).toString("hex") + hex.slice(at + from.length * 2), "hex");
}

function refusal(bytes: Uint8Array): UspRemoteError {
  try {
    decodeRecord(bytes);
  } catch (err) {
    if (err instanceof UspRemoteError) return err;
    throw err;
  }
  throw new Error("the bytes decoded");
}

describe("USP Record errors: the rule", () => {
  const good = encodeRecord(noSessionContextRecord(EID, CONTROLLER, get("g")));
  const junk = Uint8Array.from([...good, 0xff]);

  test("answers the from_id read off the wire, with the codec's code, only when there is a way back", () => {
    const err = refusal(junk);
    assert.deepEqual(refusedRecordReply(junk, err, { endpointId: CONTROLLER, peerEndpointId: null, returnPath: true }), { toId: EID, uspErrCode: 7100, message: `USP Record refused: ${err.message}` });
    assert.equal(refusedRecordReply(junk, err, { endpointId: CONTROLLER, peerEndpointId: null, returnPath: false }), null, "an MQTT Record without a reply-to");
    assert.equal(refusedRecordReply(junk, err, { endpointId: "proto::other", peerEndpointId: null, returnPath: true }), null, "for another controller");
    assert.equal(refusedRecordReply(junk, err, { endpointId: CONTROLLER, peerEndpointId: "os::00D09E-HGW-ERR2", returnPath: true }), null, "another sender than its connection's");
    const noSender = Uint8Array.from([0xff, 0xff, 0xff]);
    assert.equal(refusedRecordReply(noSender, refusal(noSender), { endpointId: CONTROLLER, peerEndpointId: null, returnPath: true }), null);
  });
});

forEachBackend((b) => {
  describe("USP Record errors over the loopback MTP", () => {
    let e: E2eAcs;
    let loop: LoopbackMtp;
    let agent: TestAgent;

    before(async () => {
      e = await startE2eAcs(b, { start: { uspMtps: (authenticate) => [(loop = new LoopbackMtp(authenticate))] } });
      agent = new TestAgent(loop.agent({ endpointId: EID, username: e.t.username, password: e.t.password }), { endpointId: EID, controllerId: CONTROLLER, params: agentParams("HGW", "ERR1") });
      await agent.connect();
    });
    after(() => e.t.stop());

    /** Sends `bytes` then a Get, and returns the Errors the agent got before the Get's own answer (7001: a controller takes no Get). */
    async function answersTo(bytes: Uint8Array, probe: string): Promise<UspMsg[]> {
      const from = agent.notifyResps.length;
      await agent.sendRaw(bytes);
      await agent.sendRaw(encodeRecord(noSessionContextRecord(EID, CONTROLLER, get(probe))));
      await eventually(() => agent.notifyResps.find((m) => m.header.msgId === probe), `the answer to ${probe}`, 30_000);
      // The refusal, when there is one, went first: Records are handled in the order they came.
      await eventually(() => (agent.notifyResps.length > from ? true : undefined), "answers", 30_000);
      return agent.notifyResps.slice(from).filter((m) => m.header.msgId !== probe);
    }

    const errCode = (msgs: UspMsg[]) => msgs.map((m) => msgBody(m, "error")?.errCode);
    const good = (msgId: string) => encodeRecord(noSessionContextRecord(EID, CONTROLLER, get(msgId)));

    test("a Record that does not parse gets 7100, one with a refused field 7104, in a Record to its sender", async () => {
      const cut = await answersTo(Uint8Array.from([...good("x"), 0xff]), "probe-1");
      assert.deepEqual(errCode(cut), [7100]);
      assert.equal(cut[0]!.header.msgId, "unreadable");
      assert.deepEqual(errCode(await answersTo(withVersion(good("y"), "1.4", "1-4"), "probe-2")), [7104]);
    });

    test("a USP version other than 1.x gets 7104, payload security 7102", async () => {
      const v2 = await answersTo(encodeRecord({ ...noSessionContextRecord(EID, CONTROLLER, get("v2")), version: "2.0" }), "probe-3");
      assert.deepEqual(errCode(v2), [7104]);
      assert.match(msgBody(v2[0]!, "error")?.errMsg ?? "", /version 2\.0/);
      const tls = await answersTo(encodeRecord({ ...noSessionContextRecord(EID, CONTROLLER, get("tls")), payloadSecurity: "TLS12" }), "probe-4");
      assert.deepEqual(errCode(tls), [7102]);
    });

    test("a Record for another controller, or naming another sender than its connection, is dropped", async () => {
      assert.deepEqual(await answersTo(Uint8Array.from([...encodeRecord(noSessionContextRecord(EID, "proto::other", get("o"))), 0xff]), "probe-5"), []);
      assert.deepEqual(await answersTo(encodeRecord({ ...recordHeader(EID, "proto::other"), recordType: "noSessionContext", noSessionContext: { payload: get("o2") } }), "probe-6"), []);
      assert.deepEqual(await answersTo(Uint8Array.from([...encodeRecord(noSessionContextRecord("os::00D09E-HGW-ERR9", CONTROLLER, get("s"))), 0xff]), "probe-7"), []);
    });
  });
});
