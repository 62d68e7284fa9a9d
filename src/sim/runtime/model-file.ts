// Choosing the devices' model: a built-in gateway, a Broadband Forum data-model XML file, or a device
// dump (CSV or JSON); with factory values overridden (the periodic inform interval) before it is
// compiled once for every device.

import { basename, extname } from "node:path";
import { loadBbfXml, loadDump, ModelError } from "../../model/index.js";
import { SimError } from "../errors.js";
import { bbfSource, dumpModelSource, withConnectionRequestDefaults, withValues, type FactoryStun, type FactoryXmpp } from "../loaders.js";
import { compileModel, type DeviceModel } from "../model.js";
import { tr098Source, tr181Source } from "../models/index.js";
import type { ModelSource } from "../source.js";
import { SimSetupError } from "./errors.js";

export const BUILTIN_MODELS: Readonly<Record<string, () => ModelSource>> = {
  "tr181-gateway": tr181Source,
  "tr098-gateway": tr098Source,
};

export interface ModelChoice {
  /** A built-in model's name (default "tr181-gateway"). */
  builtin?: string;
  /** A BBF data-model .xml file, or a device dump (.csv, .json). Wins over `builtin`. */
  file?: string;
  /** For a BBF data model: rows created in each table (default 1). */
  rows?: number;
  /** Factory values to replace, by path relative to the root ("ManagementServer.PeriodicInformInterval"). */
  values?: Record<string, string>;
  /** Every device leaves the factory with STUN enabled (UDP Connection Requests, TR-111). */
  stun?: FactoryStun;
  /** Every device leaves the factory with an XMPP account for Connection Requests (TR-069 Annex K). */
  xmpp?: FactoryXmpp;
}

/** The ModelSource a choice names. Throws SimSetupError SIM_MODEL_FILE with a message for the user. */
export function modelSource(choice: ModelChoice): ModelSource {
  if (choice.file === undefined) {
    const name = choice.builtin ?? "tr181-gateway";
    const make = BUILTIN_MODELS[name];
    if (make === undefined) throw new SimSetupError("SIM_OPTIONS_INVALID", `there is no built-in model ${JSON.stringify(name)}; choose ${Object.keys(BUILTIN_MODELS).join(" or ")}`);
    return make();
  }
  const file = choice.file;
  const ext = extname(file).toLowerCase();
  try {
    if (ext === ".xml") return bbfSource(loadBbfXml(file), choice.rows !== undefined ? { rows: choice.rows } : {});
    if (ext === ".csv" || ext === ".json") {
      const dump = loadDump(file);
      const errors = dump.issues.filter((i) => i.severity === "error").length;
      if (dump.entries.length === 0) throw new SimSetupError("SIM_MODEL_FILE", `the device dump ${file} holds no usable row${errors > 0 ? ` (${errors} rows refused: ${dump.issues[0]!.message})` : ""}`);
      return dumpModelSource(basename(file), dump);
    }
  } catch (e) {
    if (e instanceof SimSetupError) throw e;
    if (e instanceof ModelError || e instanceof SimError) throw new SimSetupError("SIM_MODEL_FILE", `${file}: ${e.message}`, { cause: e });
    throw e;
  }
  throw new SimSetupError("SIM_MODEL_FILE", `${file}: expected a Broadband Forum data model (.xml) or a device dump (.csv, .json)`);
}

/** The compiled model a choice names, with its values overridden. */
export function loadModel(choice: ModelChoice): DeviceModel {
  let source = modelSource(choice);
  try {
    if (choice.values !== undefined && Object.keys(choice.values).length > 0) source = withValues(source, choice.values);
    if (choice.stun !== undefined || choice.xmpp !== undefined) {
      source = withConnectionRequestDefaults(source, { ...(choice.stun !== undefined ? { stun: choice.stun } : {}), ...(choice.xmpp !== undefined ? { xmpp: choice.xmpp } : {}) });
    }
    return compileModel(source);
  } catch (e) {
    if (e instanceof SimError) throw new SimSetupError("SIM_MODEL_FILE", `${choice.file ?? choice.builtin ?? "model"}: ${e.message}`, { cause: e });
    throw e;
  }
}
