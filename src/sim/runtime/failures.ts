// Why a session failed, in a few stable words that summaries count and scripts can match.

export type FailureCause =
  /** The ACS could not be reached (refused, unreachable, name not resolved). */
  | "connect"
  /** The TLS handshake failed (certificate not trusted, client certificate refused). */
  | "tls"
  /** The ACS did not answer in time. */
  | "timeout"
  /** The ACS closed the connection mid-exchange. */
  | "reset"
  /** The ACS refused the CPE's credentials. */
  | "auth"
  /** Too many redirects, or a redirect the CPE does not follow. */
  | "redirect"
  /** The ACS answered with an unexpected HTTP status (e.g. "http-503"). */
  | `http-${number}`
  /** The ACS's messages broke the session's rules (a Fault to the Inform, an unexpected message). */
  | "protocol"
  /** An answer that is not CWMP, where the CPE cannot answer with a Fault. */
  | "unreadable"
  /** Fault injection: the connection was dropped, or unparsable XML was sent. */
  | "injected-drop"
  | "injected-malformed"
  /** The simulation stopped during the session. */
  | "aborted"
  /** A bug in the simulator (reported as a process warning). */
  | "internal";

/** A failed HTTP exchange, with its cause. */
export class TransportError extends Error {
  readonly code: FailureCause;
  constructor(code: FailureCause, message: string) {
    super(message);
    this.code = code;
    this.name = "TransportError";
  }
}

const CONNECT = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL", "ECONNABORTED"]);
const RESET = new Set(["ECONNRESET", "EPIPE", "ERR_STREAM_PREMATURE_CLOSE", "HPE_INVALID_CONSTANT", "ERR_HTTP_REQUEST_TIMEOUT"]);

/** The cause of a Node.js network error. */
export function transportCause(err: unknown): FailureCause {
  if (err instanceof TransportError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (CONNECT.has(code)) return "connect";
    if (code === "ETIMEDOUT") return "timeout";
    if (RESET.has(code) || code.startsWith("HPE_")) return "reset";
    if (code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL") || code.includes("CERT") || code.includes("SELF_SIGNED") || code.startsWith("UNABLE_TO")) return "tls";
  }
  const message = (err as Error | null)?.message ?? "";
  if (/socket hang up/i.test(message)) return "reset";
  return "reset";
}
