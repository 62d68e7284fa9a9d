// Who is logged in: POST/GET/DELETE /api/session. A browser that sends an API key itself (a program, a
// test about keys) is answered for that key, without a CSRF token (keys need none).

import { ApiError, api, setCsrfToken } from "./client.js";
import type { Role, SessionInfo } from "./types.js";

function adopt(s: SessionInfo): SessionInfo {
  setCsrfToken(s.csrfToken ?? null);
  return s;
}

/** The current login, or null when there is none (401). */
export async function currentSession(): Promise<SessionInfo | null> {
  try {
    return adopt(await api.get<SessionInfo>("/api/session", { quiet401: true }));
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
