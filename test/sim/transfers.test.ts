import { test } from "node:test";
import assert from "node:assert/strict";
import { UNKNOWN_TIME, formatDateTime, type CwmpMessage, type Download, type TransferComplete } from "../../src/cwmp/index.js";
import type { Cpe, CpeEffect } from "../../src/sim/cpe.js";
import type { TransferJob } from "../../src/sim/transfers.js";
import { as, call, close, eventCodes, fromAcs, openSession, poweredOn, receive, session, T0, values } from "./support/harness.js";

const SEC = 1000;
const kinds = (effects: CpeEffect[]) => effects.map((e) => e.kind);
const jobs = (effects: CpeEffect[]): TransferJob[] => effects.flatMap((e) => (e.kind === "transfer" ? [e.job] : []));

function download(o: Partial<Download> = {}): Download {
  return {
    method: "Download", commandKey: "dl-1", fileType: "1 Firmware Upgrade Image", url: "http://files.example.net/fw/pg4100-4.3.0.bin",
    username: "fw", password: "secret", fileSize: 8_000_000, targetFileName: "", delaySeconds: 0, successUrl: "", failureUrl: "", ...o,
  };
}

/** A bootstrapped device. */
function device(o: Parameters<typeof poweredOn>[0] = {}): Cpe {
  const { cpe } = poweredOn({ rebootDurationMs: 10_000, ...o });
  session(cpe, T0);
  return cpe;
}

/** The session that reports transfers: returns the Inform's events and the TransferComplete messages. */
function reportSession(cpe: Cpe, now: number): { events: string[]; completes: TransferComplete[] } {
  const { inform: i, next } = openSession(cpe, now);
  const completes: TransferComplete[] = [];
  let env = next;
  while (env !== null) {
    completes.push(as(env.body!, "TransferComplete"));
    const out = receive(cpe, fromAcs({ method: "TransferCompleteResponse" }), now);
    assert.equal(out.done, false);
    env = out.done ? null : out.reply;
  }
  close(cpe, now);
  return { events: eventCodes(i), completes };
}

test("firmware Download: Status 1, a transfer job after the session, a reboot, then 1 BOOT, 7 TRANSFER COMPLETE, M Download and the new version", () => {
  const cpe = device();
  cpe.connectionRequest(T0 + 60 * SEC);
  const s = session(cpe, T0 + 60 * SEC, [download(), { method: "GetQueuedTransfers" }]);
  assert.deepEqual(s.answers[0], { method: "DownloadResponse", status: 1, startTime: UNKNOWN_TIME, completeTime: UNKNOWN_TIME });
  assert.deepEqual(as(s.answers[1]!, "GetQueuedTransfersResponse").transferList, [{ commandKey: "dl-1", state: 1 }]);
  const [job] = jobs(s.effects);
  assert.deepEqual(job, {
    id: 1, direction: "download", url: "http://files.example.net/fw/pg4100-4.3.0.bin", username: "fw", password: "secret",
    fileType: "1 Firmware Upgrade Image", fileSize: 8_000_000, targetFileName: "",
  });
  const effects = cpe.transferDone(T0 + 90 * SEC, job!.id, { ok: true, startTime: T0 + 61 * SEC, completeTime: T0 + 90 * SEC });
  assert.deepEqual(effects, [{ kind: "reboot", factoryReset: false, until: T0 + 100 * SEC }]);
  assert.deepEqual(kinds(cpe.tick(T0 + 100 * SEC)), ["startSession"]);
  const r = reportSession(cpe, T0 + 100 * SEC);
  assert.deepEqual(r.events, ["1 BOOT", "4 VALUE CHANGE", "7 TRANSFER COMPLETE", "M Download:dl-1"]);
  assert.deepEqual(r.completes, [{
    method: "TransferComplete", commandKey: "dl-1", faultStruct: { faultCode: 0, faultString: "" },
    startTime: formatDateTime(new Date(T0 + 61 * SEC)), completeTime: formatDateTime(new Date(T0 + 100 * SEC)),
  }]);
  assert.equal(cpe.read("Device.DeviceInfo.SoftwareVersion"), "4.3.0");
  // Delivered: the next Inform carries none of it.
  cpe.connectionRequest(T0 + 200 * SEC);
  assert.deepEqual(eventCodes(session(cpe, T0 + 200 * SEC).inform), ["6 CONNECTION REQUEST"]);
});

