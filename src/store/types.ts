// The one storage interface. Two backends implement it: sqlite/ (embedded default) and postgres/
// (many ACS processes sharing one database). The core names only this file.
//
// All times are Date objects; all JSON-valued fields are plain JSON values. Paths of objects and
// object instances end with "." (TR-069 partial path), parameter paths do not.

import type { FilterNode, SortKey } from "../query/index.js";

export type { FilterNode, SortKey };

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
  /**
   * "own" when the ACS holds credentials of the device's own (given after its bootstrap, or stored for
   * it beforehand); "bootstrap" while it has none and logs in with the shared bootstrap ones.
   */
  credentials: CredentialsSource;
  /** The protocol it is managed by: "usp" once a USP agent onboarded as it (usp_endpoints), else "cwmp". */
  protocol: DeviceProtocol;
  tags: string[];
}

export type CredentialsSource = "own" | "bootstrap";
export type DeviceProtocol = "cwmp" | "usp";

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
  /**
   * Only devices the filter matches (docs/filters.md), as text or as an AST (from query/'s `parse`, or
   * any object, which is validated). Text that is not a filter, and an AST that is not one, are refused
   * with a FilterError (code FILTER_..., with the position in the text).
   */
  filter?: string | FilterNode;
  /**
   * Order: device fields (not tag) or parameter paths, most significant first (query/sort.ts has the
   * rules: numbers before texts, missing values last). Ties, and the default, go by id ascending.
   */
  sort?: SortKey[];
  /**
   * Keyset paging: only devices after this id (before it with a sort by id descending). Only with the
   * default order or a sort by id alone (else STORE_BAD_QUERY); a page then costs the same at any depth.
   */
  after?: string;
  /** The time relative times (now-1h) and `online` are measured from; default the current time. */
  now?: Date;
  /** The window of `online`: the filter's `online` needs it (FilterError FILTER_CONTEXT without). */
  onlineWithinMs?: number;
}

export interface DeviceQuery extends DeviceListQuery {
  /**
   * Parameters to return with each device: parameter paths, and object paths (ending with ".") for
   * the object and everything under it. At most 100 entries.
   */
  projection?: string[];
  /** Also count the devices the query matches, ignoring limit, offset and after. */
  count?: boolean;
}

export interface ProjectedDevice extends DeviceRecord {
  /** With a projection: the projected records the device has, sorted by path. Absent without one. */
  parameters?: ParameterRecord[];
}

export interface DeviceQueryResult {
  devices: ProjectedDevice[];
  /** With `count: true`, the number of matching devices over all pages; else null. */
  total: number | null;
  /**
   * In id order with a limit: the `after` that gives the next page, or null when there is no next page.
   * Null in other orders (page with offset there).
   */
  next: string | null;
}

