// A streaming reader of the multipart/form-data body that `curl -F file=@fw.bin` sends: it yields the
// bytes of the one part named `file` as they arrive, holding no more than a boundary's length and one
// part's headers, so that a firmware image goes to storage as with a raw body, never whole in memory.
// The metadata stays in the query string: any other part is refused rather than silently ignored.

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

const MAX_HEADERS = 16 * 1024;
/** Preamble and epilogue: nothing in them is read, so there is no reason to take much of either. */
const MAX_IGNORED = 64 * 1024;
const CRLF = Buffer.from("\r\n");
const HEADERS_END = Buffer.from("\r\n\r\n");

/** The boundary of a multipart/form-data Content-Type; null for any other media type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  const m = /^\s*multipart\/([^;\s]+)\s*(;.*)?$/i.exec(contentType ?? "");
  if (m === null) return null;
  if (m[1]!.toLowerCase() !== "form-data") throw new MultipartError(`multipart/${m[1]} is not accepted: send the file as multipart/form-data (curl -F file=@NAME) or as the raw body (curl --data-binary @NAME)`);
  const b = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(;|$)/i.exec(m[2] ?? "");
  const boundary = b?.[1] ?? b?.[2];
  if (boundary === undefined) throw new MultipartError("the multipart/form-data Content-Type has no valid boundary parameter");
  return boundary;
}

const tooLongEpilogue = () => new MultipartError(`the multipart body goes on for more than ${MAX_IGNORED} bytes after its closing boundary`);

function fieldName(headers: string): { name: string; filename: string | null } {
  const line = headers.split("\r\n").find((l) => /^content-disposition\s*:/i.test(l));
  if (line === undefined) throw new MultipartError("a multipart part has no Content-Disposition header");
  const name = /;\s*name="([^"]*)"/i.exec(line)?.[1] ?? /;\s*name=([^;\s]+)/i.exec(line)?.[1];
  if (name === undefined) throw new MultipartError("a multipart part's Content-Disposition has no name");
  const filename = /;\s*filename="([^"]*)"/i.exec(line)?.[1] ?? null;
  return { name, filename };
}

/** The bytes of the part named `field`; throws MultipartError for any other part, or a body cut short. */
export async function* multipartFile(source: AsyncIterable<Uint8Array>, boundary: string, field = "file"): AsyncGenerator<Buffer> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may open the body without a CRLF before it: one is assumed there.
  let buf: Buffer = CRLF;
  let state: "preamble" | "delimited" | "headers" | "body" | "epilogue" = "preamble";
  let parts = 0;
  let ignored = 0;
  for await (const chunk of source) {
    if (state === "epilogue") {
      // Read to the end, so that the request completes.
      if ((ignored += chunk.byteLength) > MAX_IGNORED) throw tooLongEpilogue();
      continue;
    }
    buf = buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([buf, chunk]);
    for (;;) {
      if (state === "preamble" || state === "body") {
        const at = buf.indexOf(delimiter);
        // Whatever cannot be the start of a delimiter is passed on (the part's bytes) or dropped (preamble).
        const keep = at === -1 ? Math.max(0, buf.length - delimiter.length + 1) : at;
        if (state === "body" && keep > 0) yield buf.subarray(0, keep);
        if (state === "preamble" && (ignored += keep) > MAX_IGNORED) throw new MultipartError(`the multipart body has more than ${MAX_IGNORED} bytes before its first boundary`);
        if (at === -1) {
          buf = buf.subarray(keep);
          break;
        }
        buf = buf.subarray(at + delimiter.length);
        state = "delimited";
      }
      if (state === "delimited") {
        if (buf.length < 2) break;
        const next = buf.subarray(0, 2).toString("latin1");
        if (next === "--") {
          state = "epilogue";
          if ((ignored = buf.length - 2) > MAX_IGNORED) throw tooLongEpilogue();
          break;
        }
        if (next !== "\r\n") throw new MultipartError("the multipart body is malformed: a boundary is followed by neither CRLF nor --");
        if (parts > 0) throw new MultipartError(`the multipart body has more than one part: send only the file, as the part "${field}" (the metadata goes in the query string)`);
        buf = buf.subarray(2);
        state = "headers";
      }
      if (state === "headers") {
        if (buf.length < 2) break;
        if (buf[0] === 0x0d && buf[1] === 0x0a) throw new MultipartError("a multipart part has no Content-Disposition header");
        const end = buf.indexOf(HEADERS_END);
        if (end === -1) {
          if (buf.length > MAX_HEADERS) throw new MultipartError(`a multipart part's headers are longer than ${MAX_HEADERS} bytes`);
          break;
        }
        const { name } = fieldName(buf.subarray(0, end).toString("utf8"));
        if (name !== field) throw new MultipartError(`the multipart part "${name}" is not read: send the file as the part "${field}" and its metadata in the query string`);
        parts++;
        buf = buf.subarray(end + HEADERS_END.length);
        state = "body";
        continue;
      }
      if (state === "epilogue") break;
    }
  }
  if (state !== "epilogue") throw new MultipartError("the multipart body ends before its closing boundary: the upload is incomplete");
  if (parts === 0) throw new MultipartError(`the multipart body has no part "${field}"`);
}
