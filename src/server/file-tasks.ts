// Download, ScheduleDownload and Upload tasks that use the ACS's own file server: a download names a
// stored file by id and the ACS fills its URL (with a token for that device), FileType, FileSize, the
// credentials the file server asks for, and for firmware the version to check afterwards; an upload
// without a URL gets one for a new upload slot of that device. The URL is made again, with a fresh
// expiry, each time the task is sent (`forSending`), so a task may wait for its device for any time.

import { randomUUID } from "node:crypto";
import { FileError, isDownloadFileType, isFirmware, isUploadFileType, type FileLinks } from "../files/index.js";
import { TaskArgumentError } from "../session/index.js";
import type { FileRecord, JsonValue, TaskRecord } from "../store/types.js";

export interface FileTaskSettings {
  /** Seconds a URL stays valid after it was made (sending the task makes it again). */
  tokenTtlSeconds: number;
}

type Args = Record<string, unknown>;

const DOWNLOADS = new Set(["download", "scheduleDownload"]);

function isObject(v: unknown): v is Args {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** How long a looked-up file is reused: a bulk task looks its file up once, not once per device. */
const LOOKUP_REUSE_MS = 2000;

export class FileTasks {
  private readonly recent = new Map<string, { file: FileRecord; at: number }>();

  constructor(
    /** Null when the file server is off: file ids and ACS-made upload URLs are then refused. */
    private readonly links: FileLinks | null,
    private readonly lookup: (id: string) => Promise<FileRecord | null>,
    private readonly s: FileTaskSettings,
  ) {}

  /** Seconds since the epoch until which a URL made now for these arguments must work. */
  private expiry(name: string, args: Args, now: Date): number {
    let seconds = this.s.tokenTtlSeconds;
    if (typeof args.delaySeconds === "number") seconds += args.delaySeconds;
    // A scheduled download may start as late as the end of its last window.
    if (name === "scheduleDownload" && Array.isArray(args.timeWindows)) {
      for (const w of args.timeWindows) if (isObject(w) && typeof w.windowEnd === "number") seconds = Math.max(seconds, w.windowEnd + this.s.tokenTtlSeconds);
    }
    return Math.floor(now.getTime() / 1000) + Math.ceil(seconds);
  }

  private needLinks(what: string): FileLinks {
    if (this.links === null) throw new FileError("FILES_DISABLED", `${what} needs the ACS's file server, which is not enabled (files.enabled)`);
    return this.links;
  }

  /**
   * Fills in what the ACS provides for a task of kind `name` for `deviceId` (other kinds pass through).
   * Throws TaskArgumentError for arguments that do not fit together, FileError FILE_NOT_FOUND for an
   * unknown file, FILES_DISABLED when the file server is off.
   */
  async resolve(deviceId: string, name: string, raw: unknown, now: Date): Promise<unknown> {
    if (!isObject(raw)) return raw;
    if (DOWNLOADS.has(name)) return this.resolveDownload(deviceId, name, raw, now);
    if (name === "upload") return this.resolveUpload(deviceId, raw, now);
    return raw;
  }

  private async resolveDownload(deviceId: string, name: string, args: Args, now: Date): Promise<Args> {
    const fileId = args.fileId;
    if (typeof fileId !== "string") {
      const problems: string[] = [];
      if (typeof args.url !== "string") problems.push("url: required unless fileId names a stored file");
      if (typeof args.fileType !== "string") problems.push("fileType: required unless fileId names a stored file");
      if (problems.length > 0) throw new TaskArgumentError(name, problems);
      return args;
    }
    const file = await this.find(fileId, now);
    if (file === null || file.kind !== "file") throw new FileError("FILE_NOT_FOUND", `no file ${fileId}`);
    return this.downloadArgs(file, deviceId, name, args, now);
  }

  private async find(fileId: string, now: Date): Promise<FileRecord | null> {
    const hit = this.recent.get(fileId);
    if (hit !== undefined && Math.abs(now.getTime() - hit.at) < LOOKUP_REUSE_MS) return hit.file;
    const file = await this.lookup(fileId);
    if (this.recent.size > 100) this.recent.clear();
    if (file !== null) this.recent.set(fileId, { file, at: now.getTime() });
    return file;
  }

  /** The arguments of a download of `file` by `deviceId` (synchronous: for callers inside a transaction). */
  downloadArgs(file: FileRecord, deviceId: string, name: string, args: Args, now: Date): Args {
    if (typeof args.fileType === "string" && args.fileType !== file.fileType) {
      throw new TaskArgumentError(name, [`fileType: ${JSON.stringify(args.fileType)} is not the file's FileType ${JSON.stringify(file.fileType)}`]);
    }
    if (!isDownloadFileType(file.fileType)) throw new TaskArgumentError(name, [`fileId: the file's FileType ${JSON.stringify(file.fileType)} cannot be downloaded`]);
    const out: Args = { ...args, fileId: file.id, fileType: file.fileType, fileSize: file.size };
    if (isFirmware(file.fileType) && file.version !== "" && typeof args.expectedVersion !== "string") out.expectedVersion = file.version;
    // A URL of the caller's own (a CDN, say) is kept as given, with the file's other facts.
    if (typeof args.url === "string") return out;
    const links = this.needLinks("a download by fileId");
    const url = links.downloadUrl(file, deviceId, this.expiry(name, args, now));
    if (url === null) throw new TaskArgumentError(name, ["url: the file server's URL for this device would be longer than the 256 characters TR-069 allows (shorten files.publicUrl)"]);
    out.url = url;
    if (links.digest && typeof args.username !== "string") Object.assign(out, links.credentials(deviceId));
    return out;
  }

  private resolveUpload(deviceId: string, args: Args, now: Date): Args {
    if (typeof args.url === "string") return args;
    const fileType = typeof args.fileType === "string" ? args.fileType : "";
    if (!isUploadFileType(fileType)) throw new TaskArgumentError("upload", [`fileType: ${JSON.stringify(fileType)} is not an upload FileType ("1 Vendor Configuration File", "2 Vendor Log File", ...)`]);
    const links = this.needLinks("an upload without a url");
    const uploadId = typeof args.uploadId === "string" ? args.uploadId : randomUUID().replace(/-/g, "");
    const url = links.uploadUrl(uploadId, deviceId, fileType, this.expiry("upload", args, now));
    if (url === null) throw new TaskArgumentError("upload", ["url: the file server's URL for this device would be longer than the 256 characters TR-069 allows (shorten files.publicUrl)"]);
    const out: Args = { ...args, url, uploadId };
    if (links.digest && typeof args.username !== "string") Object.assign(out, links.credentials(deviceId));
    return out;
  }

  /**
   * A task's arguments as they are sent now: a URL this file server made is made again with a fresh
   * expiry (the rest is as stored). Synchronous and cheap: it runs for every task a session sends.
   */
  forSending(task: Pick<TaskRecord, "name" | "deviceId" | "args">, now: Date): JsonValue {
    const args = task.args;
    if (this.links === null || !isObject(args) || typeof args.url !== "string" || !this.links.isOurs(args.url)) return args;
    const expires = this.expiry(task.name, args, now);
    let url: string | null = null;
    if (DOWNLOADS.has(task.name) && typeof args.fileId === "string") {
      // The name in the path is kept as stored (a file's name does not change).
      const m = /\/files\/[0-9a-f]{32}\/([^?]*)\?/.exec(args.url);
      url = this.links.downloadUrl({ id: args.fileId, name: m ? decodeURIComponent(m[1]!) : "" }, task.deviceId, expires);
      if (url !== null && m === null) url = url.replace(/(\/files\/[0-9a-f]{32})\/[^?]*\?/, "$1?");
    } else if (task.name === "upload" && typeof args.uploadId === "string" && typeof args.fileType === "string") {
      url = this.links.uploadUrl(args.uploadId, task.deviceId, args.fileType, expires);
    }
    return url === null ? args : ({ ...args, url } as JsonValue);
  }
}
