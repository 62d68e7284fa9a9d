// A GenieACS preset as a Provisio preset. GenieACS's built-in provisions (refresh, value, tag,
// instances) and its legacy "configurations" (value, age, add_tag, delete_tag) become Provisio
// built-ins and one declarative provision of the preset's own; provisions it names are the imported
// scripts. What would change when the preset applies is refused, with the reason.

import type { Declaration } from "../provisioning/index.js";
import type { JsonValue } from "../store/types.js";
import { Unmappable } from "./errors.js";
import { documentName, renamed } from "./names-provisio.js";
import { translatePrecondition } from "./precondition.js";

export interface GeniePreset {
  _id: string;
  channel?: string;
  weight?: number;
  schedule?: string;
  events?: Record<string, boolean>;
  precondition?: string | Record<string, unknown>;
  configurations?: Record<string, unknown>[];
}

export interface TranslatedPreset {
  preset: { [k: string]: JsonValue };
  /** The declarative provision made of the preset's legacy value and age configurations, if any. */
  provisions: { [k: string]: JsonValue }[];
  /** What an operator should know: renamed, approximated, dropped. */
  notes: string[];
  /** The user provisions (imported scripts) it names. */
  uses: string[];
}

const BOOTSTRAP = "0 BOOTSTRAP";

/** "1_BOOT" and "M_Reboot" as GenieACS's console sometimes writes them, with the space CWMP has. */
const eventCode = (code: string) => code.replace(/^([0-9]+|M)_/, "$1 ");

function events(raw: unknown, notes: string[]): string[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Unmappable(`events: ${JSON.stringify(raw)} is not an object of event codes`);
  const wanted = new Set<string>();
  for (const [code, on] of Object.entries(raw)) {
    if (on !== true) throw new Unmappable(`events: "${code}": false (applies only to sessions without that event): Provisio presets select sessions by the events they have`);
    if (code === "Registered") {
      notes.push(`event Registered (a device's first Inform to GenieACS) became ${BOOTSTRAP}, which a device also reports after a factory reset`);
      wanted.add(BOOTSTRAP);
    } else {
      wanted.add(eventCode(code));
    }
  }
  if (wanted.size <= 1) return [...wanted];
  // GenieACS wants all of them in one Inform, Provisio any one: the same only when one implies the other.
  if (wanted.size === 2 && wanted.has(BOOTSTRAP) && wanted.has("1 BOOT")) {
    notes.push(`events ${BOOTSTRAP} and 1 BOOT together became ${BOOTSTRAP} alone (a bootstrap Inform reports a boot as well)`);
    return [BOOTSTRAP];
  }
  throw new Unmappable(`events: GenieACS applies it when ${[...wanted].join(", ")} all come in one Inform; a Provisio preset's events are alternatives`);
}

function schedule(raw: unknown): { cron: string; duration: number } | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw !== "string") throw new Unmappable(`schedule: ${JSON.stringify(raw)} is not "<seconds> <cron>"`);
  const [duration, ...cron] = raw.trim().split(/\s+/);
  if (!/^[0-9]+$/.test(duration ?? "") || cron.length !== 5) throw new Unmappable(`schedule ${JSON.stringify(raw)}: Provisio takes "<seconds> <five cron fields>"`);
  return { cron: cron.join(" "), duration: Number(duration) };
}

/** GenieACS selects instances with [Key:Value,...]; Provisio with [Key=Value,...]. */
export function declarationPath(path: unknown): string {
  if (typeof path !== "string" || path === "") throw new Unmappable(`the path ${JSON.stringify(path)}`);
  return path.replace(/\[([^\]]*)\]/g, (_, inner: string) => `[${inner.split(",").map((kv) => kv.replace(/^([^:=]+):/, "$1=")).join(",")}]`);
}

function scalar(v: unknown, where: string): string | number | boolean {
  // GenieACS's declare() also takes [value, type]: the type goes, Provisio types by what the device reported.
  const x = Array.isArray(v) ? v[0] : v;
  if (typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") throw new Unmappable(`${where}: the value ${JSON.stringify(v)}`);
  return x;
}

function numberArg(v: unknown, where: string): number {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) throw new Unmappable(`${where}: ${JSON.stringify(v)} is not a number of seconds`);
  return n;
}

