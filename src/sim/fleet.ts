// A realistic fleet as data: each device of a mix of products (the built-in TR-181 and TR-098
// gateways), with its software version, tags, last Inform, and its whole tree as discovery at first
// contact stores it (every object and parameter the device lists, with the values it reports). A device
// is a pure function of the fleet's seed, its index and the fleet's end time, so a fleet can be made in
// pieces (`start`) and made again identically.

import { deviceIdOf } from "../session/device-id.js";
import { DeviceTree } from "./device-model.js";
import { makeIdentity } from "./identity.js";
import type { DeviceModel } from "./model.js";
import { wanAddress } from "./models/generators.js";
import { tr098Gateway, tr181Gateway } from "./models/index.js";
import { mix, unit } from "./rng.js";

export interface FleetProduct {
  model: "tr181-gateway" | "tr098-gateway";
  productClass: string;
  oui: string;
  /** Share of the fleet (the shares need not add up to 1: they are weights). */
  weight: number;
  /** Software versions, newest first, with their weights. */
  versions: readonly (readonly [string, number])[];
}

/** Two generations of each data model, as operators run them: a current firmware on most, a tail of older ones. */
export const FLEET_PRODUCTS: readonly FleetProduct[] = [
  { model: "tr181-gateway", productClass: "HGW4100", oui: "00D09E", weight: 45, versions: [["4.2.1", 60], ["4.1.7", 25], ["4.0.3", 10], ["4.3.0-beta2", 5]] },
  { model: "tr181-gateway", productClass: "HGW5200AX", oui: "F4F26D", weight: 25, versions: [["5.0.4", 80], ["5.0.2", 15], ["5.1.0-rc1", 5]] },
  { model: "tr098-gateway", productClass: "IGD3100", oui: "0C8063", weight: 20, versions: [["3.8.12", 55], ["3.8.9", 30], ["3.7.0", 15]] },
  { model: "tr098-gateway", productClass: "IGD3100LTE", oui: "A1B2C3", weight: 10, versions: [["3.9.1", 70], ["3.8.12", 30]] },
];

/** Tags: every device in one of the regions; a few in the lab, on trial or marked broken. */
export const FLEET_REGIONS = 8;
const TAGS: readonly (readonly [string, number])[] = [["lab", 0.1], ["trial", 0.05], ["broken", 0.01]];

export interface FleetOptions {
  /** Mixed into every draw: another seed gives another fleet. */
  seed: number;
  /** The newest last Inform; the others are spread over `informWindowMs` before it. */
  end: Date;
  informWindowMs: number;
  /** Serial numbers are this prefix and the device's index, zero-padded to 8 digits. */
  serialPrefix: string;
}

export interface FleetParameter {
  path: string;
  object: boolean;
  writable: boolean;
  /** Null for objects. */
  value: string | null;
  type: string | null;
}

export interface FleetDevice {
  index: number;
  id: string;
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
  model: FleetProduct["model"];
  softwareVersion: string;
  tags: string[];
  registeredAt: Date;
  lastBootAt: Date;
  lastInformAt: Date;
  /** The address the last Inform came from (its WAN address). */
  address: string;
  /** Objects and parameters in path order, as GetParameterNames and GetParameterValues of the root give them. */
  parameters: FleetParameter[];
}

const DAY = 86_400_000;

function pick<T>(choices: readonly (readonly [T, number])[], u: number): T {
  const total = choices.reduce((n, [, w]) => n + w, 0);
  let at = u * total;
  for (const [v, w] of choices) {
    if (at < w) return v;
    at -= w;
  }
  return choices[choices.length - 1]![0];
}

/** What one device is, except its tree (cheap: for checking ids before anything is written). */
function identityOf(o: FleetOptions, index: number) {
  const product = pick(FLEET_PRODUCTS.map((p) => [p, p.weight] as const), unit(o.seed, 0xf1, index));
  return { product, oui: product.oui, productClass: product.productClass, serialNumber: `${o.serialPrefix}${String(index).padStart(8, "0")}` };
}

/** The id device `index` of the fleet has. */
export function fleetDeviceId(o: FleetOptions, index: number): string {
  return deviceIdOf(identityOf(o, index));
}

/** Makes devices; compiles each model once. */
export class FleetGenerator {
  private readonly models = new Map<FleetProduct["model"], DeviceModel>();

  constructor(private readonly o: FleetOptions) {}

  private model(name: FleetProduct["model"]): DeviceModel {
    let m = this.models.get(name);
    if (m === undefined) {
      m = name === "tr181-gateway" ? tr181Gateway() : tr098Gateway();
      this.models.set(name, m);
    }
    return m;
  }

  device(index: number): FleetDevice {
    const o = this.o;
    const { product, oui, productClass, serialNumber } = identityOf(o, index);
    const model = this.model(product.model);
    const identity = makeIdentity(model.identityDefaults, { oui, productClass, serialPrefix: o.serialPrefix, serialDigits: 8, firstSerial: 0, seed: o.seed }, index);
    const r = (salt: number) => unit(o.seed, salt, index);
    const lastInform = o.end.getTime() - Math.floor(r(0xf2) * o.informWindowMs);
    // Up for minutes to a month; in service for up to two years.
    const boot = lastInform - Math.floor(60_000 + r(0xf3) * 30 * DAY);
    const registered = Math.min(boot, lastInform - Math.floor(r(0xf4) * 730 * DAY));
    const tree = new DeviceTree(model, identity, boot);
    const softwareVersion = pick(product.versions, r(0xf5));
    const root = model.root.path;
    tree.setPath(`${root}DeviceInfo.SoftwareVersion`, softwareVersion, lastInform);
    const rootNode = tree.resolve("", lastInform)!;
    const values = new Map<string, FleetParameter>();
    tree.forEachParam(rootNode, lastInform, (path, def, inst) => {
      // What the device answers to GetParameterValues: secrets read as empty.
      values.set(path, { path, object: false, writable: def.writable, value: def.secret ? "" : tree.value(path, def, inst, lastInform), type: def.type });
    });
    const rows: FleetParameter[] = [];
    tree.forEachName(rootNode, false, lastInform, (path, writable) => {
      rows.push(values.get(path) ?? { path, object: true, writable, value: null, type: null });
    });
    rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const tags = [`region-${mix(o.seed, 0xf6, index) % FLEET_REGIONS}`];
    TAGS.forEach(([tag, share], i) => {
      if (r(0xf7 + i) < share) tags.push(tag);
    });
    return {
      index,
      id: deviceIdOf(identity),
      manufacturer: identity.manufacturer,
      oui,
      productClass,
      serialNumber,
      model: product.model,
      softwareVersion,
      tags: tags.sort(),
      registeredAt: new Date(registered),
      lastBootAt: new Date(boot),
      lastInformAt: new Date(lastInform),
      address: wanAddress(identity),
      parameters: rows,
    };
  }
}
