// The Session Context state machine: two ends exchange Records through the real Record codec, and the
// tests lose, reorder, repeat and cut them.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeRecord, encodeRecord, recordHeader, SessionContext, type SessionContextRecord, type SessionEffect } from "../../src/usp/index.js";

const CONTROLLER = "proto::controller-1";
const AGENT = "os::012345-CPE-SN0001";

/** A Record through the wire: encoded as the sender would, decoded as the receiver would. */
function wire(s: SessionContextRecord): SessionContextRecord {
  const r = decodeRecord(encodeRecord({ ...recordHeader(CONTROLLER, AGENT), recordType: "sessionContext", sessionContext: s }));
  assert.ok(r.recordType === "sessionContext");
  return r.sessionContext;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const delivered = (effects: SessionEffect[]) => effects.flatMap((e) => (e.type === "deliver" ? [text(e.payload)] : []));
const sent = (effects: SessionEffect[]) => effects.flatMap((e) => (e.type === "send" ? [e.record] : []));
const errors = (effects: SessionEffect[]) => effects.flatMap((e) => (e.type === "error" ? [e.uspErrCode] : []));

function receiveAll(to: SessionContext, records: SessionContextRecord[]): SessionEffect[] {
  return records.flatMap((r) => to.receive(wire(r)));
}

describe("SessionContext", () => {
  it("numbers Records from 1 and delivers them in order", () => {
    const a = new SessionContext({ sessionId: 42n });
    const b = new SessionContext({ sessionId: 42n });
    const records = ["one", "two", "three"].flatMap((m) => a.send(bytes(m)));
    assert.deepEqual(records.map((r) => r.sequenceId), [1n, 2n, 3n]);
    assert.ok(records.every((r) => r.payloadSarState === "NONE" && r.retransmitId === 0n && r.expectedId === 1n));
    assert.deepEqual(delivered(receiveAll(b, records)), ["one", "two", "three"]);
    assert.equal(b.expectedId, 4n);
    assert.equal(b.waitingFor, undefined);
    assert.equal(b.send(bytes("reply"))[0]!.expectedId, 4n, "what B sends acknowledges what it has");
  });

  it("segments a large Msg and reassembles it", () => {
    const a = new SessionContext({ sessionId: 1n, maxSegmentBytes: 10 });
    const b = new SessionContext({ sessionId: 1n });
    const msg = "0123456789".repeat(3) + "tail!";
    const records = a.send(bytes(msg));
    assert.deepEqual(records.map((r) => r.payloadSarState), ["BEGIN", "INPROCESS", "INPROCESS", "COMPLETE"]);
    assert.deepEqual(records.map((r) => r.payloadrecSarState), ["BEGIN", "INPROCESS", "INPROCESS", "COMPLETE"]);
    const effects = receiveAll(b, records);
    assert.deepEqual(delivered(effects), [msg]);
    assert.deepEqual(a.send(bytes("0123456789")).map((r) => r.payloadSarState), ["NONE"]);
  });

  it("holds Records that come early, asks once for the missing one, and delivers in order when it comes", () => {
    const a = new SessionContext({ sessionId: 7n, maxSegmentBytes: 4 });
    const b = new SessionContext({ sessionId: 7n });
    const [r1, r2, r3, r4] = [...a.send(bytes("first")), ...a.send(bytes("two"))]; // "firs"+"t" segmented, then "two"
    assert.ok(r1 && r2 && r3 && r4 === undefined);
    let effects = b.receive(wire(r3));
    assert.deepEqual(delivered(effects), []);
    const asks = sent(effects);
    assert.equal(asks.length, 1);
    assert.equal(asks[0]!.retransmitId, 1n);
    assert.equal(b.waitingFor, 1n);
    effects = b.receive(wire(r2));
    assert.deepEqual(sent(effects), [], "asked once per gap");
    effects = b.receive(wire(r1));
    assert.deepEqual(delivered(effects), ["first", "two"]);
    assert.equal(b.waitingFor, undefined);
    assert.equal(b.expectedId, 4n);
  });

  it("drops duplicates, whether already delivered or held", () => {
    const a = new SessionContext({ sessionId: 3n });
    const b = new SessionContext({ sessionId: 3n });
    const [r1, r2, r3] = ["a", "b", "c"].flatMap((m) => a.send(bytes(m)));
    assert.deepEqual(delivered(b.receive(wire(r1!))), ["a"]);
    assert.deepEqual(b.receive(wire(r1!)), [{ type: "duplicate", sequenceId: 1n }]);
    b.receive(wire(r3!));
    assert.deepEqual(b.receive(wire(r3!)), [{ type: "duplicate", sequenceId: 3n }]);
    assert.deepEqual(delivered(b.receive(wire(r2!))), ["b", "c"]);
  });

  it("recovers a lost segment: the receiver asks, the sender sends it again", () => {
    const a = new SessionContext({ sessionId: 9n, maxSegmentBytes: 3 });
    const b = new SessionContext({ sessionId: 9n });
    const records = a.send(bytes("abcdefghijkl")); // 4 segments
    const lost = records.splice(2, 1)[0]!;
    const effects = receiveAll(b, records);
    assert.deepEqual(delivered(effects), []);
    const ask = sent(effects);
    assert.equal(ask.length, 1);
    assert.equal(ask[0]!.retransmitId, lost.sequenceId);
    const answer = a.receive(wire(ask[0]!));
    const again = sent(answer);
    assert.equal(again.length, 1);
    assert.equal(again[0]!.sequenceId, lost.sequenceId);
    assert.deepEqual(again[0]!.payload, lost.payload);
    assert.deepEqual(delivered(b.receive(wire(again[0]!))), ["abcdefghijkl"]);
  });

  it("answers a request for a Record it no longer keeps with 7105", () => {
    const a = new SessionContext({ sessionId: 5n, sentWindow: 2 });
    const b = new SessionContext({ sessionId: 5n });
    for (const m of ["1", "2", "3"]) a.send(bytes(m));
    const ask = { ...b.requestRetransmit(), retransmitId: 1n };
    assert.deepEqual(errors(a.receive(wire(ask))), [7105], "fell out of the window");

    // Acknowledged Records are dropped too: B's expected_id 3 says it has 1 and 2.
    const c = new SessionContext({ sessionId: 6n });
    const d = new SessionContext({ sessionId: 6n });
    receiveAll(d, ["x", "y"].flatMap((m) => c.send(bytes(m))));
    const [ack] = d.send(bytes("got them"));
    assert.equal(ack!.expectedId, 3n);
    c.receive(wire(ack!));
    assert.deepEqual(errors(c.receive(wire({ ...d.requestRetransmit(), retransmitId: 2n }))), [7105]);
  });

  it("asks again for a last Record that never came, and a peer with nothing more to send ignores the request", () => {
    const a = new SessionContext({ sessionId: 8n });
    const b = new SessionContext({ sessionId: 8n });
    const [r1, r2] = ["first", "last"].flatMap((m) => a.send(bytes(m)));
    b.receive(wire(r1!));
    assert.equal(b.waitingFor, undefined, "no gap shows: only time can tell the last Record is lost");
    const ask = b.requestRetransmit();
    assert.equal(ask.retransmitId, 2n);
    const again = sent(a.receive(wire(ask)));
    assert.deepEqual(again.map((r) => r.sequenceId), [r2!.sequenceId]);
    assert.deepEqual(delivered(b.receive(wire(again[0]!))), ["last"]);
    assert.deepEqual(a.receive(wire(b.requestRetransmit())), [], "Record 3 was never sent: nothing to answer");
  });

  it("starts again when the peer starts a new session context, dropping what was half received", () => {
    const a = new SessionContext({ sessionId: 11n, maxSegmentBytes: 2 });
    const b = new SessionContext({ sessionId: 11n });
    const [begin] = a.send(bytes("abcd"));
    b.receive(wire(begin!));
    b.send(bytes("from b"));
    const fresh = new SessionContext({ sessionId: 12n });
    const effects = b.receive(wire(fresh.send(bytes("hello"))[0]!));
    assert.deepEqual(effects[0], { type: "restarted", previousSessionId: 11n, sessionId: 12n });
    assert.deepEqual(delivered(effects), ["hello"]);
    assert.equal(b.sessionId, 12n);
    assert.equal(b.expectedId, 2n);
    assert.equal(b.send(bytes("again"))[0]!.sequenceId, 1n, "our own numbering starts again too");
  });

  it("reports segmentation the peer broke with 7104, and goes on", () => {
    const b = new SessionContext({ sessionId: 1n });
    const rec = (sequenceId: bigint, state: SessionContextRecord["payloadSarState"], payload: string): SessionContextRecord => ({
      sessionId: 1n,
      sequenceId,
      expectedId: 1n,
      retransmitId: 0n,
      payloadSarState: state,
      payloadrecSarState: state,
      payload: [bytes(payload)],
    });
    assert.deepEqual(errors(b.receive(wire(rec(1n, "INPROCESS", "x")))), [7104]);
    b.receive(wire(rec(2n, "BEGIN", "half")));
    const effects = b.receive(wire(rec(3n, "NONE", "whole")));
    assert.deepEqual(errors(effects), [7104]);
    assert.deepEqual(delivered(effects), ["whole"]);
    assert.deepEqual(delivered(b.receive(wire(rec(4n, "COMPLETE", "orphan")))), []);
  });

  it("refuses Records too far ahead and Msgs too large to reassemble", () => {
    const b = new SessionContext({ sessionId: 1n, receiveWindow: 4, maxPayloadBytes: 8 });
    const far: SessionContextRecord = { sessionId: 1n, sequenceId: 6n, expectedId: 1n, retransmitId: 0n, payloadSarState: "NONE", payloadrecSarState: "NONE", payload: [bytes("x")] };
    assert.deepEqual(errors(b.receive(wire(far))), [7104]);
    const a = new SessionContext({ sessionId: 1n, maxSegmentBytes: 4 });
    const effects = receiveAll(b, a.send(bytes("0123456789ab")));
    assert.deepEqual(errors(effects), [7104]);
    assert.deepEqual(delivered(effects), []);
    assert.deepEqual(delivered(receiveAll(b, a.send(bytes("small")))), ["small"], "and takes the next Msg");
  });

  it("refuses a session id of 0 and an empty Msg", () => {
    assert.throws(() => new SessionContext({ sessionId: 0n }), RangeError);
    assert.throws(() => new SessionContext({ sessionId: 1n }).send(new Uint8Array()), RangeError);
  });
});