/** Translates one preset; throws Unmappable with the reason it cannot be. */
export function translatePreset(g: GeniePreset): TranslatedPreset {
  const name = documentName(g._id, "preset");
  const notes = renamed(g._id, name);
  const filter = translatePrecondition(g.precondition);
  if (!filter.ok) throw new Unmappable(`precondition (${filter.syntax} syntax): ${filter.reason}`);
  if (g.channel !== undefined && g.channel !== "" && g.channel !== "default") notes.push(`channel ${g.channel} dropped: Provisio keeps every provision's faults in the channel "provisions"`);

  const configName = `${name}.genieacs`.slice(0, 128);
  const declarations: Declaration[] = [];
  const list: { name: string; args?: JsonValue }[] = [];
  const uses: string[] = [];
  const declare = (d: Declaration) => {
    if (declarations.length === 0) list.push({ name: configName });
    declarations.push(d);
  };
  for (const [i, c] of (g.configurations ?? []).entries()) {
    const where = `configurations[${i}] (${String(c.type)})`;
    switch (c.type) {
      case "value":
        declare({ path: declarationPath(c.name), value: scalar(c.value, where) });
        break;
      case "age":
        declare({ path: declarationPath(c.name), maxAge: numberArg(c.age, where) });
        break;
      case "add_tag":
      case "delete_tag":
        if (typeof c.tag !== "string" || c.tag === "") throw new Unmappable(`${where}: no tag`);
        list.push({ name: "builtin:tag", args: { tag: c.tag, present: c.type === "add_tag" } });
        break;
      case "add_object":
      case "delete_object":
        throw new Unmappable(`${where}: it names an object of GenieACS's "objects" collection, which has no Provisio equivalent; write a declarative provision with "instances"`);
      case "provision":
        provisionCall(c, where, { declare, list, uses });
        break;
      default:
        throw new Unmappable(`${where}: an unknown configuration type`);
    }
  }
  if (list.length === 0) throw new Unmappable("it has no configurations: a Provisio preset applies at least one provision");

  const preset: { [k: string]: JsonValue } = {
    name,
    description: `Imported from GenieACS preset ${JSON.stringify(g._id)}`.slice(0, 1024),
    weight: Math.trunc(Number(g.weight ?? 0)) || 0,
    filter: filter.filter,
    events: events(g.events, notes),
    provisions: list.map((p): JsonValue => (p.args === undefined ? { name: p.name } : { name: p.name, args: p.args })),
  };
  const s = schedule(g.schedule);
  if (s !== undefined) preset.schedule = s;
  const provisions = declarations.length === 0 ? [] : [{ name: configName, kind: "declarative", description: `GenieACS preset ${JSON.stringify(g._id)}'s value and age configurations`, declarations: declarations as unknown as JsonValue }];
  return { preset, provisions, notes, uses };
}

interface Collect {
  declare: (d: Declaration) => void;
  list: { name: string; args?: JsonValue }[];
  uses: string[];
}

/** A {type: "provision", name, args} configuration: GenieACS's built-ins, or an imported script. */
function provisionCall(c: Record<string, unknown>, where: string, o: Collect): void {
  const args = Array.isArray(c.args) ? (c.args as JsonValue[]) : [];
  switch (c.name) {
    case "refresh":
      o.list.push({ name: "builtin:refresh", args: { path: declarationPath(args[0]), ...(args[1] === undefined ? {} : { maxAge: numberArg(args[1], where) }) } });
      return;
    case "value":
      o.declare({ path: declarationPath(args[0]), value: scalar(args[1], where) });
      return;
    case "tag":
      if (typeof args[0] !== "string" || args[0] === "") throw new Unmappable(`${where}: no tag`);
      o.list.push({ name: "builtin:tag", args: { tag: args[0], present: args[1] !== false } });
      return;
    case "instances": {
      const n = numberArg(args[1], where);
      const path = declarationPath(args[0]);
      o.declare({ path: path.endsWith(".") ? path : `${path}.`, instances: Math.trunc(n) });
      return;
    }
    case "reboot":
    case "reset":
    case "download":
      throw new Unmappable(`${where}: GenieACS's ${c.name} provision acts at every session the preset applies in; Provisio's builtin:${c.name === "reset" ? "factory-reset" : c.name === "download" ? "firmware" : "reboot"} acts once per key: make that preset by hand`);
    default: {
      const name = documentName(c.name, "provision");
      o.uses.push(name);
      o.list.push(args.length === 0 ? { name } : { name, args });
    }
  }
}
