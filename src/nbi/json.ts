// Store records as the API shows them (the schemas in schemas.ts): times as ISO strings.

import type { ConnectionRequestResult } from "../connreq/index.js";
import type {
  ApiKeyRecord, ConnectionRequestAttemptRecord, DeviceRecord, FaultRecord, ParameterRecord, TaskRecord, WebhookAttemptRecord, WebhookDeliveryRecord, WebhookRecord,
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
    tags: d.tags,
    online: d.lastInformAt !== null && now.getTime() - d.lastInformAt.getTime() <= onlineWindowMs,
  };
}

export function parameterJson(p: ParameterRecord) {
  return {
    object: p.object,
    value: p.value,
    type: p.type,
    writable: p.writable,
    notification: p.notification,
    accessList: p.accessList,
    valueAt: iso(p.valueAt),
    namesAt: iso(p.namesAt),
    attributesAt: iso(p.attributesAt),
  };
}

type Node = ReturnType<typeof parameterJson> & { children?: Record<string, Node> };

/** Path segments with their dots: "Device.WiFi.SSID" -> ["Device.", "WiFi.", "SSID"]. */
function segments(path: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    if (path[i] === ".") {
      out.push(path.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < path.length) out.push(path.slice(start));
  return out;
}

const syntheticObject = (): Node => ({ object: true, value: null, type: null, writable: null, notification: null, accessList: null, valueAt: null, namesAt: null, attributesAt: null });

/** Records (sorted or not) as a tree keyed by segments; objects the store lacks are filled in. */
export function parameterTree(records: readonly ParameterRecord[]): Record<string, Node> {
  const root: Record<string, Node> = {};
  for (const r of records) {
    const segs = segments(r.path);
    let level = root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const last = i === segs.length - 1;
      let node = level[seg];
      if (last) {
        const json: Node = parameterJson(r);
        if (node?.children) json.children = node.children;
        else if (r.object) json.children = {};
        level[seg] = json;
        break;
      }
      if (node === undefined) {
        node = syntheticObject();
        level[seg] = node;
      }
      node.children ??= {};
      level = node.children;
    }
  }
  return root;
}

export function parameterMap(records: readonly ParameterRecord[]): Record<string, ReturnType<typeof parameterJson>> {
  const out: Record<string, ReturnType<typeof parameterJson>> = {};
  for (const r of records) out[r.path] = parameterJson(r);
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
