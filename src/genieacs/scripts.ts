// GenieACS provisions and virtual parameters are scripts in GenieACS's own dialect (declare(), ext(),
// args as an array, a virtual parameter returning {writable, value: [v, type]}): they are kept as they
// are, marked dialect "genieacs", for the ACS to run them as GenieACS would.

import type { JsonValue } from "../store/types.js";
import { Unmappable } from "./errors.js";
import { documentName, renamed } from "./names-provisio.js";

export interface GenieScript {
  _id: string;
  script?: string;
}

const VIRTUAL_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export interface TranslatedScript {
  provision: { [k: string]: JsonValue };
  notes: string[];
}

function script(g: GenieScript): string {
  if (typeof g.script !== "string" || g.script.trim() === "") throw new Unmappable("it has no script");
  return g.script;
}

export function translateProvision(g: GenieScript): TranslatedScript {
  const name = documentName(g._id, "provision");
  return {
    provision: { name, kind: "script", dialect: "genieacs", description: `Imported from GenieACS provision ${JSON.stringify(g._id)}`.slice(0, 1024), script: script(g) },
    notes: renamed(g._id, name),
  };
}

export function translateVirtualParameter(g: GenieScript): TranslatedScript {
  // Renaming one would break every VirtualParameters.<name> path that reads it.
  if (typeof g._id !== "string" || !VIRTUAL_NAME.test(g._id)) throw new Unmappable(`the name ${JSON.stringify(g._id)}: a Provisio virtual parameter is named with letters, digits, _ and - (at most 64), starting with a letter or _`);
  return {
    provision: { name: g._id, kind: "virtual", dialect: "genieacs", description: `Imported from GenieACS virtual parameter ${JSON.stringify(g._id)}`, script: script(g) },
    notes: [],
  };
}
