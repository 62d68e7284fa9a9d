// Values that differ per device or change over time, shared by the built-in models. All are pure
// functions of the device's seed, its boot time and the clock, so they cost no per-device memory.

import { formatDateTime } from "../../cwmp/index.js";
import { mix, unit } from "../rng.js";
import type { DeviceIdentity, DynamicValue, ValueContext, VolatileTable } from "../source.js";

const hex2 = (n: number) => (n & 0xff).toString(16).toUpperCase().padStart(2, "0");

/** The n-th MAC address of a device: its OUI and 24 bits from its seed (room for 16 interfaces). */
export function mac(id: DeviceIdentity, n: number): string {
  const base = (mix(id.seed, 0x3ac) & 0xfffff0) + (n & 0xf);
  return [id.oui.slice(0, 2), id.oui.slice(2, 4), id.oui.slice(4, 6), hex2(base >> 16), hex2(base >> 8), hex2(base)].join(":");
}

/** The device's WAN address, from its index: 100.64.0.0/10 (shared address space) leaves room for 4 million. */
export function wanAddress(id: DeviceIdentity): string {
  const n = id.index + 2;
  return `100.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`;
}

export const WAN_GATEWAY = "100.64.0.1";
export const WAN_MASK = "255.192.0.0";

/** Seconds since boot. */
export function secondsUp(ctx: ValueContext): number {
  return Math.max(0, Math.floor((ctx.now - ctx.bootTime) / 1000));
}

export const uptime: DynamicValue = (ctx) => String(secondsUp(ctx));

export const clock: DynamicValue = (ctx) => formatDateTime(new Date(ctx.now));

/**
 * A counter growing since boot at about `perSecond` (between half and one and a half times, per device
 * and instance). 32-bit counters wrap as real ones do.
 */
export function counter(perSecond: number, salt: number, bits: 32 | 64 = 64): DynamicValue {
  return (ctx) => {
    const rate = perSecond * (0.5 + unit(ctx.seed, salt, ...ctx.instances));
    const v = Math.floor(secondsUp(ctx) * rate);
    return String(bits === 32 ? v % 4294967296 : v);
  };
}

/** A value that moves between lo and hi, changing every `periodMs`. */
export function wander(lo: number, hi: number, periodMs: number, salt: number): DynamicValue {
  return (ctx) => String(Math.floor(lo + (hi - lo) * unit(ctx.seed, salt, Math.floor(ctx.now / periodMs))));
}

/** DHCP lease time remaining, renewed at half the lease. */
export function leaseRemaining(lease: number): DynamicValue {
  return (ctx) => String(lease - (secondsUp(ctx) % Math.floor(lease / 2)));
}

// ---- the hosts a gateway sees: 8 slots, two always there, the others coming and going ----

export const HOST_SLOTS = 8;
const HOST_WINDOW_MS = 10 * 60_000;
const HOST_NAMES = ["desktop", "laptop", "phone", "tablet", "smart-tv", "printer", "nas", "console", "thermostat", "watch", "camera", "speaker"];

export type HostLink = "ethernet" | "wifi24" | "wifi5";

export interface Host {
  mac: string;
  ip: string;
  name: string;
  link: HostLink;
  /** The LAN port (1-4) of an Ethernet host. */
  port: number;
}

export function host(seed: number, n: number): Host {
  const h = mix(seed, 0x4057, n);
  const links: HostLink[] = ["ethernet", "wifi24", "wifi5"];
  const link = n === 1 ? "ethernet" : n === 2 ? "wifi5" : links[h % 3]!;
  const name = `${HOST_NAMES[(h >>> 4) % HOST_NAMES.length]}-${(h >>> 12).toString(16).slice(0, 4)}`;
  return {
    // Locally administered addresses: hosts are not from the gateway's vendor.
    mac: ["02", hex2(h >>> 24), hex2(h >>> 16), hex2(h >>> 8), hex2(h), hex2(n)].join(":"),
    ip: `192.168.1.${99 + n}`,
    name,
    link,
    port: 1 + ((h >>> 8) % 4),
  };
}

