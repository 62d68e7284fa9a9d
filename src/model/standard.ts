// Which standard definition applies to a concrete path.
//
// A registry holds root models (TR-181 "Device.", TR-098 "InternetGatewayDevice.") and service models
// (TR-104 "VoiceService."), loaded or to be loaded on first use. A path finds its model by its root
// segment; a path below "<root>.Services.<Service>" finds the service model, whose definitions are
// relative to that mount point ("Device.Services.VoiceService.1.Line.2.Enable" is TR-104's
// "VoiceService.{i}.Line.{i}.Enable"). Instance numbers (and aliases, and "*") match "{i}".

import { ModelError } from "./errors.js";
import { Path } from "./path.js";
import type { DataModel, ObjectDef, ParameterDef } from "./types.js";

/** A model to load when first needed; `root` says what it will define, so that nothing loads early. */
export interface DataModelSource {
  /** "Device." / "InternetGatewayDevice." for root models, the top object ("VoiceService.") for service models. */
  readonly root: string;
  readonly isService?: boolean;
  load(): DataModel;
}

export interface ParameterMatch {
  readonly def: ParameterDef;
  readonly model: DataModel;
  /** The path the definition is keyed by (relative to `mount` for service models). */
  readonly template: string;
  /** "" for root models; "Device.Services." etc. for service models. */
  readonly mount: string;
}

export interface ObjectMatch {
  readonly def: ObjectDef;
  readonly model: DataModel;
  readonly template: string;
  readonly mount: string;
  /**
   * True when the path names a table itself ("Device.WiFi.SSID."): `def` is then the definition of its
   * rows ("Device.WiFi.SSID.{i}."), whose `writable` says whether AddObject is allowed on the table.
   */
  readonly table: boolean;
}

/** A parameter definition in one model, by concrete or template path (relative for service models). */
export function findParameter(model: DataModel, path: string | Path): ParameterDef | undefined {
  const p = typeof path === "string" ? Path.parse(path) : path;
  if (p.isObject) return undefined;
  return model.parameters.get(p.templateText());
}

/** An object definition in one model; a table's own path gives its rows' definition. */
export function findObject(model: DataModel, path: string | Path): { def: ObjectDef; table: boolean } | undefined {
  const p = (typeof path === "string" ? Path.parse(path) : path).asObject();
  if (p.isRoot) return undefined;
  const t = p.templateText();
  const def = model.objects.get(t);
  if (def !== undefined) return { def, table: false };
  const row = model.objects.get(t + "{i}.");
  return row !== undefined ? { def: row, table: true } : undefined;
}

function rootKey(root: string): string {
  const r = root.endsWith(".") ? root.slice(0, -1) : root;
  return r;
}

interface Slot {
  source: DataModelSource | undefined;
  model: DataModel | undefined;
}

export class DataModelRegistry {
  private readonly roots = new Map<string, Slot>();
  private readonly services = new Map<string, Slot>();

  /** Throws ModelError MODEL_REGISTRY when two models claim the same root. */
  constructor(models: ReadonlyArray<DataModel | DataModelSource> = []) {
    for (const m of models) this.add(m);
  }

  /** Adds a loaded model or a source to load later. */
  add(m: DataModel | DataModelSource): void {
    const loaded = "objects" in m;
    const isService = loaded ? m.isService : m.isService === true;
    const key = rootKey(m.root);
    if (key === "" || key.includes(".")) throw new ModelError("MODEL_REGISTRY", `${JSON.stringify(m.root)} is not a root object name`);
    const map = isService ? this.services : this.roots;
    if (map.has(key)) throw new ModelError("MODEL_REGISTRY", `two ${isService ? "service" : "root"} models for ${key}.`);
    map.set(key, loaded ? { source: undefined, model: m } : { source: m, model: undefined });
  }

  /** The root names known ("Device.", "InternetGatewayDevice."), loaded or not. */
  rootNames(): string[] {
    return [...this.roots.keys()].map((k) => k + ".");
  }

  /** The root model for "Device." (or "Device"), loading it if needed. */
  model(root: string): DataModel | undefined {
    return this.resolve(this.roots, rootKey(root), false);
  }

  /** The service model whose top object is `name` ("VoiceService" or "VoiceService."). */
  serviceModel(name: string): DataModel | undefined {
    return this.resolve(this.services, rootKey(name), true);
  }

  /**
   * The model that defines `path`, with the mount point to strip for service models. Throws
   * ModelError PATH_INVALID for a path that is not one.
   */
  modelFor(path: string | Path): { model: DataModel; mount: string; relative: Path } | undefined {
    const p = typeof path === "string" ? Path.parse(path) : path;
    if (p.isRoot) return undefined;
    // "<root>.Services.<Service>..." belongs to the service model when one is registered.
    if (p.length >= 3 && p.segments[1] === "Services" && this.services.size > 0) {
      const seg = p.segments[2]!;
      const name = this.services.has(seg) ? seg : seg.endsWith("NumberOfEntries") ? seg.slice(0, -"NumberOfEntries".length) : undefined;
      const service = name !== undefined ? this.resolve(this.services, name, true) : undefined;
      if (service !== undefined) {
        const mount = p.segments[0] + ".Services.";
        const relative = Path.parse(p.text.slice(mount.length));
        return { model: service, mount, relative };
      }
    }
    const model = this.resolve(this.roots, p.segments[0]!, false);
    return model !== undefined ? { model, mount: "", relative: p } : undefined;
  }

  /** The standard definition of a concrete (or template) parameter path. */
  parameter(path: string | Path): ParameterMatch | undefined {
    const m = this.modelFor(path);
    if (m === undefined || m.relative.isObject) return undefined;
    const template = m.relative.templateText();
    const def = m.model.parameters.get(template);
    return def !== undefined ? { def, model: m.model, template, mount: m.mount } : undefined;
  }

  /** The standard definition of an object path (with or without its trailing dot). */
  object(path: string | Path): ObjectMatch | undefined {
    const m = this.modelFor(path);
    if (m === undefined) return undefined;
    const found = findObject(m.model, m.relative);
    if (found === undefined) return undefined;
    return { def: found.def, table: found.table, model: m.model, template: found.def.path, mount: m.mount };
  }

  private resolve(map: Map<string, Slot>, key: string, isService: boolean): DataModel | undefined {
    const slot = map.get(key);
    if (slot === undefined) return undefined;
    if (slot.model === undefined) {
      const model = slot.source!.load();
      if (rootKey(model.root) !== key || model.isService !== isService) {
        throw new ModelError("MODEL_REGISTRY", `the source for ${key}. loaded ${model.name}, whose ${model.isService ? "service" : "root"} object is ${model.root}`);
      }
      slot.model = model;
      slot.source = undefined;
    }
    return slot.model;
  }
}
