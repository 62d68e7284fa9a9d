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

/** The model a document defines, from its <model> element: its root object and whether it is a service. */
function peekModel(text: string): { root: string; isService: boolean } | null {
  const m = /<model\b[^>]*>/.exec(text);
  if (!m) return null;
  const name = /\bname="([^":]+):/.exec(m[0])?.[1];
  if (name === undefined) return null;
  return { root: `${name}.`, isService: /\bisService="(true|1)"/.test(m[0]) };
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
  for (const name of names) {
    const file = join(dir, name);
    const peek = peekModel(readFileSync(file, "utf8"));
    if (peek === null) {
      log.warn({ file }, "not a Broadband Forum data model; skipped");
      continue;
    }
    try {
      registry.add({ root: peek.root, isService: peek.isService, load: () => loadBbfXml(file) });
      files.push({ file, ...peek });
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      log.warn({ file, err: err.message }, "a second data model for the same root; skipped");
    }
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
