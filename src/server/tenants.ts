// Tenants: named device filters that principals (API keys, console users) may be scoped to. A scoped
// principal reaches the devices its tenant's filter matches, and no other (src/nbi/tenancy.ts enforces
// it in the REST API). This file holds what the API and the ACS's services share: the one lookup of a
// principal's scope, the combination of a tenant's filter with the caller's, and the membership cache
// of the event streams.

import { evaluate, parse, print, toFilter, type FilterNode } from "../query/index.js";
import { deviceForFilter } from "./device-filter.js";
import type { Store, StoreTx } from "../store/types.js";

/** What a scoped principal carries: its tenant's name and filter, as read when it authenticated. */
export interface TenantScope {
  name: string;
  filter: string;
}

/**
 * The scope of a principal whose record names `tenant` (null: unscoped). Read at every authentication,
 * so that a change of the tenant's filter applies from the next request. A tenant that no longer exists
 * is `"gone"`: the caller refuses the request rather than widening it to every device.
 */
export async function tenantScope(store: Pick<StoreTx, "tenants">, tenant: string | null): Promise<TenantScope | null | "gone"> {
  if (tenant === null) return null;
  const t = await store.tenants.get(tenant);
  return t === null ? "gone" : { name: t.name, filter: t.filter };
}

const operandsOf = (n: FilterNode): FilterNode[] => (n.kind === "and" ? n.operands : [n]);

/**
 * The caller's filter narrowed to the tenant's devices: an AND of the two ASTs (never of their texts,
 * which a caller's `x) OR (true` could break out of). No scope: the caller's filter as it is.
 */
export function scopedFilter(scope: TenantScope | null, filter: string | FilterNode | undefined): string | FilterNode | undefined {
  if (scope === null) return filter;
  const tenant = parse(scope.filter);
  if (filter === undefined) return tenant;
  return { kind: "and", operands: [...operandsOf(tenant), ...operandsOf(toFilter(filter))] };
}

/**
 * The filter text to store for what a scoped principal starts and the ACS carries on later (a fleet
 * diagnostic's next batches): narrowed as the tenant is now, so that a later change of the tenant's
 * filter does not reach the devices of another.
 */
export function scopedFilterText(scope: TenantScope | null, filter: string): string {
  return scope === null ? filter : print(toFilter(scopedFilter(scope, filter)!));
}

/** Whether the device is in the tenant now: the filter evaluated on what the store knows of it. */
export async function deviceInScope(store: Pick<StoreTx, "devices" | "parameters" | "alarms">, scope: TenantScope, deviceId: string, now: Date, onlineWithinMs: number): Promise<boolean> {
  const device = await store.devices.get(deviceId);
  if (device === null) return false;
  let ast: FilterNode;
  try {
    ast = parse(scope.filter);
  } catch {
    return false; // checked when the tenant was saved; one that no longer parses admits nothing
  }
  const seen = await deviceForFilter(store, device, ast);
  try {
    return evaluate(ast, seen, { now, onlineWithinMs });
  } catch {
    return false;
  }
}

export interface MembershipOptions {
  /** How long an answer is reused: a device that leaves (or joins) the tenant is seen so much later at most. */
  ttlMs: number;
  /** Answers kept per process; the oldest go first. */
  maxEntries: number;
  onlineWithinMs: number;
  clock?: () => number;
}

/**
 * Which devices are in which tenant, for the event streams: events come in volume (thousands a second),
 * so each (tenant filter, device) answer is kept for `ttlMs` and shared by every stream of the process,
 * rather than read from the store per event and stream. A stream lives long: the tenant's filter is
 * read again once `ttlMs` old too, so a changed filter (or a tenant deleted) applies to the streams
 * already open within `ttlMs`; answers are keyed by the filter's text, so a new filter starts afresh.
 */
export class TenantMembership {
  private readonly answers = new Map<string, { member: boolean; at: number }>();
  private readonly filters = new Map<string, { scope: TenantScope | null; at: number }>();
  private readonly pending = new Map<string, Promise<boolean>>();
  private readonly clock: () => number;

  constructor(private readonly store: Store, private readonly o: MembershipOptions) {
    this.clock = o.clock ?? Date.now;
  }

  /** The tenant as it is now (null: deleted), read at most once per `ttlMs`. */
  private async current(name: string, now: number): Promise<TenantScope | null> {
    const known = this.filters.get(name);
    if (known !== undefined && now - known.at < this.o.ttlMs) return known.scope;
    const t = await this.store.tenants.get(name);
    const scope = t === null ? null : { name: t.name, filter: t.filter };
    this.filters.set(name, { scope, at: now });
    return scope;
  }

  /** Whether the device is in the tenant named by `tenant` (its filter as it is now, not as the stream opened). */
  async has(tenant: TenantScope, deviceId: string): Promise<boolean> {
    const now = this.clock();
    const scope = await this.current(tenant.name, now);
    if (scope === null) return false;
    const key = `${scope.filter}\u0000${deviceId}`;
    const known = this.answers.get(key);
    if (known !== undefined && now - known.at < this.o.ttlMs) return known.member;
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return inFlight;
    const p = deviceInScope(this.store, scope, deviceId, new Date(now), this.o.onlineWithinMs)
      .then((member) => {
        this.answers.delete(key);
        this.answers.set(key, { member, at: now });
        if (this.answers.size > this.o.maxEntries) this.answers.delete(this.answers.keys().next().value!);
        return member;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }
}
