// The pure rules of files and campaigns: byte ranges and conditional requests, device URLs and their
// tokens, maintenance windows, failure thresholds, FileType and metadata checks.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkWindow, currentWindow, thresholdReached, CampaignRuleError } from "../../src/files/campaign-rules.js";
import { checkMeta, FileError, FileLinks, isDownloadFileType, isUploadFileType, MAX_URL_LENGTH, parseRange, planResponse } from "../../src/files/index.js";

const FILE = { size: 1000, sha256: "a".repeat(64), contentType: "application/octet-stream", updatedAt: new Date("2026-01-02T03:04:05Z") };
const ETAG = `"${"a".repeat(64)}"`;

describe("byte ranges and conditional requests", () => {
  it("reads one range in each form, ignores what is not one, and refuses ranges past the end", () => {
    assert.deepEqual(parseRange("bytes=0-99", 1000), { start: 0, end: 99 });
    assert.deepEqual(parseRange("bytes=900-", 1000), { start: 900, end: 999 });
    assert.deepEqual(parseRange("bytes=-100", 1000), { start: 900, end: 999 });
    assert.deepEqual(parseRange("bytes=-5000", 1000), { start: 0, end: 999 });
    assert.deepEqual(parseRange("bytes=990-5000", 1000), { start: 990, end: 999 });
    assert.equal(parseRange("bytes=1000-", 1000), "unsatisfiable");
    assert.equal(parseRange("bytes=-0", 1000), "unsatisfiable");
    assert.equal(parseRange("bytes=0-", 0), "unsatisfiable");
    for (const ignored of ["items=0-1", "bytes=5-2", "bytes=a-b", "bytes=0-1,5-6", "bytes=-"]) assert.equal(parseRange(ignored, 1000), null, ignored);
  });

  it("plans 200, 206, 304 and 416 with the headers each needs", () => {
    const whole = planResponse(FILE, {});
    assert.equal(whole.status, 200);
    assert.deepEqual(whole.range, { start: 0, end: 999 });
    assert.equal(whole.headers["Content-Length"], "1000");
    assert.equal(whole.headers.ETag, ETAG);
    assert.equal(whole.headers["Accept-Ranges"], "bytes");
    const part = planResponse(FILE, { range: "bytes=10-19" });
    assert.deepEqual([part.status, part.headers["Content-Range"], part.headers["Content-Length"]], [206, "bytes 10-19/1000", "10"]);
    const past = planResponse(FILE, { range: "bytes=2000-" });
    assert.deepEqual([past.status, past.headers["Content-Range"], past.range], [416, "bytes */1000", null]);
    assert.equal(planResponse(FILE, { "if-none-match": ETAG }).status, 304);
    assert.equal(planResponse(FILE, { "if-none-match": `"other", W/${ETAG}` }).status, 304);
    assert.equal(planResponse(FILE, { "if-none-match": "*" }).status, 304);
    assert.equal(planResponse(FILE, { "if-none-match": '"other"' }).status, 200);
    // If-Range: the range only for the current ETag (or Last-Modified); otherwise the whole file.
    assert.equal(planResponse(FILE, { range: "bytes=0-9", "if-range": ETAG }).status, 206);
    assert.equal(planResponse(FILE, { range: "bytes=0-9", "if-range": FILE.updatedAt.toUTCString() }).status, 206);
    assert.equal(planResponse(FILE, { range: "bytes=0-9", "if-range": '"stale"' }).status, 200);
    const empty = planResponse({ ...FILE, size: 0 }, {});
    assert.deepEqual([empty.status, empty.range, empty.headers["Content-Length"]], [200, null, "0"]);
    const named = planResponse({ ...FILE, downloadName: "fw \"v2\".bin" }, {});
    assert.match(named.headers["Content-Disposition"]!, /^attachment; filename="fw _v2_.bin"; filename\*=UTF-8''fw%20%22v2%22\.bin$/);
  });
});

