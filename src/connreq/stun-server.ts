// The STUN server of TR-069 Annex G (TR-111 Part 2): answers Binding Requests with the address
// they came from, and learns each CPE's NAT binding so that UDP Connection Requests can reach it.
//
// A TR-111 CPE sends Binding Requests from its UDP Connection Request port, with
// CONNECTION-REQUEST-BINDING and its STUNUsername in USERNAME; the source address and port the
// server sees are then the public side of the NAT mapping that leads to that port. The CPE keeps
// the mapping open by repeating the request, and adds BINDING-CHANGE when its mapping changed.
// The server records {username, address, port, at, changed} and reports it through `onBinding`.
//
// Authentication (optional, TR-111): with a `lookupPassword` callback, a request carrying
// MESSAGE-INTEGRITY is checked with the device's STUNPassword (431 when wrong, and nothing is
// learned). With `requireIntegrity`, a TR-111 binding without MESSAGE-INTEGRITY is answered 401,
// which tells the CPE to repeat it signed. Without a lookup, MESSAGE-INTEGRITY cannot be checked
// and the binding is recorded as unauthenticated.
//
// Responses take the request's form: classic RFC 3489 (MAPPED-ADDRESS) or RFC 5389
// (XOR-MAPPED-ADDRESS); signed with the same key when the request was; with FINGERPRINT when the
// request had one.
//
// RESPONSE-ADDRESS (RFC 3489, removed by RFC 5389) asks the server to send the response elsewhere.
// TR-111 CPEs use it to find how long their NAT keeps a binding: a request from a second port asks
// for the answer at the first binding's public address. Honouring it blindly would make this
// server a reflector anyone can aim at any host. The default policy, "same-ip", honours it only
// when the destination has the request's source IP (the same NAT or host, another port), which
// covers that TR-111 use; "same-ip-or-authenticated" also honours it for requests with valid
// MESSAGE-INTEGRITY; "never" ignores it. A refused RESPONSE-ADDRESS is answered to the source.
//
// CHANGE-REQUEST asking for another IP or port cannot be served by a one-address server; such a
// request is not answered, which a NAT-type test reads as filtering (the cautious conclusion).
//
// UDP Connection Requests must leave from this server's socket (`send`): that source address and
// port is the one the CPE's NAT mapping was opened towards, so the NAT lets the datagram in.
//
// Nothing a datagram contains stops the server: problems are reported through `onError` as
// StunRemoteError (undecodable) or StunServerError, and counted in `stats()`.

import dgram from "node:dgram";
import { isIPv4, isIPv6 } from "node:net";
import { ConnreqLocalError, StunRemoteError, StunServerError } from "./errors.js";
import type { StunServerErrorCode, StunRemoteErrorCode } from "./errors.js";
import { unmapIPv4 } from "./ip.js";
import type { IpFamily } from "./ip.js";
import {
  StunMethod,
  bindingErrorResponse,
  bindingSuccessResponse,
  checkMessageIntegrity,
  decodeStunMessage,
  encodeStunMessage,
  getAttribute,
  isTr111ConnectionRequestBinding,
  unknownRequiredAttributes,
} from "./stun-message.js";
import type { StunMessage, TransportAddress } from "./stun-message.js";
import { wallClock } from "./timers.js";

export const DEFAULT_STUN_PORT = 3478;

/** A NAT binding learned from a TR-111 Binding Request. */
export interface StunBinding {
  /** USERNAME of the request: the device's STUNUsername. */
  username: string;
  family: IpFamily;
  /** The public (mapped) address and port: where UDP Connection Requests go. */
  address: string;
  port: number;
  /** When it was learned, ms since the epoch. */
  at: number;
  /** The CPE flagged the binding as changed (BINDING-CHANGE). */
  changed: boolean;
  /** MESSAGE-INTEGRITY was present and verified with the device's STUNPassword. */
  authenticated: boolean;
  /** The request used the classic RFC 3489 header. */
  classic: boolean;
}

export type ResponseAddressPolicy = "never" | "same-ip" | "same-ip-or-authenticated";

export interface StunServerOptions {
  /** Default 3478. 0 picks a free port (tests). */
  port?: number;
  /** Bind address. Default "0.0.0.0"; "::" for a dual-stack socket. */
  address?: string;
  /** STUNPassword of a STUNUsername, `undefined` when unknown. Enables MESSAGE-INTEGRITY checks. */
  lookupPassword?: (username: string) => string | undefined | Promise<string | undefined>;
  /** Answer 401 to a TR-111 binding without MESSAGE-INTEGRITY. Needs `lookupPassword`. Default false. */
  requireIntegrity?: boolean;
  /** Default "same-ip"; see the file's comment. */
  responseAddress?: ResponseAddressPolicy;
  /** SOFTWARE attribute of responses; none by default. */
  software?: string;
  /** Called with each binding learned (after verification). */
  onBinding?: (binding: StunBinding) => void;
  /** Called with each datagram dropped or refused, and with socket errors. */
  onError?: (error: StunRemoteError | StunServerError, from: { address: string; port: number } | undefined) => void;
  /** Wall clock for `at`. */
  now?: () => number;
  /** Bindings kept in memory for `binding()`; the oldest go first. Default 100000. */
  maxBindings?: number;
}