export interface DeviceRepo {
  get(id: string): Promise<DeviceRecord | null>;
  /** Creates the device on its first Inform, or updates identity and last-inform fields; records the events. */
  recordInform(update: InformUpdate): Promise<{ device: DeviceRecord; created: boolean }>;
  list(query?: DeviceListQuery): Promise<DeviceRecord[]>;
  count(query?: DeviceListQuery): Promise<number>;
  /** A page of devices (with projected parameters when asked), the total when asked, and the next page's key. */
  query(query: DeviceQuery): Promise<DeviceQueryResult>;
  /** Deletes the device and everything attached to it (parameters, events, tasks, faults, credentials, sessions). */
  delete(id: string): Promise<boolean>;
  /** Adds and removes tags; returns the new tag list, or null when the device does not exist. */
  updateTags(id: string, add: string[], remove: string[]): Promise<string[] | null>;
  /** `delete` for many devices at once (ids that name no device are passed over); returns how many went. */
  deleteMany(ids: readonly string[]): Promise<number>;
  /** `updateTags` for many devices at once (ids that name no device are passed over). */
  updateTagsMany(ids: readonly string[], add: readonly string[], remove: readonly string[]): Promise<void>;
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
  /**
   * Deletes recorded events older than `before`, at most `limit` of them, looking only at the oldest
   * `limit` rows: rows go in in time order, so repeated calls walk the table from its start and each
   * stays cheap however big it is. Returns how many it deleted.
   */
  prune(before: Date, limit: number): Promise<number>;
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
  /** The reported types of these exact paths on each of these devices (a bulk task's checks: one read per batch, not per device). */
  typesOf(deviceIds: readonly string[], paths: readonly string[]): Promise<{ deviceId: string; path: string; type: string | null }[]>;
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

/** Only rows of the devices a filter matches (a tenant's devices): the filter with its evaluation context. */
export interface DeviceScope {
  filter: string | FilterNode;
  now: Date;
  onlineWithinMs?: number;
}

export interface TaskListQuery {
  deviceId?: string;
  devices?: DeviceScope;
  status?: TaskStatus[];
  limit?: number;
  offset?: number;
}

export interface TaskRepo {
  create(task: NewTask, at: Date): Promise<TaskRecord>;
  /** Many tasks created at `at` in one statement (a bulk creation), in the order given; all or none. */
  createMany(tasks: readonly NewTask[], at: Date): Promise<TaskRecord[]>;
  get(id: string): Promise<TaskRecord | null>;
  /** Oldest first. */
  list(query?: TaskListQuery): Promise<TaskRecord[]>;
  /** Pending tasks of a device that may run at `now` (notBefore passed, not expired), in creation order. */
  runnable(deviceId: string, now: Date): Promise<TaskRecord[]>;
  /**
   * Failed tasks of a device that failed after its last recorded Inform, in creation order: those whose
   * outcome its next Inform may still tell (a lost answer; call it before recording that Inform).
   */
  failedSinceInform(deviceId: string): Promise<TaskRecord[]>;
  /** runnable(deviceId, now) and failedSinceInform(deviceId) together, in one statement (an Inform needs both). */
  atInform(deviceId: string, now: Date): Promise<{ runnable: TaskRecord[]; failedSinceInform: TaskRecord[] }>;
  /** Applies a change; returns the new record, or null when the task does not exist. */
  update(id: string, patch: Partial<Pick<TaskRecord, "status" | "notBefore" | "attempts" | "lastFault" | "result" | "completedAt" | "expiresAt">>): Promise<TaskRecord | null>;
  /** Marks every pending or waiting task whose expiresAt has passed as expired; returns how many. */
  expire(now: Date): Promise<number>;
  /** Deletes at most `limit` finished tasks (done, failed, cancelled, expired) completed before `before`, oldest first; returns how many. */
  prune(before: Date, limit: number): Promise<number>;
  /** Number of pending tasks per device (for metrics), or for one device. */
  pendingCount(deviceId?: string): Promise<number>;
  /**
   * Pending tasks whose retry back-off (notBefore) has passed at `now`, not expired, whose device no
   * process has claimed the wake of that retry for (claimRetryWake); earliest first, at most `limit`.
   */
  dueRetries(now: Date, limit: number): Promise<TaskRecord[]>;
  /** Claims the wake of the task's current retry: true for one caller only, whichever process it runs in. */
  claimRetryWake(id: string, now: Date): Promise<boolean>;
  /** Records the outcome of a connection request made for the task, for its current attempt. */
  recordWake(id: string, at: Date, outcome: string): Promise<void>;
  /** The latest wake of each task that has one. */
  wakes(ids: readonly string[]): Promise<Map<string, TaskWake>>;
}

/** A connection request owed for a task, held under one claim until its lease runs out. */
export interface OwedWake {
  taskId: string;
  deviceId: string;
  claim: string;
  leaseUntil: Date;
}

/**
 * Connection requests owed for tasks (migration 22). Whoever owes them holds them under a claim (a
 * random name per lease); once the lease has run out, any process may claim them again under a new one,
 * so that a process that dies owing them leaves them to another. A wake is made only under its claim.
 */
export interface OwedWakeRepo {
  /** Records wakes owed, held under `claim` until `leaseUntil`; a task already owed one keeps its own. */
  owe(targets: readonly { taskId: string; deviceId: string }[], claim: string, leaseUntil: Date, now: Date): Promise<void>;
  /**
   * Claims, under `claim` until `leaseUntil`, wakes whose lease ran out by `now` and whose task is still
   * pending (those of tasks no longer pending are dropped); at most `limit`. Two claimers never get one row.
   */
  claimExpired(claim: string, now: Date, leaseUntil: Date, limit: number): Promise<OwedWake[]>;
  /** Renews the lease of a wake still held under `claim` and unexpired at `now`: true when it is, so the caller may make it. */
  renew(taskId: string, claim: string, now: Date, leaseUntil: Date): Promise<boolean>;
  /** Keeps a wake held under `claim` for later: it may be claimed again from `until` (a rate limit). */
  defer(taskId: string, claim: string, until: Date): Promise<void>;
  /** The wake was made (or is no longer owed): forgets it, if still held under `claim`. */
  settle(taskId: string, claim: string): Promise<void>;
  /** The wakes owed, for tests and the API: of these tasks, or all (oldest first, at most `limit`). */
  list(opts?: { taskIds?: readonly string[]; limit?: number }): Promise<OwedWake[]>;
}

/** A USP agent (migration 23): the device it is, and how the controller reached it last. */
export interface UspEndpointRecord {
  endpointId: string;
  deviceId: string;
  /** The MTP ("websocket", "mqtt") and its address for the agent (a connection's id, an MQTT topic). */
  mtp: string;
  route: string;
  lastSeen: Date;
}

export interface UspEndpointRepo {
  /**
   * Records an agent as it was seen: its endpoint id now names this device (an endpoint id moved to
   * another device leaves the old one), reached this way; the device's protocol becomes "usp".
   */
  record(e: UspEndpointRecord): Promise<void>;
  get(endpointId: string): Promise<UspEndpointRecord | null>;
  /** The device's endpoint, the one seen last when it has several. */
  ofDevice(deviceId: string): Promise<UspEndpointRecord | null>;
}

/** A wake carried to the process that holds the agent's WebSocket (migration 25). */
export interface UspForwardedWake {
  endpointId: string;
  deviceId: string;
  taskId: string | null;
  createdAt: Date;
}

/**
 * Which controller process holds which USP agent's WebSocket, and wakes carried to it (migration 25). A
 * process is alive until the time its last heartbeat said; holds and wakes of a dead one count for nothing.
 */
export interface UspHoldRepo {
  /** The process is alive until `until`; false when it was not at `now` (its holds may have been pruned). */
  alive(instance: string, now: Date, until: Date): Promise<boolean>;
  /** The process stops: it, its holds and the wakes carried to it go. */
  leave(instance: string): Promise<void>;
  /** The process holds these agents' connections (taken over from whoever held them). */
  hold(endpointIds: readonly string[], instance: string, at: Date): Promise<void>;
  /** It holds the agent's connection no more (if it still was the holder). */
  release(endpointId: string, instance: string): Promise<void>;
  /** The live process holding the agent's connection at `now`, or null. */
  holder(endpointId: string, now: Date): Promise<string | null>;
  /** Carries a wake to the process `instance`. */
  forward(instance: string, wake: UspForwardedWake): Promise<void>;
  /** Takes (removes and returns) the wakes carried to `instance`, oldest first, at most `limit`. */
  take(instance: string, limit: number): Promise<UspForwardedWake[]>;
  /** Drops the processes dead by `now`, with their holds and wakes; returns how many processes. */
  prune(now: Date): Promise<number>;
}

/** An agent model's key: the device's OUI, product class and software version (migration 24). */
export interface UspDataModelKey {
  oui: string;
  productClass: string;
  softwareVersion: string;
}

/** What agents of a model and software version support, learnt with GetSupportedDM. */
export interface UspDataModelRecord extends UspDataModelKey {
  learntAt: Date;
  /** false: the agent answered for part of its model only (the standard model stands in for the rest). */
  complete: boolean;
  objects: number;
  parameters: number;
  commands: number;
  events: number;
  /** The model itself, as the controller writes it (compact JSON, src/controller/supported-dm.ts). */
  model: string;
}

export interface UspDataModelRepo {
  /** Keeps a model learnt, replacing what was kept for its key. */
  put(m: UspDataModelRecord): Promise<void>;
  get(key: UspDataModelKey): Promise<UspDataModelRecord | null>;
  /**
   * The model of a device's OUI, product class and stored Device.DeviceInfo.SoftwareVersion; null when
   * none is learnt. `model` is "" unless asked for (the summary costs no JSON).
   */
  ofDevice(deviceId: string, opts?: { model?: boolean }): Promise<UspDataModelRecord | null>;
}

/** The latest connection request made for a task. */
export interface TaskWake {
  at: Date;
  /** The connection request's outcome: accepted, sent, no-method, rate-limited, refused, ... */
  outcome: string;
  /** The task's attempts when it was made: it tells about the attempt that followed only. */
  attempts: number;
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
  list(query?: { deviceId?: string; devices?: DeviceScope; limit?: number; offset?: number }): Promise<FaultRecord[]>;
  get(id: string): Promise<FaultRecord | null>;
  clear(id: string): Promise<boolean>;
  clearChannel(deviceId: string, channel: string): Promise<boolean>;
  /** Whether the device has a fault on a channel whose name starts with `prefix`. */
  anyOnChannels(deviceId: string, prefix: string): Promise<boolean>;
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

/**
 * `last`: the write is the transaction's last statement (QueryOptions.last): a write that finds the
 * session moved on then also fails the transaction, so that nothing of it commits, and resolves as it
 * would otherwise (null or false); the caller must then fail the transaction too.
 */
export interface SessionWriteOptions {
  last?: boolean;
}

export interface SessionRepo {
  get(id: string): Promise<SessionRecord | null>;
  /** The device's session, lapsed or not (a device has at most one). */
  ofDevice(deviceId: string): Promise<SessionRecord | null>;
  /**
   * Takes the device's session lock for `sessionId` until `expiresAt`. Succeeds when the device has no
   * session or it is already held by `sessionId`; a lapsed session is not taken over (end it first, once
   * settled). Works across processes.
   */
  acquire(deviceId: string, sessionId: string, state: JsonValue, expiresAt: Date, options?: SessionWriteOptions): Promise<SessionRecord | null>;
  /** Saves a new state if `expectedVersion` is current; returns the new record or null (lost race/expired). */
  save(id: string, expectedVersion: number, state: JsonValue, expiresAt: Date, options?: SessionWriteOptions): Promise<SessionRecord | null>;
  /**
   * Ends the session and frees the device; with `expectedVersion`, only if that version is current.
   * Resolves to whether a session was ended (with `last` and no `expectedVersion`, a session already gone
   * does not fail the transaction).
   */
  end(id: string, expectedVersion?: number, options?: SessionWriteOptions): Promise<boolean>;
  /** Sessions whose expiresAt has passed (the CPE vanished); the caller settles them and ends them. */
  expired(now: Date, limit?: number): Promise<SessionRecord[]>;
}

export interface SettingsRepo {
  get(key: string): Promise<JsonValue | undefined>;
  set(key: string, value: JsonValue): Promise<void>;
  /** Sets the value only when the key is absent; returns the value now stored (first writer wins across processes). */
  setIfAbsent(key: string, value: JsonValue): Promise<JsonValue>;
}

/** filling: writes keep it and its fill is under way; ready: filters read it from the index; removing: its rows are being deleted. */
export type IndexedParameterState = "filling" | "ready" | "removing";

/** A path pattern of the operator's indexed parameters (`parameters.indexed`, migration 28, docs/scale.md). */
export interface IndexedParameterRecord {
  /** A parameter path where "*" stands for any one segment and "{i}" for any instance number. */
  pattern: string;
  state: IndexedParameterState;
  /** Filling: devices gone through so far; removing: index rows deleted so far. */
  done: number;
  /** When it was (last) chosen. */
  addedAt: Date;
  /** When its fill ended; null before. */
  readyAt: Date | null;
}

/** What a step of the indexed parameters' background work found: nothing to do, older transactions to wait for, or more work. */
export type IndexedWorkStep = "idle" | "waiting" | "more";

export interface IndexedParameterRepo {
  /** By pattern; removed ones too until their rows are gone. */
  list(): Promise<IndexedParameterRecord[]>;
  /**
   * Makes `patterns` (each checked by the caller: sql/indexed-paths.ts) the operator's list: new ones
   * start filling, those no longer listed start being removed, a removed one listed again fills again.
   * Moves the set's revision on when anything changed. Returns the list.
   */
  set(patterns: readonly string[], at: Date): Promise<IndexedParameterRecord[]>;
  /**
   * One step of the background work, in one transaction: a batch of `batch` devices' trees filled into
   * param_index for the oldest pattern filling (the last marks it ready), or a batch of a removed
   * pattern's rows deleted (the last forgets it). A pattern's first step waits until every transaction
   * older than its change has ended ("waiting"). Safe to run in several processes at once.
   */
  step(batch: number, at: Date): Promise<IndexedWorkStep>;
}

export interface CpeCredential {
  /** The username the CPE presents (ManagementServer.Username). */
  username: string;
  /** The device it belongs to (possibly not seen yet); null for shared credentials (e.g. bootstrap). */
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
  /**
   * A login's credential and, in the same read, whether `deviceId` has credentials of its own (which
   * shared ones give way to); null for an unknown username.
   */
  forLogin(username: string, deviceId: string): Promise<{ credential: CpeCredential; deviceHasOwn: boolean } | null>;
  /** Creates or replaces; the devices it was and is for get their `credentials` source anew. */
  put(credential: CpeCredential): Promise<void>;
  /** Deletes; its device turns "bootstrap" when it has no other credentials. */
  delete(username: string): Promise<boolean>;
  forDevice(deviceId: string): Promise<CpeCredential[]>;
}

/**
 * The nonce counts of HTTP Digest logins (migration 6), shared by every ACS process so that a captured
 * Authorization header cannot be replayed on any of them while its nonce lives.
 */
export interface DigestNonceRepo {
  /**
   * Records a login with `nonce` and nonce count `nc` (0 for the RFC 2069 form, which has none: its
   * nonce is then single-use). False when the nonce was already used with this count or a higher one;
   * with `failsTransaction`, that also fails the transaction in the database, so that nothing of it
   * commits even with a COMMIT already sent after it (the caller must fail it too).
   */
  use(nonce: string, nc: number, expiresAt: Date, options?: { failsTransaction?: boolean }): Promise<boolean>;
  /** Forgets nonces that expired before `before`. */
  prune(before: Date): Promise<number>;
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
  // The northbound API's tables (migration 2); their types are at the end of this file.
  outbox: OutboxRepo;
  apiKeys: ApiKeyRepo;
  webhooks: WebhookRepo;
  webhookDeliveries: WebhookDeliveryRepo;
  connectionRequests: ConnectionRequestRepo;
  // Presets and provisions (migration 3).
  provisioning: ProvisioningRepo;
  // Files, device uploads and firmware campaigns (migration 4).
  files: FileRepo;
  campaigns: CampaignRepo;
  // Digest nonce counts (migration 6).
  digestNonces: DigestNonceRepo;
  // The audit trail of changes made through the API and the CLI (migration 12).
  audit: AuditRepo;
  // Console users and their login sessions (migration 10).
  users: UserRepo;
  userSessions: UserSessionRepo;
  // The web console's: saved filters, session history and counts, the overview (migration 13).
  savedFilters: SavedFilterRepo;
  sessionHistory: SessionHistoryRepo;
  fleet: FleetRepo;
  // Tenants (migration 11).
  tenants: TenantRepo;
  // Diagnostics and their results (migration 15).
  diagnostics: DiagnosticRepo;
  // Performance history: metric definitions, samples and rollups (migration 18).
  metrics: MetricRepo;
  // Alarm rules, alarms and their history (migration 19).
  alarms: AlarmRepo;
  // Connection requests owed for tasks, leased between processes (migration 22).
  owedWakes: OwedWakeRepo;
  // USP agents, by endpoint id (migration 23).
  uspEndpoints: UspEndpointRepo;
  // Which process holds which USP agent, and wakes carried to it (migration 25).
  uspHolds: UspHoldRepo;
  // What USP agents support, per model and software version (migration 24).
  uspDataModels: UspDataModelRepo;
  // The operator's indexed parameters (migration 28).
  indexedParameters: IndexedParameterRepo;
}

/**
 * `group`: the transaction may share one database transaction with others under way (PostgreSQL, the
 * store's `groupTransactions`): fewer round trips and commits, but if one of them fails, all of the group
 * do, the others with STORE_GROUP_ABORTED. Only for callers that then run `fn` again on their own.
 */
export interface TransactionOptions {
  group?: boolean;
}

export interface Store extends StoreTx {
  readonly backend: "sqlite" | "postgres";
  /**
   * Runs `fn` in one transaction: all of its writes commit together or not at all. `fn` must only await
   * calls on `tx` (the SQLite backend serializes transactions within a process).
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Calls `wake` soon after any process commits outbox events, so that tailers need not wait for their
   * next poll (PostgreSQL: LISTEN/NOTIFY on a connection of its own). A hint only: it may be late, come
   * twice, or never (SQLite has no such channel), so tailers poll too. Resolves to a function that stops it.
   */
  watchOutbox(wake: () => void): Promise<() => Promise<void>>;
  /**
   * Calls `wake` when a USP wake was carried to the process `instance` (uspHolds.forward), sooner than
   * its poll: PostgreSQL's LISTEN/NOTIFY, on the connection watchOutbox uses. A hint as watchOutbox's
   * is (SQLite has none). Resolves to a function that stops it.
   */
  watchUspWakes(instance: string, wake: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// The northbound API's storage (migration 2): the event outbox, API keys, webhooks and their
// deliveries, connection-request credentials and attempts.

/**
 * A position in the outbox: events are read in (tx, seq) order. `tx` orders events by the transaction
 * that wrote them where commit order and `seq` order can differ (PostgreSQL: the writing transaction's
 * id, as decimal text); it is "0" where transactions commit one at a time in seq order (SQLite).
 */
export interface OutboxCursor {
  tx: string;
  seq: number;
}

export interface NewOutboxEvent {
  /** The AcsEvent type, e.g. "task.completed". */
  type: string;
  deviceId: string | null;
  at: Date;
  /** The whole event as JSON. */
  payload: JsonValue;
}

export interface OutboxEvent extends NewOutboxEvent, OutboxCursor {}

export interface OutboxRepo {
  /** Writes events; in a transaction, they become readable when (and only if) it commits. */
  append(events: NewOutboxEvent[]): Promise<void>;
  /**
   * Committed events after `after` (null: from the oldest kept), in cursor order, at most `limit`. An
   * event is returned only once no transaction still running could commit one before it in this order,
   * so a reader that moves its cursor to the last event it read never misses one.
   */
  read(after: OutboxCursor | null, limit: number): Promise<OutboxEvent[]>;
  /** The cursor of the newest event `read` would return now; null when there is none. */
  head(): Promise<OutboxCursor | null>;
  /** The cursor of the event with this seq, or null when it is not (or no longer) kept. */
  cursorOf(seq: number): Promise<OutboxCursor | null>;
  /** Deletes events older than `before`; returns how many. */
  prune(before: Date): Promise<number>;
  /** A named consumer's shared cursor (one for all processes), or null before it is first set. */
  consumer(name: string): Promise<OutboxCursor | null>;
  /**
   * Moves a consumer's cursor from `expected` (null: not set yet) to `next`. False when it no longer is
   * at `expected`: another process moved it first, and the caller's transaction should be rolled back.
   */
  advanceConsumer(name: string, expected: OutboxCursor | null, next: OutboxCursor): Promise<boolean>;
}

export type ApiRole = "admin" | "operator" | "read-only";

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: ApiRole;
  /** Hex SHA-256 of the key; the key itself is never stored. */
  keyHash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  /** The tenant the key is scoped to (migration 11); null: every device. */
  tenant: string | null;
}

export interface ApiKeyRepo {
  /** Creates a key; false when the id is taken (the caller's transaction goes on). */
  create(key: Omit<ApiKeyRecord, "lastUsedAt" | "revokedAt" | "tenant"> & { tenant?: string | null }): Promise<boolean>;
  get(id: string): Promise<ApiKeyRecord | null>;
  byHash(keyHash: string): Promise<ApiKeyRecord | null>;
  /** Oldest first; revoked keys too. */
  list(): Promise<ApiKeyRecord[]>;
  /** Every key ever created, revoked ones included. */
  count(): Promise<number>;
  /** Marks the key revoked (once: a second call keeps the first time); null when there is no such key. */
  revoke(id: string, at: Date): Promise<ApiKeyRecord | null>;
  /** Keys scoped to the tenant that are not revoked. */
  countOfTenant(tenant: string): Promise<number>;
  /** Records a use, writing only when the last recorded use is older than `staleBefore` (so not every request writes). */
  touch(id: string, at: Date, staleBefore: Date): Promise<void>;
}

/** A person who logs in to the web console (migration 10). */
export interface UserRecord {
  /** Lowercase; the user's id, never renamed. */
  username: string;
  displayName: string | null;
  role: ApiRole;
  /** Self-describing scrypt hash (auth/password.ts); the password itself is never stored. */
  passwordHash: string;
  createdAt: Date;
  passwordChangedAt: Date;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
  /** The tenant the user is scoped to (migration 16); null: every device. */
  tenant: string | null;
}

export interface UserChanges {
  displayName?: string | null;
  role?: ApiRole;
  /** With passwordChangedAt. */
  passwordHash?: string;
  passwordChangedAt?: Date;
  /** A date disables the user (keeping an earlier one), null enables them. */
  disabledAt?: Date | null;
  /** A tenant's name scopes the user to it, null makes them unscoped. */
  tenant?: string | null;
}

export interface UserRepo {
  /** False when the username is taken. */
  create(user: Omit<UserRecord, "lastLoginAt" | "disabledAt" | "tenant"> & { tenant?: string | null }): Promise<boolean>;
  get(username: string): Promise<UserRecord | null>;
  /** By username. */
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;
  /** Null when there is no such user. */
  update(username: string, changes: UserChanges): Promise<UserRecord | null>;
  /** Deletes the user and their sessions; false when there was none. */
  delete(username: string): Promise<boolean>;
  recordLogin(username: string, at: Date): Promise<void>;
  /** Users scoped to the tenant (disabled ones too: enabling them must not find their tenant gone). */
  countOfTenant(tenant: string): Promise<number>;
}

/** A console login (migration 10). */
export interface UserSessionRecord {
  /** Hex SHA-256 of the cookie's token; the token itself is never stored. */
  tokenHash: string;
  username: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Ends when not used until then (moved on by touch)... */
  idleUntil: Date;
  /** ...and at this time whatever happens. */
  endsAt: Date;
}

export interface UserSessionRepo {
  create(session: UserSessionRecord): Promise<void>;
  /** The session and its user, expired or not (the caller decides). */
  byHash(tokenHash: string): Promise<{ session: UserSessionRecord; user: UserRecord } | null>;
  /** Records a use, writing only when the last recorded one is older than `staleBefore`. */
  touch(tokenHash: string, at: Date, idleUntil: Date, staleBefore: Date): Promise<void>;
  delete(tokenHash: string): Promise<boolean>;
  /** Ends every session of the user but `except` (a token hash); returns how many. */
  deleteForUser(username: string, except?: string): Promise<number>;
  /** Deletes sessions that ended before `now`. */
  prune(now: Date): Promise<number>;
}

export interface WebhookRecord {
  id: string;
  name: string;
  url: string;
  /** Event types delivered; empty for all. */
  events: string[];
  /** A device filter (docs/filters.md) events must match, or null. */
  filter: string | null;
  /** The signing secret, sealed (server/secrets.ts); never stored in clear. */
  secretSealed: string;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** The tenant of the key that created it (migration 11): it delivers that tenant's devices' events only. */
  tenant: string | null;
}

export interface WebhookRepo {
  create(hook: Omit<WebhookRecord, "tenant"> & { tenant?: string | null }): Promise<WebhookRecord>;
  get(id: string): Promise<WebhookRecord | null>;
  /** Oldest first. */
  list(): Promise<WebhookRecord[]>;
  update(id: string, patch: Partial<Pick<WebhookRecord, "name" | "url" | "events" | "filter" | "secretSealed" | "enabled" | "updatedAt">>): Promise<WebhookRecord | null>;
  /** Deletes the webhook with its deliveries and their attempts. */
  delete(id: string): Promise<boolean>;
}

/** pending: to be tried (again) at nextAttemptAt; delivered; failed: given up. */
export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDeliveryRecord {
  id: string;
  webhookId: string;
  /** The outbox event delivered (its seq). */
  eventSeq: number;
  eventType: string;
  deviceId: string | null;
  /** The request body, as sent. */
  payload: JsonValue;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  completedAt: Date | null;
  /** When it was last put back in the queue by hand (null: never). */
  redeliveredAt: Date | null;
  /** Its attempts when it was last redelivered: the current round's attempts are those after. */
  redeliveredAfter: number;
}

export interface WebhookAttemptRecord {
  deliveryId: string;
  /** 1 for the first attempt. */
  attempt: number;
  at: Date;
  durationMs: number;
  /** The receiver's HTTP status, null when none came (refused, timed out). */
  statusCode: number | null;
  ok: boolean;
  /** What went wrong, for people; null when it worked. */
  error: string | null;
}

export interface NewWebhookDelivery {
  webhookId: string;
  eventSeq: number;
  eventType: string;
  deviceId: string | null;
  payload: JsonValue;
}

export interface WebhookDeliveryRepo {
  /** Queues deliveries due at `at`; one per webhook and event whatever the number of calls. Returns how many are new. */
  enqueue(deliveries: NewWebhookDelivery[], at: Date): Promise<number>;
  /**
   * Claims up to `limit` pending deliveries due at `now` that no live claim holds, for `owner` until
   * `until`. Across processes, a delivery is claimed by one owner at a time.
   */
  claim(owner: string, now: Date, until: Date, limit: number): Promise<WebhookDeliveryRecord[]>;
  /** When the earliest pending delivery is due (a cheap read, so that idle processes need not write to claim); null when none is pending. */
  nextDue(): Promise<Date | null>;
  /**
   * Records an attempt and the delivery's new state, if `owner` still holds the claim (false when the
   * claim was lost: nothing is written).
   */
  finishAttempt(
    deliveryId: string,
    owner: string,
    attempt: WebhookAttemptRecord,
    next: { status: WebhookDeliveryStatus; nextAttemptAt: Date | null; completedAt: Date | null },
  ): Promise<boolean>;
  get(id: string): Promise<WebhookDeliveryRecord | null>;
  /**
   * Puts a finished (delivered or failed) delivery of `webhookId` back in the queue, due at `at`, its
   * attempts kept. Null when there is no such delivery or it is still pending.
   */
  redeliver(id: string, webhookId: string, at: Date): Promise<WebhookDeliveryRecord | null>;
  /** Newest first, each with its attempts (oldest first); `id`: that one delivery only. */
  list(webhookId: string, query?: { status?: WebhookDeliveryStatus; id?: string; limit?: number; offset?: number }): Promise<(WebhookDeliveryRecord & { attemptLog: WebhookAttemptRecord[] })[]>;
  /** Deletes finished deliveries (and their attempts) completed before `before`. */
  prune(before: Date): Promise<number>;
}

/** Credentials a device's connection requests are made with (ConnectionRequestUsername/Password). */
export interface ConnectionRequestCredentialRecord {
  deviceId: string;
  username: string;
  /** Sealed (server/secrets.ts): they must be usable in clear to answer Digest, so never hashed, never in clear. */
  passwordSealed: string;
  updatedAt: Date;
}

export interface ConnectionRequestAttemptRecord {
  /** Increasing. */
  id: number;
  deviceId: string;
  at: Date;
  method: string;
  /** URL, UDP address or JID. */
  target: string;
  outcome: string;
  code: string;
  detail: string;
  durationMs: number;
  /** The task whose creation asked for it, if any. */
  taskId: string | null;
}

export interface ConnectionRequestRepo {
  credentials(deviceId: string): Promise<ConnectionRequestCredentialRecord | null>;
  /** Creates or replaces. The device must exist (STORE_UNKNOWN_REFERENCE). */
  setCredentials(record: ConnectionRequestCredentialRecord): Promise<void>;
  deleteCredentials(deviceId: string): Promise<boolean>;
  record(attempts: Omit<ConnectionRequestAttemptRecord, "id">[]): Promise<void>;
  /** Newest first. */
  attempts(deviceId: string, query?: { limit?: number; offset?: number }): Promise<ConnectionRequestAttemptRecord[]>;
  prune(before: Date): Promise<number>;
}

// ---- provisioning documents (migration 3) ----

export type ProvisioningKind = "preset" | "provision";

export interface ProvisioningDocument {
  name: string;
  doc: JsonValue;
  /** 1 for the first version of a name, then one more at each change. */
  version: number;
  updatedAt: Date;
}

export interface ProvisioningRepo {
  list(kind: ProvisioningKind): Promise<ProvisioningDocument[]>;
  get(kind: ProvisioningKind, name: string): Promise<ProvisioningDocument | null>;
  /**
   * Stores a new version of a document. With `expectedVersion`, only when the current version is that
   * one (0: the name must be new); returns null on a mismatch. Every version is kept in the history.
   */
  put(kind: ProvisioningKind, name: string, doc: JsonValue, at: Date, expectedVersion?: number, by?: string | null): Promise<ProvisioningDocument | null>;
  /** Deletes a document (its history keeps a record of the deletion); false when there was none. */
  delete(kind: ProvisioningKind, name: string, at: Date, by?: string | null): Promise<boolean>;
  /** Every version of a name, newest first; `doc` null for a deletion; `by`: who stored it, when known. */
  history(kind: ProvisioningKind, name: string): Promise<ProvisioningVersion[]>;
  /** One version of a name, or null. */
  version(kind: ProvisioningKind, name: string, version: number): Promise<ProvisioningVersion | null>;
  /** A number that changes with every put and delete: cheap for every process to poll. */
  revision(): Promise<number>;
}

export interface ProvisioningVersion {
  version: number;
  /** null: the version that deleted the document. */
  doc: JsonValue | null;
  at: Date;
  /** The name of the principal that stored it; null when unknown (stored before migration 13). */
  by: string | null;
}

// ---- files, device uploads and firmware campaigns (migration 4) ----

/** file: uploaded through the API to be served to devices; upload: sent by a device (Upload RPC). */
export type FileKind = "file" | "upload";

/** Where a file's bytes live: a file under the data folder, or chunks in the database. */
export type ContentStorage = "disk" | "database";

export interface FileRecord {
  id: string;
  kind: FileKind;
  name: string;
  /** TR-069 FileType: "1 Firmware Upgrade Image", "3 Vendor Configuration File", "X 00D09E name", ... */
  fileType: string;
  /** The devices it is for ("" when any): a campaign skips devices of another OUI or product class. */
  oui: string;
  productClass: string;
  /** The SoftwareVersion a firmware image installs ("" when unknown). */
  version: string;
  description: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
  /** The content's key (file_contents); content is never changed in place, only replaced. */
  contentKey: string;
  storage: ContentStorage;
  /** Bytes per chunk of database content; null on disk. */
  chunkSize: number | null;
  /** The device an upload came from; null for files. */
  deviceId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewFile = Omit<FileRecord, "storage" | "chunkSize">;

export interface FileListQuery {
  kind?: FileKind;
  deviceId?: string;
  fileType?: string;
  oui?: string;
  productClass?: string;
  version?: string;
  limit?: number;
  offset?: number;
}

export interface FileRepo {
  /**
   * Registers content about to be written (database content in chunks of `chunkSize` bytes, every one
   * full but the last); it counts as an orphan (see `orphanContents`) until a file refers to it.
   */
  beginContent(key: string, storage: ContentStorage, at: Date, chunkSize?: number | null): Promise<void>;
  /** Stores chunk `n` (0, 1, ...) of database content. The content must have been begun (STORE_UNKNOWN_REFERENCE). */
  putChunk(key: string, n: number, data: Uint8Array): Promise<void>;
  /** Chunk `n` of database content, or null. */
  chunk(key: string, n: number): Promise<Buffer | null>;
  /**
   * Creates a file, or replaces the one with its id (an upload sent again), on content already written;
   * the content counts as committed from then on. Returns the new record and the key of the content it
   * replaced (null when new), which the caller discards. A device that does not exist: STORE_UNKNOWN_REFERENCE.
   */
  put(file: NewFile): Promise<{ file: FileRecord; replaced: string | null }>;
  get(id: string): Promise<FileRecord | null>;
  /** Newest first. */
  list(query?: FileListQuery): Promise<FileRecord[]>;
  count(query?: FileListQuery): Promise<number>;
  /** Deletes the record (its content becomes an orphan for the caller to discard); returns it, or null. */
  delete(id: string): Promise<FileRecord | null>;
  /** Content no file refers to: begun before `staleBefore` and never used, or left behind by a delete or replace. */
  orphanContents(staleBefore: Date, limit: number): Promise<{ key: string; storage: ContentStorage }[]>;
  /** Forgets content (with its chunks); false when it is still referred to by a file (nothing is deleted) or unknown. */
  deleteContent(key: string): Promise<boolean>;
}

export type CampaignStatus = "running" | "paused" | "completed" | "aborted";

/**
 * pending: not started; in_progress: its download task is queued or running; succeeded: the task is done
 * (for firmware, with the version checked); failed: the task failed or expired; skipped: not for this
 * device (already on the version, another product class); cancelled: the campaign was aborted.
 */
export type CampaignDeviceState = "pending" | "in_progress" | "succeeded" | "failed" | "skipped" | "cancelled";

export type CampaignCounts = Record<CampaignDeviceState, number>;

export interface CampaignRecord {
  id: string;
  name: string;
  /** The device filter (docs/filters.md) choosing the targets. */
  filter: string;
  fileId: string;
  status: CampaignStatus;
  /** Why it is paused: "operator", "threshold: ...", "created"; null otherwise. */
  pauseReason: string | null;
  /** Batch size, concurrency, window, thresholds, ...: checked and read by the campaign service. */
  settings: JsonValue;
  /** The last device id taken into the campaign (devices are taken in id order, a batch at a time). */
  cursor: string | null;
  /** Every device the filter matches has been taken in. */
  enumerated: boolean;
  /** Batches taken in so far. */
  batch: number;
  /** Devices per state, kept with every change of an entry. */
  counts: CampaignCounts;
  /** The process whose runner holds the campaign, until `claimUntil`. */
  claimedBy: string | null;
  claimUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  /** The tenant of the key that created it (migration 11); null for an unscoped one. */
  tenant: string | null;
}

export interface CampaignDeviceRecord {
  campaignId: string;
  deviceId: string;
  state: CampaignDeviceState;
  /** The batch (1, 2, ...) that took the device in. */
  batch: number;
  /** The download task of the latest attempt. */
  taskId: string | null;
  /** Download tasks created for this device by the campaign. */
  attempts: number;
  /** Why it failed or was skipped. */
  fault: TaskFault | null;
  updatedAt: Date;
}

export type CampaignPatch = Partial<Pick<CampaignRecord, "name" | "status" | "pauseReason" | "settings" | "cursor" | "enumerated" | "batch" | "counts" | "claimedBy" | "claimUntil" | "updatedAt" | "completedAt">>;

export interface CampaignRepo {
  create(campaign: Omit<CampaignRecord, "tenant"> & { tenant?: string | null }): Promise<CampaignRecord>;
  get(id: string): Promise<CampaignRecord | null>;
  /** Newest first. */
  list(query?: { status?: CampaignStatus[]; fileId?: string; tenant?: string; limit?: number; offset?: number }): Promise<CampaignRecord[]>;
  /**
   * The campaign, with its row locked until the end of the caller's transaction (PostgreSQL: a row lock
   * other writers wait for; SQLite: write transactions are serialized anyway). Null when there is none.
   */
  lock(id: string): Promise<CampaignRecord | null>;
  /**
   * Takes the runner's lease for `owner` until `until` when it is free, expired or already `owner`'s, and
   * locks the row as `lock` does; null when another owner holds a live lease (or there is no such campaign).
   */
  claim(id: string, owner: string, now: Date, until: Date): Promise<CampaignRecord | null>;
  /** Gives up every lease `owner` holds (its process is stopping), so that another takes them at once; returns how many. */
  release(owner: string): Promise<number>;
  update(id: string, patch: CampaignPatch): Promise<CampaignRecord | null>;
  delete(id: string): Promise<boolean>;
  /** Adds entries; a device already in the campaign is left as it is. Returns how many were added. */
  addDevices(campaignId: string, entries: { deviceId: string; state: CampaignDeviceState; batch: number; fault?: TaskFault | null }[], at: Date): Promise<number>;
  getDevice(campaignId: string, deviceId: string): Promise<CampaignDeviceRecord | null>;
  /** Entries in device id order, after `after`, in the given states. */
  devices(campaignId: string, query?: { state?: CampaignDeviceState[]; after?: string; limit?: number }): Promise<CampaignDeviceRecord[]>;
  /**
   * In-progress entries whose task has finished (done, failed, cancelled, expired) or no longer exists,
   * with the task's status (null: gone), last fault and result; at most `limit`.
   */
  settled(campaignId: string, limit: number): Promise<{ deviceId: string; taskId: string | null; status: TaskStatus | null; lastFault: TaskFault | null; result: JsonValue }[]>;
  /** Changes one entry if it is in one of `from`; false when it is not (nothing changed). */
  updateDevice(campaignId: string, deviceId: string, from: CampaignDeviceState[], patch: Partial<Pick<CampaignDeviceRecord, "state" | "taskId" | "attempts" | "fault">>, at: Date): Promise<boolean>;
  /** Moves every entry in `from` to `to` (clearing its task and fault for "pending"); returns how many moved. */
  moveDevices(campaignId: string, from: CampaignDeviceState[], to: CampaignDeviceState, at: Date, fault?: TaskFault | null): Promise<number>;
  /** Entries per state, counted (the stored counts are kept in step with this). */
  countDevices(campaignId: string): Promise<CampaignCounts>;
}

// ---- the audit trail (migration 12) ----

/** Who made a change: an API key, a console user, the CLI (the OS user), ... */
export interface AuditPrincipal {
  /** "apiKey", "user", "cli". */
  kind: string;
  id: string;
  name: string;
}

export interface AuditEntry {
  /** Increasing: newer entries have greater ids. */
  id: number;
  at: Date;
  principal: AuditPrincipal;
  tenant: string | null;
  /** The client's address (IP), null for the CLI. */
  address: string | null;
  /** What was called: the API's operationId ("putPreset"), or "cli:<command>". */
  operation: string;
  /** What it does, "<target type>.<verb>": "preset.update", "apiKey.revoke". */
  action: string;
  targetType: string;
  /** Null when the change has no one target (a bulk change) or it was refused before it had one. */
  targetId: string | null;
  /** The HTTP status answered (CLI: 200 done, 404 not found, ...). */
  outcome: number;
  /** One line for people. */
  summary: string;
  /** Configuration objects as they were and became (secrets masked); null when not kept or none. */
  before: JsonValue | null;
  after: JsonValue | null;
}

export type NewAuditEntry = Omit<AuditEntry, "id">;

export interface AuditQuery {
  /** The principal's id. */
  principal?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Entries at or after this time. */
  since?: Date;
  /** Entries before this time. */
  until?: Date;
  /** Keyset paging: only entries with a smaller id (older) than this. */
  beforeId?: number;
  limit?: number;
}

export interface AuditRepo {
  record(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first (by id). */
  list(query?: AuditQuery): Promise<AuditEntry[]>;
  /** Deletes at most `limit` of the entries older than `before` (the oldest first); returns how many. */
  prune(before: Date, limit: number): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------
// The web console's storage (migration 13).

export interface SavedFilterRecord {
  name: string;
  /** Filter text (docs/filters.md), checked before it is stored. */
  filter: string;
  description: string;
  createdBy: string | null;
  createdAt: Date;
  updatedBy: string | null;
  updatedAt: Date;
}

export interface SavedFilterRepo {
  /** By name. */
  list(): Promise<SavedFilterRecord[]>;
  get(name: string): Promise<SavedFilterRecord | null>;
  /** Creates; false when the name is taken (nothing written). */
  create(record: SavedFilterRecord): Promise<boolean>;
  /** Changes filter and description; null when there is no such filter. */
  update(name: string, patch: { filter: string; description: string; updatedBy: string | null; updatedAt: Date }): Promise<SavedFilterRecord | null>;
  delete(name: string): Promise<boolean>;
}

/** What a CWMP session did, kept for the device's recent-sessions log. */
export interface SessionSummary {
  /** Inform event codes. */
  events: string[];
  /** Requests the ACS sent, in order. */
  rpcs: string[];
  /** Requests the CPE made besides its Inform, in order. */
  cpeRequests: string[];
  tasks: { done: number; failed: number };
  /** CWMP fault codes the CPE answered with. */
  faults: string[];
  /** Envelopes left out when the session's cap was reached. */
  envelopesDropped: number;
}

/** What a session exchanged, in order: CWMP envelopes, or a USP device's Msgs. */
export type SessionEnvelope = CwmpSessionEnvelope | UspSessionMessage;

export interface CwmpSessionEnvelope {
  /** Absent in rows written before USP Msgs were kept. */
  protocol?: "cwmp";
  direction: "received" | "sent";
  at: Date;
  /** The XML as received or sent, secrets masked, cut at the per-envelope cap. */
  xml: string;
  /** Whether the XML was cut. */
  truncated: boolean;
}

/** One USP Msg a USP device's session exchanged (the bridged CWMP envelopes have no bodies to keep). */
export interface UspSessionMessage {
  protocol: "usp";
  direction: "received" | "sent";
  at: Date;
  /** The MTP that carried it: websocket, mqtt, loopback. */
  mtp: string;
  msgId: string;
  /** The header's msg_type (GET, GET_RESP, NOTIFY, ERROR...). */
  msgType: string;
  /** The Msg as JSON text (TR-369's field names), secrets masked, cut at the per-envelope cap. */
  msg: string;
  /** Whether the text was cut. */
  truncated: boolean;
}

export interface SessionHistoryRecord {
  deviceId: string;
  sessionId: string;
  startedAt: Date;
  endedAt: Date;
  /** How it ended: the session.ended event's reason (done, timeout, ...). */
  outcome: string;
  summary: SessionSummary;
  /** null when envelopes are not kept (sessionHistory.envelopes off). */
  envelopes: SessionEnvelope[] | null;
}

export interface SessionHistoryRepo {
  /**
   * Records a session and keeps only the device's newest `keep`, in one write. A device that no longer
   * exists: STORE_UNKNOWN_REFERENCE.
   */
  record(session: SessionHistoryRecord, keep: number): Promise<void>;
  /**
   * Records several sessions (of any devices, in the order given) and keeps only each device's newest
   * `keep`, in one transaction. A device that no longer exists fails all of them: STORE_UNKNOWN_REFERENCE.
   */
  recordMany(sessions: readonly SessionHistoryRecord[], keep: number): Promise<void>;
  /** The device's sessions, newest first, without their envelopes. */
  list(deviceId: string, limit: number): Promise<Omit<SessionHistoryRecord, "envelopes">[]>;
  get(deviceId: string, sessionId: string): Promise<SessionHistoryRecord | null>;
  /** Adds `sessions` to this process's count for the minute starting at `minute` (ms, a multiple of 60000); deletes counts older than `pruneBefore`. */
  addCount(minute: number, process: string, sessions: number, pruneBefore: number): Promise<void>;
}

export interface OverviewQuery {
  now: Date;
  onlineWithinMs: number;
  /** Groups of product classes and software versions beyond these many are summed as "other". */
  top: number;
  /** Parameter paths of the software version (both data models'). */
  versionPaths: readonly string[];
  /** Sessions per minute from this minute (ms, a multiple of 60000) on. */
  sessionsSince: number;
  /**
   * Only these devices (a tenant's): counts, groups and faults of theirs. Sessions per minute are counted
   * per process, not per device, so none are answered then.
   */
  devices?: DeviceScope;
}

export interface Overview {
  devices: { total: number; online: number; offline: number; neverSeen: number };
  /** Most devices first; at most `top` groups and an "other" one holding the rest. */
  productClasses: { value: string; devices: number }[];
  softwareVersions: { value: string; devices: number }[];
  /** Only minutes with sessions, oldest first; null when the query was narrowed to some devices. */
  sessionsPerMinute: { minute: Date; sessions: number }[] | null;
  faultsByCode: { code: string; faults: number }[];
}

export interface FleetRepo {
  overview(query: OverviewQuery): Promise<Overview>;
  /**
   * The distinct paths one level below `prefix` that any device has, in path order, at most `limit`:
   * `prefix` is an object path ("Device.WiFi.", "" for the roots) or one with a partial last name
   * ("Device.Wi" gives Device.WiFi. and whatever else starts so). Objects end with ".".
   */
  childPaths(prefix: string, limit: number, devices?: DeviceScope): Promise<{ path: string; object: boolean }[]>;
  /**
   * Writes whole devices at once, as if each had bootstrapped and been discovered (`provisio fleet
   * generate`): the device, its tags, and its tree (names and values, dated at its last Inform), in one
   * transaction, in big multi-row statements. An id that names a device already fails the whole batch
   * with STORE_DUPLICATE, unless `replace`: then that device and all it had go first.
   */
  load(devices: readonly LoadedDevice[], options?: { replace?: boolean }): Promise<void>;
  /** Of `ids`, those that name a device. */
  existing(ids: readonly string[]): Promise<string[]>;
}

export interface LoadedDevice extends Pick<DeviceRecord, "id" | "manufacturer" | "oui" | "productClass" | "serialNumber" | "registeredAt"> {
  lastBootAt: Date;
  lastInformAt: Date;
  address: string | null;
  tags: readonly string[];
  /** Objects (`value` and `type` null) and parameters; ancestors are not added: list them. */
  parameters: readonly { path: string; object: boolean; writable: boolean; value: string | null; type: string | null }[];
}
// ---- tenants (migration 11) ----

/** A named device filter that principals may be scoped to (src/nbi/tenancy.ts). */
export interface TenantRecord {
  name: string;
  /** The device filter (docs/filters.md), as written. */
  filter: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface TenantRepo {
  /** False when the name is taken. */
  create(tenant: TenantRecord): Promise<boolean>;
  get(name: string): Promise<TenantRecord | null>;
  /** By name. */
  list(): Promise<TenantRecord[]>;
  update(name: string, patch: Partial<Pick<TenantRecord, "filter" | "description" | "updatedAt">>): Promise<TenantRecord | null>;
  delete(name: string): Promise<boolean>;
}
// ---------------------------------------------------------------------------------------------------
// Diagnostics (migration 15): one record per diagnostic run on a device, kept as its history.

/**
 * pending: its task has not set it on the device yet; requested: the device accepted it and runs it;
 * then complete, error (the device reported an Error_* state), cancelled (None/Canceled: something
 * replaced it), failed (the ACS could not request or read it) or timeout (no 8 DIAGNOSTICS COMPLETE in time).
 */
export type DiagnosticStatus = "pending" | "requested" | "complete" | "error" | "cancelled" | "failed" | "timeout";

export interface DiagnosticRecord {
  /** The id of its `diagnostic` task too. */
  id: string;
  deviceId: string;
  /** ipPing, traceRoute, download, upload, udpEcho, nsLookup, serverSelection, wifiScan. */
  kind: string;
  args: JsonValue;
  status: DiagnosticStatus;
  /** DiagnosticsState as the device last reported it. */
  state: string | null;
  /** { results: {...}, tables: {...} }, typed (src/diagnostics/values.ts); null until read. */
  results: JsonValue;
  fault: TaskFault | null;
  /** The fleet run it belongs to, if any. */
  fleetId: string | null;
  createdAt: Date;
  requestedAt: Date | null;
  completedAt: Date | null;
  /** Not finished by then: timeout. */
  expiresAt: Date;
}

export interface NewDiagnostic {
  id: string;
  deviceId: string;
  kind: string;
  args: JsonValue;
  fleetId?: string | null;
  expiresAt: Date;
}

export interface DiagnosticListQuery {
  deviceId?: string;
  kind?: string;
  fleetId?: string;
  status?: DiagnosticStatus[];
  limit?: number;
  offset?: number;
}

export interface DiagnosticRepo {
  create(d: NewDiagnostic, at: Date): Promise<DiagnosticRecord>;
  get(id: string): Promise<DiagnosticRecord | null>;
  /** Newest first. */
  list(query?: DiagnosticListQuery): Promise<DiagnosticRecord[]>;
  update(id: string, patch: Partial<Pick<DiagnosticRecord, "status" | "state" | "results" | "fault" | "requestedAt" | "completedAt">>): Promise<DiagnosticRecord | null>;
  /** Pending or requested diagnostics whose expiresAt has passed at `now`, oldest first, at most `limit`. */
  overdue(now: Date, limit: number): Promise<DiagnosticRecord[]>;
  /** Deletes finished diagnostics completed before `before` (retention); returns how many. */
  prune(before: Date): Promise<number>;
  createFleet(f: Omit<DiagnosticFleetRecord, "tenant"> & { tenant?: string | null }): Promise<void>;
  getFleet(id: string): Promise<DiagnosticFleetRecord | null>;
  /** Fleets still starting batches, oldest first. */
  runningFleets(limit: number): Promise<DiagnosticFleetRecord[]>;
  /**
   * Moves a fleet's cursor from `from` to `patch.cursor` (and its counts, status), only if it is still
   * at `from`: true for one caller only, so one process starts each batch.
   */
  advanceFleet(id: string, from: string | null, patch: Pick<DiagnosticFleetRecord, "cursor" | "started" | "batches" | "status">, at: Date): Promise<boolean>;
}

/** A diagnostic run over a filter, started a batch at a time (the next once the last one settled). */
export interface DiagnosticFleetRecord {
  id: string;
  kind: string;
  args: JsonValue;
  filter: string;
  batchSize: number;
  /** Seconds each run may take. */
  timeout: number;
  connectionRequest: boolean;
  /** The id of the last device a batch was started on (devices are taken in id order). */
  cursor: string | null;
  started: number;
  batches: number;
  /** running: batches remain; complete: every matching device was started on. */
  status: "running" | "complete";
  createdAt: Date;
  updatedAt: Date;
  /** The tenant of whoever started it (migration 16; its filter is stored narrowed): only that tenant sees it. */
  tenant: string | null;
}

// ---- performance history (migration 18) ----

/** A metric definition as stored (src/metrics/definition.ts has the rules); `id` is what samples refer to. */
export interface MetricDefinitionRecord {
  id: number;
  name: string;
  path: string;
  kind: "gauge" | "counter";
  scale: number;
  unit: string;
  filter: string;
  /** Seconds; 0: sampled whenever reported. */
  interval: number;
  export: boolean;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

export type NewMetricDefinition = Omit<MetricDefinitionRecord, "id" | "createdAt" | "updatedAt">;

/** A device's series of one metric, with the counter's last reading (for the next rate). */
export interface MetricSeriesRecord {
  id: number;
  deviceId: string;
  metricId: number;
  last: { at: Date; value: string; uptime: number | null } | null;
}

export interface MetricSample {
  seriesId: number;
  metricId: number;
  /** Whole seconds are kept; two samples of a series in one second: the last written stays. */
  at: Date;
  value: number;
}

/** One point of a series: a raw sample (count 1) or a bucket starting at `at`. */
export interface MetricPoint {
  at: Date;
  count: number;
  mean: number;
  min: number;
  max: number;
}

export type MetricGroupBy = "productClass" | "softwareVersion" | "tag" | "none";

export interface MetricFleetQuery {
  metricId: number;
  from: Date;
  to: Date;
  /** Seconds per step (a multiple of the resolution read). */
  step: number;
  /** The tier read: 0 for raw samples, else a rollup's bucket seconds. */
  resolution: number;
  groupBy: MetricGroupBy;
  /** Only these devices (a tenant's, an API filter's): each scope narrows further. */
  devices?: DeviceScope[];
  /** Parameters holding the software version (groupBy softwareVersion). */
  versionPaths?: readonly string[];
}

/** One device's mean over one step (its index from `from`), with its group: the fleet figures are made from these. */
export interface MetricFleetRow {
  step: number;
  group: string;
  mean: number;
}

/** A counter's reading, kept on its series for the next rate. */
export interface MetricReading {
  seriesId: number;
  at: Date;
  value: string;
  uptime: number | null;
}

/** A tier's bucket summarized over the fleet, for one group of one grouping (made by the rollup pass). */
export interface MetricFleetStep {
  bucket: Date;
  group: string;
  count: number;
  mean: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
}

export interface MetricRepo {
  listDefinitions(): Promise<MetricDefinitionRecord[]>;
  getDefinition(name: string): Promise<MetricDefinitionRecord | null>;
  /** Creates or replaces a definition by name (its id, and so its samples, kept); `created` when it is new. */
  putDefinition(d: NewMetricDefinition, at: Date): Promise<{ definition: MetricDefinitionRecord; created: boolean }>;
  /** Deletes a definition with all of its samples; false when there was none. */
  deleteDefinition(name: string): Promise<boolean>;
  /** A number that changes with every put and delete: cheap for every process to poll. */
  revision(): Promise<number>;
  /** The device's series of these metrics, created where missing. */
  series(deviceId: string, metricIds: readonly number[]): Promise<MetricSeriesRecord[]>;
  /**
   * A recording's one read, before its one write (`record`): the metrics revision, the device (null when
   * there is none) and its series of these metrics that exist (none are created).
   */
  recordingContext(deviceId: string, metricIds: readonly number[]): Promise<{ revision: number; device: DeviceRecord | null; series: MetricSeriesRecord[] }>;
  /** Records counters' last readings on their series. */
  setLast(readings: readonly MetricReading[]): Promise<void>;
  /** Stores samples, in any order (a sample at a series' time already stored replaces it). */
  addSamples(samples: readonly MetricSample[]): Promise<void>;
  /** `addSamples` and `setLast`, in the order that costs least. */
  record(readings: readonly MetricReading[], samples: readonly MetricSample[]): Promise<void>;
  /** A device's series over [from, to) at a resolution (0: raw samples), oldest first. */
  readSeries(deviceId: string, metricId: number, resolution: number, from: Date, to: Date): Promise<MetricPoint[]>;
  /** Each device's mean per step and its group, for fleet figures. */
  fleet(q: MetricFleetQuery): Promise<MetricFleetRow[]>;
  /** How many devices have a series of the metric. */
  seriesCount(metricId: number): Promise<number>;
  /**
   * Makes the buckets of `resolution` seconds in [from, to) from the finer tier (0: raw samples), for
   * every metric: idempotent (buckets are made again whole); returns how many were written.
   */
  rollup(resolution: number, finer: number, from: Date, to: Date): Promise<number>;
  /** The first time at or after `from` that the tier `resolution` (0: raw) holds data, or null. */
  firstAt(resolution: number, from: Date): Promise<Date | null>;
  /** How far the tier has been rolled up; null before its first pass. */
  rolledUntil(resolution: number): Promise<Date | null>;
  setRolledUntil(resolution: number, until: Date): Promise<void>;
  /** The fleet summaries of a tier's buckets in [from, to), by bucket then group. */
  fleetSteps(metricId: number, resolution: number, groupBy: MetricGroupBy, from: Date, to: Date): Promise<MetricFleetStep[]>;
  /** Replaces the fleet summaries of a tier's buckets in [from, to) of one metric and grouping with these. */
  putFleetSteps(metricId: number, resolution: number, groupBy: MetricGroupBy, from: Date, to: Date, steps: readonly MetricFleetStep[]): Promise<void>;
  /** How far the tier's buckets have been summarized over the fleet; null before its first pass. */
  summarizedUntil(resolution: number): Promise<Date | null>;
  setSummarizedUntil(resolution: number, until: Date): Promise<void>;
  /** Deletes up to `limit` samples (or buckets, with their fleet summaries) of a tier from before `before`; returns how many. */
  prune(resolution: number, before: Date, limit: number): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------
// Alarms (migration 19; docs/alarms.md): rules, and the alarms they (or a device's own FaultMgmt) raise.

export type AlarmSeverity = "critical" | "major" | "minor" | "warning";
/** pending: a rule's condition holds but its duration has not passed (not shown as an alarm yet). */
export type AlarmState = "pending" | "active" | "cleared";

export interface AlarmRuleRecord {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  severity: AlarmSeverity;
  /** Device filter (docs/filters.md); "" for every device. */
  filter: string;
  /** src/alarms/rules.ts AlarmCondition, checked when written. */
  condition: JsonValue;
  notification: "active" | "passive" | "none";
  createdAt: Date;
  updatedAt: Date;
}

export interface AlarmRecord {
  id: string;
  /** null: about no one device (a fleet-level alarm). */
  deviceId: string | null;
  /** "rule" or "faultmgmt" (the device's own Device.FaultMgmt.CurrentAlarm). */
  source: string;
  ruleId: string | null;
  /** What makes two occurrences one alarm, with the device and source (a rule's parameter path, an AlarmIdentifier). */
  dedupeKey: string;
  severity: AlarmSeverity;
  state: AlarmState;
  text: string;
  detail: JsonValue;
  raisedAt: Date;
  clearedAt: Date | null;
  lastChangedAt: Date;
  /** Times the condition was met while the alarm was open (1 when raised). */
  count: number;
  /** The user or API key that acknowledged it. */
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
}

export type AlarmTransition = "pending" | "raised" | "repeated" | "cleared" | "acknowledged" | "unacknowledged";

export interface AlarmHistoryEntry {
  at: Date;
  transition: AlarmTransition;
  severity: AlarmSeverity;
  /** Who acknowledged (or withdrew it); null for what the ACS did. */
  by: string | null;
  /** Why the ACS made it when no report did ("rule deleted", "rule disabled"); null otherwise (migration 21). */
  reason: string | null;
}

/** How a fleet rule groups devices: a device counts in each of its tags' groups, in none without a tag. */
export type FleetGroupBy = "productClass" | "softwareVersion" | "tag";

export interface NewAlarm {
  deviceId: string | null;
  source: string;
  ruleId: string | null;
  dedupeKey: string;
  severity: AlarmSeverity;
  state: "pending" | "active";
  text: string;
  detail: JsonValue;
}

export interface AlarmListQuery {
  deviceId?: string;
  ruleId?: string;
  source?: string;
  state?: AlarmState[];
  /** This severity or worse. */
  minSeverity?: AlarmSeverity;
  /** Raised at or after / before. */
  since?: Date;
  until?: Date;
  /** Only the alarms of these devices (a tenant's): fleet alarms are then left out. */
  devices?: DeviceScope;
  limit?: number;
  offset?: number;
}

export interface AlarmRepo {
  /** False when the name is taken. */
  createRule(rule: AlarmRuleRecord): Promise<boolean>;
  getRule(id: string): Promise<AlarmRuleRecord | null>;
  /** By name. */
  listRules(): Promise<AlarmRuleRecord[]>;
  updateRule(id: string, patch: Partial<Omit<AlarmRuleRecord, "id" | "createdAt">>): Promise<AlarmRuleRecord | null>;
  /** Deletes the rule; its active alarms are cleared by the next pass (rulesGone). */
  deleteRule(id: string): Promise<boolean>;
  /** Active rule alarms whose rule was deleted or is disabled, oldest first, with which. */
  rulesGone(limit: number): Promise<{ alarm: AlarmRecord; rule: "deleted" | "disabled" }[]>;
  /** Changes with every change of the rules ("" before the first), so that each process reloads its copy when it moved. */
  revision(): Promise<string>;
  /** The open (pending or active) alarm of a device, source and dedupe key. */
  open(deviceId: string | null, source: string, dedupeKey: string): Promise<AlarmRecord | null>;
  /** A device's open alarms. */
  openFor(deviceId: string): Promise<AlarmRecord[]>;
  /** Opens an alarm (count 1) and records its first transition. STORE_DUPLICATE when one is open for its key. */
  insert(alarm: NewAlarm, at: Date): Promise<AlarmRecord>;
  /**
   * raised: a pending alarm becomes active; repeated: count + 1; cleared: it ends. Each records its
   * transition and moves lastChangedAt; null when the alarm is not open (or, for raised, not pending).
   */
  transition(id: string, transition: "raised" | "repeated" | "cleared", at: Date, patch?: { severity?: AlarmSeverity; text?: string; detail?: JsonValue; reason?: string }): Promise<AlarmRecord | null>;
  /** Forgets a pending alarm that never became active. */
  drop(id: string): Promise<boolean>;
  /**
   * Acknowledges (`ack`) or withdraws the acknowledgement, `by` a user or API key name; null when there
   * is no such alarm. Acknowledging one already acknowledged keeps who did first.
   */
  acknowledge(id: string, ack: boolean, by: string, at: Date): Promise<AlarmRecord | null>;
  get(id: string): Promise<AlarmRecord | null>;
  /** Newest raised first. */
  list(query?: AlarmListQuery): Promise<AlarmRecord[]>;
  count(query?: AlarmListQuery): Promise<number>;
  history(alarmId: string): Promise<AlarmHistoryEntry[]>;
  /** Pending alarms whose condition has held since `before` or earlier, oldest first. */
  pendingSince(before: Date, limit: number): Promise<AlarmRecord[]>;
  /** Deletes alarms cleared before `before` (retention), with their history; returns how many. */
  prune(before: Date): Promise<number>;
  /** The device refused to set the notification attribute of `path` (fault 9009) at `at` (migration 21). */
  refuseNotification(deviceId: string, path: string, at: Date): Promise<void>;
  /** The paths whose notification the device refused at or after `since`. */
  notificationRefusals(deviceId: string, since: Date): Promise<string[]>;

  /**
   * The devices `devices` selects (all without it), grouped by product class, software version (""
   * unknown) or tag: how many, and how many are counted: those with an active alarm of rule `ruleId`,
   * or those `matching` selects (a stored value beyond a threshold). One of the two.
   */
  fleetShares(q: { devices?: DeviceScope; groupBy: FleetGroupBy; ruleId?: string; matching?: DeviceScope }): Promise<{ group: string; devices: number; alarmed: number }[]>;
}
