// One end of a USP Session Context (TR-369, "Session Context"), sans-I/O: Records in, effects out.
// Time stays outside: the edge calls requestRetransmit() when it has waited long enough for a gap.
//
// - Sequence ids count from 1 per direction; each Record carries the id its sender expects next, which
//   also acknowledges what came before it, so those Records leave the retransmission window.
// - A Record ahead of the expected one is held (up to receiveWindow) and the missing one asked for
//   once; a Record behind it is a duplicate and dropped.
// - A Record with another session_id means the peer started a new session context: both directions
//   start again from 1 and whatever was half received is dropped.
// - Segmentation: a Msg too large for one Record travels in Records whose payload_sar_state is BEGIN,
//   INPROCESS..., COMPLETE; the Msg is the concatenation of their payload elements in sequence order.
//   payloadrec_sar_state is written the same as payload_sar_state and read only for its checks.

import { DEFAULT_MAX_BYTES } from "./codec.js";
import type { PayloadSarState, SessionContextRecord } from "./types/record.js";

export interface SessionContextOptions {
  sessionId: bigint;
  /** Most payload bytes per Record; larger Msgs are segmented (default 64 KiB). */
  maxSegmentBytes?: number;
  /** Sent Records kept to answer retransmission requests (default 64). */
  sentWindow?: number;
  /** Records held while one before them is missing (default 64). */
  receiveWindow?: number;
  /** Largest reassembled Msg (default DEFAULT_MAX_BYTES). */
  maxPayloadBytes?: number;
}

export type SessionEffect =
  /** A whole Msg's bytes, in the order the peer sent them. */
  | { type: "deliver"; payload: Uint8Array }
  /** A Record for the peer: one it asked to have again, or a request for one we miss. */
  | { type: "send"; record: SessionContextRecord }
  | { type: "duplicate"; sequenceId: bigint }
  | { type: "restarted"; previousSessionId: bigint; sessionId: bigint }
  /** The peer broke the protocol or asked what we no longer have; uspErrCode says what to answer. */
  | { type: "error"; uspErrCode: number; message: string };

export class SessionContext {
  #sessionId: bigint;
  #nextSequenceId = 1n;
  #expectedId = 1n;
  readonly #sent = new Map<bigint, SessionContextRecord>();
  readonly #held = new Map<bigint, SessionContextRecord>();
  #askedFor = 0n;
  #reassembly: Uint8Array[] | undefined;
  #reassemblyBytes = 0;
  readonly #maxSegmentBytes: number;
  readonly #sentWindow: number;
  readonly #receiveWindow: number;
  readonly #maxPayloadBytes: number;

