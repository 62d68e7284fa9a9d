// Carrying a GenieACS installation over to Provisio (docs/genieacs-migration.md): its presets, provisions,
// virtual parameters, files and devices, translated to Provisio's documents and records, or refused
// with the reason. Pure: reading GenieACS and writing the store happen in cli/import-genieacs.ts.

export { Unmappable, reasonOf } from "./errors.js";
export { translatePrecondition, syntaxOf, type Syntax, type Translated } from "./precondition.js";
export { translatePreset, declarationPath, type GeniePreset, type TranslatedPreset } from "./presets.js";
export { translateProvision, translateVirtualParameter, type GenieScript, type TranslatedScript } from "./scripts.js";
export { translateFile, type GenieFile, type TranslatedFile } from "./files.js";
export { translateDevice, type ImportedDevice, type ImportedValue } from "./devices.js";
