// Files and firmware: the file store (content on disk or in the database), the file server devices
// download from and upload to, the URLs that authorize them, and HTTP serving rules.

export { FileError, type FileErrorCode } from "./errors.js";
export { FIRMWARE, DOWNLOAD_FILE_TYPES, isDownloadFileType, isUploadFileType, isFirmware, contentTypeFor, isMediaType } from "./file-types.js";
export { FileLinks, FILES_REALM, MAX_URL_LENGTH, type Grant, type LinkSettings } from "./links.js";
export { FileContent, CHUNK_SIZE, type WrittenContent, type WriteLimits, type ContentRef } from "./content.js";
export { FileService, checkMeta, isFileId, newFileId, type NewFileMeta, type DeviceUpload, type FileServiceOptions } from "./service.js";
export { planResponse, parseRange, etagOf, type ServedFile, type ServePlan, type RequestHeaders } from "./http-serve.js";
export { startFileServer, type FileServerOptions, type RunningFileServer, type FileServerLog } from "./server.js";
