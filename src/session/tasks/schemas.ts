// Arguments of every task kind, declared once: the session validates with them and the REST API
// publishes them in its OpenAPI document.

import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { xsdTypes } from "../../cwmp/index.js";

const Name = Type.String({ minLength: 1, maxLength: 256, description: "A parameter name, or a partial path ending with \".\"" });
const ObjectPath = Type.String({ minLength: 2, maxLength: 256, pattern: "\\.$", description: "An object path ending with \".\"" });
const XsdTypeSchema = Type.Union(xsdTypes.map((t) => Type.Literal(t)));
const Url = Type.String({ minLength: 1, maxLength: 256 });
const Credential = Type.String({ maxLength: 256 });
const FileType = Type.String({ minLength: 1, maxLength: 64, description: "e.g. \"1 Firmware Upgrade Image\", \"3 Vendor Configuration File\"" });
const UInt = Type.Integer({ minimum: 0, maximum: 4294967295 });
// Downloads of a stored file (docs/files.md): the ACS fills url, fileType, fileSize (and credentials
// when the file server asks for them) from the file; url and fileType are needed only without it.
const FileId = Type.String({ pattern: "^[0-9a-f]{32}$", description: "A file uploaded through the API (GET /api/files): the ACS fills url, fileType, fileSize and, for firmware, expectedVersion" });
const ExpectedVersion = Type.String({ minLength: 1, maxLength: 64, description: "Done only once the device reports this SoftwareVersion after the transfer (checked after its reboot); else failed with firmware.version_mismatch" });

const strict = { additionalProperties: false } as const;

export const ParameterValueArg = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
    type: Type.Optional(XsdTypeSchema),
  },
  strict,
);

