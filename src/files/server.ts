// The file server devices download from and upload to (port 7567 by default).
//
//   GET|HEAD /files/<fileId>[/<name>]?d=<deviceId>&e=<expiry>&t=<token>      a file, for that device
//   PUT|POST /uploads/<uploadId>?d=<deviceId>&ft=<FileType>&e=<expiry>&t=<token>   an upload from it
//   /speedtest/download and /speedtest/upload                                      TR-143 tests (speed-test.ts)
//
// Every request needs a URL the ACS made for that device (links.ts): a missing, altered, expired or
// another device's token is 403. With Digest on, the device must also authenticate (401 with a
// challenge until it does) as the device the URL names. Files are streamed with Range, ETag and
// conditional requests (http-serve.ts); uploads are streamed into the store.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { createChallenge, verifyDigest } from "../auth/index.js";
import { FileError } from "./errors.js";
import { planResponse } from "./http-serve.js";
import { FILES_REALM, type FileLinks, type Grant } from "./links.js";
import { isFileId, type FileService } from "./service.js";
import { SpeedTestEndpoints, SpeedTestRefusal, type SpeedTestLimits } from "./speed-test.js";

export interface FileServerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FileServerOptions {
  host: string;
  port: number;
  files: FileService;
  links: FileLinks;
  /** Digest nonces: the secret every process shares, and how long a nonce lives. */
  nonceSecret: string;
  nonceTtlMs: number;
  clock?: () => Date;
  log?: FileServerLog;
  /** Called for each answered request (metrics). */
  observe?: (method: string, status: number) => void;
  /** Serve TR-143 speed tests within these limits; absent: not served. */
  speedTests?: SpeedTestLimits;
}

export interface RunningFileServer {
  port: number;
  server: Server;
  close(): Promise<void>;
}

