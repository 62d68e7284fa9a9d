// The Overview's figures: GET /api/overview, exact at any fleet size (each figure is an index scan on
// the server), with the sessions ended per minute counted by every ACS process.

import { api, query } from "./client.js";

export interface Group {
  value: string;
  devices: number;
}

export interface Overview {
  at: string;
  onlineWindowSeconds: number;
  devices: { total: number; online: number; offline: number; neverSeen: number };
  productClasses: Group[];
  softwareVersions: Group[];
  /** Null for a principal scoped to a tenant: sessions are counted per process, for every tenant. */
  sessionsPerMinute: { minute: string; sessions: number }[] | null;
  faultsByCode: { code: string; faults: number }[];
  campaigns: { id: string; name: string; status: string; counts: Record<string, number>; devices: number; finished: number }[];
}

/** The groups the server sums as the rest (not a value: it has no filter). */
export const OTHER = "other";

export const SESSION_MINUTES = 60;

export function loadOverview(signal: AbortSignal): Promise<Overview> {
  return api.get<Overview>(`/api/overview${query({ top: 10, minutes: SESSION_MINUTES })}`, { signal });
}

/** Sessions in the last complete minute and the current one, from the server's per-minute counts. */
export function sessionsIn(o: Overview, minuteStart: number): number {
  return (o.sessionsPerMinute ?? []).find((m) => Date.parse(m.minute) === minuteStart)?.sessions ?? 0;
}
