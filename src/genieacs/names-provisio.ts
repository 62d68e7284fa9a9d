// Names GenieACS allows (spaces, slashes, ...) made into the names Provisio's documents take.

import { Unmappable } from "./errors.js";

const DOCUMENT_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** A preset's or provision's name: each character Provisio does not take becomes "-". */
export function documentName(genieName: unknown, what: string): string {
  if (typeof genieName !== "string" || genieName === "") throw new Unmappable(`a ${what} without a name (_id)`);
  const name = genieName.replace(/[^A-Za-z0-9_.:-]/g, "-").slice(0, 128);
  if (!DOCUMENT_NAME.test(name)) throw new Unmappable(`the name ${JSON.stringify(genieName)}`);
  // builtin: names are Provisio's own.
  return name.startsWith("builtin:") ? `genieacs-${name.replace(/:/g, "-")}` : name;
}

export const renamed = (genieName: string, name: string): string[] => (genieName === name ? [] : [`named ${name} (GenieACS: ${JSON.stringify(genieName)})`]);