describe("device URLs", () => {
  const links = new FileLinks({ baseUrl: "http://files.example.net:7567", secret: "s3cret", digest: true });
  const file = { id: "0123456789abcdef0123456789abcdef", name: "gw-2.4.1.bin" };

  it("binds file, device and expiry: any change breaks the token", () => {
    const url = new URL(links.downloadUrl(file, "A1B2C3-GW-S1", 2_000_000_000)!);
    assert.equal(url.pathname, `/files/${file.id}/gw-2.4.1.bin`);
    assert.equal(url.searchParams.get("d"), "A1B2C3-GW-S1");
    const t = url.searchParams.get("t")!;
    const grant = { kind: "download" as const, fileId: file.id, deviceId: "A1B2C3-GW-S1", expires: 2_000_000_000 };
    assert.equal(links.verify(grant, t), true);
    assert.equal(links.verify({ ...grant, deviceId: "A1B2C3-GW-S2" }, t), false);
    assert.equal(links.verify({ ...grant, fileId: "f".repeat(32) }, t), false);
    assert.equal(links.verify({ ...grant, expires: 2_000_000_001 }, t), false);
    assert.equal(new FileLinks({ baseUrl: "http://x/", secret: "other", digest: false }).verify(grant, t), false);
    const up = new URL(links.uploadUrl(file.id, "A1B2C3-GW-S1", "2 Vendor Log File", 5)!);
    const ug = { kind: "upload" as const, uploadId: file.id, deviceId: "A1B2C3-GW-S1", fileType: "2 Vendor Log File", expires: 5 };
    assert.equal(links.verify(ug, up.searchParams.get("t")!), true);
    assert.equal(links.verify({ ...ug, fileType: "1 Vendor Configuration File" }, up.searchParams.get("t")!), false);
    assert.equal(links.isOurs(url.toString()), true);
    assert.equal(links.isOurs("http://elsewhere/files/x"), false);
  });

  it("keeps URLs within TR-069's 256 characters: drops a long name, gives up on a huge device id", () => {
    const long = links.downloadUrl({ ...file, name: `${"n".repeat(200)}.bin` }, "A1B2C3-GW-S1", 1)!;
    assert.ok(long.length <= MAX_URL_LENGTH);
    assert.ok(!long.includes("nnnn"));
    assert.equal(links.downloadUrl(file, "D".repeat(300), 1), null);
  });

  it("derives per-device Digest credentials that differ between devices and secrets", () => {
    const a = links.credentials("dev-a");
    assert.equal(a.username, "dev-a");
    assert.notEqual(a.password, links.credentials("dev-b").password);
    assert.notEqual(a.password, new FileLinks({ baseUrl: "http://x/", secret: "other", digest: true }).credentials("dev-a").password);
    assert.match(links.ha1("dev-a"), /^[0-9a-f]{32}$/);
  });
});

describe("maintenance windows", () => {
  const at = (iso: string) => new Date(iso);

  it("opens daily between two UTC times, past midnight when the end comes first", () => {
    const w = { start: "01:00", end: "05:00" };
    assert.equal(currentWindow(w, at("2026-03-02T00:59:00Z")), null);
    assert.deepEqual(currentWindow(w, at("2026-03-02T01:00:00Z")), { start: at("2026-03-02T01:00:00Z"), end: at("2026-03-02T05:00:00Z") });
    assert.equal(currentWindow(w, at("2026-03-02T05:00:00Z")), null);
    const night = { start: "22:00", end: "02:00" };
    assert.deepEqual(currentWindow(night, at("2026-03-02T23:30:00Z"))?.end, at("2026-03-03T02:00:00Z"));
    assert.deepEqual(currentWindow(night, at("2026-03-03T01:30:00Z"))?.start, at("2026-03-02T22:00:00Z"));
    assert.equal(currentWindow(night, at("2026-03-03T12:00:00Z")), null);
    assert.notEqual(currentWindow({ start: "07:00", end: "07:00" }, at("2026-03-03T06:59:00Z")), null);
    assert.notEqual(currentWindow(null, at("2026-03-03T06:59:00Z")), null);
  });

  it("keeps to the days given (the day the window opens)", () => {
    // 2026-03-02 is a Monday (1); a window opening Monday 22:00 still holds at Tuesday 01:00.
    const w = { start: "22:00", end: "02:00", days: [1] };
    assert.notEqual(currentWindow(w, at("2026-03-02T22:30:00Z")), null);
    assert.notEqual(currentWindow(w, at("2026-03-03T01:00:00Z")), null);
    assert.equal(currentWindow(w, at("2026-03-03T22:30:00Z")), null);
  });

  it("opens for a duration from each moment a cron expression matches", () => {
    const w = { cron: "30 2 * * 1-5", duration: 3600 };
    assert.deepEqual(currentWindow(w, at("2026-03-02T03:00:00Z")), { start: at("2026-03-02T02:30:00Z"), end: at("2026-03-02T03:30:00Z") });
    assert.equal(currentWindow(w, at("2026-03-02T03:30:00Z")), null);
    assert.equal(currentWindow(w, at("2026-03-01T03:00:00Z")), null); // a Sunday
  });

  it("refuses windows that are not ones, naming the field", () => {
    assert.throws(() => checkWindow({ start: "25:00", end: "01:00" }), (e: unknown) => e instanceof CampaignRuleError && e.field === "window.start");
    assert.throws(() => checkWindow({ start: "01:00", end: "02:00", days: [7] }), (e: unknown) => e instanceof CampaignRuleError && e.field === "window.days");
    assert.throws(() => checkWindow({ cron: "* * *", duration: 600 }), (e: unknown) => e instanceof CampaignRuleError && e.field === "window.cron");
    assert.throws(() => checkWindow({ cron: "0 1 * * *", duration: 5 }), (e: unknown) => e instanceof CampaignRuleError && e.field === "window.duration");
  });
});

