// Who is logged in: POST/GET/DELETE /api/session. Until the server has sessions, GET /api/whoami
// answers for an API key (the browser tests send one); remove that fallback once /api/session exists
// everywhere.

import { ApiError, api, setCsrfToken } from "./client.js";
import type { Principal, Role, SessionInfo } from "./types.js";

interface WhoAmI {
  id: string;
  name: string;
  role: Role;
}

function adopt(s: SessionInfo): SessionInfo {
  setCsrfToken(s.csrfToken ?? null);
  return s;
}

/** The current login, or null when there is none (401). */
export async function currentSession(): Promise<SessionInfo | null> {
  try {
    return adopt(await api.get<SessionInfo>("/api/session", { quiet401: true }));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status === 401) return null;
    if (err.status !== 404) throw err;
  }
  try {
    const who = await api.get<WhoAmI>("/api/whoami", { quiet401: true });
    const principal: Principal = { kind: "apiKey", id: who.id, name: who.name, role: who.role };
    return adopt({ principal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export async function logIn(username: string, password: string): Promise<SessionInfo> {
  return adopt(await api.post<SessionInfo>("/api/session", { username, password }, { quiet401: true }));
}

export async function logOut(): Promise<void> {
  try {
    await api.del("/api/session", { quiet401: true });
  } finally {
    setCsrfToken(null);
  }
}

/** Whether `role` may do what needs `needed` (read-only < operator < admin). */
export function roleAllows(role: Role, needed: Role): boolean {
  const rank: Record<Role, number> = { "read-only": 0, operator: 1, admin: 2 };
  return rank[role] >= rank[needed];
}

export function roleLabel(role: Role): string {
  return role === "read-only" ? "Viewer" : role === "operator" ? "Operator" : "Admin";
}
