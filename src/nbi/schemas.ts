// The REST API's shared schemas (TypeBox, so JSON Schema): declared once, they validate requests,
// check responses in tests, give the handlers their types, and make the OpenAPI document, where each
// schema with an $id becomes a named component.

import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { ACS_EVENT_TYPES } from "../server/events.js";
import { API_ROLES } from "../server/api-keys.js";
import { MAX_DEVICE_ID_LENGTH } from "../session/index.js";

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: "date-time", description: "ISO 8601, UTC" });
const NullableDateTime = Nullable(DateTime);

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "A stable code, PROVISIO_ERR_... (docs/errors.md)" }),
      message: Type.String({ description: "What was wrong, for people" }),
      details: Type.Optional(Type.Unknown({ description: "More about it: the fields that failed validation, a filter error's position, ..." })),
    }),
  },
  { $id: "Error" },
);

export const DeviceId = Type.String({ minLength: 1, maxLength: MAX_DEVICE_ID_LENGTH, description: "OUI-ProductClass-SerialNumber, URL-encoded in paths" });

export const Device = Type.Object(
  {
    id: Type.String(),
    manufacturer: Type.String(),
    oui: Type.String(),
    productClass: Type.String(),
    serialNumber: Type.String(),
    registeredAt: DateTime,
    lastInformAt: NullableDateTime,
    lastInformAddress: Nullable(Type.String()),
    lastBootAt: NullableDateTime,
    lastBootstrapAt: NullableDateTime,
    cwmpNamespace: Nullable(Type.String()),
    cwmpVersion: Nullable(Type.String()),
    credentials: Type.Union([Type.Literal("own"), Type.Literal("bootstrap")], {
      description: "own: the ACS holds credentials of the device's own; bootstrap: none yet, it logs in with the shared bootstrap credentials",
    }),
    protocol: Type.Union([Type.Literal("cwmp"), Type.Literal("usp")], {
      description: "How the device is managed: cwmp (TR-069), or usp once a USP (TR-369) agent onboarded as it (docs/usp.md); filter with protocol = \"usp\"",
    }),
    tags: Type.Array(Type.String()),
    online: Type.Boolean({ description: "Informed within nbi.onlineWindow seconds" }),
  },
  { $id: "Device" },
);

const dataModelCounts = {
  oui: Type.String(),
  productClass: Type.String(),
  softwareVersion: Type.String({ description: "The model is learnt once per OUI, product class and software version, and shared by every agent of them" }),
  learntAt: DateTime,
  complete: Type.Boolean({ description: "false: the agent answered GetSupportedDM for part of its model; the standard model stands in for the rest" }),
  objects: Type.Integer({ minimum: 0 }),
  parameters: Type.Integer({ minimum: 0 }),
  commands: Type.Integer({ minimum: 0 }),
  events: Type.Integer({ minimum: 0 }),
};

export const UspDataModelSummary = Type.Object(dataModelCounts, {
  $id: "UspDataModelSummary",
  description: "What the agent supports, learnt with GetSupportedDM (docs/usp.md); null until learnt (or when the agent answers none: the standard model serves)",
});

export const UspDataModel = Type.Object(
  {
    ...dataModelCounts,
    commandList: Type.Array(Type.Object({
      path: Type.String({ description: "Template path: Device.DeviceInfo.FirmwareImage.{i}.Download()" }),
      async: Type.Boolean(),
      inputArgs: Type.Array(Type.String()),
    })),
    eventList: Type.Array(Type.Object({ path: Type.String({ description: "Template path: Device.Boot!" }), args: Type.Array(Type.String()) })),
  },
  { $id: "UspDataModel", description: "The data model a USP device's agent supports: counts, and its commands and events" },
);

export const UspAgent = Type.Object(
  {
    endpointId: Type.String({ description: "The agent's USP endpoint id (os::00D09E-HGW-SN1)" }),
    mtp: Type.String({ description: "The MTP that carried it last: websocket or mqtt" }),
    lastSeen: DateTime,
    connected: Nullable(Type.Boolean({
      description: "true: this process holds the agent's WebSocket now; false: it does not (the agent is away, or another `serve --workers` process holds it); null: the MTP has no connection per agent to tell (MQTT)",
    })),
    dataModel: Nullable(UspDataModelSummary),
  },
  { $id: "UspAgent", description: "The USP agent a device is (docs/usp.md); null for a CWMP device" },
);

const parameterFields = {
  object: Type.Boolean({ description: "An object or object instance (its key ends with \".\")" }),
  value: Nullable(Type.String({ description: "The value as the device sent it (text)" })),
  type: Nullable(Type.String({ description: "xsd type, e.g. xsd:unsignedInt" })),
  writable: Nullable(Type.Boolean()),
  notification: Nullable(Type.Integer()),
  accessList: Nullable(Type.Array(Type.String())),
  valueAt: NullableDateTime,
  namesAt: NullableDateTime,
  attributesAt: NullableDateTime,
};

export const Parameter = Type.Object(parameterFields, { $id: "Parameter" });

/**
 * The parameter tree: keys are path segments, objects end with "." ("Device.", "WiFi.", "1.") and
 * parameters do not ("SSID"), so a value's full path is its keys joined.
 */
export const ParameterNode = Type.Recursive(
  (This) => Type.Object({ ...parameterFields, children: Type.Optional(Type.Record(Type.String(), This, { description: "Objects only" })) }),
  { $id: "ParameterNode" },
);

export const DeviceListItem = Type.Object(
  {
    ...Device.properties,
    parameters: Type.Optional(Type.Record(Type.String(), Parameter, { description: "With a projection: the projected parameters, by full path" })),
  },
  { $id: "DeviceListItem" },
);

