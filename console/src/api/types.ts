// The shapes of the REST API's answers the console reads (docs/api.md; the OpenAPI document is the
// reference).

export type Role = "read-only" | "operator" | "admin";

export interface Principal {
  kind: "user" | "apiKey";
  id: string;
  name: string;
  role: Role;
  /** The tenant the principal is scoped to; null: every device. */
  tenant?: string | null;
}

export interface SessionInfo {
  principal: Principal;
  csrfToken?: string;
}

export interface ParamRecord {
  object: boolean;
  value: string | null;
  type: string | null;
  writable: boolean;
  notification: number | null;
  accessList: string[] | null;
  valueAt: string | null;
  namesAt: string | null;
  attributesAt: string | null;
  children?: Record<string, ParamRecord>;
}

export interface Device {
  id: string;
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
  registeredAt: string;
  lastInformAt: string | null;
  lastInformAddress: string | null;
  lastBootAt: string | null;
  lastBootstrapAt: string | null;
  cwmpVersion: string | null;
  credentials: string;
  /** cwmp (TR-069), or usp once a USP (TR-369) agent onboarded as the device. */
  protocol: Protocol;
  tags: string[];
  online: boolean;
  parameters?: Record<string, ParamRecord>;
}

export type Protocol = "cwmp" | "usp";

/** The USP agent a device is (GET /api/devices/:id's `usp`). */
export interface UspAgent {
  endpointId: string;
  mtp: string;
  lastSeen: string;
  /** Whether the process that answered reaches it now; null when the MTP cannot tell (MQTT). */
  connected: boolean | null;
}

export interface DeviceList {
  devices: Device[];
  total?: number;
  next: string | null;
}

export interface Fault {
  id: string;
  deviceId: string;
  channel: string;
  code: string;
  message: string;
  detail: unknown;
  retries: number;
  at: string;
}

export interface InformEvent {
  at: string;
  code: string;
  commandKey: string;
}

export interface DeviceDetail {
  device: Device;
  parameters: Record<string, ParamRecord>;
  events: InformEvent[];
  faults: Fault[];
  pendingTasks: number;
  usp: UspAgent | null;
}

export type TaskStatus = "pending" | "waiting" | "done" | "failed" | "cancelled" | "expired";

export interface Task {
  id: string;
  deviceId: string;
  name: string;
  args: unknown;
  status: TaskStatus;
  createdAt: string;
  completedAt: string | null;
  attempts: number;
  maxAttempts: number;
  lastFault: { code: string; message: string } | null;
  result: unknown;
  nextAttemptAt: string | null;
  nextAttemptBy: string | null;
}

export interface CreatedTask extends Task {
  connectionRequest: { outcome: string; method?: string | null } | null;
}

export interface BulkTaskResult {
  matched: number;
  created: number;
  failed: number;
  failures: { deviceId: string; code: string; message: string }[];
  taskIds: string[];
  connectionRequests: number;
}

export interface Campaign {
  id: string;
  name: string;
  status: string;
  counts: Record<string, number>;
  total: number;
}

export interface Upload {
  id: string;
  name: string;
  fileType: string;
  size: number;
  createdAt: string;
}

export interface FileRecord {
  id: string;
  name: string;
  fileType: string;
  version: string;
}

/** A recorded session of a device (GET /api/devices/:id/sessions). */
export interface SessionSummary {
  sessionId: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  outcome: string;
  events: string[];
  rpcs: string[];
  cpeRequests: string[];
  tasks: { done: number; failed: number };
  faults: string[];
  envelopesDropped: number;
}

/** An event of GET /api/events (the fields every type has, and the rest). */
export interface ProvisioEvent {
  id: string;
  type: string;
  deviceId: string | null;
  at: string;
  [field: string]: unknown;
}
