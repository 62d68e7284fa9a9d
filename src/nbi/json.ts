// Store records as the API shows them (the schemas in schemas.ts): times as ISO strings.

import type { ConnectionRequestResult } from "../connreq/index.js";
import type {
  ApiKeyRecord, ConnectionRequestAttemptRecord, DeviceRecord, FaultRecord, ParameterRecord, TaskRecord, UspDataModelRecord, UspEndpointRecord, WebhookAttemptRecord, WebhookDeliveryRecord, WebhookRecord,
} from "../store/types.js";

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function deviceJson(d: DeviceRecord, now: Date, onlineWindowMs: number) {
  return {
    id: d.id,
    manufacturer: d.manufacturer,
    oui: d.oui,
    productClass: d.productClass,
    serialNumber: d.serialNumber,
    registeredAt: d.registeredAt.toISOString(),
    lastInformAt: iso(d.lastInformAt),
    lastInformAddress: d.lastInformAddress,
    lastBootAt: iso(d.lastBootAt),
    lastBootstrapAt: iso(d.lastBootstrapAt),
    cwmpNamespace: d.cwmpNamespace,
    cwmpVersion: d.cwmpVersion,
    credentials: d.credentials,
    protocol: d.protocol,
    tags: d.tags,
    online: d.lastInformAt !== null && now.getTime() - d.lastInformAt.getTime() <= onlineWindowMs,
  };
}

/** `connected`: whether this process reaches the agent now; null when the MTP cannot say (MQTT). */
export function uspAgentJson(e: UspEndpointRecord, connected: readonly string[], model: UspDataModelRecord | null = null) {
  return {
    endpointId: e.endpointId,
    mtp: e.mtp,
    lastSeen: e.lastSeen.toISOString(),
    connected: e.mtp === "mqtt" ? null : connected.includes(e.endpointId),
    dataModel: model === null ? null : uspDataModelSummaryJson(model),
  };
}

export function uspDataModelSummaryJson(m: UspDataModelRecord) {
  return {
    oui: m.oui,
    productClass: m.productClass,
    softwareVersion: m.softwareVersion,
    learntAt: m.learntAt.toISOString(),
    complete: m.complete,
    objects: m.objects,
    parameters: m.parameters,
    commands: m.commands,
    events: m.events,
  };
}

export function parameterJson(p: ParameterRecord) {
  return parameterJsonWith(p, iso);
}

function parameterJsonWith(p: ParameterRecord, isoOf: (d: Date | null) => string | null) {
  return {
    object: p.object,
    value: p.value,
    type: p.type,
    writable: p.writable,
    notification: p.notification,
    accessList: p.accessList,
    valueAt: isoOf(p.valueAt),
    namesAt: isoOf(p.namesAt),
    attributesAt: isoOf(p.attributesAt),
  };
}

type Node = ReturnType<typeof parameterJson> & { children?: Record<string, Node> };

/**
 * `iso` remembering the strings it made. A device's thousand records carry a handful of distinct times
 * (each session writes its values at one time), and toISOString was half the cost of a full tree.
 */
function memoIso(): (d: Date | null) => string | null {
  const made = new Map<number, string>();
  return (d) => {
    if (d === null) return null;
    const ms = d.getTime();
    let s = made.get(ms);
    if (s === undefined) {
      s = d.toISOString();
      made.set(ms, s);
    }
    return s;
  };
}

/** The index of the last "." before `end` in `path`, -1 if none (lastIndexOf reads a negative start as 0). */
function dotBefore(path: string, end: number): number {
  return end <= 0 ? -1 : path.lastIndexOf(".", end - 1);
}

const syntheticObject = (): Node => ({ object: true, value: null, type: null, writable: null, notification: null, accessList: null, valueAt: null, namesAt: null, attributesAt: null });

/**
 * Records (sorted or not) as a tree keyed by segments with their dots ("Device.", "WiFi.", "SSID"); objects
 * the store lacks are filled in. Each object's children are found by its path in a map, not by walking
 * down from the root: a record costs one lookup of its parent whatever its depth.
 */