export interface StunServerStats {
  /** Datagrams received. */
  received: number;
  /** Responses sent (success and error). */
  answered: number;
  /** TR-111 bindings learned. */
  bindings: number;
  /** Problems by code. */
  errors: Partial<Record<StunRemoteErrorCode | StunServerErrorCode, number>>;
}

/** What a UDP Connection Request needs from the STUN server: its socket, to send from. */
export interface UdpSender {
  send(message: Uint8Array, port: number, address: string): Promise<void>;
}

interface Source {
  family: IpFamily;
  address: string;
  port: number;
}

export class StunServer implements UdpSender {
  readonly #socket: dgram.Socket;
  readonly #udp6: boolean;
  readonly #options: StunServerOptions;
  readonly #now: () => number;
  readonly #bindings = new Map<string, StunBinding>();
  readonly #maxBindings: number;
  readonly #stats: StunServerStats = { received: 0, answered: 0, bindings: 0, errors: {} };
  #closed = false;

  private constructor(socket: dgram.Socket, udp6: boolean, options: StunServerOptions) {
    this.#socket = socket;
    this.#udp6 = udp6;
    this.#options = options;
    this.#now = options.now ?? wallClock;
    this.#maxBindings = options.maxBindings ?? 100_000;
    socket.on("message", (msg, rinfo) => {
      this.#handle(msg, rinfo).catch((err: unknown) => {
        this.#problem(new StunServerError("STUN_INTERNAL", err instanceof Error ? err.message : String(err)), rinfo);
      });
    });
    socket.on("error", (err) => this.#problem(new StunServerError("STUN_SOCKET_ERROR", err.message), undefined));
  }

  /** Binds the socket and starts answering. */
  static async start(options: StunServerOptions = {}): Promise<StunServer> {
    const address = options.address ?? "0.0.0.0";
    const port = options.port ?? DEFAULT_STUN_PORT;
    if (!isIPv4(address) && !isIPv6(address)) throw new ConnreqLocalError("CR_INVALID_OPTIONS", `STUN bind address ${address} is not an IP address`);
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new ConnreqLocalError("CR_INVALID_OPTIONS", `STUN port ${port} is out of range`);
    if (options.requireIntegrity && !options.lookupPassword) {
      throw new ConnreqLocalError("CR_INVALID_OPTIONS", "requireIntegrity needs lookupPassword");
    }
    const socket = dgram.createSocket({ type: isIPv6(address) ? "udp6" : "udp4" });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once("error", onError);
      socket.bind({ port, address, exclusive: true }, () => {
        socket.off("error", onError);
        resolve();
      });
    });
    return new StunServer(socket, isIPv6(address), options);
  }

  /** The bound address and port. */
  address(): { address: string; port: number; family: IpFamily } {
    const a = this.#socket.address();
    return { address: a.address, port: a.port, family: a.family === "IPv6" ? "IPv6" : "IPv4" };
  }

  /** The socket, for whoever must send from the server's port. Prefer `send`. */
  get socket(): dgram.Socket {
    return this.#socket;
  }

  /** Sends a datagram from the server's socket (UDP Connection Requests). An IPv4 destination is
   * written IPv4-mapped on a dual-stack socket. */
  send(message: Uint8Array, port: number, address: string): Promise<void> {
    const to = this.#udp6 && isIPv4(address) ? `::ffff:${address}` : address;
    return new Promise((resolve, reject) => {
      try {
        this.#socket.send(message, port, to, (err) => (err ? reject(err) : resolve()));
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  /** The last binding learned for a STUNUsername. */
  binding(username: string): StunBinding | undefined {
    return this.#bindings.get(username);
  }

  stats(): StunServerStats {
    return { ...this.#stats, errors: { ...this.#stats.errors } };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------

  #problem(error: StunRemoteError | StunServerError, from: { address: string; port: number } | undefined): void {
    this.#stats.errors[error.code] = (this.#stats.errors[error.code] ?? 0) + 1;
    this.#options.onError?.(error, from);
  }

  async #reply(response: StunMessage, to: TransportAddress | Source, key: string | undefined, fingerprint: boolean): Promise<void> {
    const bytes = encodeStunMessage(response, { ...(key !== undefined ? { integrityKey: key } : {}), fingerprint });
    try {
      await this.send(bytes, to.port, to.address);
      this.#stats.answered++;
    } catch (err) {
      this.#problem(new StunServerError("STUN_SEND_FAILED", `to ${to.address}:${to.port}: ${(err as Error).message}`), to);
    }
  }

  #remember(binding: StunBinding): void {
    this.#bindings.delete(binding.username);
    this.#bindings.set(binding.username, binding);
    if (this.#bindings.size > this.#maxBindings) {
      const oldest = this.#bindings.keys().next();
      if (!oldest.done) this.#bindings.delete(oldest.value);
    }
    this.#stats.bindings++;
    this.#options.onBinding?.(binding);
  }

  async #handle(msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    this.#stats.received++;
    const address = unmapIPv4(rinfo.address);
    const from: Source = { family: isIPv4(address) ? "IPv4" : "IPv6", address, port: rinfo.port };
    let request: StunMessage;
    try {
      request = decodeStunMessage(msg);
    } catch (err) {
      if (err instanceof StunRemoteError) this.#problem(err, from);
      else throw err;
      return;
    }
    const fingerprint = request.attributes.some((a) => a.type === "FINGERPRINT");
    const refuse = (status: number, code: StunServerErrorCode, message: string, username?: string, extra: { unknownAttributes?: number[] } = {}) => {
      this.#problem(new StunServerError(code, message, username), from);
      const software = this.#options.software;
      return this.#reply(bindingErrorResponse(request, { code: status, ...extra, ...(software !== undefined ? { software } : {}) }), from, undefined, fingerprint);
    };

    if (request.class !== "request") {
      this.#problem(new StunServerError("STUN_NOT_A_REQUEST", `a ${request.class} message, method 0x${request.method.toString(16)}`), from);
      return;
    }
    if (request.method !== StunMethod.Binding) {
      await refuse(400, "STUN_UNSUPPORTED_METHOD", `method 0x${request.method.toString(16)} is not Binding`);
      return;
    }
    const unknown = unknownRequiredAttributes(request);
    if (unknown.length > 0) {
      await refuse(420, "STUN_UNKNOWN_ATTRIBUTES", `unknown attributes ${unknown.map((t) => `0x${t.toString(16)}`).join(", ")}`, undefined, { unknownAttributes: unknown });
      return;
    }
    const change = getAttribute(request, "CHANGE-REQUEST");
    if (change && (change.changeIp || change.changePort)) {
      this.#problem(new StunServerError("STUN_CHANGE_REQUEST_UNSUPPORTED", "CHANGE-REQUEST for another address or port"), from);
      return;
    }

    const username = getAttribute(request, "USERNAME")?.value;
    const crb = getAttribute(request, "CONNECTION-REQUEST-BINDING");
    const isBinding = crb !== undefined && isTr111ConnectionRequestBinding(crb.value);
    const signed = request.attributes.some((a) => a.type === "MESSAGE-INTEGRITY");
    const lookup = this.#options.lookupPassword;

    let key: string | undefined;
    if (signed && lookup) {
      if (username === undefined || username === "") {
        await refuse(432, "STUN_MISSING_USERNAME", "MESSAGE-INTEGRITY without USERNAME");
        return;
      }
      let password: string | undefined;
      try {
        password = await lookup(username);
      } catch (err) {
        await refuse(500, "STUN_LOOKUP_FAILED", `password lookup failed: ${err instanceof Error ? err.message : String(err)}`, username);
        return;
      }
      if (password === undefined) {
        await refuse(401, "STUN_UNKNOWN_USER", `no STUNPassword for ${JSON.stringify(username)}`, username);
        return;
      }
      if (checkMessageIntegrity(msg, password) !== "valid") {
        await refuse(431, "STUN_INTEGRITY_FAILED", `MESSAGE-INTEGRITY does not match the STUNPassword of ${JSON.stringify(username)}`, username);
        return;
      }
      key = password;
    } else if (!signed && isBinding && this.#options.requireIntegrity) {
      await refuse(401, "STUN_INTEGRITY_REQUIRED", "a TR-111 binding without MESSAGE-INTEGRITY", username);
      return;
    }
    const authenticated = key !== undefined;

    let destination: TransportAddress | Source = from;
    let reflected = false;
    const responseAddress = getAttribute(request, "RESPONSE-ADDRESS");
    if (responseAddress) {
      const wanted = { ...responseAddress.address, address: unmapIPv4(responseAddress.address.address) };
      const policy = this.#options.responseAddress ?? "same-ip";
      const sameIp = wanted.address === from.address;
      if (policy !== "never" && (sameIp || (policy === "same-ip-or-authenticated" && authenticated))) {
        destination = wanted;
        reflected = true;
      } else {
        this.#problem(new StunServerError("STUN_RESPONSE_ADDRESS_REFUSED", `RESPONSE-ADDRESS ${wanted.address}:${wanted.port} refused by policy ${policy}`, username), from);
      }
    }

    const software = this.#options.software;
    const response = bindingSuccessResponse(request, { mapped: from, ...(software !== undefined ? { software } : {}) });
    if (reflected) response.attributes.push({ type: "REFLECTED-FROM", address: { family: from.family, address: from.address, port: from.port } });
    await this.#reply(response, destination, key, fingerprint);

    if (!isBinding) return;
    if (username === undefined || username === "") {
      this.#problem(new StunServerError("STUN_MISSING_USERNAME", "a TR-111 binding without USERNAME cannot be attributed to a device"), from);
      return;
    }
    this.#remember({
      username,
      family: from.family,
      address: from.address,
      port: from.port,
      at: this.#now(),
      changed: request.attributes.some((a) => a.type === "BINDING-CHANGE"),
      authenticated,
      classic: request.transactionId.length === 16,
    });
  }
}
