// The standard data models the ACS checks values against (a setParameterValues task's values, when the
// device has not reported the parameter's type): the Broadband Forum "full" XML files in `models.dir`.
// A file is read at start only far enough to know its root object; it is loaded when a path under that
// root first needs a type, since the large ones take a fraction of a second each.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { XsdType } from "../cwmp/index.js";
import { DataModelRegistry, loadBbfXml, ModelError } from "../model/index.js";
import type { Logger } from "./logger.js";
import type { StandardTypeLookup } from "./tasks.js";

/** The model a document defines, from its <model> element: its root object, version, and whether it is a service. */
function peekModel(text: string): { root: string; version: [number, number]; isService: boolean; usp: boolean } | null {
  const m = /<model\b[^>]*>/.exec(text);
  if (!m) return null;
  const name = /\bname="([^":]+):(\d+)\.(\d+)/.exec(m[0]);
  if (name === null) return null;
  // The same data model is published for CWMP and for USP (TR-181 "-cwmp" and "-usp" documents): the USP
  // one has commands and events instead of the CWMP-only objects, so a CWMP ACS takes only the former.
  const spec = /\bspec="([^"]*)"/.exec(text.slice(0, m.index))?.[1] ?? "";
  return { root: `${name[1]}.`, version: [Number(name[2]), Number(name[3])], isService: /\bisService="(true|1)"/.test(m[0]), usp: /-usp$/.test(spec) };
}

export interface StandardModels {
  registry: DataModelRegistry;
  /** The roots and services found, with their files. */
  files: { file: string; root: string; isService: boolean }[];
  typeOf: StandardTypeLookup;
}

export function loadStandardModels(dir: string, log: Logger): StandardModels {
  const registry = new DataModelRegistry();
  const files: StandardModels["files"] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.toLowerCase().endsWith(".xml")).sort();
  } catch (err) {
    throw new ModelError("FILE_READ", `cannot read the data-model folder ${dir} (models.dir): ${(err as Error).message}`, { cause: err });
  }
  // One model per root: a folder may hold several versions of one (TR-106's Device:1 beside TR-181's
  // Device:2); the newest serves, the others are named in the log.
  const best = new Map<string, { file: string; root: string; version: [number, number]; isService: boolean }>();
  for (const name of names) {
    const file = join(dir, name);
    const peek = peekModel(readFileSync(file, "utf8"));
    if (peek === null) {
      log.warn({ file }, "not a Broadband Forum data model; skipped");
      continue;
    }
    if (peek.usp) {
      log.debug({ file }, "a USP data model; skipped by the CWMP ACS");
      continue;
    }
    const key = `${peek.isService ? "service" : "root"}:${peek.root}`;
    const held = best.get(key);
    const newer = held === undefined || peek.version[0] > held.version[0] || (peek.version[0] === held.version[0] && peek.version[1] > held.version[1]);
    if (held !== undefined) {
      const [kept, skipped] = newer ? [file, held.file] : [held.file, file];
      log.info({ kept, skipped }, `two data models for ${peek.root}; the newer one serves`);
    }
    if (newer) best.set(key, { file, root: peek.root, version: peek.version, isService: peek.isService });
  }
  for (const { file, root, isService } of best.values()) {
    registry.add({ root, isService, load: () => loadBbfXml(file) });
    files.push({ file, root, isService });
  }
  const typeOf: StandardTypeLookup = (path: string): XsdType | undefined => {
    try {
      return registry.parameter(path)?.def.syntax.type;
    } catch (err) {
      // A path that is not one, or a model that fails to load: no standard type (the caller's applies).
      if (err instanceof ModelError) {
        log.debug({ path, err: err.message }, "no standard type");
        return undefined;
      }
      throw err;
    }
  };
  return { registry, files, typeOf };
}
