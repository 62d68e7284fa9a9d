// HTTP/1.1 over one kept-alive socket, request bytes written exactly as given: the fuzz run sends
// framing and headers no HTTP client library would let through, and reads the answers off the wire.

import { connect, type Socket } from "node:net";

export interface RawAnswer {
  status: number;
  /** Lower-case names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: Buffer;
}

/** What became of one request: an answer, the connection closed without one, or no answer in time. */
export type Outcome = { kind: "answer"; answer: RawAnswer } | { kind: "closed" } | { kind: "timeout" };

export class KeptAliveConnection {
  private buf: Buffer = Buffer.alloc(0);
  private closed = false;
  private waiter: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    // The server may close while a request is still being written: that is an outcome, not an error.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  static open(port: number): Promise<KeptAliveConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.off("error", reject);
        socket.setNoDelay(true);
        resolve(new KeptAliveConnection(socket));
      });
      socket.once("error", reject);
    });
  }

  get usable(): boolean {
    return !this.closed && this.socket.writable;
  }

  /** Writes `request` and reads one answer (a HEAD request's has no body). */
  async exchange(request: Buffer, timeoutMs: number, head = false): Promise<Outcome> {
    if (!this.usable) return { kind: "closed" };
    this.socket.write(request);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseAnswer(this.buf, this.closed, head);
      if (parsed !== null) {
        this.buf = this.buf.subarray(parsed.used);
        return { kind: "answer", answer: parsed.answer };
      }
      if (this.closed) return { kind: "closed" };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: "timeout" };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** One complete answer at the start of `buf` and the bytes it took, or null while it is incomplete. */
export function parseAnswer(buf: Buffer, closed: boolean, head: boolean): { answer: RawAnswer; used: number } | null {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return null;
  const [statusLine, ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1] ?? 0);
  const start = end + 4;
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) return { answer: { status, headers, body: Buffer.alloc(0) }, used: start };
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") return dechunk(buf, start, status, headers);
  if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (buf.length - start < length) return null;
    return { answer: { status, headers, body: buf.subarray(start, start + length) }, used: start + length };
  }
  // No framing: the body runs to the end of the connection.
  return closed ? { answer: { status, headers, body: buf.subarray(start) }, used: buf.length } : null;
}

function dechunk(buf: Buffer, start: number, status: number, headers: Record<string, string>): { answer: RawAnswer; used: number } | null {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf("\r\n", at);
    if (eol < 0) return null;
    const size = parseInt(buf.subarray(at, eol).toString("latin1"), 16);
    if (size === 0) {
      const trailerEnd = buf.indexOf("\r\n", eol + 2);
      if (trailerEnd < 0) return null;
      return { answer: { status, headers, body: Buffer.concat(parts) }, used: trailerEnd + 2 };
    }
    if (buf.length < eol + 2 + size + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
