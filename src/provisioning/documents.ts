// The checks a preset or provision passes before it is stored, whoever stores it (the REST API,
// `provisio import genieacs`): its schema, its name, and for a script that it compiles.

import { checkProvision, compilePreset, DocumentError, type Preset, type Provision } from "./presets.js";
import { SandboxError } from "./sandbox.js";

/** What compiles scripts (an isolate of its own, never the one sessions run in). */
export interface ScriptChecker {
  check(code: string, dialect: "provisio" | "genieacs"): void;
}

/** The document as stored under `name`, or a DocumentError saying what is wrong. */
export function checkDocument(kind: "preset" | "provision", name: string, doc: unknown, scripts: ScriptChecker): Preset | Provision {
  if (kind === "preset") {
    const compiled = compilePreset(doc);
    if (compiled.preset.name !== name) throw new DocumentError([`name: the document names ${JSON.stringify(compiled.preset.name)}, the URL ${JSON.stringify(name)}`]);
    return compiled.preset;
  }
  const p = checkProvision(doc);
  if (p.name !== name) throw new DocumentError([`name: the document names ${JSON.stringify(p.name)}, the URL ${JSON.stringify(name)}`]);
  if (p.name.startsWith("builtin:")) throw new DocumentError(["name: names starting with builtin: are the built-in provisions'"]);
  if (p.kind === "script" || p.kind === "virtual") {
    try {
      scripts.check(p.script, p.dialect ?? "provisio");
    } catch (err) {
      if (err instanceof SandboxError) throw new DocumentError([`script: ${err.message}`]);
      throw err;
    }
  }
  return p;
}
