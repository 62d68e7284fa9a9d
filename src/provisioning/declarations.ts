// A declaration says how part of a device should be; the engine works out the RPCs. Provisions
// (declarative documents, scripts, built-ins) all come down to lists of these.

import { Type, type Static } from "@sinclair/typebox";
import { xsdTypes } from "../cwmp/index.js";

export const declarationSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 512, description: "Parameter or object path; '*' and [Key=Value,...] select instances" }),
    value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: "Desired value" })),
    type: Type.Optional(Type.Union(xsdTypes.map((t) => Type.Literal(t)), { description: "Type to send the value as when the device has not reported one" })),
    maxAge: Type.Optional(Type.Number({ minimum: 0, description: "Read the value (or a subtree, or an instance list) again when older than this many seconds" })),
    notification: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })),
    accessList: Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
    instances: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Object({ min: Type.Optional(Type.Integer({ minimum: 0 })), max: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false })], {
        description: "How many instances the selector should match: created with AddObject (keys set) or deleted",
      }),
    ),
  },
  { additionalProperties: false },
);

export type Declaration = Static<typeof declarationSchema>;

/** Something a provision wants done that is not a parameter's state. */
export type Action =
  | { kind: "tag"; tag: string; present: boolean }
  | { kind: "reboot"; key: string }
  /** Read these subtrees' names and values (a getParameterNames task each, unless one is pending). */
  | { kind: "discover"; paths: string[] }
  | {
      kind: "download";
      /** Done once per key (e.g. the target firmware version): a device that reports it is left alone. */
      key: string;
      fileType: string;
      url: string;
      username?: string;
      password?: string;
      fileSize?: number;
      targetFileName?: string;
    };
