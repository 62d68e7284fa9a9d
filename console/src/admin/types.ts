// The shapes of the admin endpoints' answers (docs/api.md: Users, Tenants, API keys, Webhooks, Audit).

import type { Role } from "../api/types.js";

export interface User {
  username: string;
  displayName: string | null;
  role: Role;
  createdAt: string;
  lastLoginAt: string | null;
  disabledAt: string | null;
  /** The tenant the user is scoped to; null: every device. */
  tenant: string | null;
}

export interface Tenant {
  name: string;
  filter: string;
  description: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  tenant: string | null;
}

export interface Webhook {
  id: string;
  name: string;
  url: string;
  events: string[];
  filter: string | null;
  enabled: boolean;
  createdAt: string;
  secret?: string;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  deviceId: string | null;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  redeliveredAt: string | null;
  attemptLog: { attempt: number; at: string; durationMs: number; statusCode: number | null; ok: boolean; error: string | null }[];
}

export interface AuditEntry {
  id: number;
  at: string;
  principal: { kind: string; id?: string; name?: string };
  address: string | null;
  action: string;
  target: { type: string; id: string } | null;
  outcome: number;
  summary: string;
}

export const ROLES: [Role, string][] = [
  ["read-only", "Viewer"],
  ["operator", "Operator"],
  ["admin", "Admin"],
];