test("a failed download reports its fault in TransferComplete; DelaySeconds postpones the transfer", () => {
  const cpe = device();
  cpe.connectionRequest(T0 + 10 * SEC);
  const s = session(cpe, T0 + 10 * SEC, [download({ commandKey: "late", delaySeconds: 30, fileType: "2 Web Content", url: "https://files.example.net/x" })]);
  assert.deepEqual(jobs(s.effects), []);
  assert.equal(cpe.nextDeadline(), T0 + 40 * SEC);
  const [job] = jobs(cpe.tick(T0 + 40 * SEC));
  assert.equal(job?.url, "https://files.example.net/x");
  assert.deepEqual(kinds(cpe.transferDone(T0 + 45 * SEC, job!.id, { ok: false, faultCode: 9015, faultString: "unable to contact file server" })), ["startSession"]);
  const r = reportSession(cpe, T0 + 45 * SEC);
  assert.deepEqual(r.events, ["7 TRANSFER COMPLETE", "M Download:late"]);
  assert.deepEqual(r.completes[0]!.faultStruct, { faultCode: 9015, faultString: "unable to contact file server" });
  // An outcome for a transfer that no longer exists is ignored.
  assert.deepEqual(cpe.transferDone(T0 + 50 * SEC, job!.id, { ok: true }), []);
});

test("Download and Upload refuse what they cannot do: unsupported protocol, file type, a full queue", () => {
  const cpe = device({ maxQueuedTransfers: 2 });
  openSession(cpe, T0 + SEC);
  const rpc = (m: CwmpMessage) => call(cpe, m, T0 + SEC);
  assert.equal(as(rpc(download({ url: "ftp://files.example.net/fw.bin" })), "Fault").detail.faultCode, 9013);
  assert.equal(as(rpc(download({ url: "not a url" })), "Fault").detail.faultCode, 9003);
  assert.equal(as(rpc(download({ fileType: "7 Mystery File" })), "Fault").detail.faultCode, 9003);
  assert.equal(as(rpc({ method: "Upload", commandKey: "u", fileType: "1 Firmware Upgrade Image", url: "http://x.example/", username: "", password: "", delaySeconds: 0 }), "Fault").detail.faultCode, 9003);
  as(rpc(download({ commandKey: "a" })), "DownloadResponse");
  as(rpc({ method: "Upload", commandKey: "b", fileType: "2 Vendor Log File", url: "http://x.example/log", username: "", password: "", delaySeconds: 0 }), "UploadResponse");
  assert.equal(as(rpc(download({ commandKey: "c" })), "Fault").detail.faultCode, 9004);
  const all = as(rpc({ method: "GetAllQueuedTransfers" }), "GetAllQueuedTransfersResponse").transferList;
  assert.deepEqual(all, [
    { commandKey: "a", state: 1, isDownload: true, fileType: "1 Firmware Upgrade Image", fileSize: 8_000_000, targetFileName: "" },
    { commandKey: "b", state: 1, isDownload: false, fileType: "2 Vendor Log File", fileSize: 0, targetFileName: "" },
  ]);
  close(cpe, T0 + SEC);
});

test("Upload of the configuration sends every writable value; downloading it back restores them", () => {
  const cpe = device();
  cpe.connectionRequest(T0 + SEC);
  const s = session(cpe, T0 + SEC, [
    { method: "SetParameterValues", parameterKey: "", parameterList: [{ name: "Device.WiFi.SSID.1.SSID", value: { type: "xsd:string", text: "backup-me" } }] },
    { method: "Upload", commandKey: "up", fileType: "1 Vendor Configuration File", url: "http://files.example.net/up", username: "u", password: "p", delaySeconds: 0 },
  ]);
  const [job] = jobs(s.effects);
  assert.equal(job?.direction, "upload");
  assert.equal(job?.contentType, "application/json");
  const config = JSON.parse(job!.body!) as Record<string, string>;
  assert.equal(config["Device.WiFi.SSID.1.SSID"], "backup-me");
  assert.equal(config["Device.DeviceInfo.SerialNumber"], undefined, "read-only values are not configuration");
  cpe.transferDone(T0 + 2 * SEC, job!.id, { ok: true });
  assert.deepEqual(reportSession(cpe, T0 + 2 * SEC).events, ["7 TRANSFER COMPLETE", "M Upload:up"]);

  // Change the value, then restore the saved configuration.
  cpe.setLocalValue("Device.WiFi.SSID.1.SSID", "changed", T0 + 3 * SEC);
  cpe.connectionRequest(T0 + 4 * SEC);
  const d = session(cpe, T0 + 4 * SEC, [download({ commandKey: "restore", fileType: "3 Vendor Configuration File", url: "http://files.example.net/up" })]);
  const [restore] = jobs(d.effects);
  cpe.transferDone(T0 + 5 * SEC, restore!.id, { ok: true, content: job!.body! });
  assert.equal(cpe.read("Device.WiFi.SSID.1.SSID"), "backup-me");
  const r = reportSession(cpe, T0 + 5 * SEC);
  assert.deepEqual(r.completes[0]!.faultStruct, { faultCode: 0, faultString: "" });

  // A file that is not a configuration: 9018.
  cpe.connectionRequest(T0 + 6 * SEC);
  const bad = session(cpe, T0 + 6 * SEC, [download({ commandKey: "junk", fileType: "3 Vendor Configuration File" })]);
  cpe.transferDone(T0 + 7 * SEC, jobs(bad.effects)[0]!.id, { ok: true, content: new Uint8Array([0xff, 0x00, 0x12]) });
  assert.equal(reportSession(cpe, T0 + 7 * SEC).completes[0]!.faultStruct.faultCode, 9018);
});

