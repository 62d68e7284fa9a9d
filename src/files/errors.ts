// Typed errors of the file store, the file server's links and campaigns, with stable codes. The REST
// API maps each code to its own error (src/nbi/errors.ts); nothing here knows about HTTP answers.

export type FileErrorCode =
  /** No file (or upload) has this id. */
  | "FILE_NOT_FOUND"
  /** The content is larger than the configured limit. */
  | "FILE_TOO_LARGE"
  /** The content's SHA-256 is not the one the caller announced. */
  | "FILE_CHECKSUM_MISMATCH"
  /** Metadata that does not fit (a FileType TR-069 does not define, an OUI that is not six hex digits, ...). */
  | "FILE_INVALID"
  /** The file is the target of a campaign that has not finished. */
  | "FILE_IN_USE"
  /** The file server is not enabled, so the ACS cannot make a URL for a device. */
  | "FILES_DISABLED"
  /** The upload was cut short (the client went away). */
  | "FILE_INCOMPLETE";

export class FileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "FileError";
  }
}
