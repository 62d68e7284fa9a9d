// Files as the rest of the ACS sees them: upload (streamed, checked, stored), look up, read, delete;
// and uploads from devices, kept as files attached to the device.

import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { StoreError } from "../store/index.js";
import type { FileListQuery, FileRecord, Store } from "../store/types.js";
import type { FileContent, WriteLimits } from "./content.js";
import { FileError } from "./errors.js";
import { contentTypeFor, isDownloadFileType, isMediaType, isUploadFileType } from "./file-types.js";

export interface NewFileMeta {
  name: string;
  fileType: string;
  oui?: string;
  productClass?: string;
  version?: string;
  description?: string;
  /** Default: from the name's extension. */
  contentType?: string;
  /** Hex SHA-256 the content must have. */
  sha256?: string;
}

export interface DeviceUpload {
  uploadId: string;
  deviceId: string;
  fileType: string;
  contentType?: string;
  /** Content-Length, when the device sent one. */
  size?: number;
}

export interface FileServiceOptions {
  /** Largest file uploaded through the API. */
  maxBytes: number;
  /** Largest upload a device may send. */
  maxUploadBytes: number;
  /** How long unused content may wait for its file before housekeeping removes it. */
  orphanAgeMs?: number;
}

/** 1 to 255 characters, no slash, backslash or control character. */
function isFileName(name: string): boolean {
  if (name.length < 1 || name.length > 255 || name === "." || name === "..") return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x2f || c === 0x5c) return false;
  }
  return true;
}
const OUI = /^[0-9A-Fa-f]{6}$/;
const SHA256 = /^[0-9a-fA-F]{64}$/;
const ID = /^[0-9a-f]{32}$/;

/** A file or upload id: 32 hex digits (a random UUID without its dashes). */
export function isFileId(id: string): boolean {
  return ID.test(id);
}

export function newFileId(): string {
  return randomUUID().replace(/-/g, "");
}

function invalid(field: string, message: string): FileError {
  return new FileError("FILE_INVALID", `${field}: ${message}`, [{ field, message }]);
}

/** Checks and normalizes a file's metadata (FILE_INVALID saying which field is wrong). */
export function checkMeta(m: NewFileMeta): Required<Omit<NewFileMeta, "sha256">> & { sha256?: string } {
  if (!isFileName(m.name)) throw invalid("name", "1 to 255 characters, without slashes or control characters");
  if (!isDownloadFileType(m.fileType)) {
    throw invalid("fileType", `${JSON.stringify(m.fileType)} is not a FileType a device can download ("1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "4 Tone File", "5 Ringer File", "X <OUI> <name>")`);
  }
  const oui = (m.oui ?? "").toUpperCase();
  if (oui !== "" && !OUI.test(oui)) throw invalid("oui", "six hexadecimal digits");
  const productClass = m.productClass ?? "";
  if (productClass.length > 64) throw invalid("productClass", "at most 64 characters");
  const version = m.version ?? "";
  if (version.length > 64) throw invalid("version", "at most 64 characters");
  const description = m.description ?? "";
  if (description.length > 1024) throw invalid("description", "at most 1024 characters");
  const contentType = m.contentType ?? contentTypeFor(m.name);
  if (!isMediaType(contentType)) throw invalid("contentType", "a media type such as application/octet-stream");
  if (m.sha256 !== undefined && !SHA256.test(m.sha256)) throw invalid("sha256", "64 hexadecimal digits");
  return { name: m.name, fileType: m.fileType, oui, productClass, version, description, contentType, ...(m.sha256 !== undefined ? { sha256: m.sha256.toLowerCase() } : {}) };
}

