// File transfer RPCs: Download, Upload, ScheduleDownload, queued transfers, and their completion reports.

import { codec, emptyCodec } from "../codec/method.js";
import type { Reader } from "../codec/read.js";
import type { Writer } from "../codec/write.js";
import type { AllQueuedTransferStruct, FaultStruct, TimeWindowStruct } from "../types.js";
import type { XmlElement } from "../xml/scanner.js";

function readFaultStruct(el: XmlElement, r: Reader, path: string): FaultStruct {
  const f = r.child(el, "FaultStruct");
  if (f === undefined) {
    r.warn(`${path}/FaultStruct is missing; read as success`);
    return { faultCode: 0, faultString: "" };
  }
  return { faultCode: r.uint(f, "FaultCode", `${path}/FaultStruct`), faultString: r.optionalString(f, "FaultString") ?? "" };
}

function writeFaultStruct(f: FaultStruct, w: Writer): void {
  w.raw("<FaultStruct>");
  w.uint("FaultCode", f.faultCode);
  w.str("FaultString", f.faultString);
  w.raw("</FaultStruct>");
}

export const download = codec(
  "Download",
  "1-0",
  (el, r, path) => ({
    commandKey: r.string(el, "CommandKey", path),
    fileType: r.string(el, "FileType", path),
    url: r.string(el, "URL", path),
    username: r.string(el, "Username", path),
    password: r.string(el, "Password", path),
    fileSize: r.uint(el, "FileSize", path),
    targetFileName: r.string(el, "TargetFileName", path),
    delaySeconds: r.uint(el, "DelaySeconds", path),
    successUrl: r.string(el, "SuccessURL", path),
    failureUrl: r.string(el, "FailureURL", path),
  }),
  (m, w) => {
    w.str("CommandKey", m.commandKey);
    w.str("FileType", m.fileType);
    w.str("URL", m.url);
    w.str("Username", m.username);
    w.str("Password", m.password);
    w.uint("FileSize", m.fileSize);
    w.str("TargetFileName", m.targetFileName);
    w.uint("DelaySeconds", m.delaySeconds);
    w.str("SuccessURL", m.successUrl);
    w.str("FailureURL", m.failureUrl);
  },
);

function readTransferResult(el: XmlElement, r: Reader, path: string) {
  return {
    status: r.int(el, "Status", path, 0, 1),
    startTime: r.string(el, "StartTime", path),
    completeTime: r.string(el, "CompleteTime", path),
  };
}

function writeTransferResult(m: { status: number; startTime: string; completeTime: string }, w: Writer): void {
  w.num("Status", m.status);
  w.dateTime("StartTime", m.startTime);
  w.dateTime("CompleteTime", m.completeTime);
}

export const downloadResponse = codec("DownloadResponse", "1-0", readTransferResult, writeTransferResult);
export const uploadResponse = codec("UploadResponse", "1-0", readTransferResult, writeTransferResult);

export const upload = codec(
  "Upload",
  "1-0",
  (el, r, path) => ({
    commandKey: r.string(el, "CommandKey", path),
    fileType: r.string(el, "FileType", path),
    url: r.string(el, "URL", path),
    username: r.string(el, "Username", path),
    password: r.string(el, "Password", path),
    delaySeconds: r.uint(el, "DelaySeconds", path),
  }),
  (m, w) => {
    w.str("CommandKey", m.commandKey);
    w.str("FileType", m.fileType);
    w.str("URL", m.url);
    w.str("Username", m.username);
    w.str("Password", m.password);
    w.uint("DelaySeconds", m.delaySeconds);
  },
);

function readTimeWindow(s: XmlElement, r: Reader, path: string): TimeWindowStruct {
  return {
    windowStart: r.uint(s, "WindowStart", path),
    windowEnd: r.uint(s, "WindowEnd", path),
    windowMode: r.string(s, "WindowMode", path),
    userMessage: r.string(s, "UserMessage", path),
    maxRetries: r.int(s, "MaxRetries", path, -2147483648, 2147483647),
  };
}

export const scheduleDownload = codec(
  "ScheduleDownload",
  "1-2",
  (el, r, path) => ({
    commandKey: r.string(el, "CommandKey", path),
    fileType: r.string(el, "FileType", path),
    url: r.string(el, "URL", path),
    username: r.string(el, "Username", path),
    password: r.string(el, "Password", path),
    fileSize: r.uint(el, "FileSize", path),
    targetFileName: r.string(el, "TargetFileName", path),
    timeWindowList: r.items(el, "TimeWindowList", path).map((s, i) => readTimeWindow(s, r, `${path}/TimeWindowList[${i}]`)),
  }),
  (m, w) => {
    w.str("CommandKey", m.commandKey);
    w.str("FileType", m.fileType);
    w.str("URL", m.url);
    w.str("Username", m.username);
    w.str("Password", m.password);
    w.uint("FileSize", m.fileSize);
    w.str("TargetFileName", m.targetFileName);
    w.openArray("TimeWindowList", "cwmp:TimeWindowStruct", m.timeWindowList.length);
    for (const t of m.timeWindowList) {
      w.raw("<TimeWindowStruct>");
      w.uint("WindowStart", t.windowStart);
      w.uint("WindowEnd", t.windowEnd);
      w.str("WindowMode", t.windowMode);
      w.str("UserMessage", t.userMessage);
      w.num("MaxRetries", t.maxRetries);
      w.raw("</TimeWindowStruct>");
    }
    w.close("TimeWindowList");
  },
);

