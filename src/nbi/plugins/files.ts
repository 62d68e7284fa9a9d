// Files (firmware images, configuration files, ...): uploaded by admins as the raw request body with
// their metadata in the query string, streamed into the store; listed, described, downloaded (with
// Range and ETag, like the file server) and deleted. Uploads devices sent (Upload RPC), per device.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import { planResponse, type ServedFile } from "../../files/index.js";
import type { FileRecord } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { idOf } from "../audit.js";
import type { RouteRegistry } from "../route.js";
import { multipartBoundary, multipartFile } from "../multipart.js";
import { IdParams } from "./devices.js";

const DateTime = Type.String({ format: "date-time" });
const FileId = Type.String({ pattern: "^[0-9a-f]{32}$", description: "32 hexadecimal digits" });

export const FileSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    fileType: Type.String({ description: "TR-069 FileType, e.g. \"1 Firmware Upgrade Image\"" }),
    oui: Type.String({ description: "The devices it is for (\"\": any)" }),
    productClass: Type.String({ description: "The devices it is for (\"\": any)" }),
    version: Type.String({ description: "The SoftwareVersion a firmware image installs (\"\": unknown)" }),
    description: Type.String(),
    contentType: Type.String(),
    size: Type.Integer(),
    sha256: Type.String({ description: "Hex SHA-256 of the content (also its ETag)" }),
    storage: Type.Union([Type.Literal("disk"), Type.Literal("database")]),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: "File" },
);

export const UploadSchema = Type.Object(
  {
    id: Type.String(),
    deviceId: Type.String(),
    name: Type.String(),
    fileType: Type.String({ description: "What the device was asked for, e.g. \"1 Vendor Configuration File\"" }),
    contentType: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: "DeviceUpload" },
);

export function fileJson(f: FileRecord) {
  return {
    id: f.id, name: f.name, fileType: f.fileType, oui: f.oui, productClass: f.productClass, version: f.version, description: f.description,
    contentType: f.contentType, size: f.size, sha256: f.sha256, storage: f.storage, createdAt: f.createdAt.toISOString(), updatedAt: f.updatedAt.toISOString(),
  };
}

export function uploadJson(f: FileRecord) {
  return {
    id: f.id, deviceId: f.deviceId ?? "", name: f.name, fileType: f.fileType, contentType: f.contentType, size: f.size, sha256: f.sha256,
    createdAt: f.createdAt.toISOString(), updatedAt: f.updatedAt.toISOString(),
  };
}

const Binary = Type.String({ format: "binary" });
const ContentResponses = {
  200: { mediaType: "application/octet-stream", schema: Binary },
  206: { mediaType: "application/octet-stream", schema: Binary },
  304: null,
  416: null,
};
const RangeHeaders = Type.Object({
  range: Type.Optional(Type.String({ description: "One byte range, e.g. bytes=0-1023 (206); several ranges get the whole file" })),
  "if-none-match": Type.Optional(Type.String({ description: "The ETag you have: 304 when it is still current" })),
  "if-range": Type.Optional(Type.String({ description: "The ETag the range is of: the whole file when it changed" })),
});

/** Answers a GET of a file's content as the file server does (Range, ETag, conditional requests). */
async function sendContent(ctx: NbiContext, f: FileRecord, headers: Record<string, string | string[] | undefined>, reply: FastifyReply): Promise<FastifyReply> {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const served: ServedFile = { ...f, downloadName: f.name };
  const plan = planResponse(served, { range: one(headers.range), "if-none-match": one(headers["if-none-match"]), "if-range": one(headers["if-range"]) });
  void reply.status(plan.status).headers(plan.headers);
  if (plan.range === null) return reply.send();
  return reply.send(ctx.files.read(f, plan.range.start, plan.range.end));
}