  constructor(options: SessionContextOptions) {
    if (options.sessionId <= 0n) throw new RangeError("session_id must be positive");
    this.#sessionId = options.sessionId;
    this.#maxSegmentBytes = options.maxSegmentBytes ?? 64 * 1024;
    this.#sentWindow = options.sentWindow ?? 64;
    this.#receiveWindow = options.receiveWindow ?? 64;
    this.#maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_BYTES;
    if (this.#maxSegmentBytes < 1) throw new RangeError("maxSegmentBytes must be at least 1");
  }

  get sessionId(): bigint {
    return this.#sessionId;
  }

  /** The sequence id expected next from the peer. */
  get expectedId(): bigint {
    return this.#expectedId;
  }

  /** The sequence id we wait for while later Records are held, if any. */
  get waitingFor(): bigint | undefined {
    return this.#held.size > 0 ? this.#expectedId : undefined;
  }

  /** The Records that carry one Msg's bytes (several when it is larger than maxSegmentBytes). */
  send(payload: Uint8Array): SessionContextRecord[] {
    if (payload.length === 0) throw new RangeError("a Msg has at least one byte");
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < payload.length; at += this.#maxSegmentBytes) chunks.push(payload.subarray(at, at + this.#maxSegmentBytes));
    return chunks.map((chunk, i) => {
      const state: PayloadSarState = chunks.length === 1 ? "NONE" : i === 0 ? "BEGIN" : i === chunks.length - 1 ? "COMPLETE" : "INPROCESS";
      return this.#record(state, [chunk], 0n);
    });
  }

  /** A Record asking the peer to send again the one we wait for (after a gap, or after waiting too long). */
  requestRetransmit(): SessionContextRecord {
    this.#askedFor = this.#expectedId;
    return this.#record("NONE", [], this.#expectedId);
  }

  /** Takes one Record received from the peer (already decoded and checked by decodeRecord). */
  receive(record: SessionContextRecord): SessionEffect[] {
    const effects: SessionEffect[] = [];
    if (record.sessionId !== this.#sessionId) {
      effects.push({ type: "restarted", previousSessionId: this.#sessionId, sessionId: record.sessionId });
      this.#restart(record.sessionId);
    }
    this.#acknowledge(record.expectedId);
    if (record.retransmitId !== 0n) {
      const answer = this.#retransmit(record.retransmitId);
      if (answer) effects.push(answer);
    }
    const seq = record.sequenceId;
    if (seq < this.#expectedId || this.#held.has(seq)) {
      effects.push({ type: "duplicate", sequenceId: seq });
      return effects;
    }
    if (seq > this.#expectedId) {
      if (seq - this.#expectedId > BigInt(this.#receiveWindow)) {
        effects.push({ type: "error", uspErrCode: 7104, message: `sequence_id ${seq} is too far ahead of ${this.#expectedId}` });
        return effects;
      }
      this.#held.set(seq, record);
      if (this.#askedFor !== this.#expectedId) effects.push({ type: "send", record: this.requestRetransmit() });
      return effects;
    }
    this.#take(record, effects);
    for (let next = this.#held.get(this.#expectedId); next; next = this.#held.get(this.#expectedId)) {
      this.#held.delete(next.sequenceId);
      this.#take(next, effects);
    }
    return effects;
  }

  #record(state: PayloadSarState, payload: Uint8Array[], retransmitId: bigint): SessionContextRecord {
    const record: SessionContextRecord = {
      sessionId: this.#sessionId,
      sequenceId: this.#nextSequenceId++,
      expectedId: this.#expectedId,
      retransmitId,
      payloadSarState: state,
      payloadrecSarState: state,
      payload,
    };
    this.#sent.set(record.sequenceId, record);
    if (this.#sent.size > this.#sentWindow) this.#sent.delete(this.#sent.keys().next().value!);
    return record;
  }

  #restart(sessionId: bigint): void {
    this.#sessionId = sessionId;
    this.#nextSequenceId = 1n;
    this.#expectedId = 1n;
    this.#askedFor = 0n;
    this.#sent.clear();
    this.#held.clear();
    this.#reassembly = undefined;
    this.#reassemblyBytes = 0;
  }

  /** The peer has everything before `expectedId`: no need to keep it for retransmission. */
  #acknowledge(expectedId: bigint): void {
    for (const seq of this.#sent.keys()) if (seq < expectedId) this.#sent.delete(seq);
  }

  /** The peer asks again for a Record; one we have not sent yet (it timed out waiting) needs no answer. */
  #retransmit(sequenceId: bigint): SessionEffect | undefined {
    if (sequenceId >= this.#nextSequenceId) return undefined;
    const record = this.#sent.get(sequenceId);
    if (!record) return { type: "error", uspErrCode: 7105, message: `Record ${sequenceId} asked for again is no longer kept` };
    return { type: "send", record: { ...record, expectedId: this.#expectedId, retransmitId: 0n } };
  }

  /** Takes the Record with the expected sequence id. */
  #take(record: SessionContextRecord, effects: SessionEffect[]): void {
    this.#expectedId = record.sequenceId + 1n;
    if (this.#askedFor !== 0n && this.#askedFor < this.#expectedId) this.#askedFor = 0n;
    const state = record.payloadSarState;
    if (record.payload.length === 0 && state === "NONE") return;
    if ((state === "NONE" || state === "BEGIN") && this.#reassembly !== undefined) {
      effects.push({ type: "error", uspErrCode: 7104, message: `a segmented Msg was cut short by Record ${record.sequenceId} (${state})` });
      this.#reassembly = undefined;
    }
    if ((state === "INPROCESS" || state === "COMPLETE") && this.#reassembly === undefined) {
      effects.push({ type: "error", uspErrCode: 7104, message: `Record ${record.sequenceId} continues a segmented Msg that did not begin` });
      return;
    }
    if (state === "NONE" || state === "BEGIN") {
      this.#reassembly = [];
      this.#reassemblyBytes = 0;
    }
    for (const part of record.payload) {
      this.#reassemblyBytes += part.length;
      this.#reassembly!.push(part);
    }
    if (this.#reassemblyBytes > this.#maxPayloadBytes) {
      effects.push({ type: "error", uspErrCode: 7104, message: `a segmented Msg exceeds ${this.#maxPayloadBytes} bytes` });
      this.#reassembly = undefined;
      return;
    }
    if (state === "NONE" || state === "COMPLETE") {
      effects.push({ type: "deliver", payload: concat(this.#reassembly!, this.#reassemblyBytes) });
      this.#reassembly = undefined;
    }
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