export function parameterTree(records: readonly ParameterRecord[]): Record<string, Node> {
  const root: Record<string, Node> = {};
  const levels = new Map<string, Record<string, Node>>([["", root]]);
  const isoOf = memoIso();
  /** The children of the object at `prefix` (a path ending with "."), made on the way if missing. */
  const levelOf = (prefix: string): Record<string, Node> => {
    const known = levels.get(prefix);
    if (known !== undefined) return known;
    const cut = dotBefore(prefix, prefix.length - 1);
    const parent = levelOf(prefix.slice(0, cut + 1));
    const seg = prefix.slice(cut + 1);
    let node = parent[seg];
    if (node === undefined) {
      node = syntheticObject();
      parent[seg] = node;
    }
    node.children ??= {};
    levels.set(prefix, node.children);
    return node.children;
  };
  for (const r of records) {
    const path = r.path;
    if (path === "") continue;
    const cut = dotBefore(path, path.endsWith(".") ? path.length - 1 : path.length);
    const level = levelOf(path.slice(0, cut + 1));
    const seg = path.slice(cut + 1);
    const node = level[seg];
    const json: Node = parameterJsonWith(r, isoOf);
    if (node?.children) json.children = node.children;
    else if (r.object) json.children = {};
    level[seg] = json;
  }
  return root;
}

export function parameterMap(records: readonly ParameterRecord[]): Record<string, ReturnType<typeof parameterJson>> {
  const out: Record<string, ReturnType<typeof parameterJson>> = {};
  const isoOf = memoIso();
  for (const r of records) out[r.path] = parameterJsonWith(r, isoOf);
  return out;
}

export function taskJson(t: TaskRecord) {
  return {
    id: t.id,
    deviceId: t.deviceId,
    name: t.name,
    args: t.args,
    status: t.status,
    createdAt: t.createdAt.toISOString(),
    expiresAt: iso(t.expiresAt),
    notBefore: iso(t.notBefore),
    attempts: t.attempts,
    maxAttempts: t.maxAttempts,
    lastFault: t.lastFault,
    result: t.result,
    completedAt: iso(t.completedAt),
  };
}

export function faultJson(f: FaultRecord) {
  return { id: f.id, deviceId: f.deviceId, channel: f.channel, code: f.code, message: f.message, detail: f.detail, retries: f.retries, at: f.at.toISOString() };
}

export function connectionRequestJson(r: ConnectionRequestResult) {
  return {
    outcome: r.outcome,
    method: r.method ?? null,
    durationMs: r.durationMs,
    attempts: r.attempts.map((a) => ({ method: a.method, target: a.target, outcome: a.outcome, code: a.code, detail: a.detail, durationMs: a.durationMs, at: new Date(a.at).toISOString() })),
    ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}),
  };
}

export function recordedAttemptJson(a: ConnectionRequestAttemptRecord) {
  return { id: String(a.id), method: a.method, target: a.target, outcome: a.outcome, code: a.code, detail: a.detail, durationMs: a.durationMs, at: a.at.toISOString(), taskId: a.taskId };
}

export function apiKeyJson(k: ApiKeyRecord) {
  return { id: k.id, name: k.name, role: k.role, createdAt: k.createdAt.toISOString(), lastUsedAt: iso(k.lastUsedAt), revokedAt: iso(k.revokedAt), tenant: k.tenant };
}

export function webhookJson(h: WebhookRecord) {
  return {
    id: h.id, name: h.name, url: h.url, events: h.events, filter: h.filter, enabled: h.enabled, createdAt: h.createdAt.toISOString(), updatedAt: h.updatedAt.toISOString(),
    tenant: h.tenant,
  };
}

export function deliveryJson(d: WebhookDeliveryRecord & { attemptLog: WebhookAttemptRecord[] }) {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: String(d.eventSeq),
    eventType: d.eventType,
    deviceId: d.deviceId,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    createdAt: d.createdAt.toISOString(),
    completedAt: iso(d.completedAt),
    redeliveredAt: iso(d.redeliveredAt),
    payload: d.payload,
    attemptLog: d.attemptLog.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), durationMs: a.durationMs, statusCode: a.statusCode, ok: a.ok, error: a.error })),
  };
}