export function fileRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { files, settings } = ctx;
  const FileParams = Type.Object({ fileId: FileId });
  const readFile = async (id: string) => {
    const f = await files.get(id);
    return f === null || f.kind !== "file" ? null : fileJson(f);
  };

  // The upload reads the raw body: its own context, where any media type passes through unread.
  void app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser("*", (_req, _payload, done) => done(null, undefined));
    r.add(raw, {
      method: "POST",
      url: "/api/files",
      operationId: "uploadFile",
      summary: "Upload a file (the request body is the file)",
      description: "The body is the file's bytes, or a multipart/form-data body whose one part, named `file`, is (`curl -F file=@fw.bin`; any other part is refused); streamed to storage (never held whole in memory); its metadata is in the query string. The SHA-256 is computed on the way; with `sha256` the upload is refused (and nothing kept) when it differs. Larger than files.maxSize: 413.",
      tag: "files",
      role: "admin",
      rawBody: { mediaType: "application/octet-stream", description: "The file's bytes (any media type), or a multipart/form-data body with them as its one part `file`", multipartField: "file" },
      querystring: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 255, description: "File name, e.g. gw-2.4.1.bin (no slashes)" }),
        fileType: Type.String({ minLength: 1, maxLength: 64, description: "\"1 Firmware Upgrade Image\", \"2 Web Content\", \"3 Vendor Configuration File\", \"4 Tone File\", \"5 Ringer File\" or \"X <OUI> <name>\"" }),
        oui: Type.Optional(Type.String({ maxLength: 6, description: "Only for devices of this OUI (six hex digits)" })),
        productClass: Type.Optional(Type.String({ maxLength: 64, description: "Only for devices of this product class" })),
        version: Type.Optional(Type.String({ maxLength: 64, description: "For firmware: the SoftwareVersion it installs (checked after the download)" })),
        description: Type.Optional(Type.String({ maxLength: 1024 })),
        contentType: Type.Optional(Type.String({ maxLength: 200, description: "Media type served to devices; default from the name's extension" })),
        sha256: Type.Optional(Type.String({ pattern: "^[0-9a-fA-F]{64}$", description: "The SHA-256 the content must have" })),
      }),
      responses: { 201: FileSchema },
      errors: ["FILE_TOO_LARGE", "FILE_CHECKSUM_MISMATCH"],
      audit: {
        action: "file.upload", targetType: "file", targetId: (_req, res) => idOf(res), read: readFile,
        summary: (req, res) => `uploaded ${req.query.name} (${req.query.fileType}, ${String((res as { size?: number } | undefined)?.size)} bytes)`,
      },
      handler: async (req, reply) => {
        const q = req.query;
        const boundary = multipartBoundary(req.headers["content-type"]);
        const length = req.headers["content-length"];
        // A multipart body's length is the envelope's, not the file's (the closing boundary proves it whole).
        const size = boundary === null && length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
        if (size !== undefined && size > files.maxBytes) {
          // Refused before reading: the client may still be sending, so the connection is not kept.
          void reply.header("Connection", "close");
        }
        const file = await files.create(boundary === null ? req.raw : multipartFile(req.raw, boundary), {
          name: q.name, fileType: q.fileType,
          ...(q.oui !== undefined ? { oui: q.oui } : {}),
          ...(q.productClass !== undefined ? { productClass: q.productClass } : {}),
          ...(q.version !== undefined ? { version: q.version } : {}),
          ...(q.description !== undefined ? { description: q.description } : {}),
          ...(q.contentType !== undefined ? { contentType: q.contentType } : {}),
          ...(q.sha256 !== undefined ? { sha256: q.sha256 } : {}),
        }, size);
        return reply.status(201).header("Location", `/api/files/${file.id}`).send(fileJson(file));
      },
    });
  });

  r.add(app, {
    method: "GET",
    url: "/api/files",
    operationId: "listFiles",
    summary: "List files, newest first",
    tag: "files",
    role: "read-only",
    querystring: Type.Object({
      fileType: Type.Optional(Type.String({ maxLength: 64 })),
      oui: Type.Optional(Type.String({ maxLength: 6 })),
      productClass: Type.Optional(Type.String({ maxLength: 64 })),
      version: Type.Optional(Type.String({ maxLength: 64 })),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
      offset: Type.Integer({ minimum: 0, default: 0 }),
    }),
    responses: { 200: Type.Object({ files: Type.Array(FileSchema), total: Type.Integer() }) },
    handler: async (req) => {
      const q = req.query;
      const filter = {
        kind: "file" as const,
        ...(q.fileType !== undefined ? { fileType: q.fileType } : {}),
        ...(q.oui !== undefined ? { oui: q.oui.toUpperCase() } : {}),
        ...(q.productClass !== undefined ? { productClass: q.productClass } : {}),
        ...(q.version !== undefined ? { version: q.version } : {}),
      };
      const [list, total] = await Promise.all([files.list({ ...filter, limit: q.limit, offset: q.offset }), files.count(filter)]);
      return { files: list.map(fileJson), total };
    },
  });

  const getFile = async (id: string): Promise<FileRecord> => {
    const f = await files.get(id);
    if (f === null || f.kind !== "file") throw new ApiError("FILE_NOT_FOUND", `no file ${JSON.stringify(id)}`);
    return f;
  };

  r.add(app, {
    method: "GET",
    url: "/api/files/:fileId",
    operationId: "getFile",
    summary: "A file's metadata",
    tag: "files",
    role: "read-only",
    params: FileParams,
    responses: { 200: FileSchema },
    errors: ["FILE_NOT_FOUND"],
    handler: async (req) => fileJson(await getFile(req.params.fileId)),
  });

  r.add(app, {
    method: "GET",
    url: "/api/files/:fileId/content",
    operationId: "downloadFile",
    summary: "A file's content",
    description: "Streamed, with its ETag (the SHA-256), Range (one range: 206; past the end: 416) and If-None-Match / If-Range.",
    tag: "files",
    role: "read-only",
    params: FileParams,
    headers: RangeHeaders,
    responses: ContentResponses,
    errors: ["FILE_NOT_FOUND"],
    handler: async (req, reply) => sendContent(ctx, await getFile(req.params.fileId), req.headers, reply),
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/files/:fileId",
    operationId: "deleteFile",
    summary: "Delete a file",
    description: "Refused while a campaign that has not finished downloads it. Download tasks already queued with it fail on the device (404).",
    tag: "files",
    role: "admin",
    params: FileParams,
    responses: { 204: null },
    errors: ["FILE_NOT_FOUND", "FILE_IN_USE"],
    audit: { action: "file.delete", targetType: "file", targetId: (req) => req.params.fileId, read: readFile },
    handler: async (req, reply) => {
      await files.delete(req.params.fileId, "file");
      return reply.status(204).send();
    },
  });

  // ---- uploads from devices ----

  const UploadParams = Type.Object({ id: IdParams.properties.id, uploadId: FileId });
  const getUpload = async (deviceId: string, uploadId: string): Promise<FileRecord> => {
    const f = await files.get(uploadId);
    if (f === null || f.kind !== "upload" || f.deviceId !== deviceId) throw new ApiError("UPLOAD_NOT_FOUND", `device ${JSON.stringify(deviceId)} has no upload ${JSON.stringify(uploadId)}`);
    return f;
  };

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/uploads",
    operationId: "listDeviceUploads",
    summary: "Files the device uploaded (configuration backups, logs), newest first",
    tag: "files",
    role: "read-only",
    params: IdParams,
    querystring: Type.Object({
      fileType: Type.Optional(Type.String({ maxLength: 64 })),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
      offset: Type.Integer({ minimum: 0, default: 0 }),
    }),
    responses: { 200: Type.Object({ uploads: Type.Array(UploadSchema) }) },
    errors: ["DEVICE_NOT_FOUND"],
    handler: async (req) => {
      if ((await ctx.store.devices.get(req.params.id)) === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      const q = req.query;
      const list = await files.list({ kind: "upload", deviceId: req.params.id, ...(q.fileType !== undefined ? { fileType: q.fileType } : {}), limit: q.limit, offset: q.offset });
      return { uploads: list.map(uploadJson) };
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/uploads/:uploadId",
    operationId: "getDeviceUpload",
    summary: "One upload's metadata",
    tag: "files",
    role: "read-only",
    params: UploadParams,
    responses: { 200: UploadSchema },
    errors: ["UPLOAD_NOT_FOUND"],
    handler: async (req) => uploadJson(await getUpload(req.params.id, req.params.uploadId)),
  });

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/uploads/:uploadId/content",
    operationId: "downloadDeviceUpload",
    summary: "One upload's content",
    description: "Operators only: a configuration backup holds the device's secrets (Wi-Fi keys, passwords) in clear.",
    tag: "files",
    role: "operator",
    params: UploadParams,
    headers: RangeHeaders,
    responses: ContentResponses,
    errors: ["UPLOAD_NOT_FOUND"],
    handler: async (req, reply) => sendContent(ctx, await getUpload(req.params.id, req.params.uploadId), req.headers, reply),
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/devices/:id/uploads/:uploadId",
    operationId: "deleteDeviceUpload",
    summary: "Delete one upload",
    tag: "files",
    role: "admin",
    params: UploadParams,
    responses: { 204: null },
    errors: ["UPLOAD_NOT_FOUND"],
    audit: {
      action: "upload.delete", targetType: "upload", targetId: (req) => req.params.uploadId,
      read: async (id, req) => { const f = await files.get(id); return f === null || f.kind !== "upload" || f.deviceId !== req.params.id ? null : uploadJson(f); },
    },
    handler: async (req, reply) => {
      await getUpload(req.params.id, req.params.uploadId);
      await files.delete(req.params.uploadId, "upload", req.params.id);
      return reply.status(204).send();
    },
  });
}
