// File transfers: the queue behind Download, Upload and ScheduleDownload, CancelTransfer and
// Get(All)QueuedTransfers. The engine performs no I/O: a due transfer becomes a TransferJob effect,
// the runtime moves the bytes and reports a TransferOutcome, and the engine turns that into a
// TransferComplete for the ACS.

import {
  cwmpFault,
  UNKNOWN_TIME,
  type CancelTransfer,
  type CwmpMessage,
  type Download,
  type ScheduleDownload,
  type Upload,
} from "../cwmp/index.js";

export const FILE_TYPE = {
  firmware: "1 Firmware Upgrade Image",
  webContent: "2 Web Content",
  config: "3 Vendor Configuration File",
  tone: "4 Tone File",
  ringer: "5 Ringer File",
  log: "2 Vendor Log File",
} as const;

const DOWNLOAD_TYPES: ReadonlySet<string> = new Set([FILE_TYPE.firmware, FILE_TYPE.webContent, FILE_TYPE.config, FILE_TYPE.tone, FILE_TYPE.ringer]);
const UPLOAD_TYPE = /^(1 Vendor Configuration File|2 Vendor Log File|3 Vendor Configuration File \d+|4 Vendor Log File \d+)$/;
const VENDOR_TYPE = /^X [0-9A-F]{6} \S/;
const WINDOW_MODES: ReadonlySet<string> = new Set(["1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed"]);

export interface TimeWindow {
  /** Absolute times in milliseconds. */
  start: number;
  end: number;
  mode: string;
  userMessage: string;
  /** -1: the CPE decides. */
  maxRetries: number;
}

export interface QueuedTransfer {
  id: number;
  origin: "Download" | "Upload" | "ScheduleDownload";
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  password: string;
  fileSize: number;
  targetFileName: string;
  /** Not started before this time (ms). */
  notBefore: number;
  windows?: TimeWindow[];
  /** 1 not yet started, 2 in progress, 3 completed and being applied (firmware waiting for the reboot). */
  state: 1 | 2 | 3;
  attempts: number;
  startedAt?: number;
  completedAt?: number;
  /** For firmware: the version it installs. */
  version?: string;
}

/** What the runtime is asked to do: one HTTP transfer. */
export interface TransferJob {
  id: number;
  direction: "download" | "upload";
  url: string;
  username: string;
  password: string;
  fileType: string;
  fileSize: number;
  targetFileName: string;
  /** For an upload: the file to send. */
  body?: string;
  contentType?: string;
}

/** What the runtime reports back. Times in ms; when absent, the time of the report. */
export type TransferOutcome =
  | { ok: true; startTime?: number; completeTime?: number; content?: string | Uint8Array; version?: string }
  | { ok: false; faultCode: number; faultString?: string; startTime?: number; completeTime?: number };

export interface TransferQueueState {
  nextId: number;
  transfers: QueuedTransfer[];
}

export class TransferQueue {
  list: QueuedTransfer[] = [];
  nextId = 1;

  get size(): number {
    return this.list.length;
  }

  find(id: number): QueuedTransfer | undefined {
    return this.list.find((t) => t.id === id);
  }

  remove(id: number): void {
    this.list = this.list.filter((t) => t.id !== id);
  }

  /** Transfers that may start now (in order), and scheduled ones whose windows all passed. */
  due(now: number): { start: QueuedTransfer[]; expired: QueuedTransfer[] } {
    const start: QueuedTransfer[] = [];
    const expired: QueuedTransfer[] = [];
    for (const t of this.list) {
      if (t.state !== 1) continue;
      if (t.windows === undefined) {
        if (t.notBefore <= now) start.push(t);
        continue;
      }
      const open = t.windows.find((w) => w.end >= now);
      if (open === undefined) expired.push(t);
      else if (Math.max(open.start, t.notBefore) <= now) start.push(t);
    }
    return { start, expired };
  }

  /** The earliest time something here needs the engine. */
  nextDeadline(): number | undefined {
    let at: number | undefined;
    for (const t of this.list) {
      if (t.state !== 1) continue;
      let when = t.notBefore;
      if (t.windows !== undefined) {
        const open = t.windows.find((w) => w.end >= t.notBefore);
        when = open === undefined ? t.notBefore : Math.max(open.start, t.notBefore);
        const last = t.windows[t.windows.length - 1]!;
        if (when > last.end) when = last.end + 1;
      }
      if (at === undefined || when < at) at = when;
    }
    return at;
  }

  toJSON(): TransferQueueState {
    return { nextId: this.nextId, transfers: this.list.map((t) => ({ ...t })) };
  }

  static fromJSON(s: TransferQueueState): TransferQueue {
    const q = new TransferQueue();
    q.nextId = s.nextId;
    q.list = s.transfers.map((t) => ({ ...t }));
    return q;
  }
}

