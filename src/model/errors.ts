// Typed errors of the data-model layer. Each carries a stable code; callers map codes to their own
// answers (the REST API to an HTTP status, the simulator to a start-up failure).

export type ModelErrorCode =
  /** A parameter or object path that is not a valid TR-069 name. */
  | "PATH_INVALID"
  /** A data-model file that is not well-formed XML (or exceeds the scanner's limits). */
  | "DM_XML"
  /** Well-formed XML that is not a Broadband Forum data-model document. */
  | "DM_NOT_DATA_MODEL"
  /** A data-model document that defines no model (e.g. a component-only file). */
  | "DM_NO_MODEL"
  /** A device dump that cannot be read at all (bad CSV syntax, missing columns, bad JSON shape). */
  | "DUMP_SYNTAX"
  /** A file could not be read. */
  | "FILE_READ"
  /** Data models given to a registry conflict (two for one root), or one is not what its source declared. */
  | "MODEL_REGISTRY";

export class ModelError extends Error {
  readonly code: ModelErrorCode;
  /** 1-based line in the input, when the error is about one place in a text file. */
  readonly line: number | undefined;
  constructor(code: ModelErrorCode, message: string, options: { line?: number; cause?: unknown } = {}) {
    super(options.line !== undefined ? `${message} (line ${options.line})` : message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
    this.line = options.line;
    this.name = "ModelError";
  }
}
