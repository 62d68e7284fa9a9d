// USP Session Context end to end, on both stores: a simulated agent that speaks in Session Context
// Records of its own (the simulator's sessionContext option, `--usp-session-context`) over the ACS's real
// WebSocket MTP. It onboards, and the controller answers in the same Session Context; Set and Get tasks
// complete; a GetResp larger than a Record's payload travels segmented and is reassembled; and a
// segment the test drops on its way is asked for again by the controller and sent again by the agent.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AgentMtp } from "../../src/mtp/types.js";
import { tr181Source } from "../../src/sim/models/index.js";
import { compileUspModel } from "../../src/sim/usp/index.js";
import { agentMtpFactory, startUspSimulation, type UspSimulation } from "../../src/sim/usp/runtime/index.js";
import { decodeMsg, decodeRecord, msgKind, type SessionContextRecord, type UspRecord } from "../../src/usp/index.js";
import { eventually } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { settledTask } from "../support/usp-fleet.js";
import { startE2eAcs, type E2eAcs } from "./support.js";

const SEGMENT = 512;
const REQUEST_TIMEOUT = 20;

/** The Records that crossed the agent's MTP both ways, and the one Record of the agent's to lose on the way. */
class Wire {
  readonly out: UspRecord[] = [];
  readonly in: UspRecord[] = [];
  dropped: SessionContextRecord | null = null;
  /** The next Record of the agent's this says yes to is lost (not sent, as a network would lose it). */
  drop: ((r: SessionContextRecord) => boolean) | null = null;

  wrap(inner: AgentMtp): AgentMtp {
    return {
      connect: (onRecord) => inner.connect((bytes) => {
        this.in.push(decodeRecord(bytes));
        onRecord(bytes);
      }),
      send: async (bytes) => {
        const r = decodeRecord(bytes);
        if (r.recordType === "sessionContext" && this.drop?.(r.sessionContext) === true) {
          this.drop = null;
          this.dropped = r.sessionContext;
          return true;
        }
        this.out.push(r);
        return inner.send(bytes);
      },
      close: () => inner.close(),
    };
  }

  contexts(records: UspRecord[]): SessionContextRecord[] {
    return records.flatMap((r) => (r.recordType === "sessionContext" ? [r.sessionContext] : []));
  }
}