describe("failure thresholds", () => {
  const counts = (succeeded: number, failed: number) => ({ pending: 0, in_progress: 0, succeeded, failed, skipped: 0, cancelled: 0 });
  it("pauses at a count of failures, or at a share once enough devices have settled", () => {
    const s = { maxFailures: 5, maxFailureRate: null, minSettled: 10 };
    assert.equal(thresholdReached(counts(100, 4), s), null);
    assert.match(thresholdReached(counts(100, 5), s)!, /5 devices failed/);
    const r = { maxFailures: null, maxFailureRate: 0.2, minSettled: 10 };
    assert.equal(thresholdReached(counts(3, 3), r), null); // only 6 settled
    assert.match(thresholdReached(counts(8, 2), r)!, /2 of 10/);
    assert.equal(thresholdReached(counts(9, 2), r), null);
    assert.equal(thresholdReached(counts(0, 50), { maxFailures: null, maxFailureRate: null, minSettled: 1 }), null);
  });
});

describe("file types and metadata", () => {
  it("knows TR-069's download and upload FileTypes and vendor types", () => {
    for (const t of ["1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "4 Tone File", "5 Ringer File", "X 00D09E Bootloader"]) assert.ok(isDownloadFileType(t), t);
    for (const t of ["6 Firmware", "X 00d09e lower", "1 Vendor Configuration File", ""]) assert.ok(!isDownloadFileType(t), t);
    for (const t of ["1 Vendor Configuration File", "2 Vendor Log File", "3 Vendor Configuration File 2", "4 Vendor Log File 1", "X 00D09E Dump"]) assert.ok(isUploadFileType(t), t);
    assert.ok(!isUploadFileType("1 Firmware Upgrade Image"));
  });

  it("checks metadata, names the field, and fills the content type from the name", () => {
    const ok = checkMeta({ name: "tone.wav", fileType: "4 Tone File", oui: "a1b2c3" });
    assert.deepEqual([ok.oui, ok.contentType, ok.version], ["A1B2C3", "audio/wav", ""]);
    const bad = (m: Parameters<typeof checkMeta>[0], field: string) =>
      assert.throws(() => checkMeta(m), (e: unknown) => e instanceof FileError && e.code === "FILE_INVALID" && (e.details as { field: string }[])[0]!.field === field);
    bad({ name: "a/b", fileType: "2 Web Content" }, "name");
    bad({ name: "a", fileType: "9 Nothing" }, "fileType");
    bad({ name: "a", fileType: "2 Web Content", oui: "XYZ" }, "oui");
    bad({ name: "a", fileType: "2 Web Content", contentType: "not a type" }, "contentType");
    bad({ name: "a", fileType: "2 Web Content", sha256: "abc" }, "sha256");
  });
});
