// The multipart/form-data reader of file uploads: the file part's bytes come out exactly, however the
// body is cut into chunks and whatever the content holds (even most of a delimiter), and every body it
// cannot take whole is refused with a reason.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { MultipartError, multipartBoundary, multipartFile } from "../../src/nbi/multipart.js";

async function* chunked(body: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

async function read(body: Buffer, boundary: string, size = body.length || 1): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of multipartFile(chunked(body, size), boundary)) out.push(b);
  return Buffer.concat(out);
}

/** What fetch (undici) sends for a FormData with `fields`: the same envelope curl -F makes. */
async function formData(fields: Record<string, Buffer | string>): Promise<{ body: Buffer; boundary: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, typeof v === "string" ? v : new Blob([v]), ...(typeof v === "string" ? [] : ["fw.bin"]));
  const req = new Request("http://127.0.0.1/", { method: "POST", body: form });
  return { body: Buffer.from(await req.arrayBuffer()), boundary: multipartBoundary(req.headers.get("content-type") ?? "")! };
}

const envelope = (boundary: string, content: Buffer, preamble = "", epilogue = "") => Buffer.concat([
  Buffer.from(`${preamble}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="fw.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
  content,
  Buffer.from(`\r\n--${boundary}--\r\n${epilogue}`),
]);

describe("multipart file uploads", () => {
  it("finds the boundary of multipart/form-data only", () => {
    assert.equal(multipartBoundary("multipart/form-data; boundary=----abc123"), "----abc123");
    assert.equal(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"'), "a b:c");
    assert.equal(multipartBoundary("application/octet-stream"), null);
    assert.equal(multipartBoundary(undefined), null);
    assert.throws(() => multipartBoundary("multipart/form-data"), /no valid boundary/);
    assert.throws(() => multipartBoundary("multipart/mixed; boundary=x"), /multipart\/mixed is not accepted/);
  });

  it("yields the file part's bytes exactly, in any chunking", async () => {
    const content = randomBytes(70_000);
    const { body, boundary } = await formData({ file: content });
    for (const size of [1, 3, 64, 4096, body.length]) assert.ok((await read(body, boundary, size)).equals(content), `chunks of ${size}`);
    const empty = await formData({ file: Buffer.alloc(0) });
    assert.equal((await read(empty.body, empty.boundary)).length, 0);
  });

  it("is not fooled by content that looks like a delimiter", async () => {
    const b = "XyZ";
    const content = Buffer.from("\r\n--XyY is near\r\n--Xy\r\n-\r\n\r\n--XY\n--XyZ\r--XyZ\r\n--X");
    for (const size of [1, 2, 5, 1000]) {
      assert.ok((await read(envelope(b, content, "a preamble\r\n", "an epilogue"), b, size)).equals(content), `chunks of ${size}`);
    }
  });

  it("refuses other parts, a body cut short and malformed parts", async () => {
    const content = randomBytes(1000);
    const refused = async (body: Buffer, boundary: string, pattern: RegExp) => {
      for (const size of [7, body.length]) await assert.rejects(read(body, boundary, size), (e: unknown) => e instanceof MultipartError && pattern.test(e.message));
    };
    const two = await formData({ name: "fw.bin", file: content });
    await refused(two.body, two.boundary, /the multipart part "name" is not read: send the file as the part "file" and its metadata in the query string/);
    const twoFiles = await formData({ file: content, file2: content });
    await refused(twoFiles.body, twoFiles.boundary, /more than one part/);
    const whole = envelope("B", content);
    await refused(whole.subarray(0, whole.length - 10), "B", /ends before its closing boundary: the upload is incomplete/);
    await refused(whole.subarray(0, 500), "B", /incomplete/);
    await refused(Buffer.from("--B--\r\n"), "B", /no part "file"/);
    await refused(Buffer.from("--B\r\n\r\nbytes\r\n--B--"), "B", /no Content-Disposition/);
    await refused(Buffer.from("--B\r\nContent-Type: text/plain\r\n\r\nbytes\r\n--B--"), "B", /no Content-Disposition/);
    await refused(Buffer.from("--Bxx\r\n"), "B", /neither CRLF nor --/);
    await refused(Buffer.from(`--B\r\n${"X-Long: y\r\n".repeat(2000)}`), "B", /headers are longer/);
    await refused(envelope("B", content, "", "e".repeat(70_000)), "B", /after its closing boundary/);
    await refused(Buffer.from("p".repeat(70_000)), "B", /before its first boundary/);
  });
});