forEachBackend((b) => {
  describe("USP Session Context end to end over WebSocket", () => {
    let e: E2eAcs;
    let sim: UspSimulation;
    let id: string;
    const wire = new Wire();

    before(async () => {
      // A lost last Record is asked for again after half the request timeout.
      e = await startE2eAcs(b, { settings: { usp: { requestTimeout: REQUEST_TIMEOUT } } });
      const mtps = agentMtpFactory(e.t.acs.uspWebsocketUrl!);
      sim = startUspSimulation({
        devices: 1,
        model: compileUspModel(tr181Source(), { controllerId: "proto::provisio" }),
        identity: { acsUsername: e.t.username, acsPassword: e.t.password, productClass: "USPSC", serialPrefix: `SC${b.name}` },
        agent: { sessionContext: { maxSegmentBytes: SEGMENT } },
        mtp: (login, reached) => wire.wrap(mtps(login, reached)),
      });
      await sim.ready;
      const endpoint = await eventually(async () => (await e.t.acs.store.uspEndpoints.get(sim.agents[0]!.endpointId)) ?? undefined, "the agent onboarded", 90_000);
      id = endpoint.deviceId;
      await eventually(() => (sim.agents[0]!.onboarded ? true : undefined), "the OnBoardRequest answered", 60_000);
    });
    after(async () => {
      await sim?.stop();
      await e?.t.stop();
    });

    test("the agent onboards in its Session Context, and the controller answers in the same one", async () => {
      // Its WebSocketConnect Record (R-MTP.6) comes first, outside any Session Context; its Msgs all go in one.
      const types = wire.out.map((r) => r.recordType);
      assert.equal(types[0], "websocketConnect", JSON.stringify(types));
      assert.ok(types.length > 1 && types.slice(1).every((t) => t === "sessionContext"), JSON.stringify(types));
      assert.ok(wire.in.length > 0 && wire.in.every((r) => r.recordType === "sessionContext"), JSON.stringify(wire.in.map((r) => r.recordType)));
      const ours = wire.contexts(wire.out);
      const theirs = wire.contexts(wire.in);
      assert.deepEqual(new Set(theirs.map((r) => r.sessionId)), new Set([ours[0]!.sessionId]), "one session id, the agent's");
      // Sequence ids count from 1 each way, one by one; each side acknowledges the other's.
      for (const side of [ours, theirs]) assert.deepEqual(side.map((r) => r.sequenceId), side.map((_, i) => BigInt(i + 1)));
      assert.ok(ours.at(-1)!.expectedId > 1n && theirs.at(-1)!.expectedId > 1n);
      assert.equal((await e.operator.get(`/api/devices/${id}`)).body.device.protocol, "usp");
    });

    test("Set and Get tasks complete in the Session Context", async () => {
      const set = await settledTask(e.operator, id, "setParameterValues", { parameterValues: [{ name: "Device.WiFi.SSID.1.SSID", value: "in-context" }] });
      assert.equal(set.status, "done", JSON.stringify(set));
      const get = await settledTask(e.operator, id, "getParameterValues", { parameterNames: ["Device.WiFi.SSID.1.SSID"] });
      assert.equal(get.status, "done", JSON.stringify(get));
      assert.equal((await e.t.acs.store.parameters.get(id, ["Device.WiFi.SSID.1.SSID"]))[0]?.value, "in-context");
    });

    test("a GetResp larger than a Record travels segmented and is reassembled", async () => {
      const from = wire.out.length;
      const get = await settledTask(e.operator, id, "getParameterValues", { parameterNames: ["Device.DeviceInfo."] });
      assert.equal(get.status, "done", JSON.stringify(get));
      const states = wire.contexts(wire.out.slice(from)).map((r) => r.payloadSarState);
      // The identity's GetResp may be segmented too; the task's, the last, is the larger.
      const begin = states.lastIndexOf("BEGIN");
      const complete = states.lastIndexOf("COMPLETE");
      assert.ok(begin >= 0 && complete > begin + 1, states.join(" "));
      assert.ok(states.slice(begin + 1, complete).every((s) => s === "INPROCESS"), states.join(" "));
      for (const r of wire.contexts(wire.out.slice(from))) assert.ok(r.payload.reduce((n, p) => n + p.length, 0) <= SEGMENT);
      const serial = sim.agents[0]!.tree.identity.serialNumber;
      assert.equal((await e.t.acs.store.parameters.get(id, ["Device.DeviceInfo.SerialNumber"]))[0]?.value, serial);
    });

    test("a segment lost on its way is asked for again by the controller and sent again by the agent", async () => {
      const from = { out: wire.out.length, in: wire.in.length };
      wire.drop = (r) => r.payloadSarState === "BEGIN";
      const get = await settledTask(e.operator, id, "getParameterValues", { parameterNames: ["Device.DeviceInfo."] });
      assert.equal(get.status, "done", JSON.stringify(get));
      const lost = wire.dropped;
      assert.ok(lost !== null, "a segment was dropped");
      const asked = wire.contexts(wire.in.slice(from.in)).filter((r) => r.retransmitId !== 0n);
      assert.ok(asked.some((r) => r.retransmitId === lost.sequenceId), "the controller asked for the lost one");
      const again = wire.contexts(wire.out.slice(from.out)).filter((r) => r.sequenceId === lost.sequenceId);
      assert.equal(again.length, 1, "the agent sent it again");
      assert.equal(again[0]!.payloadSarState, "BEGIN");
      assert.deepEqual(again[0]!.payload, lost.payload);
    });

    test("an answer lost as the agent's last Record is asked for again after half usp.requestTimeout, and the task completes", async () => {
      const from = { out: wire.out.length, in: wire.in.length };
      wire.dropped = null;
      // The SetResp: one Record, nothing after it that would show the gap.
      wire.drop = (r) => r.payloadSarState === "NONE" && r.payload.length === 1 && msgKind(decodeMsg(r.payload[0]!)) === "setResp";
      const set = await settledTask(e.operator, id, "setParameterValues", { parameterValues: [{ name: "Device.WiFi.SSID.1.SSID", value: "asked-again" }] });
      assert.equal(set.status, "done", JSON.stringify(set));
      const lost = wire.dropped as SessionContextRecord | null;
      assert.ok(lost !== null, "the SetResp was dropped");
      assert.ok(wire.contexts(wire.in.slice(from.in)).some((r) => r.retransmitId === lost.sequenceId), "the controller asked for it");
      assert.equal(wire.contexts(wire.out.slice(from.out)).filter((r) => r.sequenceId === lost.sequenceId).length, 1, "the agent sent it again");
    });
  });
});
