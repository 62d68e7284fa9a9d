// Helpers for loaders that produce a ModelSource: a device dump's rows map to it directly, and a
// data model that gives only templates (BBF XML) gets one row per table so the device has instances.

import { xsdTypes, type XsdType } from "../cwmp/index.js";
import { templateOf } from "./model.js";
import type { ModelSource, ObjectSource, ParameterSource } from "./source.js";

/** One row of a device dump: `Parameter,Object,Writable,Value,Value type` (CSV) or the same as JSON. */
export interface DumpRow {
  name: string;
  object: boolean;
  writable: boolean;
  value: string;
  /** "xsd:unsignedInt", "unsignedInt", ...; anything else is read as xsd:string. */
  type: string;
}

function xsdType(t: string): XsdType {
  const name = t.trim();
  const full = (name.includes(":") ? "xsd:" + name.slice(name.indexOf(":") + 1) : "xsd:" + name) as XsdType;
  return (xsdTypes as readonly string[]).includes(full) ? full : "xsd:string";
}

/** A ModelSource from a device dump: every row is concrete; AddObject templates are inferred from the rows. */
export function dumpSource(name: string, rows: readonly DumpRow[]): ModelSource {
  const objects: ObjectSource[] = [];
  const parameters: ParameterSource[] = [];
  for (const r of rows) {
    if (r.object || r.name.endsWith(".")) objects.push({ path: r.name.endsWith(".") ? r.name : r.name + ".", writable: r.writable });
    else parameters.push({ path: r.name, type: xsdType(r.type), writable: r.writable, value: r.value });
  }
  return { name, objects, parameters };
}

/**
 * Adds `rows` instances (1..rows) to every table of a source that has none, and to the tables below
 * them, so a device built from templates alone has something in each table. Volatile tables are left
 * alone. Values come from the templates' defaults.
 */
export function withDefaultRows(source: ModelSource, rows = 1): ModelSource {
  const paths = [...source.objects.map((o) => o.path), ...source.parameters.map((p) => p.path)];
  const volatile = new Set(source.objects.filter((o) => o.volatile !== undefined).map((o) => templateOf(o.path)));
  // Tables that already have rows, by template prefix ("Device.IP.Interface.{i}.").
  const filled = new Set<string>();
  for (const p of paths) {
    const t = templateOf(p);
    if (t === p) continue;
    const segs = t.split(".");
    for (let i = 1; i < segs.length; i++) if (segs[i] === "{i}" && p.split(".")[i] !== "{i}") filled.add(segs.slice(0, i + 1).join(".") + ".");
  }
  const tables = new Set<string>();
  for (const p of paths) {
    const segs = templateOf(p).split(".");
    for (let i = 1; i < segs.length; i++) if (segs[i] === "{i}") tables.add(segs.slice(0, i + 1).join(".") + ".");
  }
  const added: ObjectSource[] = [];
  for (const table of tables) {
    const outer = table.split(".").map((s, i, all) => (s === "{i}" ? all.slice(0, i + 1).join(".") + "." : "")).filter((x) => x !== "");
    if (outer.some((t) => filled.has(t) || volatile.has(t))) continue;
    // Every combination of 1..rows for each instance level of this table.
    let concrete = [""];
    for (const seg of table.split(".").slice(0, -1)) {
      concrete = seg === "{i}"
        ? concrete.flatMap((c) => Array.from({ length: rows }, (_, k) => `${c}${k + 1}.`))
        : concrete.map((c) => `${c}${seg}.`);
    }
    for (const c of concrete) added.push({ path: c });
  }
  return { ...source, objects: [...source.objects, ...added] };
}