export const DeviceEvent = Type.Object({ at: DateTime, code: Type.String(), commandKey: Type.String() }, { $id: "DeviceEvent" });

export const Fault = Type.Object(
  {
    id: Type.String(),
    deviceId: Type.String(),
    channel: Type.String({ description: "What raised it: task:<id>, session, ..." }),
    code: Type.String(),
    message: Type.String(),
    detail: Type.Unknown(),
    retries: Type.Integer(),
    at: DateTime,
  },
  { $id: "Fault" },
);

export const TaskStatusSchema = Type.Union(["pending", "waiting", "done", "failed", "cancelled", "expired"].map((s) => Type.Literal(s)));

export const Task = Type.Object(
  {
    id: Type.String(),
    deviceId: Type.String(),
    name: Type.String(),
    args: Type.Unknown(),
    status: TaskStatusSchema,
    createdAt: DateTime,
    expiresAt: NullableDateTime,
    notBefore: NullableDateTime,
    attempts: Type.Integer(),
    maxAttempts: Type.Integer(),
    lastFault: Nullable(Type.Object({ code: Type.String(), message: Type.String(), detail: Type.Optional(Type.Unknown()) })),
    result: Type.Unknown(),
    completedAt: NullableDateTime,
    nextAttemptAt: Type.Union([DateTime, Type.Null()], { description: "When a pending task's retry back-off ends (the device is woken then when it can be reached); null: at the device's next session" }),
    nextAttemptBy: Type.Union([Type.Literal("connectionRequest"), Type.Literal("inform"), Type.Null()], {
      description: "How a pending task's next attempt comes: connectionRequest (the ACS wakes the device) or inform (it cannot be woken, or its connection request failed: the device's own next Inform); null when not pending",
    }),
    waitingForInformSince: Type.Union([DateTime, Type.Null()], { description: "A pending task that may run now and waits for the device's own Inform: since when; else null" }),
  },
  { $id: "Task" },
);

export const ConnectionRequestAttempt = Type.Object(
  {
    method: Type.String({ description: "http, udp or xmpp" }),
    target: Type.String({ description: "URL, UDP address or JID" }),
    outcome: Type.String({ description: "accepted, sent, auth-failed, refused, unreachable, timed-out, not-authorized, service-unavailable, not-connected, error" }),
    code: Type.String(),
    detail: Type.String(),
    durationMs: Type.Number(),
    at: DateTime,
  },
  { $id: "ConnectionRequestAttempt" },
);

export const ConnectionRequestResult = Type.Object(
  {
    outcome: Type.String({ description: "The last attempt's outcome, or rate-limited, no-method" }),
    method: Nullable(Type.String()),
    durationMs: Type.Number(),
    attempts: Type.Array(ConnectionRequestAttempt),
    retryAfterMs: Type.Optional(Type.Number()),
  },
  { $id: "ConnectionRequestResult" },
);

export const RecordedAttempt = Type.Object(
  { id: Type.String(), ...ConnectionRequestAttempt.properties, taskId: Nullable(Type.String()) },
  { $id: "RecordedConnectionRequestAttempt" },
);

export const ApiRoleSchema = Type.Union(API_ROLES.map((r) => Type.Literal(r)), { description: "read-only < operator < admin" });

export const ApiKey = Type.Object(
  {
    id: Type.String(), name: Type.String(), role: ApiRoleSchema, createdAt: DateTime, lastUsedAt: NullableDateTime, revokedAt: NullableDateTime,
    tenant: Nullable(Type.String({ description: "The tenant the key is scoped to; null: every device" })),
  },
  { $id: "ApiKey" },
);

export const EventTypeSchema = Type.Union(ACS_EVENT_TYPES.map((t) => Type.Literal(t)), { $id: "EventType" });

export const Event = Type.Object(
  {
    id: Type.String({ description: "Increasing; resume a stream after it with Last-Event-ID" }),
    type: Type.String(),
    deviceId: Type.String(),
    at: DateTime,
  },
  { $id: "Event", additionalProperties: true, description: "The event's own fields follow (docs/api.md lists them per type)" },
);

export const Webhook = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    url: Type.String(),
    events: Type.Array(Type.String(), { description: "Event types delivered; empty for all" }),
    filter: Nullable(Type.String({ description: "Device filter events must match (docs/filters.md)" })),
    enabled: Type.Boolean(),
    createdAt: DateTime,
    updatedAt: DateTime,
    tenant: Nullable(Type.String({ description: "The tenant of the key that created it: only that tenant's devices' events are delivered" })),
  },
  { $id: "Webhook" },
);

export const WebhookDelivery = Type.Object(
  {
    id: Type.String(),
    webhookId: Type.String(),
    eventId: Type.String(),
    eventType: Type.String(),
    deviceId: Nullable(Type.String()),
    status: Type.Union([Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("failed")]),
    attempts: Type.Integer(),
    nextAttemptAt: NullableDateTime,
    createdAt: DateTime,
    completedAt: NullableDateTime,
    redeliveredAt: NullableDateTime,
    payload: Type.Unknown({ description: "The body sent" }),
    attemptLog: Type.Array(
      Type.Object({
        attempt: Type.Integer(),
        at: DateTime,
        durationMs: Type.Number(),
        statusCode: Nullable(Type.Integer()),
        ok: Type.Boolean(),
        error: Nullable(Type.String()),
      }),
    ),
  },
  { $id: "WebhookDelivery" },
);

export const Empty = Type.Object({}, { additionalProperties: false });

export type DeviceJson = Static<typeof Device>;
export type TaskJson = Static<typeof Task>;