function presentAt(seed: number, n: number, window: number): boolean {
  return n <= 2 || unit(seed, 0x4058, n, window) < 0.6;
}

/** Whether host slot n is connected now. */
export function hostPresent(ctx: ValueContext, n: number): boolean {
  return presentAt(ctx.seed, n, Math.floor(ctx.now / HOST_WINDOW_MS));
}

/** When host n last connected (the start of its current presence, or the boot). */
export function hostSince(ctx: ValueContext, n: number): number {
  let w = Math.floor(ctx.now / HOST_WINDOW_MS);
  for (let k = 0; k < 144 && w * HOST_WINDOW_MS > ctx.bootTime && presentAt(ctx.seed, n, w - 1); k++) w--;
  return Math.max(ctx.bootTime, w * HOST_WINDOW_MS);
}

/** Host table rows: slot n is instance n while the host is connected. */
export const hostTable: VolatileTable = {
  slots: HOST_SLOTS,
  present: (ctx) => hostPresent(ctx, ctx.instances[ctx.instances.length - 1]!),
};

/** Rows of a host's own sub-table (one address): there while the host is. */
export const oneRow: VolatileTable = { slots: 1, present: () => true };

/**
 * Associated WiFi stations of an access point: instance n is host slot n while that host is connected
 * on the access point's band. `apPos` is the position of the access point's instance number in the path.
 */
export function stationTable(apPos: number, bandOf: (ap: number) => HostLink | undefined): VolatileTable {
  return {
    slots: HOST_SLOTS,
    present: (ctx) => {
      const band = bandOf(ctx.instances[apPos] ?? 0);
      const n = ctx.instances[ctx.instances.length - 1]!;
      return band !== undefined && host(ctx.seed, n).link === band && hostPresent(ctx, n);
    },
  };
}

/** A value of the host in the last instance number of the path. */
export function hostValue(f: (h: Host, ctx: ValueContext, n: number) => string): DynamicValue {
  return (ctx) => {
    const n = ctx.instances[ctx.instances.length - 1]!;
    return f(host(ctx.seed, n), ctx, n);
  };
}

/** A value of the host whose slot is the second-to-last instance number (a host's sub-table). */
export function parentHostValue(f: (h: Host) => string): DynamicValue {
  return (ctx) => f(host(ctx.seed, ctx.instances[ctx.instances.length - 2]!));
}

/** The factory WiFi network name and passphrase, printed on the device's label. */
export function ssidName(id: DeviceIdentity, band: "" | "-5G" = ""): string {
  return `Provisio-${id.serialNumber.slice(-4)}${band}`;
}

export function wifiPassphrase(id: DeviceIdentity): string {
  const words = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "haven", "indigo", "juniper"];
  const h = mix(id.seed, 0x5a5a);
  return `${words[h % 10]}-${words[(h >>> 8) % 10]}-${String(h % 10000).padStart(4, "0")}`;
}

/** A ping test's results (IPPing diagnostics): a fixed fraction of echoes lost, plausible times. */
export function pingResults(ctx: ValueContext, repetitions: number): { success: number; avg: number; min: number; max: number } {
  const lost = unit(ctx.seed, 0x919, Math.floor(ctx.now / 1000)) < 0.1 ? 1 : 0;
  const success = Math.max(0, repetitions - lost);
  const min = 4 + Math.floor(10 * unit(ctx.seed, 0x91a));
  const spread = 1 + Math.floor(20 * unit(ctx.seed, 0x91b, Math.floor(ctx.now / 1000)));
  return { success, avg: success > 0 ? min + Math.floor(spread / 2) : 0, min: success > 0 ? min : 0, max: success > 0 ? min + spread : 0 };
}