test("the log upload carries a text log", () => {
  const cpe = device();
  cpe.connectionRequest(T0 + SEC);
  const s = session(cpe, T0 + SEC, [{ method: "Upload", commandKey: "log", fileType: "2 Vendor Log File", url: "http://files.example.net/log", username: "", password: "", delaySeconds: 0 }]);
  const [job] = jobs(s.effects);
  assert.equal(job?.contentType, "text/plain");
  assert.match(job!.body!, /PRV000001/);
});

test("TransferComplete stays pending until acknowledged: kept across a failed session and an 8005 fault, dropped on another fault", () => {
  const cpe = device();
  cpe.connectionRequest(T0 + SEC);
  const s = session(cpe, T0 + SEC, [download({ fileType: "2 Web Content", commandKey: "w" })]);
  cpe.transferDone(T0 + 2 * SEC, jobs(s.effects)[0]!.id, { ok: true });
  // The session fails after the CPE sent TransferComplete: still pending, events still carried.
  const { next } = openSession(cpe, T0 + 3 * SEC);
  assert.equal(next?.body?.method, "TransferComplete");
  cpe.sessionFailed(T0 + 3 * SEC);
  assert.equal(cpe.pendingRequests.length, 1);
  const retry = cpe.nextDeadline()!;
  cpe.tick(retry);
  const second = openSession(cpe, retry);
  assert.deepEqual(eventCodes(second.inform), ["7 TRANSFER COMPLETE", "M Download:w"]);
  // 8005: try again later, not in this session.
  const out = receive(cpe, fromAcs({ method: "Fault", faultcode: "Server", faultstring: "CWMP fault", detail: { faultCode: 8005, faultString: "Retry request" } }), retry);
  assert.equal(!out.done && out.reply, null);
  close(cpe, retry);
  assert.equal(cpe.pendingRequests.length, 1);
  const third = cpe.nextDeadline()!;
  cpe.tick(third);
  openSession(cpe, third);
  const rejected = receive(cpe, fromAcs({ method: "Fault", faultcode: "Client", faultstring: "CWMP fault", detail: { faultCode: 8003, faultString: "Invalid arguments" } }), third);
  assert.equal(!rejected.done && rejected.reply, null);
  close(cpe, third);
  assert.equal(cpe.pendingRequests.length, 0);
});

