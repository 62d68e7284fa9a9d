// HTTP/1.1 spoken byte by byte over a plain or TLS socket, for tests about what the server does with
// requests no well-behaved client sends (trickled, cut short, malformed) and about the framing of its
// replies as they are on the wire.

import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface RawTarget {
  port: number;
  host?: string;
  /** Speak TLS, trusting this CA. */
  ca?: Buffer;
  localAddress?: string;
}

export interface RawResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

export class RawConnection {
  private received = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.wake();
    });
    // Resets are expected here: the server may close while the test still writes.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(t: RawTarget): Promise<RawConnection> {
    const host = t.host ?? "127.0.0.1";
    return new Promise((resolve, reject) => {
      const socket =
        t.ca !== undefined
          ? tlsConnect({ host, port: t.port, ca: t.ca, servername: "localhost", ...(t.localAddress ? { localAddress: t.localAddress } : {}) }, () => done())
          : netConnect({ host, port: t.port, ...(t.localAddress ? { localAddress: t.localAddress } : {}) }, () => done());
      const done = () => {
        socket.off("error", reject);
        resolve(new RawConnection(socket));
      };
      socket.once("error", reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Writes unless the connection is gone; false if it is. */
  write(data: string | Buffer): Promise<boolean> {
    if (this.closed || this.socket.destroyed || !this.socket.writable) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.socket.write(data, (err) => resolve(err == null));
    });
  }

  /** The first complete response on the connection, or null if it closed (or timeoutMs passed) without one. */
  async response(timeoutMs = 10_000): Promise<RawResponse | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseResponse(this.received);
      if (parsed !== null) return parsed;
      if (this.closed || Date.now() >= deadline) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Whether something (a response) arrived. */
  get answered(): boolean {
    return this.received.length > 0;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseResponse(buf: Buffer): RawResponse | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [statusLine, ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1]);
  const rest = buf.subarray(end + 4);
  if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (rest.length < length) return null;
    return { status, headers, body: rest.subarray(0, length).toString("utf8") };
  }
  if (headers["transfer-encoding"] === "chunked") {
    if (!rest.includes("\r\n0\r\n\r\n") && !rest.subarray(0, 5).equals(Buffer.from("0\r\n\r\n"))) return null;
    return { status, headers, body: rest.toString("utf8") };
  }
  return { status, headers, body: rest.toString("utf8") };
}

/** One chunk of a chunked body. */
export function chunk(data: string | Buffer): Buffer {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from("\r\n")]);
}

export const LAST_CHUNK = "0\r\n\r\n";
