// Reading a CPE's request body: bounded in size before and after decompression, gzip and deflate
// accepted (CPEs send both), chunked handled by node. Every refusal carries its HTTP status and
// leaves the socket as it was, so that the caller can still answer on it.

import type { IncomingMessage } from "node:http";
import { createGunzip, createInflate, type Gunzip, type Inflate } from "node:zlib";

export class BodyError extends Error {
  readonly status: 400 | 408 | 413 | 415;
  readonly code: "BODY_TOO_LARGE" | "BODY_ENCODING" | "BODY_ABORTED" | "BODY_CORRUPT" | "BODY_FRAMING" | "BODY_TIMEOUT";
  constructor(status: BodyError["status"], code: BodyError["code"], message: string) {
    super(message);
    this.name = "BodyError";
    this.status = status;
    this.code = code;
  }
}

/** How long a body may come slower than its minimum rate before the rate is judged (slow starts, a retransmission). */
export const RATE_GRACE_MS = 5000;

export interface BodyLimits {
  maxBytes: number;
  /** Names the limit in refusals, after its number (" (an Inform outside a session)"). */
  which?: string;
  /** Longest time to receive the whole body; 0: none. */
  timeoutMs?: number;
  /** Bytes per second (as sent, before decompression) the body must average once it takes longer than RATE_GRACE_MS; 0: none. */
  minRate?: number;
  /** Cancelled with a BodyError when the connection fails under the body (malformed framing, a reset). */
  cancel?: BodyCancel;
}

/**
 * Tells the body being read that its connection failed under it. An AbortController did this, but a
 * request's own (its signal, an EventTarget, a listener added and removed) cost about 1% of the ACS's
 * CPU in the sessions benchmark, for what happens to almost no request.
 */
export class BodyCancel {
  reason: BodyError | null = null;
  private listener: ((reason: BodyError) => void) | null = null;

  cancel(reason: BodyError): void {
    if (this.reason !== null) return;
    this.reason = reason;
    const listener = this.listener;
    this.listener = null;
    listener?.(reason);
  }

  /** The one body being read hears of it (null: none any more). */
  listen(listener: ((reason: BodyError) => void) | null): void {
    this.listener = listener;
  }
}

/**
 * The inflaters' output chunk. Each chunk is one trip through libuv's thread pool and one turn of the
 * event loop: with zlib's default of 16 KiB, a body inflating to 16 MiB (a session's limit) took 1,024
 * turns, each as slow as the busiest moment made it (the fuzz run saw such bodies answered after 10 s).
 */
export const INFLATE_CHUNK_BYTES = 64 * 1024;

/** The inflater for a Content-Encoding: undefined for none (identity), null for one not accepted. */
export function inflaterFor(encoding: string): Gunzip | Inflate | undefined | null {
  if (encoding === "gzip" || encoding === "x-gzip") return createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
  if (encoding === "deflate") return createInflate({ chunkSize: INFLATE_CHUNK_BYTES });
  return encoding === "identity" || encoding === "" ? undefined : null;
}

export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const { maxBytes } = limits;
  const which = limits.which ?? "";
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new BodyError(413, "BODY_TOO_LARGE", `body of ${declared} bytes exceeds the limit of ${maxBytes}${which}`));
  }
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase().trim();
  const inflater = inflaterFor(encoding);
  if (inflater === null) {
    return Promise.reject(new BodyError(415, "BODY_ENCODING", `unsupported Content-Encoding "${encoding}" (gzip, deflate and identity are accepted)`));
  }
  const source: NodeJS.ReadableStream = inflater ?? req;

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let raw = 0;
    let settled = false;
    const started = performance.now();
    const timeoutMs = limits.timeoutMs ?? 0;
    const minRate = limits.minRate ?? 0;
    // Checked on a clock rather than at each chunk: a client that sends nothing has no chunks.
    const timer =
      timeoutMs > 0 || minRate > 0
        ? setInterval(() => {
            const elapsed = performance.now() - started;
            if (timeoutMs > 0 && elapsed >= timeoutMs) {
              settle(new BodyError(408, "BODY_TIMEOUT", `the request body was not complete within ${timeoutMs / 1000} s`));
            } else if (minRate > 0 && elapsed >= RATE_GRACE_MS && raw / (elapsed / 1000) < minRate) {
              settle(new BodyError(408, "BODY_TIMEOUT", `the request body came at ${Math.round(raw / (elapsed / 1000))} bytes/s, below the minimum of ${minRate}`));
            }
          }, Math.min(500, timeoutMs || 500))
        : undefined;
    const settle = (err: BodyError | null) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      req.off("data", onRaw).off("end", onRawEnd).off("close", onClose);
      source.off("data", onData).off("end", onEnd).off("error", onError);
      limits.cancel?.listen(null);
      if (err === null) return resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      // Stop taking bytes in; the socket stays open for the refusal.
      req.pause();
      inflater?.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        return settle(new BodyError(413, "BODY_TOO_LARGE", `body exceeds the limit of ${maxBytes} bytes${inflater ? " once decompressed" : ""}${which}`));
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle(null);
    const onError = (err: NodeJS.ErrnoException) => {
      if (inflater !== undefined && err.code?.startsWith("Z_")) {
        settle(new BodyError(400, "BODY_CORRUPT", `the ${encoding} body cannot be decompressed: ${err.message}`));
      } else settle(new BodyError(400, "BODY_ABORTED", `the request body was cut short: ${err.message}`));
    };
    const onRaw = (chunk: Buffer) => {
      raw += chunk.length;
      if (inflater !== undefined && !inflater.write(chunk)) req.pause();
    };
    const onRawEnd = () => inflater?.end();
    const onClose = () => {
      if (!req.complete) settle(new BodyError(400, "BODY_ABORTED", "the connection closed before the request body was complete"));
    };
    const cancelled = limits.cancel?.reason;
    if (cancelled != null) return settle(cancelled);
    limits.cancel?.listen(settle);
    source.on("data", onData).on("end", onEnd).on("error", onError);
    if (inflater !== undefined) {
      // An inflater's late error (after a refusal) must not go unheard.
      inflater.on("error", () => undefined).on("drain", () => req.resume());
      req.on("end", onRawEnd);
    }
    req.on("data", onRaw);
    req.on("close", onClose);
  });
}
