// A GenieACS file's record (GridFS: the name, the length, and metadata) as Provisio file metadata.

import { Unmappable } from "./errors.js";

export interface GenieFile {
  _id: string;
  filename?: string;
  length?: number;
  metadata?: { fileType?: string; oui?: string; productClass?: string; version?: string };
}

export interface TranslatedFile {
  /** The name the content is found under (GenieACS serves files by it). */
  source: string;
  meta: { name: string; fileType: string; oui: string; productClass: string; version: string; description: string };
  /** The size GenieACS recorded, to check the content against; undefined when it did not say. */
  size: number | undefined;
}

export function translateFile(g: GenieFile): TranslatedFile {
  const name = typeof g.filename === "string" && g.filename !== "" ? g.filename : g._id;
  if (typeof name !== "string" || name === "") throw new Unmappable("a file without a name");
  const m = g.metadata ?? {};
  if (typeof m.fileType !== "string" || m.fileType === "") throw new Unmappable("no metadata.fileType: Provisio needs the FileType a device downloads it as");
  return {
    source: name,
    meta: { name, fileType: m.fileType, oui: m.oui ?? "", productClass: m.productClass ?? "", version: m.version ?? "", description: `Imported from GenieACS` },
    size: typeof g.length === "number" ? g.length : undefined,
  };
}
