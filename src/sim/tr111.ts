// The device side of TR-111 Part 2 (TR-069 Annex G), sans-I/O: the Binding Requests a CPE sends from
// its UDP Connection Request port to keep its NAT binding open and tell the ACS's STUN server about
// it, what the answers mean, and the replay window for the signed UDP Connection Requests it accepts.
// The messages themselves are src/connreq's (the ACS side uses the same codec).

import { formatUdpConnectionRequestAddress } from "../connreq/udp-connection-request.js";
import { checkMessageIntegrity, decodeStunMessage, encodeStunMessage, getAttribute, tr111BindingRequest, type StunMessage } from "../connreq/stun-message.js";
import { StunRemoteError } from "../connreq/errors.js";
import { unmapIPv4 } from "../connreq/ip.js";
import type { StunSettings } from "./connreq-settings.js";

export interface BindingRequestOptions {
  /** 16 bytes: TR-111 uses the classic RFC 3489 header. */
  transactionId: Uint8Array;
  /** The binding changed since the last Binding Request. */
  bindingChange: boolean;
  /** Sign with STUNPassword (it is not empty, or the server answered 401). */
  sign: boolean;
}

/**
 * A Binding Request from the UDP Connection Request port: CONNECTION-REQUEST-BINDING, USERNAME when
 * STUNUsername is set (the server attributes the binding to the device by it), BINDING-CHANGE when the
 * binding changed, MESSAGE-INTEGRITY keyed with STUNPassword when signing.
 */
export function bindingRequestBytes(s: StunSettings, o: BindingRequestOptions): Buffer {
  const message = tr111BindingRequest({
    transactionId: o.transactionId,
    ...(s.username !== "" ? { username: s.username } : {}),
    connectionRequestBinding: true,
    bindingChange: o.bindingChange,
  });
  return encodeStunMessage(message, o.sign && s.password !== "" ? { integrityKey: s.password } : {});
}

export type BindingAnswer =
  /** The server saw the request come from this public address and port. */
  | { kind: "mapped"; address: string; port: number }
  /** 401: the server wants MESSAGE-INTEGRITY. */
  | { kind: "unauthorized" }
  /** Another error response (431 wrong integrity, 420, ...). */
  | { kind: "error"; code: number; reason: string }
  /** Not an answer to this transaction, undecodable, or signed with another key: dropped. */
  | { kind: "ignored"; why: string };

/** Reads a datagram as the answer to the Binding Request `transactionId` (signed with `key` if given). */
export function readBindingAnswer(bytes: Uint8Array, transactionId: Uint8Array, key: string | undefined): BindingAnswer {
  let m: StunMessage;
  try {
    m = decodeStunMessage(bytes);
  } catch (e) {
    if (e instanceof StunRemoteError) return { kind: "ignored", why: e.message };
    throw e;
  }
  if (!Buffer.from(transactionId).equals(m.transactionId)) return { kind: "ignored", why: "another transaction" };
  if (m.class === "request" || m.class === "indication") return { kind: "ignored", why: `a ${m.class}, not an answer` };
  if (m.class === "error") {
    const error = getAttribute(m, "ERROR-CODE");
    const code = error?.code ?? 0;
    return code === 401 ? { kind: "unauthorized" } : { kind: "error", code, reason: error?.reason ?? "" };
  }
  // A signed request gets a signed answer; one signed with another key is not the server's.
  if (key !== undefined && checkMessageIntegrity(bytes, key) === "invalid") return { kind: "ignored", why: "MESSAGE-INTEGRITY does not match STUNPassword" };
  const mapped = getAttribute(m, "XOR-MAPPED-ADDRESS") ?? getAttribute(m, "MAPPED-ADDRESS");
  if (mapped === undefined) return { kind: "error", code: 0, reason: "a success response without a mapped address" };
  return { kind: "mapped", address: unmapIPv4(mapped.address.address), port: mapped.address.port };
}

/** UDPConnectionRequestAddress for a mapped address: "a.b.c.d:port" or "[v6]:port". */
export function udpAddressText(address: string, port: number): string {
  return formatUdpConnectionRequestAddress(address, port);
}

/**
 * NATDetected: the mapped address differs from the address and port the request left from. A socket
 * bound to a wildcard address left from one of `localAddresses`.
 */
export function natDetected(mapped: { address: string; port: number }, local: { address: string; port: number }, localAddresses: readonly string[]): boolean {
  if (mapped.port !== local.port) return true;
  const wildcard = local.address === "0.0.0.0" || local.address === "::";
  const here = wildcard ? localAddresses : [unmapIPv4(local.address)];
  return !here.includes(mapped.address);
}

/**
 * The replay state of one device's UDP Connection Requests: the ts of the last one accepted and the
 * recent message IDs (ACSs send each request several times with one ID; a window of 16 covers them).
 */
export class ReplayWindow {
  private lastTs: number | undefined;
  private readonly ids: string[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly size = 16) {}

  get state(): { lastTs?: number; seenIds: ReadonlySet<string> } {
    return this.lastTs === undefined ? { seenIds: this.seen } : { lastTs: this.lastTs, seenIds: this.seen };
  }

  /** Records a request that passed the checks (and is acted on). */
  record(ts: number, id: string): void {
    this.lastTs = this.lastTs === undefined ? ts : Math.max(this.lastTs, ts);
    if (this.seen.has(id)) return;
    this.ids.push(id);
    this.seen.add(id);
    if (this.ids.length > this.size) this.seen.delete(this.ids.shift()!);
  }
}