test("ScheduleDownload: checks its windows, starts in the first one, reports with M ScheduleDownload", () => {
  const cpe = device();
  openSession(cpe, T0 + SEC);
  const rpc = (m: CwmpMessage) => call(cpe, m, T0 + SEC);
  const sd = (windows: Array<[number, number, string?]>, commandKey = "sd") => rpc({
    method: "ScheduleDownload", commandKey, fileType: "1 Firmware Upgrade Image", url: "http://files.example.net/fw-5.0.1.bin", username: "", password: "",
    fileSize: 1000, targetFileName: "", timeWindowList: windows.map(([s, e, m]) => ({ windowStart: s, windowEnd: e, windowMode: m ?? "1 At Any Time", userMessage: "", maxRetries: 0 })),
  });
  assert.equal(as(sd([]), "Fault").detail.faultCode, 9003);
  assert.equal(as(sd([[0, 10], [20, 30], [40, 50]]), "Fault").detail.faultCode, 9003);
  assert.equal(as(sd([[100, 50]]), "Fault").detail.faultCode, 9003);
  assert.equal(as(sd([[0, 100], [50, 200]]), "Fault").detail.faultCode, 9003);
  assert.equal(as(sd([[0, 100, "5 Whenever"]]), "Fault").detail.faultCode, 9003);
  as(sd([[60, 120], [3600, 7200, "2 Immediately"]]), "ScheduleDownloadResponse");
  as(sd([[10, 20]], "cancel-me"), "ScheduleDownloadResponse");
  as(rpc({ method: "CancelTransfer", commandKey: "cancel-me" }), "CancelTransferResponse");
  assert.equal(as(rpc({ method: "CancelTransfer", commandKey: "nothing" }), "Fault").detail.faultCode, 9003);
  assert.deepEqual(as(rpc({ method: "GetQueuedTransfers" }), "GetQueuedTransfersResponse").transferList, [{ commandKey: "sd", state: 1 }]);
  close(cpe, T0 + SEC);
  assert.equal(cpe.nextDeadline(), T0 + 61 * SEC);
  const [job] = jobs(cpe.tick(T0 + 61 * SEC));
  assert.equal(job?.url, "http://files.example.net/fw-5.0.1.bin");

  // Started: it can no longer be canceled.
  cpe.connectionRequest(T0 + 62 * SEC);
  const c = session(cpe, T0 + 62 * SEC, [{ method: "CancelTransfer", commandKey: "sd" }, { method: "GetQueuedTransfers" }]);
  assert.equal(as(c.answers[0]!, "Fault").detail.faultCode, 9021);
  assert.deepEqual(as(c.answers[1]!, "GetQueuedTransfersResponse").transferList, [{ commandKey: "sd", state: 2 }]);
  cpe.transferDone(T0 + 70 * SEC, job!.id, { ok: true });
  cpe.tick(cpe.nextDeadline()!);
  const r = reportSession(cpe, T0 + 80 * SEC);
  assert.deepEqual(r.events, ["1 BOOT", "4 VALUE CHANGE", "7 TRANSFER COMPLETE", "M ScheduleDownload:sd"]);
  assert.equal(cpe.read("Device.DeviceInfo.SoftwareVersion"), "5.0.1");
});

test("ScheduleDownload that cannot run within its windows reports 9020", () => {
  const cpe = device();
  openSession(cpe, T0 + SEC);
  as(call(cpe, {
    method: "ScheduleDownload", commandKey: "tight", fileType: "2 Web Content", url: "http://files.example.net/a", username: "", password: "",
    fileSize: 0, targetFileName: "", timeWindowList: [{ windowStart: 0, windowEnd: 5, windowMode: "1 At Any Time", userMessage: "", maxRetries: 0 }],
  }, T0 + SEC), "ScheduleDownloadResponse");
  // The session runs past the window's end.
  const effects = close(cpe, T0 + 30 * SEC);
  assert.deepEqual(kinds(effects), ["startSession"]);
  const r = reportSession(cpe, T0 + 31 * SEC);
  assert.deepEqual(r.events, ["7 TRANSFER COMPLETE", "M ScheduleDownload:tight"]);
  assert.equal(r.completes[0]!.faultStruct.faultCode, 9020);
});

test("a reboot interrupts a running transfer, which starts again after the boot", () => {
  const cpe = device();
  cpe.connectionRequest(T0 + SEC);
  const s = session(cpe, T0 + SEC, [download({ fileType: "2 Web Content", commandKey: "x" })]);
  assert.equal(jobs(s.effects).length, 1);
  cpe.connectionRequest(T0 + 2 * SEC);
  const r = session(cpe, T0 + 2 * SEC, [{ method: "Reboot", commandKey: "" }]);
  assert.deepEqual(kinds(r.effects), ["reboot"]);
  const boot = cpe.tick(cpe.nextDeadline()!);
  assert.deepEqual(kinds(boot), ["transfer", "startSession"]);
  const g = session(cpe, T0 + 20 * SEC, [{ method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.UpTime"] }]);
  assert.ok(Number(values(g.answers[0]!)["Device.DeviceInfo.UpTime"]) < 20);
});

test("a transfer finishing during a session is reported in a new session right after it, not as a retry", () => {
  const cpe = device();
  cpe.connectionRequest(T0 + SEC);
  const s = session(cpe, T0 + SEC, [download({ fileType: "2 Web Content", commandKey: "mid" })]);
  const [job] = jobs(s.effects);
  cpe.connectionRequest(T0 + 2 * SEC);
  openSession(cpe, T0 + 2 * SEC);
  assert.deepEqual(cpe.transferDone(T0 + 3 * SEC, job!.id, { ok: true }), []);
  assert.deepEqual(kinds(close(cpe, T0 + 4 * SEC)), ["startSession"]);
  const { inform: i, next } = openSession(cpe, T0 + 4 * SEC);
  assert.equal(i.retryCount, 0);
  assert.deepEqual(eventCodes(i), ["7 TRANSFER COMPLETE", "M Download:mid"]);
  assert.equal(next?.body?.method, "TransferComplete");
});
