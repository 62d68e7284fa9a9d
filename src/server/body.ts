// Reading a CPE's request body: bounded in size before and after decompression, gzip and deflate
// accepted (CPEs send both), chunked handled by node. Every refusal carries its HTTP status.

import type { IncomingMessage } from "node:http";
import { createGunzip, createInflate, type Gunzip, type Inflate } from "node:zlib";

export class BodyError extends Error {
  readonly status: 400 | 413 | 415;
  readonly code: "BODY_TOO_LARGE" | "BODY_ENCODING" | "BODY_ABORTED" | "BODY_CORRUPT";
  constructor(status: BodyError["status"], code: BodyError["code"], message: string) {
    super(message);
    this.name = "BodyError";
    this.status = status;
    this.code = code;
  }
}

/** `which` names the limit in refusals, after its number (" (an Inform outside a session)"). */
export async function readBody(req: IncomingMessage, maxBytes: number, which = ""): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new BodyError(413, "BODY_TOO_LARGE", `body of ${declared} bytes exceeds the limit of ${maxBytes}${which}`);
  }
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase().trim();
  let source: NodeJS.ReadableStream = req;
  let inflater: Gunzip | Inflate | undefined;
  if (encoding === "gzip" || encoding === "x-gzip") inflater = createGunzip();
  else if (encoding === "deflate") inflater = createInflate();
  else if (encoding !== "identity" && encoding !== "") {
    throw new BodyError(415, "BODY_ENCODING", `unsupported Content-Encoding "${encoding}" (gzip, deflate and identity are accepted)`);
  }
  if (inflater !== undefined) source = req.pipe(inflater);

  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        throw new BodyError(413, "BODY_TOO_LARGE", `body exceeds the limit of ${maxBytes} bytes${inflater ? " once decompressed" : ""}${which}`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    inflater?.destroy();
    if (err instanceof BodyError) throw err;
    if (inflater !== undefined && (err as NodeJS.ErrnoException).code?.startsWith("Z_")) {
      throw new BodyError(400, "BODY_CORRUPT", `the ${encoding} body cannot be decompressed: ${(err as Error).message}`);
    }
    throw new BodyError(400, "BODY_ABORTED", `the request body was cut short: ${(err as Error).message}`);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
