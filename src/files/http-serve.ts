// What to answer a GET or HEAD of a stored file, from its metadata and the request's headers (RFC 9110
// conditional requests and ranges, RFC 9110 section 14): pure, so that the file server and the REST API
// answer alike and the rules are tested on their own.
//
// - The ETag is the content's SHA-256: strong, the same from every process, changing with the content.
// - If-None-Match that matches: 304 (GET and HEAD).
// - Range: one range ("bytes=0-99", "bytes=100-", "bytes=-100") is answered with 206; several ranges
//   with the whole file (200), which the standard allows; a range that starts past the end with 416 and
//   Content-Range "bytes */size". A Range that is not "bytes=..." is ignored.
// - If-Range: the Range counts only if it names the current ETag (or the exact Last-Modified date).

export interface ServedFile {
  size: number;
  sha256: string;
  contentType: string;
  updatedAt: Date;
  /** Sent as Content-Disposition (attachment) when given. */
  downloadName?: string;
}

export interface RequestHeaders {
  range?: string | undefined;
  "if-none-match"?: string | undefined;
  "if-range"?: string | undefined;
}

export interface ServePlan {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  /** The bytes to send (inclusive end); null for none (304, 416, HEAD is the caller's business). */
  range: { start: number; end: number } | null;
}

export function etagOf(sha256: string): string {
  return `"${sha256}"`;
}

/** RFC 9110 13.1.2: weak comparison for If-None-Match. */
function noneMatch(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === bare);
}

/** One byte range of a file of `size` bytes: the range, "unsatisfiable", or null when the header is to be ignored. */
export function parseRange(header: string, size: number): { start: number; end: number } | "unsatisfiable" | null {
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return null;
  const specs = m[1]!.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (specs.length !== 1) return null;
  const r = /^(\d*)-(\d*)$/.exec(specs[0]!);
  if (!r || (r[1] === "" && r[2] === "")) return null;
  if (r[1] === "") {
    const suffix = Number(r[2]);
    if (!Number.isSafeInteger(suffix)) return null;
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(r[1]);
  const last = r[2] === "" ? Number.MAX_SAFE_INTEGER : Number(r[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || last < start) return null;
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(last, size - 1) };
}

export function planResponse(file: ServedFile, headers: RequestHeaders): ServePlan {
  const etag = etagOf(file.sha256);
  const lastModified = file.updatedAt.toUTCString();
  const base: Record<string, string> = { ETag: etag, "Last-Modified": lastModified, "Accept-Ranges": "bytes", "Cache-Control": "private, no-transform" };
  if (file.downloadName !== undefined) {
    const ascii = file.downloadName.replace(/[^\x20-\x7e]|["\\]/g, "_");
    base["Content-Disposition"] = `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.downloadName)}`;
  }
  const inm = headers["if-none-match"];
  if (inm !== undefined && noneMatch(inm, etag)) return { status: 304, headers: base, range: null };
  const whole = (): ServePlan => ({
    status: 200,
    headers: { ...base, "Content-Type": file.contentType, "Content-Length": String(file.size) },
    range: file.size > 0 ? { start: 0, end: file.size - 1 } : null,
  });
  const rangeHeader = headers.range;
  if (rangeHeader === undefined) return whole();
  const ifRange = headers["if-range"];
  if (ifRange !== undefined && ifRange.trim() !== etag && ifRange.trim() !== lastModified) return whole();
  const range = parseRange(rangeHeader, file.size);
  if (range === null) return whole();
  if (range === "unsatisfiable") {
    return { status: 416, headers: { ...base, "Content-Range": `bytes */${file.size}`, "Content-Length": "0" }, range: null };
  }
  return {
    status: 206,
    headers: { ...base, "Content-Type": file.contentType, "Content-Range": `bytes ${range.start}-${range.end}/${file.size}`, "Content-Length": String(range.end - range.start + 1) },
    range,
  };
}
