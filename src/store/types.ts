// The one storage interface. Two backends implement it: sqlite/ (embedded default) and postgres/
// (many ACS processes sharing one database). The core names only this file.
//
// All times are Date objects; all JSON-valued fields are plain JSON values. Paths of objects and
// object instances end with "." (TR-069 partial path), parameter paths do not.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type CwmpNs = "1-0" | "1-1" | "1-2" | "1-3" | "1-4";

export interface DeviceRecord {
  /** OUI-ProductClass-SerialNumber (ProductClass left out when empty), URL-safe. */
  id: string;
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
  registeredAt: Date;
  lastInformAt: Date | null;
  /** Source address of the last Inform (IP, or IP:port). */
  lastInformAddress: string | null;
  lastBootAt: Date | null;
  lastBootstrapAt: Date | null;
  /** cwmp namespace the device speaks (its replies are written in it). */
  cwmpNamespace: CwmpNs | null;
  /** CWMP protocol version negotiated, e.g. "1.4" (from SupportedCWMPVersions) or inferred. */
  cwmpVersion: string | null;
  tags: string[];
}

export interface InformUpdate {
  id: string;
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
  at: Date;
  address: string | null;
  cwmpNamespace: CwmpNs;
  cwmpVersion: string | null;
  /** Event codes of this Inform; "0 BOOTSTRAP" and "1 BOOT" set lastBootstrapAt / lastBootAt. */
  events: { code: string; commandKey: string }[];
}

export interface DeviceListQuery {
  limit?: number;
  offset?: number;
  /** Only devices whose id starts with this. */
  idPrefix?: string;
  tag?: string;
}

export interface DeviceRepo {
  get(id: string): Promise<DeviceRecord | null>;
  /** Creates the device on its first Inform, or updates identity and last-inform fields; records the events. */
  recordInform(update: InformUpdate): Promise<{ device: DeviceRecord; created: boolean }>;
  list(query?: DeviceListQuery): Promise<DeviceRecord[]>;
  count(query?: DeviceListQuery): Promise<number>;
  /** Deletes the device and everything attached to it (parameters, events, tasks, faults, credentials, sessions). */
  delete(id: string): Promise<boolean>;
  /** Adds and removes tags; returns the new tag list, or null when the device does not exist. */
  updateTags(id: string, add: string[], remove: string[]): Promise<string[] | null>;
}

export interface EventRecord {
  deviceId: string;
  at: Date;
  code: string;
  commandKey: string;
}

export interface EventRepo {
  /** Newest first. */
  list(deviceId: string, limit?: number): Promise<EventRecord[]>;
}

export interface ParameterRecord {
  path: string;
  /** True for objects and object instances (path ends with "."). */
  object: boolean;
  /** Value as text (XsdValue.text); null when only the name is known. */
  value: string | null;
  /** xsd type, e.g. "xsd:unsignedInt"; null when unknown. */
  type: string | null;
  writable: boolean | null;
  notification: number | null;
  accessList: string[] | null;
  valueAt: Date | null;
  /** When the name (existence, writability) was last learned, from GetParameterNames or a value. */
  namesAt: Date | null;
  attributesAt: Date | null;
}

export interface ParameterValueUpdate {
  path: string;
  value: string;
  type: string;
}

export interface ParameterNameUpdate {
  path: string;
  writable: boolean;
}

export interface ParameterAttributeUpdate {
  path: string;
  notification: number;
  accessList: string[];
}

export interface ParameterRepo {
  /** Every parameter and object of the device, sorted by path. */
  all(deviceId: string): Promise<ParameterRecord[]>;
  /** The records of these exact paths that exist. */
  get(deviceId: string, paths: string[]): Promise<ParameterRecord[]>;
  /** The record of `prefix` itself (when it ends with ".") and everything under it, sorted by path. */
  subtree(deviceId: string, prefix: string): Promise<ParameterRecord[]>;
  /** Stores values (creating the parameters, and their parent objects, when new). */
  setValues(deviceId: string, values: ParameterValueUpdate[], at: Date): Promise<void>;
  /**
   * Stores names from a GetParameterNames response for `requestPath`. When `nextLevel` is false the
   * response is the complete subtree, so anything under `requestPath` that it does not list is deleted;
   * when true, only the direct children are complete, and deeper records under vanished children go too.
   */
  setNames(deviceId: string, requestPath: string, nextLevel: boolean, names: ParameterNameUpdate[], at: Date): Promise<void>;
  setAttributes(deviceId: string, attributes: ParameterAttributeUpdate[], at: Date): Promise<void>;
  /** Deletes `prefix` and everything under it (after a DeleteObject). */
  deleteSubtree(deviceId: string, prefix: string): Promise<number>;
}

/**
 * pending: queued, runs in the device's next session; waiting: the CPE accepted it and its outcome comes
 * later (TransferComplete, DUStateChangeComplete); then done, failed, cancelled or expired.
 */
export type TaskStatus = "pending" | "waiting" | "done" | "failed" | "cancelled" | "expired";

export interface TaskFault {
  /** "cwmp.9005", "timeout", "session.aborted", ... */
  code: string;
  message: string;
  detail?: JsonValue;
}