export const taskArgSchemas = {
  getParameterValues: Type.Object({ parameterNames: Type.Array(Name, { minItems: 1 }) }, strict),
  getParameterNames: Type.Object(
    {
      parameterPath: Type.String({ maxLength: 256, description: "\"\" for the whole tree" }),
      nextLevel: Type.Optional(Type.Boolean({ default: false })),
      values: Type.Optional(Type.Boolean({ default: true, description: "Also fetch the values of the subtree" })),
      batched: Type.Optional(
        Type.Boolean({ default: false, description: "Fetch the values by name, cwmp.gpvBatchSize at a time, instead of with one GetParameterValues of the subtree (for big trees and CPEs that cannot answer them at once)" }),
      ),
    },
    strict,
  ),
  setParameterValues: Type.Object(
    { parameterValues: Type.Array(ParameterValueArg, { minItems: 1 }), parameterKey: Type.Optional(Type.String({ maxLength: 32 })) },
    strict,
  ),
  getParameterAttributes: Type.Object({ parameterNames: Type.Array(Name, { minItems: 1 }) }, strict),
  setParameterAttributes: Type.Object(
    {
      parameters: Type.Array(
        Type.Object(
          {
            name: Name,
            notification: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })),
            accessList: Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
          },
          strict,
        ),
        { minItems: 1 },
      ),
    },
    strict,
  ),
  addObject: Type.Object(
    {
      objectName: ObjectPath,
      parameterKey: Type.Optional(Type.String({ maxLength: 32 })),
      parameterValues: Type.Optional(Type.Array(ParameterValueArg, { description: "Set on the new instance; names relative to it" })),
    },
    strict,
  ),
  deleteObject: Type.Object({ objectName: ObjectPath, parameterKey: Type.Optional(Type.String({ maxLength: 32 })) }, strict),
  reboot: Type.Object({}, strict),
  factoryReset: Type.Object({}, strict),
  download: Type.Object(
    {
      fileId: Type.Optional(FileId),
      fileType: Type.Optional(FileType),
      url: Type.Optional(Url),
      username: Type.Optional(Credential),
      password: Type.Optional(Credential),
      fileSize: Type.Optional(UInt),
      targetFileName: Type.Optional(Type.String({ maxLength: 256 })),
      delaySeconds: Type.Optional(UInt),
      successUrl: Type.Optional(Type.String({ maxLength: 256 })),
      failureUrl: Type.Optional(Type.String({ maxLength: 256 })),
      expectedVersion: Type.Optional(ExpectedVersion),
    },
    strict,
  ),
  upload: Type.Object(
    {
      fileType: FileType,
      url: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "Where the device sends the file; left out, the ACS's file server (docs/files.md)" })),
      uploadId: Type.Optional(Type.String({ pattern: "^[0-9a-f]{32}$", description: "Filled by the ACS with the URL it makes: the id the upload will have (GET /api/devices/{id}/uploads/{uploadId})" })),
      username: Type.Optional(Credential),
      password: Type.Optional(Credential),
      delaySeconds: Type.Optional(UInt),
    },
    strict,
  ),
  scheduleInform: Type.Object({ delaySeconds: Type.Integer({ minimum: 1, maximum: 4294967295 }), commandKey: Type.Optional(Type.String({ maxLength: 32 })) }, strict),
  scheduleDownload: Type.Object(
    {
      fileId: Type.Optional(FileId),
      fileType: Type.Optional(FileType),
      url: Type.Optional(Url),
      username: Type.Optional(Credential),
      password: Type.Optional(Credential),
      fileSize: Type.Optional(UInt),
      targetFileName: Type.Optional(Type.String({ maxLength: 256 })),
      timeWindows: Type.Array(
        Type.Object(
          {
            windowStart: UInt,
            windowEnd: UInt,
            windowMode: Type.String({ minLength: 1, maxLength: 64, description: "\"1 At Any Time\", \"2 Immediately\", \"3 When Idle\", \"4 Confirmation Needed\"" }),
            userMessage: Type.Optional(Type.String({ maxLength: 256 })),
            maxRetries: Type.Optional(Type.Integer({ minimum: -1 })),
          },
          strict,
        ),
        { minItems: 1, maxItems: 2 },
      ),
      expectedVersion: Type.Optional(ExpectedVersion),
    },
    strict,
  ),
  cancelTransfer: Type.Object({ taskId: Type.String({ minLength: 1, description: "The download, upload or scheduleDownload task to cancel" }) }, strict),
  getQueuedTransfers: Type.Object({}, strict),
  getAllQueuedTransfers: Type.Object({}, strict),
  changeDUState: Type.Object(
    {
      operations: Type.Array(
        Type.Union([
          Type.Object(
            {
              type: Type.Literal("Install"),
              url: Type.String({ minLength: 1, maxLength: 1024 }),
              uuid: Type.Optional(Type.String()),
              username: Type.Optional(Credential),
              password: Type.Optional(Credential),
              executionEnvRef: Type.Optional(Type.String({ maxLength: 256 })),
            },
            strict,
          ),
          Type.Object(
            {
              type: Type.Literal("Update"),
              uuid: Type.Optional(Type.String()),
              version: Type.Optional(Type.String({ maxLength: 32 })),
              url: Type.Optional(Type.String({ maxLength: 1024 })),
              username: Type.Optional(Credential),
              password: Type.Optional(Credential),
            },
            strict,
          ),
          Type.Object(
            { type: Type.Literal("Uninstall"), uuid: Type.String(), version: Type.Optional(Type.String({ maxLength: 32 })), executionEnvRef: Type.Optional(Type.String({ maxLength: 256 })) },
            strict,
          ),
        ]),
        { minItems: 1, maxItems: 16 },
      ),
    },
    strict,
  ),
  getRPCMethods: Type.Object({}, strict),
} satisfies Record<string, TSchema>;

export type TaskName = keyof typeof taskArgSchemas;
export type TaskArgs<N extends TaskName> = Static<(typeof taskArgSchemas)[N]>;

export const taskNames = Object.keys(taskArgSchemas) as TaskName[];

export function isTaskName(name: string): name is TaskName {
  return Object.prototype.hasOwnProperty.call(taskArgSchemas, name);
}

export class TaskArgumentError extends Error {
  readonly code = "TASK_INVALID_ARGUMENTS";
  readonly problems: string[];
  constructor(task: string, problems: string[]) {
    super(`invalid arguments for ${task}: ${problems.join("; ")}`);
    this.name = "TaskArgumentError";
    this.problems = problems;
  }
}

/** Checks a task's arguments against its schema; throws TaskArgumentError saying what is wrong. */
export function validateTaskArgs<N extends TaskName>(name: N, args: unknown): TaskArgs<N> {
  const schema = taskArgSchemas[name];
  if (Value.Check(schema, args)) return args as TaskArgs<N>;
  const problems = [...Value.Errors(schema, args)].slice(0, 10).map((e) => `${e.path || "(arguments)"}: ${e.message}`);
  throw new TaskArgumentError(name, problems);
}
