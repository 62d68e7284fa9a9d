// An agent's WebSocket MTP (the simulator's USP agents): one connection to the controller, with the
// `v1.usp` subprotocol, the agent's Endpoint ID in the `bbf-usp-protocol` extension and HTTP Basic
// credentials; lost, it is made again after TR-369's WebSocket session retry wait, until closed. Cheap
// enough for thousands per process: while connected it holds no timer of its own (ws answers the
// controller's pings), while waiting one.

import type { IncomingMessage } from "node:http";
import { WebSocket, type RawData } from "ws";
import { formatBasicAuthorization } from "../auth/index.js";
import { systemTimers, type Timers } from "../connreq/timers.js";
import { DEFAULT_MAX_BYTES } from "../usp/index.js";
import type { AgentMtp } from "./types.js";
import { formatUspExtension, readUspExtension, withoutUspExtension } from "./websocket-extension.js";
import { toBytes, USP_SUBPROTOCOL } from "./websocket-server.js";

export interface WebSocketClientOptions {
  /** `ws://` or `wss://`, with the controller's path (`ws://acs.example.net:7577/usp`). */
  url: string;
  /** The agent's Endpoint ID, named in the handshake. */
  endpointId: string;
  /** HTTP Basic credentials; none when absent (a client certificate, or an open controller). */
  username?: string;
  password?: string;
  /** wss: the CA the controller's certificate must chain to, and the agent's own certificate. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Device.LocalAgent.Controller.{i}.MTP.{i}.WebSocket.SessionRetryMinimumWaitInterval, seconds (default 5). */
  retryMinimumWaitInterval?: number;
  /** ...SessionRetryIntervalMultiplier, in thousandths (default 2000: each wait up to twice the last). */
  retryIntervalMultiplier?: number;
  /** Largest Record taken from the controller (default the codec's 16 MiB); a larger one closes the connection. */
  maxRecordBytes?: number;
  /** Milliseconds an opening handshake may take (default 30 s). */
  handshakeTimeoutMs?: number;
  /** Told when the connection opens, and when it is lost with the wait before the next attempt. */
  onStatus?: (status: WebSocketClientStatus) => void;
  timers?: Timers;
  /** In [0, 1), for the jitter of retry waits. */
  random?: () => number;
}

export type WebSocketClientStatus =
  | { state: "connected"; controllerEndpointId: string | null }
  | { state: "disconnected"; reason: string; retryInMs: number | null };

/** A client built with options it cannot work with (a URL that is not ws:// or wss://). */
export class WebSocketClientError extends Error {
  readonly code = "MTP_INVALID_OPTION";
  constructor(message: string) {
    super(message);
    this.name = "WebSocketClientError";
  }
}

/** TR-369's retry tries: the wait grows no more after the tenth. */
const MAX_GROWTH = 10;

/**
 * The wait before the n-th retry (n from 1), in milliseconds: TR-369's WebSocket session retry, a
 * random point between m·(k/1000)^(n-1) and m·(k/1000)^n seconds.
 */
export function retryWaitMs(n: number, minimumWaitSeconds: number, multiplier: number, random: () => number): number {
  const growth = multiplier / 1000;
  const low = minimumWaitSeconds * 1000 * growth ** (Math.min(n, MAX_GROWTH) - 1);
  return Math.round(low + random() * (low * growth - low));
}

export class WebSocketAgentMtp implements AgentMtp {
  private ws: WebSocket | null = null;
  private onRecord: ((bytes: Uint8Array) => void) | null = null;
  private connecting: Promise<void> | null = null;
  private firstOpen: (() => void) | null = null;
  private timer: unknown = null;
  private closed = false;
  private retries = 0;
  private readonly headers: Record<string, string>;
  private readonly timers: Timers;
  /** The controller's Endpoint ID from its handshake answer; null before, or when it named none. */
  controllerEndpointId: string | null = null;
  /** Why the last attempt failed or the last connection ended; null while connected. */
  lastError: string | null = null;

