// File transfers for Download and Upload: a real HTTP(S) GET or PUT to the URL the ACS gave, with its
// credentials (Basic or Digest, as the file server asks), and the outcome as the standard's fault
// codes (TR-069 A.5, fault codes 9010-9019):
//   9015 the file server cannot be reached     9012 the server refused the credentials
//   9016 the file cannot be accessed (HTTP 4xx/5xx)   9017 the download broke off
//   9018 the file is not what was announced (FileSize mismatch)   9010 the file does not fit
//   9011 any failure of an upload

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { randomBytes } from "node:crypto";
import { digestAuthorization, formatBasicAuthorization, parseChallenge, pickChallenge } from "../../auth/index.js";
import { FILE_TYPE, type TransferJob, type TransferOutcome } from "../transfers.js";
import type { TlsClientOptions } from "./http-session.js";

export interface TransferOptions {
  tls?: TlsClientOptions;
  /** Longest silence from the file server (real time). */
  timeoutMs: number;
  /** Largest file a device accepts (fault 9010 beyond). Default 1 GiB. */
  maxBytes?: number;
  /** Configuration files up to this size are handed to the device to apply. Default 1 MiB. */
  maxConfigBytes?: number;
  /** The simulation's clock, for the transfer's StartTime and CompleteTime. */
  now: () => number;
  /** Aborts the transfer (the simulation stops). */
  signal?: AbortSignal;
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  bytes: number;
  content?: Buffer;
}

class TransferFailure extends Error {
  constructor(
    /** connect: never reached the server; body: broke off while receiving; size: too large. */
    readonly phase: "connect" | "body" | "size",
    message: string,
  ) {
    super(message);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function oneRequest(method: "GET" | "PUT", url: URL, body: Buffer | undefined, contentType: string | undefined, authorization: string | undefined, keep: boolean, o: TransferOptions, agent: HttpAgent): Promise<Answer> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const max = o.maxBytes ?? 1024 ** 3;
  const maxKeep = o.maxConfigBytes ?? 1024 * 1024;
  const headers: Record<string, string> = { "User-Agent": "provisio-sim" };
  if (authorization !== undefined) headers.Authorization = authorization;
  if (body !== undefined) {
    headers["Content-Length"] = String(body.length);
    headers["Content-Type"] = contentType ?? "application/octet-stream";
  }
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = send(url, { method, headers, agent, ...(o.signal !== undefined ? { signal: o.signal } : {}) }, (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      let bytes = 0;
      let kept = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
        if (bytes > max) {
          req.destroy(new TransferFailure("size", `the file exceeds ${max} bytes`));
          return;
        }
        if (keep && kept <= maxKeep) {
          chunks.push(c);
          kept += c.length;
        }
      });
      res.on("end", () => {
        if (!res.complete) {
          reject(new TransferFailure("body", "the file server closed the connection before the end of the file"));
          return;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, ...(keep && kept <= maxKeep ? { content: Buffer.concat(chunks) } : {}) });
      });
      res.on("error", (e) => reject(e instanceof TransferFailure ? e : new TransferFailure("body", e.message)));
      res.on("aborted", () => reject(new TransferFailure("body", "the transfer was aborted")));
    });
    req.setTimeout(o.timeoutMs, () => req.destroy(new TransferFailure(responded ? "body" : "connect", `no data from the file server within ${o.timeoutMs} ms`)));
    req.on("error", (e) => reject(e instanceof TransferFailure ? e : new TransferFailure(responded ? "body" : "connect", e.message)));
    req.end(body);
  });
}

/** Performs a transfer job. Never throws: every failure is a TransferOutcome with its fault code. */
export async function performTransfer(job: TransferJob, o: TransferOptions): Promise<TransferOutcome> {
  const startTime = o.now();
  const upload = job.direction === "upload";
  const fail = (faultCode: number, faultString: string): TransferOutcome => ({ ok: false, faultCode, faultString, startTime, completeTime: o.now() });
  let url: URL;
  try {
    url = new URL(job.url);
  } catch {
    return fail(upload ? 9011 : 9016, `the URL ${JSON.stringify(job.url)} is not valid`);
  }
  // Credentials in the URL's userinfo count as the transfer's credentials when none were given.
  let username = job.username;
  let password = job.password;
  if (username === "" && url.username !== "") {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  }
  url.username = "";
  url.password = "";
  const body = upload ? Buffer.from(job.body ?? "", "utf8") : undefined;
  const keep = !upload && job.fileType === FILE_TYPE.config;
  const agentOf = (u: URL): HttpAgent =>
    u.protocol === "https:"
      ? (new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(o.tls?.ca ? { ca: o.tls.ca } : {}), ...(o.tls?.cert ? { cert: o.tls.cert } : {}), ...(o.tls?.key ? { key: o.tls.key } : {}), rejectUnauthorized: o.tls?.rejectUnauthorized ?? true }) as unknown as HttpAgent)
      : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  let agent = agentOf(url);
  try {
    let authorization: string | undefined;
    let redirects = 0;
    let nc = 0;
    for (;;) {
      let answer: Answer;
      try {
        answer = await oneRequest(upload ? "PUT" : "GET", url, body, job.contentType, authorization, keep, o, agent);
      } catch (e) {
        const f = e instanceof TransferFailure ? e : new TransferFailure("connect", (e as Error).message);
        if (upload) return fail(9011, `Upload failure: ${f.message}`);
        if (f.phase === "size") return fail(9010, `Download failure: ${f.message}`);
        if (f.phase === "body") return fail(9017, `Download failure: unable to complete download: ${f.message}`);
        return fail(9015, `Download failure: unable to contact file server: ${f.message}`);
      }
      if (answer.status === 401) {
        const challenge = pickChallenge(parseChallenge(answer.headers["www-authenticate"]), { allowBasic: true });
        if (authorization !== undefined || username === "" || challenge === undefined) return fail(9012, "File transfer server authentication failure");
        authorization =
          challenge.scheme === "Basic"
            ? formatBasicAuthorization(username, password)
            : digestAuthorization({ challenge, username, password, method: upload ? "PUT" : "GET", uri: url.pathname + url.search, cnonce: randomBytes(8).toString("hex"), nc: ++nc });
        continue;
      }
      if (REDIRECTS.has(answer.status) && answer.headers.location !== undefined && redirects < 5) {
        redirects++;
        const next = new URL(answer.headers.location, url);
        if (next.origin !== url.origin) {
          agent.destroy();
          agent = agentOf(next);
          authorization = undefined;
        }
        url = next;
        continue;
      }
      if (answer.status < 200 || answer.status > 299) {
        return upload ? fail(9011, `Upload failure: HTTP ${answer.status}`) : fail(9016, `Download failure: unable to access file: HTTP ${answer.status}`);
      }
      if (!upload && job.fileSize > 0 && answer.bytes !== job.fileSize) {
        return fail(9018, `Download failure: file corrupted: ${answer.bytes} bytes received, FileSize says ${job.fileSize}`);
      }
      return { ok: true, startTime, completeTime: o.now(), ...(answer.content !== undefined ? { content: new Uint8Array(answer.content) } : {}) };
    }
  } finally {
    agent.destroy();
  }
}
