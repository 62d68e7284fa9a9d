// Column lists and row -> record mapping shared by the repositories.
import type {
  CpeCredential, CwmpNs, DeviceRecord, EventRecord, FaultRecord, JsonValue, SessionRecord, TaskFault, TaskRecord, TaskStatus,
} from "../types.js";
import type { Dialect } from "./dialect.js";
import type { Row } from "./driver.js";

/** The time of the last Inform of the device whose id is the SQL `id` (Dialect.capabilities.informsTable). */
export function lastInformOf(d: Dialect, id: string): string {
  return d.capabilities.informsTable
    ? `(SELECT li.last_inform_at FROM device_informs li WHERE li.device_id = ${id})`
    : `(SELECT dv.last_inform_at FROM devices dv WHERE dv.id = ${id})`;
}

/**
 * The columns toDevice reads, from `devices ${alias}`. `lastInformAt` is the SQL of the last Inform's
 * time: by default where the dialect keeps it; a writer that knows it passes it (on PostgreSQL,
 * RETURNING would read device_informs as it was before the statement).
 */
export function deviceColumns(d: Dialect, alias: string,
  lastInformAt = d.capabilities.informsTable ? lastInformOf(d, `${alias}.id`) : `${alias}.last_inform_at`): string {
  return [
    "id", "manufacturer", "oui", "product_class", "serial_number", "registered_at", "last_inform_address",
    "last_boot_at", "last_bootstrap_at", "cwmp_namespace", "cwmp_version", "credentials", "protocol",
  ].map((c) => `${alias}.${c}`).join(", ") + `, ${lastInformAt} AS last_inform_at, ${d.tagsOf(`${alias}.id`)} AS tags`;
}

function reqDate(d: Dialect, v: unknown): Date {
  return d.readDate(v) ?? new Date(NaN);
}

function str(v: unknown): string {
  return v == null ? "" : String(v);
}

function optStr(v: unknown): string | null {
  return v == null ? null : String(v);
}

export function toDevice(d: Dialect, r: Row): DeviceRecord {
  return {
    id: str(r.id),
    manufacturer: str(r.manufacturer),
    oui: str(r.oui),
    productClass: str(r.product_class),
    serialNumber: str(r.serial_number),
    registeredAt: reqDate(d, r.registered_at),
    lastInformAt: d.readDate(r.last_inform_at),
    lastInformAddress: optStr(r.last_inform_address),
    lastBootAt: d.readDate(r.last_boot_at),
    lastBootstrapAt: d.readDate(r.last_bootstrap_at),
    cwmpNamespace: optStr(r.cwmp_namespace) as CwmpNs | null,
    cwmpVersion: optStr(r.cwmp_version),
    credentials: r.credentials === "own" ? "own" : "bootstrap",
    protocol: r.protocol === "usp" ? "usp" : "cwmp",
    tags: d.readTags(r.tags),
  };
}

export function toEvent(d: Dialect, r: Row): EventRecord {
  return { deviceId: str(r.device_id), at: reqDate(d, r.at), code: str(r.code), commandKey: str(r.command_key) };
}

export const TASK_COLUMNS =
  "id, device_id, name, args, status, created_at, expires_at, not_before, attempts, max_attempts, last_fault, result, completed_at";

export function toTask(d: Dialect, r: Row): TaskRecord {
  const fault = d.readJson(r.last_fault);
  return {
    id: str(r.id),
    deviceId: str(r.device_id),
    name: str(r.name),
    args: d.readJson(r.args),
    status: str(r.status) as TaskStatus,
    createdAt: reqDate(d, r.created_at),
    expiresAt: d.readDate(r.expires_at),
    notBefore: d.readDate(r.not_before),
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    lastFault: fault === null ? null : (fault as unknown as TaskFault),
    result: d.readJson(r.result),
    completedAt: d.readDate(r.completed_at),
  };
}

export const FAULT_COLUMNS = "id, device_id, channel, code, message, detail, retries, at";

export function toFault(d: Dialect, r: Row): FaultRecord {
  return {
    id: str(r.id),
    deviceId: str(r.device_id),
    channel: str(r.channel),
    code: str(r.code),
    message: str(r.message),
    detail: d.readJson(r.detail),
    retries: Number(r.retries),
    at: reqDate(d, r.at),
  };
}

export const SESSION_COLUMNS = "id, device_id, state, version, expires_at";

/** A session row; `state` when the caller has it already (the row does not carry it). */
export function toSession(d: Dialect, r: Row, state?: JsonValue): SessionRecord {
  return {
    id: str(r.id),
    deviceId: str(r.device_id),
    state: state !== undefined ? state : d.readJson(r.state),
    version: Number(r.version),
    expiresAt: reqDate(d, r.expires_at),
  };
}

/** devices.credentials of the device whose id is $1, as cpe_credentials has it (migration 9). */
export const CREDENTIALS_SOURCE_SQL = "(CASE WHEN EXISTS (SELECT 1 FROM cpe_credentials c WHERE c.device_id = $1) THEN 'own' ELSE 'bootstrap' END)";

export const CREDENTIAL_COLUMNS = "username, device_id, password_hash, digest_ha1, realm, created_at";

export function toCredential(d: Dialect, r: Row): CpeCredential {
  return {
    username: str(r.username),
    deviceId: optStr(r.device_id),
    passwordHash: str(r.password_hash),
    digestHa1: str(r.digest_ha1),
    realm: str(r.realm),
    createdAt: reqDate(d, r.created_at),
  };
}
