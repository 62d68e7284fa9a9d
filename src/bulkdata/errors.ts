// Typed errors of the Bulk Data parser, with stable codes. The collector answers each with its HTTP
// status (400, 413 or 415) and the message, so that whoever reads a device's log learns what was wrong.

export type BulkDataErrorCode =
  /** A Content-Type that is neither JSON nor CSV, or a charset that cannot be read. */
  | "BULKDATA_MEDIA_TYPE"
  /** A body that is not JSON, or JSON not shaped as TR-181 describes a report. */
  | "BULKDATA_JSON"
  /** CSV whose rows do not fit its header, or a header that names no report format. */
  | "BULKDATA_CSV"
  /** A BBF-Report-Format that the encoding does not define. */
  | "BULKDATA_FORMAT"
  /** A timestamp that is neither Unix-Epoch nor ISO-8601. */
  | "BULKDATA_TIMESTAMP"
  /** More reports or values, or a longer name or value, than the collector accepts. */
  | "BULKDATA_LIMIT";

export class BulkDataError extends Error {
  constructor(
    readonly code: BulkDataErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BulkDataError";
  }

  /** The HTTP status a collector answers with. */
  get status(): 400 | 413 | 415 {
    return this.code === "BULKDATA_MEDIA_TYPE" ? 415 : this.code === "BULKDATA_LIMIT" ? 413 : 400;
  }
}