/** 9013 for a scheme we do not transfer with, 9003 for a URL that is not one. */
function checkUrl(url: string): CwmpMessage | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return cwmpFault(9003, `URL ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return cwmpFault(9013, `${u.protocol.slice(0, -1)} is not supported for file transfer`);
  return undefined;
}

export interface TransferLimits {
  maxQueued: number;
}

function full(q: TransferQueue, limits: TransferLimits): CwmpMessage | undefined {
  return q.size >= limits.maxQueued ? cwmpFault(9004, `${q.size} transfers are already queued`) : undefined;
}

export function acceptDownload(q: TransferQueue, m: Download, now: number, limits: TransferLimits): CwmpMessage {
  if (!DOWNLOAD_TYPES.has(m.fileType) && !VENDOR_TYPE.test(m.fileType)) return cwmpFault(9003, `FileType ${JSON.stringify(m.fileType)} is not supported`);
  const fault = checkUrl(m.url) ?? full(q, limits);
  if (fault !== undefined) return fault;
  q.list.push({
    id: q.nextId++, origin: "Download", commandKey: m.commandKey, fileType: m.fileType, url: m.url, username: m.username,
    password: m.password, fileSize: m.fileSize, targetFileName: m.targetFileName, notBefore: now + m.delaySeconds * 1000,
    state: 1, attempts: 0,
  });
  // Status 1: the download has not completed; TransferComplete reports it later.
  return { method: "DownloadResponse", status: 1, startTime: UNKNOWN_TIME, completeTime: UNKNOWN_TIME };
}

export function acceptUpload(q: TransferQueue, m: Upload, now: number, limits: TransferLimits): CwmpMessage {
  if (!UPLOAD_TYPE.test(m.fileType) && !VENDOR_TYPE.test(m.fileType)) return cwmpFault(9003, `FileType ${JSON.stringify(m.fileType)} is not supported`);
  const fault = checkUrl(m.url) ?? full(q, limits);
  if (fault !== undefined) return fault;
  q.list.push({
    id: q.nextId++, origin: "Upload", commandKey: m.commandKey, fileType: m.fileType, url: m.url, username: m.username,
    password: m.password, fileSize: 0, targetFileName: "", notBefore: now + m.delaySeconds * 1000, state: 1, attempts: 0,
  });
  return { method: "UploadResponse", status: 1, startTime: UNKNOWN_TIME, completeTime: UNKNOWN_TIME };
}

export function acceptScheduleDownload(q: TransferQueue, m: ScheduleDownload, now: number, limits: TransferLimits): CwmpMessage {
  if (!DOWNLOAD_TYPES.has(m.fileType) && !VENDOR_TYPE.test(m.fileType)) return cwmpFault(9003, `FileType ${JSON.stringify(m.fileType)} is not supported`);
  const list = m.timeWindowList;
  if (list.length < 1 || list.length > 2) return cwmpFault(9003, "TimeWindowList must hold one or two windows");
  for (let i = 0; i < list.length; i++) {
    const w = list[i]!;
    if (w.windowEnd < w.windowStart) return cwmpFault(9003, `window ${i + 1} ends before it starts`);
    if (i > 0 && w.windowStart < list[i - 1]!.windowEnd) return cwmpFault(9003, "time windows overlap or are out of order");
    if (!WINDOW_MODES.has(w.windowMode) && !VENDOR_TYPE.test(w.windowMode)) return cwmpFault(9003, `WindowMode ${JSON.stringify(w.windowMode)} is not supported`);
    if (w.maxRetries < -1) return cwmpFault(9003, "MaxRetries must be -1 or more");
  }
  const fault = checkUrl(m.url) ?? full(q, limits);
  if (fault !== undefined) return fault;
  const windows = list.map((w) => ({
    start: now + w.windowStart * 1000, end: now + w.windowEnd * 1000, mode: w.windowMode, userMessage: w.userMessage, maxRetries: w.maxRetries,
  }));
  q.list.push({
    id: q.nextId++, origin: "ScheduleDownload", commandKey: m.commandKey, fileType: m.fileType, url: m.url, username: m.username,
    password: m.password, fileSize: m.fileSize, targetFileName: m.targetFileName, notBefore: windows[0]!.start, windows, state: 1, attempts: 0,
  });
  return { method: "ScheduleDownloadResponse" };
}

export function cancelTransfer(q: TransferQueue, m: CancelTransfer): CwmpMessage {
  const matching = q.list.filter((t) => t.commandKey === m.commandKey);
  if (matching.length === 0) return cwmpFault(9003, `no queued transfer has CommandKey ${JSON.stringify(m.commandKey)}`);
  // A transfer that started (or is being applied) can no longer be canceled.
  if (matching.some((t) => t.state !== 1)) return cwmpFault(9021, `the transfer with CommandKey ${JSON.stringify(m.commandKey)} has started`);
  q.list = q.list.filter((t) => t.commandKey !== m.commandKey);
  return { method: "CancelTransferResponse" };
}

export function getQueuedTransfers(q: TransferQueue): CwmpMessage {
  return { method: "GetQueuedTransfersResponse", transferList: q.list.map((t) => ({ commandKey: t.commandKey, state: t.state })) };
}

export function getAllQueuedTransfers(q: TransferQueue): CwmpMessage {
  return {
    method: "GetAllQueuedTransfersResponse",
    transferList: q.list.map((t) => ({
      commandKey: t.commandKey, state: t.state, isDownload: t.origin !== "Upload", fileType: t.fileType, fileSize: t.fileSize, targetFileName: t.targetFileName,
    })),
  };
}

/** The version a firmware image installs: from its file name ("gw-2.4.1.bin" gives "2.4.1"), else the current one bumped. */
export function firmwareVersion(t: QueuedTransfer, current: string): string {
  for (const name of [t.targetFileName, decodeURIComponent(t.url.split(/[?#]/)[0]!.split("/").pop() ?? "")]) {
    const m = /(\d+(?:\.\d+)+)/.exec(name);
    if (m) return m[1]!;
  }
  const last = /(\d+)(?!.*\d)/.exec(current);
  return last ? current.slice(0, last.index) + String(Number(last[1]) + 1) + current.slice(last.index + last[1]!.length) : current + ".1";
}