  constructor(private readonly o: WebSocketClientOptions) {
    let url: URL;
    try {
      url = new URL(o.url);
    } catch {
      throw new WebSocketClientError(`${JSON.stringify(o.url)} is not a URL`);
    }
    if (url.protocol !== "ws:" && url.protocol !== "wss:") throw new WebSocketClientError(`${o.url}: a USP WebSocket URL starts with ws:// or wss://`);
    this.headers = { "Sec-WebSocket-Extensions": formatUspExtension(o.endpointId) };
    if (o.username !== undefined) this.headers.Authorization = formatBasicAuthorization(o.username, o.password ?? "");
    this.timers = o.timers ?? systemTimers;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Resolves once connected the first time (or closed before). */
  connect(onRecord: (bytes: Uint8Array) => void): Promise<void> {
    this.onRecord = onRecord;
    if (this.connecting !== null) return this.connecting;
    this.closed = false;
    this.connecting = new Promise<void>((resolve) => {
      this.firstOpen = resolve;
    });
    this.open();
    return this.connecting;
  }

  async send(bytes: Uint8Array): Promise<boolean> {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return false;
    return new Promise((resolve) => ws.send(bytes, { binary: true }, (err) => resolve(err === undefined || err === null)));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connecting = null;
    this.firstOpen?.();
    this.firstOpen = null;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws === null || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once("close", () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else {
        ws.close(1000);
        // A controller that does not answer the close is not waited for.
        const t = this.timers.setTimeout(() => ws.terminate(), 2000);
        ws.once("close", () => this.timers.clearTimeout(t));
      }
    });
  }

  private open(): void {
    this.timer = null;
    this.lastError = null;
    const o = this.o;
    const ws = new WebSocket(o.url, USP_SUBPROTOCOL, {
      perMessageDeflate: false,
      maxPayload: o.maxRecordBytes ?? DEFAULT_MAX_BYTES,
      handshakeTimeout: o.handshakeTimeoutMs ?? 30_000,
      headers: this.headers,
      ...(o.tls ?? {}),
    });
    this.ws = ws;
    ws.on("upgrade", (res: IncomingMessage) => this.readExtension(ws, res));
    ws.on("unexpected-response", (_req, res: IncomingMessage) => {
      this.lastError = `HTTP ${res.statusCode ?? "?"} ${res.statusMessage ?? ""}`.trim();
      res.resume();
      ws.terminate();
    });
    ws.on("open", () => {
      this.retries = 0;
      this.lastError = null;
      o.onStatus?.({ state: "connected", controllerEndpointId: this.controllerEndpointId });
      this.firstOpen?.();
      this.firstOpen = null;
    });
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        this.lastError = "the controller sent a text frame";
        ws.close(1003, "USP Records travel in binary frames");
        return;
      }
      try {
        this.onRecord?.(toBytes(data));
      } catch {
        // The agent's own failure on a Record must not take its connection down.
      }
    });
    ws.on("error", (err) => {
      this.lastError ??= err.message;
    });
    ws.on("close", (code: number, reason: Buffer) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.lastError === null) this.lastError = `closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ""})`;
      if (this.closed) return;
      const wait = retryWaitMs(++this.retries, o.retryMinimumWaitInterval ?? 5, o.retryIntervalMultiplier ?? 2000, o.random ?? Math.random);
      this.timer = this.timers.setTimeout(() => this.open(), wait);
      o.onStatus?.({ state: "disconnected", reason: this.lastError, retryInMs: wait });
    });
  }

  /**
   * Takes the controller's Endpoint ID from its answer, then hides the extension from ws, which
   * refuses any extension it does not implement itself. The 'upgrade' event comes before ws looks.
   */
  private readExtension(ws: WebSocket, res: IncomingMessage): void {
    const header = res.headers["sec-websocket-extensions"];
    const ext = readUspExtension(header);
    if (ext.offered && "error" in ext) {
      this.lastError = `the controller's ${ext.error}`;
      ws.terminate();
      return;
    }
    this.controllerEndpointId = ext.offered ? ext.eid : null;
    if (header === undefined) return;
    const rest = withoutUspExtension(Array.isArray(header) ? header.join(", ") : header);
    if (rest === null) delete res.headers["sec-websocket-extensions"];
    else res.headers["sec-websocket-extensions"] = rest;
  }
}