export class FileService {
  constructor(
    private readonly store: Store,
    private readonly content: FileContent,
    private readonly o: FileServiceOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get maxBytes(): number {
    return this.o.maxBytes;
  }

  /** Stores a new file from a stream of its bytes. */
  async create(source: AsyncIterable<Uint8Array>, meta: NewFileMeta, size?: number): Promise<FileRecord> {
    const m = checkMeta(meta);
    const limits: WriteLimits = { maxBytes: this.o.maxBytes, ...(m.sha256 !== undefined ? { expectedSha256: m.sha256 } : {}), ...(size !== undefined ? { expectedSize: size } : {}) };
    const written = await this.content.write(source, limits);
    const now = this.clock();
    try {
      const { file } = await this.store.files.put({
        id: newFileId(), kind: "file", name: m.name, fileType: m.fileType, oui: m.oui, productClass: m.productClass, version: m.version,
        description: m.description, contentType: m.contentType, size: written.size, sha256: written.sha256, contentKey: written.key,
        deviceId: null, createdAt: now, updatedAt: now,
      });
      return file;
    } catch (err) {
      await this.content.discard(written).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Keeps what a device uploaded as the upload `uploadId` attached to it; an upload sent again (a CPE
   * retrying) replaces the earlier content. FILE_NOT_FOUND when the device no longer exists.
   */
  async storeUpload(source: AsyncIterable<Uint8Array>, u: DeviceUpload): Promise<{ file: FileRecord; replaced: boolean }> {
    if (!isUploadFileType(u.fileType)) throw invalid("fileType", `${JSON.stringify(u.fileType)} is not an upload FileType`);
    const written = await this.content.write(source, { maxBytes: this.o.maxUploadBytes, ...(u.size !== undefined ? { expectedSize: u.size } : {}) });
    const now = this.clock();
    const previous = await this.store.files.get(u.uploadId);
    if (previous !== null && (previous.kind !== "upload" || previous.deviceId !== u.deviceId)) {
      await this.content.discard(written).catch(() => undefined);
      throw new FileError("FILE_NOT_FOUND", `upload ${u.uploadId} belongs to something else`);
    }
    const contentType = u.contentType !== undefined && isMediaType(u.contentType) ? u.contentType : "application/octet-stream";
    try {
      const { file, replaced } = await this.store.files.put({
        id: u.uploadId, kind: "upload", name: uploadName(u.fileType, now), fileType: u.fileType, oui: "", productClass: "", version: "",
        description: "", contentType, size: written.size, sha256: written.sha256, contentKey: written.key, deviceId: u.deviceId,
        createdAt: previous?.createdAt ?? now, updatedAt: now,
      });
      if (replaced !== null) await this.content.discard({ key: replaced, storage: previous?.storage ?? written.storage }).catch(() => undefined);
      return { file, replaced: previous !== null };
    } catch (err) {
      await this.content.discard(written).catch(() => undefined);
      if (err instanceof StoreError && err.code === "STORE_UNKNOWN_REFERENCE") throw new FileError("FILE_NOT_FOUND", `no device ${u.deviceId}`);
      throw err;
    }
  }

  get(id: string): Promise<FileRecord | null> {
    return this.store.files.get(id);
  }

  list(query?: FileListQuery): Promise<FileRecord[]> {
    return this.store.files.list(query);
  }

  count(query?: FileListQuery): Promise<number> {
    return this.store.files.count(query);
  }

  /** The bytes start..end (inclusive) of a file. */
  read(file: FileRecord, start: number, end: number): Readable {
    return this.content.read(file, start, end);
  }

  /**
   * Deletes a file (or an upload) and its content. A file that a campaign still running or paused
   * downloads is refused (FILE_IN_USE).
   */
  async delete(id: string, kind?: FileRecord["kind"], deviceId?: string): Promise<FileRecord> {
    const gone = await this.store.transaction(async (tx) => {
      const f = await tx.files.get(id);
      if (f === null || (kind !== undefined && f.kind !== kind) || (deviceId !== undefined && f.deviceId !== deviceId)) return null;
      const users = await tx.campaigns.list({ fileId: id, status: ["running", "paused"], limit: 5 });
      if (users.length > 0) {
        throw new FileError("FILE_IN_USE", `campaign ${users.map((c) => c.id).join(", ")} still downloads this file; abort it or let it finish first`, { campaigns: users.map((c) => c.id) });
      }
      return tx.files.delete(id);
    });
    if (gone === null) throw new FileError("FILE_NOT_FOUND", `no ${kind === "upload" ? "upload" : "file"} ${id}`);
    await this.content.discard({ key: gone.contentKey, storage: gone.storage }).catch(() => undefined);
    return gone;
  }

  /** Housekeeping: removes content no file refers to (see FileContent.sweep). */
  sweep(now: Date = this.clock()): Promise<number> {
    return this.content.sweep(new Date(now.getTime() - (this.o.orphanAgeMs ?? 24 * 3_600_000)));
  }
}

/** "vendor-configuration-file-20260121T101500Z" from the FileType and the time. */
function uploadName(fileType: string, at: Date): string {
  const slug = fileType.replace(/^\d+\s+/, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase() || "upload";
  return `${slug}-${at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
}