export interface TaskRecord {
  id: string;
  deviceId: string;
  /** getParameterValues, setParameterValues, reboot, download, ... */
  name: string;
  args: JsonValue;
  status: TaskStatus;
  createdAt: Date;
  /** Not run after this time; marked expired. */
  expiresAt: Date | null;
  /** Not run before this time (retry back-off). */
  notBefore: Date | null;
  attempts: number;
  maxAttempts: number;
  lastFault: TaskFault | null;
  result: JsonValue;
  completedAt: Date | null;
}

export interface NewTask {
  deviceId: string;
  name: string;
  args: JsonValue;
  expiresAt?: Date | null;
  maxAttempts?: number;
}

export interface TaskListQuery {
  deviceId?: string;
  status?: TaskStatus[];
  limit?: number;
  offset?: number;
}

export interface TaskRepo {
  create(task: NewTask, at: Date): Promise<TaskRecord>;
  get(id: string): Promise<TaskRecord | null>;
  /** Oldest first. */
  list(query?: TaskListQuery): Promise<TaskRecord[]>;
  /** Pending tasks of a device that may run at `now` (notBefore passed, not expired), in creation order. */
  runnable(deviceId: string, now: Date): Promise<TaskRecord[]>;
  /** Applies a change; returns the new record, or null when the task does not exist. */
  update(id: string, patch: Partial<Pick<TaskRecord, "status" | "notBefore" | "attempts" | "lastFault" | "result" | "completedAt" | "expiresAt">>): Promise<TaskRecord | null>;
  /** Marks every pending or waiting task whose expiresAt has passed as expired; returns how many. */
  expire(now: Date): Promise<number>;
  /** Number of pending tasks per device (for metrics), or for one device. */
  pendingCount(deviceId?: string): Promise<number>;
}

export interface FaultRecord {
  id: string;
  deviceId: string;
  /** What raised it: "task:<id>", "session", "provision:<name>", ... */
  channel: string;
  code: string;
  message: string;
  detail: JsonValue;
  retries: number;
  at: Date;
}

export interface FaultRepo {
  /** Raises a fault on a channel, or bumps `retries` and refreshes it when the channel already has one. */
  raise(fault: Omit<FaultRecord, "id" | "retries">): Promise<FaultRecord>;
  list(query?: { deviceId?: string; limit?: number; offset?: number }): Promise<FaultRecord[]>;
  clear(id: string): Promise<boolean>;
  clearChannel(deviceId: string, channel: string): Promise<boolean>;
}

export interface SessionRecord {
  id: string;
  deviceId: string;
  /** The session state machine's snapshot, so that any process can carry the session on. */
  state: JsonValue;
  /** Bumped by every save; a save with a stale version is refused (two requests raced). */
  version: number;
  expiresAt: Date;
}

export interface SessionRepo {
  get(id: string): Promise<SessionRecord | null>;
  /**
   * Takes the device's session lock for `sessionId` until `expiresAt`. Succeeds when the device has no
   * session, its session expired, or it is already held by `sessionId`. Works across processes.
   */
  acquire(deviceId: string, sessionId: string, state: JsonValue, expiresAt: Date, now: Date): Promise<SessionRecord | null>;
  /** Saves a new state if `expectedVersion` is current; returns the new record or null (lost race/expired). */
  save(id: string, expectedVersion: number, state: JsonValue, expiresAt: Date): Promise<SessionRecord | null>;
  /** Ends the session and frees the device. */
  end(id: string): Promise<void>;
  /** Sessions whose expiresAt has passed (the CPE vanished); the caller settles them and ends them. */
  expired(now: Date, limit?: number): Promise<SessionRecord[]>;
}

export interface SettingsRepo {
  get(key: string): Promise<JsonValue | undefined>;
  set(key: string, value: JsonValue): Promise<void>;
  /** Sets the value only when the key is absent; returns the value now stored (first writer wins across processes). */
  setIfAbsent(key: string, value: JsonValue): Promise<JsonValue>;
}

export interface CpeCredential {
  /** The username the CPE presents (ManagementServer.Username). */
  username: string;
  /** The device it belongs to; null for shared credentials (e.g. bootstrap). */
  deviceId: string | null;
  /** scrypt hash for HTTP Basic ("scrypt$N$r$p$salt$hash"). */
  passwordHash: string;
  /** MD5(username:realm:password) for HTTP Digest, with the realm it was made for. */
  digestHa1: string;
  realm: string;
  createdAt: Date;
}

export interface CredentialRepo {
  get(username: string): Promise<CpeCredential | null>;
  /** Creates or replaces. */
  put(credential: CpeCredential): Promise<void>;
  delete(username: string): Promise<boolean>;
  forDevice(deviceId: string): Promise<CpeCredential[]>;
}

/** Everything one transaction can touch. */
export interface StoreTx {
  devices: DeviceRepo;
  events: EventRepo;
  parameters: ParameterRepo;
  tasks: TaskRepo;
  faults: FaultRepo;
  sessions: SessionRepo;
  settings: SettingsRepo;
  credentials: CredentialRepo;
}

export interface Store extends StoreTx {
  readonly backend: "sqlite" | "postgres";
  /**
   * Runs `fn` in one transaction: all of its writes commit together or not at all. `fn` must only await
   * calls on `tx` (the SQLite backend serializes transactions within a process).
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
