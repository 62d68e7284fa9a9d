// The Overview's figures. Until GET /api/overview exists (in progress on the server), they are put
// together from what the API has: device counts by filter, the first page of devices for the product
// class and software version breakdown (labelled as a sample when the fleet is bigger), the faults,
// and the running campaigns. Replace loadOverview's body with the one call once it lands.

import { api, query } from "./client.js";
import type { Campaign, DeviceList, Fault } from "./types.js";

export interface Breakdown {
  key: string;
  online: number;
  offline: number;
  never: number;
}

export interface Overview {
  total: number;
  online: number;
  offline: number;
  never: number;
  byProductClass: Breakdown[];
  bySoftwareVersion: Breakdown[];
  /** How many devices the breakdowns count (all of them, or a sample). */
  breakdownOf: number;
  faultsByCode: { code: string; count: number }[];
  faultsCounted: number;
  campaigns: Campaign[];
}

const SAMPLE = 1000;
const VERSION_PATHS = ["Device.DeviceInfo.SoftwareVersion", "InternetGatewayDevice.DeviceInfo.SoftwareVersion"];

const count = async (filter: string, signal: AbortSignal) => (await api.get<DeviceList>(`/api/devices${query({ filter, limit: 1, count: true })}`, { signal })).total ?? 0;

function tally(rows: { key: string; state: "online" | "offline" | "never" }[]): Breakdown[] {
  const m = new Map<string, Breakdown>();
  for (const r of rows) {
    const b = m.get(r.key) ?? { key: r.key, online: 0, offline: 0, never: 0 };
    b[r.state]++;
    m.set(r.key, b);
  }
  return [...m.values()].sort((a, b) => b.online + b.offline + b.never - (a.online + a.offline + a.never));
}

export async function loadOverview(signal: AbortSignal): Promise<Overview> {
  const [total, online, never, sample, faults, campaigns] = await Promise.all([
    count("", signal),
    count("online", signal),
    count("lastInform NOT EXISTS", signal),
    api.get<DeviceList>(`/api/devices${query({ limit: SAMPLE, projection: VERSION_PATHS.join(",") })}`, { signal }),
    api.get<{ faults: Fault[] }>("/api/faults?limit=1000", { signal }),
    api.get<{ campaigns: Campaign[] }>("/api/campaigns?status=running,paused", { signal }),
  ]);
  const rows = sample.devices.map((d) => ({
    d,
    state: (d.lastInformAt === null ? "never" : d.online ? "online" : "offline") as "online" | "offline" | "never",
  }));
  const version = (p: Record<string, { value: string | null }> | undefined) => VERSION_PATHS.map((v) => p?.[v]?.value).find((v) => v) ?? "(unknown)";
  const codes = new Map<string, number>();
  for (const f of faults.faults) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
  return {
    total,
    online,
    never,
    offline: total - online - never,
    byProductClass: tally(rows.map((r) => ({ key: r.d.productClass || "(none)", state: r.state }))),
    bySoftwareVersion: tally(rows.map((r) => ({ key: version(r.d.parameters), state: r.state }))),
    breakdownOf: sample.devices.length,
    faultsByCode: [...codes].map(([code, n]) => ({ code, count: n })).sort((a, b) => b.count - a.count),
    faultsCounted: faults.faults.length,
    campaigns: campaigns.campaigns,
  };
}
