// The REST API's errors: a registry of stable codes, each with its HTTP status and what it means.
// Every error answer is JSON `{ "error": { "code", "message", "details"? } }`, where `message` says
// what was wrong with this request. docs/errors.md lists the same codes (a test keeps them in step).
// A code, once published, keeps its meaning; a retired code goes to RETIRED_CODES and is never reused.

export const ERRORS = {
  VALIDATION: { status: 400, description: "The request does not fit its schema; `details` names each field and what is wrong with it." },
  BAD_JSON: { status: 400, description: "The request body is not valid JSON (or is empty where JSON is expected)." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: "The request body is not `application/json`." },
  BODY_TOO_LARGE: { status: 413, description: "The request body is larger than the API accepts (1 MiB)." },
  AUTH_REQUIRED: { status: 401, description: "No credentials: send an API key (`Authorization: Bearer <key>`) or the console's session cookie (`provisio_session`, set by `POST /api/session`)." },
  AUTH_MALFORMED: { status: 401, description: "The Authorization header is not `Bearer <key>`." },
  AUTH_INVALID: { status: 401, description: "The API key is not known." },
  AUTH_REVOKED: { status: 401, description: "The API key was revoked." },
  AUTH_SESSION_INVALID: { status: 401, description: "The session cookie is not (or no longer) a login: it expired, was logged out, or its user was disabled, deleted or changed password. Log in again (`POST /api/session`)." },
  CSRF_TOKEN_INVALID: { status: 403, description: "A request authenticated by the session cookie that changes something (POST, PUT, PATCH, DELETE) must send the session's CSRF token in `X-CSRF-Token`; it was missing or wrong." },
  LOGIN_FAILED: { status: 401, description: "The username or the password is wrong, or the user is disabled (which one is not told)." },
  LOGIN_RATE_LIMITED: { status: 429, description: "Too many failed logins for this username or from this address; see Retry-After." },
  USER_REQUIRED: { status: 403, description: "Only a console user (logged in with `POST /api/session`) can do this; an API key cannot." },
  CURRENT_PASSWORD_WRONG: { status: 403, description: "The current password given to change one's password is wrong." },
  PASSWORD_POLICY: { status: 400, description: "The password does not meet the policy: at least 12 characters, and not the username." },
  USER_NOT_FOUND: { status: 404, description: "No user has this username." },
  USER_EXISTS: { status: 409, description: "A user with this username (in any case) already exists." },
  FORBIDDEN: { status: 403, description: "The role of the API key or user may not do this (`details` has the role needed)." },
  NOT_FOUND: { status: 404, description: "No such endpoint (check the method and the path)." },
  DEVICE_NOT_FOUND: { status: 404, description: "No device has this id." },
  TASK_NOT_FOUND: { status: 404, description: "No task has this id." },
  FAULT_NOT_FOUND: { status: 404, description: "No fault has this id (it may have been cleared already)." },
  WEBHOOK_NOT_FOUND: { status: 404, description: "No webhook has this id." },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, description: "The webhook has no delivery with this id (it may have been pruned)." },
  WEBHOOK_DELIVERY_PENDING: { status: 409, description: "The delivery is still queued or being tried; only a delivered or failed one can be redelivered." },
  WEBHOOK_DISABLED: { status: 409, description: "The webhook is disabled: enable it first, or the redelivery would be given up at once." },
  APIKEY_NOT_FOUND: { status: 404, description: "No API key has this id." },
  FILTER_INVALID: { status: 400, description: "The device filter is not valid (docs/filters.md); `details` has the filter error's code and position." },
  SORT_INVALID: { status: 400, description: "A sort key names nothing devices can be sorted by." },
  QUERY_INVALID: { status: 400, description: "List options that do not fit together (e.g. `after` with a sort other than by id)." },
  TASK_VALUE_TYPE: { status: 400, description: "A value of a setParameterValues task cannot be of its parameter's type (as the device reported it, else as the standard data model defines it, else as given); nothing was queued." },
  TASK_NOT_CANCELLABLE: { status: 409, description: "The task has already finished." },
  TASK_NOT_RETRYABLE: { status: 409, description: "Only failed, expired or cancelled tasks can be retried." },
  FILTER_REQUIRED: { status: 400, description: "A bulk change needs a filter; `all: true` addresses every device instead." },
  BULK_COUNT_MISMATCH: { status: 409, description: "A bulk deletion's `expected` is not the number of devices its filter matches (`details.matched`); nothing was deleted." },
  BULK_TOO_MANY: { status: 400, description: "The filter matches more devices than one bulk task may address (`nbi.bulkLimit`); `details.matched` says how many." },
  CONNECTION_REQUEST_FAILED: { status: 502, description: "The device could not be woken; `details` has every attempt." },
  CONNECTION_REQUEST_NO_METHOD: { status: 409, description: "The device reported no way to reach it that this ACS can use (ConnectionRequestURL, UDPConnectionRequestAddress with a STUN binding, ConnReqJabberID)." },
  CONNECTION_REQUEST_RATE_LIMITED: { status: 429, description: "A connection request was sent to this device moments ago (`connectionRequests.minInterval`); see Retry-After." },
  WEBHOOK_URL_INVALID: { status: 400, description: "A webhook URL must be an absolute http or https URL without credentials." },
  WEBHOOK_TARGET_REFUSED: { status: 400, description: "The webhook URL names a private, loopback, link-local, metadata or this host's address; webhooks.allowTargets can admit it." },
  SECRET_UNREADABLE: { status: 500, description: "A stored secret cannot be unsealed with this process's secretsKey (the processes have different keys, or the data was altered)." },
  TOO_MANY_STREAMS: { status: 503, description: "This process already serves `nbi.maxEventStreams` event streams; retry later or elsewhere." },
  STORE_UNAVAILABLE: { status: 503, description: "The database cannot be reached." },
  PRESET_NOT_FOUND: { status: 404, description: "No preset has this name." },
  PROVISION_NOT_FOUND: { status: 404, description: "No provision has this name." },
  DOCUMENT_INVALID: { status: 400, description: "A preset or provision document is not valid (docs/provisioning.md); `details.problems` says what is wrong with it, a script that does not compile included." },
  VERSION_CONFLICT: { status: 409, description: "The document changed since the version given in `If-Match` (`details.current` is its version now)." },
  FILE_NOT_FOUND: { status: 404, description: "No file has this id." },
  UPLOAD_NOT_FOUND: { status: 404, description: "The device has no upload with this id." },
  FILE_TOO_LARGE: { status: 413, description: "The file is larger than the server accepts (`files.maxSize`); nothing was stored." },
  FILE_CHECKSUM_MISMATCH: { status: 400, description: "The content's SHA-256 is not the `sha256` given; nothing was stored (`details` has both)." },
  FILE_IN_USE: { status: 409, description: "A campaign that has not finished downloads this file; abort it or let it finish first (`details.campaigns`)." },
  FILES_DISABLED: { status: 409, description: "The file server is off (`files.enabled`), so the ACS cannot make a URL for the device: give a `url`." },
  CAMPAIGN_NOT_FOUND: { status: 404, description: "No campaign has this id." },
  CAMPAIGN_STATE: { status: 409, description: "The campaign's status does not allow this (pause needs a running campaign, resume a paused one, delete a finished one); `details.status` is its status." },
  SAVED_FILTER_NOT_FOUND: { status: 404, description: "No saved filter has this name." },
  SAVED_FILTER_EXISTS: { status: 409, description: "A saved filter already has this name (change it with PUT)." },
  VERSION_NOT_FOUND: { status: 404, description: "The preset or provision never had this version." },
  VERSION_DELETED: { status: 409, description: "This version records a deletion: there is no document to revert to (pick an earlier version)." },
  SESSION_NOT_FOUND: { status: 404, description: "The device has no recorded session with this id (only its last `sessionHistory.perDevice` are kept)." },
  TENANT_FORBIDDEN: { status: 403, description: "The principal is scoped to a tenant, and this is global configuration (or its tenant no longer exists: then also at a scoped user's login): for unscoped principals only." },
  TENANT_NOT_FOUND: { status: 404, description: "No tenant has this name." },
  TENANT_EXISTS: { status: 409, description: "A tenant with this name exists already." },
  TENANT_IN_USE: { status: 409, description: "API keys that are not revoked, or console users, are scoped to the tenant (`details.apiKeys` and `details.users` count them); revoke the keys and move or delete the users first." },
  DIAGNOSTIC_NOT_FOUND: { status: 404, description: "No diagnostic (or fleet diagnostic) has this id." },
  DIAGNOSTIC_ARGS_INVALID: { status: 400, description: "The diagnostic's arguments fit its kind but cannot be run here: a speed test larger than `diagnostics.speedTestMaxBytes`, or one without a URL while the file server (which serves Provisio's test endpoints) is off; nothing was started." },
  DIAGNOSTIC_IN_PROGRESS: { status: 409, description: "The device already runs a diagnostic of this kind (`details.diagnosticId`); a second request would cancel it on the device." },
  METRIC_NOT_FOUND: { status: 404, description: "No metric definition has this name." },
  METRIC_INVALID: { status: 400, description: "The metric definition cannot be recorded: a reserved name, or a path that is not one parameter; nothing was stored." },
  METRIC_RESOLUTION_INVALID: { status: 400, description: "The server keeps no such resolution: `raw`, one of `metrics.tiers` (5m, 1h by default) or `auto`." },
  ALARM_NOT_FOUND: { status: 404, description: "No alarm has this id." },
  ALARM_RULE_NOT_FOUND: { status: 404, description: "No alarm rule has this id." },
  ALARM_RULE_EXISTS: { status: 409, description: "An alarm rule already has this name." },
  ALARM_RULE_INVALID: { status: 400, description: "The rule's condition fits the schema but means nothing (a clear threshold on the wrong side, a regular expression that is not one, a path that is not a parameter); `details.problems` lists what; nothing was changed." },
  INTERNAL: { status: 500, description: "An unexpected failure; the server's log has the details." },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorName = keyof typeof ERRORS;

/** Codes no longer used; never given a new meaning. */
export const RETIRED_CODES: readonly string[] = [];

export const CODE_PREFIX = "PROVISIO_ERR_";

export function errorCode(name: ErrorName): string {
  return CODE_PREFIX + name;
}

export class ApiError extends Error {
  readonly code: string;
  /** Read by fastify. */
  readonly statusCode: number;
  constructor(
    readonly errorName: ErrorName,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
    this.code = errorCode(errorName);
    this.statusCode = ERRORS[errorName].status;
  }

  body(): { error: { code: string; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}