class Refused extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string | string[]> = {},
  ) {
    super(reason);
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export async function startFileServer(o: FileServerOptions): Promise<RunningFileServer> {
  const clock = o.clock ?? (() => new Date());
  const speedTests = o.speedTests === undefined ? null : new SpeedTestEndpoints(o.speedTests);
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      o.log?.error({ err, url: req.url }, "file server request failed");
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": "15", Connection: "close" });
        res.end("internal error\n");
      } else res.destroy();
    });
  });
  // A device on a slow link may take long over a large file: no whole-request timeout, only idle ones.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  const refuse = (req: IncomingMessage, res: ServerResponse, r: Refused) => {
    const text = `${r.reason}\n`;
    // A length rather than chunks: devices' HTTP clients often read nothing else.
    const headers: Record<string, string | string[]> = { "Content-Type": "text/plain; charset=utf-8", "Content-Length": String(Buffer.byteLength(text)), ...r.headers };
    // A refused upload's body is not read: close the connection rather than drain it.
    if (req.method === "PUT" || req.method === "POST") headers.Connection = "close";
    res.writeHead(r.status, headers);
    res.end(text);
    o.observe?.(req.method ?? "", r.status);
    if (r.status === 401) return;
    o.log?.info({ method: req.method, path: (req.url ?? "").split("?")[0], status: r.status, reason: r.reason }, "file server refused a request");
  };

  /** Checks the URL's grant and, with Digest on, the device's credentials. Throws Refused. */
  function authorize(req: IncomingMessage, grant: Grant, token: string | null, target: string): void {
    const now = clock().getTime();
    if (token === null || grant.deviceId === "" || !Number.isSafeInteger(grant.expires)) throw new Refused(403, "this URL carries no valid token");
    if (!o.links.verify(grant, token)) throw new Refused(403, "this URL's token is not valid (altered, or made for another file or device)");
    if (grant.expires * 1000 <= now) throw new Refused(403, "this URL has expired");
    if (!o.links.digest) return;
    const challenge = () => ({ "WWW-Authenticate": createChallenge({ realm: FILES_REALM, now, secret: o.nonceSecret, nonceTtlMs: o.nonceTtlMs }) });
    const authorization = first(req.headers.authorization);
    if (authorization === undefined) throw new Refused(401, "authentication required", challenge());
    const result = verifyDigest({
      authorization, method: req.method ?? "GET", ha1: o.links.ha1(grant.deviceId), secret: o.nonceSecret, realm: FILES_REALM, now,
      nonceTtlMs: o.nonceTtlMs, uri: target,
    });
    if (!result.ok) {
      const stale = result.reason === "stale-nonce";
      throw new Refused(401, `authentication failed (${result.reason})`, {
        "WWW-Authenticate": createChallenge({ realm: FILES_REALM, now, secret: o.nonceSecret, nonceTtlMs: o.nonceTtlMs, stale }),
      });
    }
    if (result.username !== grant.deviceId) throw new Refused(403, "these credentials are another device's");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? "/";
    let url: URL;
    try {
      url = new URL(target, "http://files.invalid");
    } catch {
      return refuse(req, res, new Refused(400, "malformed URL"));
    }
    const q = url.searchParams;
    const download = /^\/files\/([^/]+)(?:\/[^/]*)?$/.exec(url.pathname);
    const upload = /^\/uploads\/([^/]+)(?:\/[^/]*)?$/.exec(url.pathname);
    const speedTest = /^\/speedtest\/(download|upload)$/.exec(url.pathname);
    try {
      if (speedTest && speedTests !== null) {
        const direction = speedTest[1] as "download" | "upload";
        const allowed = direction === "download" ? ["GET", "HEAD"] : ["PUT", "POST"];
        if (!allowed.includes(req.method ?? "")) throw new Refused(405, `only ${allowed.join(" and ")}`, { Allow: allowed.join(", ") });
        try {
          const bytes = speedTests.size(q.get("n"));
          authorize(req, { kind: "speedtest", direction, bytes, deviceId: q.get("d") ?? "", expires: Number(q.get("e")) }, q.get("t"), target);
          const moved = await speedTests.serve(direction, bytes, req, res);
          o.observe?.(req.method ?? "", res.statusCode);
          o.log?.info({ deviceId: q.get("d"), direction, bytes: moved }, "speed test served");
        } catch (err) {
          if (err instanceof SpeedTestRefusal) throw new Refused(err.status, err.reason);
          throw err;
        }
        return;
      }
      if (download) {
        if (req.method !== "GET" && req.method !== "HEAD") throw new Refused(405, "only GET and HEAD", { Allow: "GET, HEAD" });
        const fileId = download[1]!;
        authorize(req, { kind: "download", fileId, deviceId: q.get("d") ?? "", expires: Number(q.get("e")) }, q.get("t"), target);
        const file = isFileId(fileId) ? await o.files.get(fileId) : null;
        if (file === null || file.kind !== "file") throw new Refused(404, "no such file (deleted?)");
        const plan = planResponse(file, {
          range: first(req.headers.range),
          "if-none-match": first(req.headers["if-none-match"]),
          "if-range": first(req.headers["if-range"]),
        });
        res.writeHead(plan.status, plan.headers);
        o.observe?.(req.method, plan.status);
        if (req.method === "HEAD" || plan.range === null) {
          res.end();
          return;
        }
        await pipeline(o.files.read(file, plan.range.start, plan.range.end), res).catch((err: unknown) => {
          // The device went away mid-file, or the content vanished (deleted meanwhile): nothing to answer.
          if ((err as { code?: string }).code !== "ERR_STREAM_PREMATURE_CLOSE") o.log?.warn({ err: (err as Error).message, fileId }, "file transfer broke off");
          res.destroy();
        });
        return;
      }
      if (upload) {
        if (req.method !== "PUT" && req.method !== "POST") throw new Refused(405, "only PUT and POST", { Allow: "PUT, POST" });
        const uploadId = upload[1]!;
        const deviceId = q.get("d") ?? "";
        const fileType = q.get("ft") ?? "";
        authorize(req, { kind: "upload", uploadId, deviceId, fileType, expires: Number(q.get("e")) }, q.get("t"), target);
        if (!isFileId(uploadId)) throw new Refused(404, "no such upload slot");
        const length = first(req.headers["content-length"]);
        const size = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
        const contentType = first(req.headers["content-type"]);
        try {
          const { file, replaced } = await o.files.storeUpload(req, { uploadId, deviceId, fileType, ...(contentType !== undefined ? { contentType } : {}), ...(size !== undefined ? { size } : {}) });
          const text = `stored ${file.size} bytes\n`;
          res.writeHead(replaced ? 200 : 201, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": String(Buffer.byteLength(text)), ETag: `"${file.sha256}"` });
          res.end(text);
          o.observe?.(req.method, replaced ? 200 : 201);
          o.log?.info({ deviceId, uploadId, size: file.size, fileType }, "upload stored");
        } catch (err) {
          if (err instanceof FileError) {
            if (err.code === "FILE_TOO_LARGE") throw new Refused(413, err.message);
            if (err.code === "FILE_NOT_FOUND") throw new Refused(404, err.message);
            if (err.code === "FILE_INVALID") throw new Refused(400, err.message);
            if (err.code === "FILE_INCOMPLETE") {
              res.destroy();
              return;
            }
          }
          // The device went away in the middle of its upload: no one to answer.
          if (!req.complete) {
            res.destroy();
            return;
          }
          throw err;
        }
        return;
      }
      throw new Refused(404, "not found");
    } catch (err) {
      if (err instanceof Refused) return refuse(req, res, err);
      throw err;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      // A listening server's errors (out of file descriptors on accept) must not end the process.
      server.on("error", (err) => o.log?.error({ err }, "file server error"));
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