export const scheduleDownloadResponse = emptyCodec("ScheduleDownloadResponse", "1-2");

export const cancelTransfer = codec(
  "CancelTransfer",
  "1-2",
  (el, r, path) => ({ commandKey: r.string(el, "CommandKey", path) }),
  (m, w) => w.str("CommandKey", m.commandKey),
);

export const cancelTransferResponse = emptyCodec("CancelTransferResponse", "1-2");

export const getQueuedTransfers = emptyCodec("GetQueuedTransfers", "1-0");

export const getQueuedTransfersResponse = codec(
  "GetQueuedTransfersResponse",
  "1-0",
  (el, r, path) => ({
    transferList: r.items(el, "TransferList", path).map((s, i) => ({
      commandKey: r.string(s, "CommandKey", `${path}/TransferList[${i}]`),
      state: r.int(s, "State", `${path}/TransferList[${i}]`),
    })),
  }),
  (m, w) => {
    w.openArray("TransferList", "cwmp:QueuedTransferStruct", m.transferList.length);
    for (const t of m.transferList) {
      w.raw("<QueuedTransferStruct>");
      w.str("CommandKey", t.commandKey);
      w.num("State", t.state);
      w.raw("</QueuedTransferStruct>");
    }
    w.close("TransferList");
  },
);

export const getAllQueuedTransfers = emptyCodec("GetAllQueuedTransfers", "1-1");

export const getAllQueuedTransfersResponse = codec(
  "GetAllQueuedTransfersResponse",
  "1-1",
  (el, r, path) => ({
    transferList: r.items(el, "TransferList", path).map((s, i): AllQueuedTransferStruct => {
      const p = `${path}/TransferList[${i}]`;
      return {
        commandKey: r.string(s, "CommandKey", p),
        state: r.int(s, "State", p),
        isDownload: r.bool(s, "IsDownload", p),
        fileType: r.string(s, "FileType", p),
        fileSize: r.uint(s, "FileSize", p),
        targetFileName: r.string(s, "TargetFileName", p),
      };
    }),
  }),
  (m, w) => {
    w.openArray("TransferList", "cwmp:AllQueuedTransferStruct", m.transferList.length);
    for (const t of m.transferList) {
      w.raw("<AllQueuedTransferStruct>");
      w.str("CommandKey", t.commandKey);
      w.num("State", t.state);
      w.bool("IsDownload", t.isDownload);
      w.str("FileType", t.fileType);
      w.uint("FileSize", t.fileSize);
      w.str("TargetFileName", t.targetFileName);
      w.raw("</AllQueuedTransferStruct>");
    }
    w.close("TransferList");
  },
);

export const transferComplete = codec(
  "TransferComplete",
  "1-0",
  (el, r, path) => ({
    commandKey: r.string(el, "CommandKey", path),
    faultStruct: readFaultStruct(el, r, path),
    startTime: r.string(el, "StartTime", path),
    completeTime: r.string(el, "CompleteTime", path),
  }),
  (m, w) => {
    w.str("CommandKey", m.commandKey);
    writeFaultStruct(m.faultStruct, w);
    w.dateTime("StartTime", m.startTime);
    w.dateTime("CompleteTime", m.completeTime);
  },
);

export const transferCompleteResponse = emptyCodec("TransferCompleteResponse", "1-0");

export const autonomousTransferComplete = codec(
  "AutonomousTransferComplete",
  "1-1",
  (el, r, path) => ({
    announceUrl: r.string(el, "AnnounceURL", path),
    transferUrl: r.string(el, "TransferURL", path),
    isDownload: r.bool(el, "IsDownload", path),
    fileType: r.string(el, "FileType", path),
    fileSize: r.uint(el, "FileSize", path),
    targetFileName: r.string(el, "TargetFileName", path),
    faultStruct: readFaultStruct(el, r, path),
    startTime: r.string(el, "StartTime", path),
    completeTime: r.string(el, "CompleteTime", path),
  }),
  (m, w) => {
    w.str("AnnounceURL", m.announceUrl);
    w.str("TransferURL", m.transferUrl);
    w.bool("IsDownload", m.isDownload);
    w.str("FileType", m.fileType);
    w.uint("FileSize", m.fileSize);
    w.str("TargetFileName", m.targetFileName);
    writeFaultStruct(m.faultStruct, w);
    w.dateTime("StartTime", m.startTime);
    w.dateTime("CompleteTime", m.completeTime);
  },
);

export const autonomousTransferCompleteResponse = emptyCodec("AutonomousTransferCompleteResponse", "1-1");

export const requestDownload = codec(
  "RequestDownload",
  "1-0",
  (el, r, path) => ({
    fileType: r.string(el, "FileType", path),
    fileTypeArg: r.items(el, "FileTypeArg", path).map((s, i) => ({
      name: r.string(s, "Name", `${path}/FileTypeArg[${i}]`),
      value: r.string(s, "Value", `${path}/FileTypeArg[${i}]`),
    })),
  }),
  (m, w) => {
    w.str("FileType", m.fileType);
    w.openArray("FileTypeArg", "cwmp:ArgStruct", m.fileTypeArg.length);
    for (const a of m.fileTypeArg) {
      w.raw("<ArgStruct>");
      w.str("Name", a.name);
      w.str("Value", a.value);
      w.raw("</ArgStruct>");
    }
    w.close("FileTypeArg");
  },
);

export const requestDownloadResponse = emptyCodec("RequestDownloadResponse", "1-0");
