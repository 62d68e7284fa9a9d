// Loads a Broadband Forum data-model document (the "cwmp-full" / "full" XML files: TR-181, TR-098,
// TR-104...) into a typed DataModel.
//
// What the full files hold: <dm:document> with named <dataType>s (a base type and facets, or a `base`
// data type plus narrower facets), one <model> made of flat <object>s (full template names such as
// "Device.WiFi.SSID.{i}.") holding <parameter>s with a <syntax>, and <profile>s (not needed here).
// Service models (TR-104) have relative names ("VoiceService.{i}.") and may hold top-level parameters.
// Definitions that were removed from the standard stay in the files with status="deleted"; they are
// dropped, and so are deleted facets (a deleted <size> no longer limits anything).
//
// The "non-full" files split definitions over several documents with <import> and <component>: they are
// not followed (a warning says so); load the full variant instead.

import { readFileSync } from "node:fs";
import type { XsdType } from "../cwmp/index.js";
import { CwmpRemoteError } from "../cwmp/index.js";
import { scanXml, type XmlElement, type XmlLimits } from "../cwmp/index.js";
import { ModelError } from "./errors.js";
import { Path } from "./path.js";
import type {
  Access,
  DataModel,
  DataTypeDef,
  EnumerationFacet,
  ListFacet,
  ObjectDef,
  ParameterDef,
  PathRefFacet,
  PatternFacet,
  RangeFacet,
  SizeFacet,
  Status,
  Syntax,
  UniqueKey,
} from "./types.js";

export interface BbfLoadOptions {
  /** "short" keeps the first sentence of each description (default "none": descriptions are dropped). */
  descriptions?: "none" | "short";
  /** Keep objects and parameters whose status is "deleted" (default false). */
  includeDeleted?: boolean;
  /** The model to load when a document defines several (default: the first). */
  model?: string;
  /** Scanner limits; the defaults fit the largest Broadband Forum files with room to spare. */
  limits?: Partial<XmlLimits>;
}

const DM_NAMESPACE_PREFIX = "urn:broadband-forum-org:cwmp:datamodel-";
const DEFAULT_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 4_000_000, maxAttributes: 64 };
const MAX_WARNINGS = 200;
const SHORT_DESCRIPTION_MAX = 200;

const PRIMITIVES: Record<string, XsdType> = {
  string: "xsd:string",
  int: "xsd:int",
  unsignedInt: "xsd:unsignedInt",
  long: "xsd:long",
  unsignedLong: "xsd:unsignedLong",
  boolean: "xsd:boolean",
  dateTime: "xsd:dateTime",
  base64: "xsd:base64",
  hexBinary: "xsd:hexBinary",
  decimal: "xsd:decimal",
};

const FACET_ELEMENTS = new Set(["size", "range", "enumeration", "pattern", "units", "pathRef", "instanceRef", "enumerationRef"]);

/** Reads and loads a data-model file. Throws ModelError (FILE_READ, DM_XML, DM_NOT_DATA_MODEL, DM_NO_MODEL). */
export function loadBbfXml(file: string, options: BbfLoadOptions = {}): DataModel {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ModelError("FILE_READ", `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseBbfXml(text, options);
}

/** Loads a data model from the text of a Broadband Forum data-model document. */
export function parseBbfXml(text: string, options: BbfLoadOptions = {}): DataModel {
  let roots: XmlElement[];
  try {
    roots = scanXml(text, { ...DEFAULT_LIMITS, ...options.limits }).roots;
  } catch (e) {
    if (e instanceof CwmpRemoteError) {
      throw new ModelError("DM_XML", `not well-formed XML: ${e.message}`, { cause: e });
    }
    throw e;
  }
  if (roots.length === 0) throw new ModelError("DM_NOT_DATA_MODEL", "the document has no root element");
  if (roots.length > 1) throw new ModelError("DM_XML", `not well-formed XML: ${roots.length} root elements`);
  const doc = roots[0]!;
  if (doc.local !== "document" || !doc.ns.startsWith(DM_NAMESPACE_PREFIX)) {
    throw new ModelError(
      "DM_NOT_DATA_MODEL",
      `the root element is <${doc.qname}>${doc.ns ? ` in ${doc.ns}` : ""}, not a Broadband Forum <dm:document>`,
    );
  }
  return new Loader(doc, options).run();
}

function attr(el: XmlElement, name: string, prefix = ""): string | undefined {
  const attrs = el.attributes;
  if (attrs === null) return undefined;
  for (const a of attrs) if (a.local === name && a.prefix === prefix) return a.value;
  return undefined;
}

function isPrimitive(local: string): boolean {
  return Object.prototype.hasOwnProperty.call(PRIMITIVES, local);
}

function statusOf(el: XmlElement): Status {
  const s = attr(el, "status");
  return s === "deprecated" || s === "obsoleted" || s === "deleted" ? s : "current";
}

function accessOf(value: string | undefined): Access {
  return value === "readWrite" || value === "writeOnceReadOnly" ? value : "readOnly";
}

function shortDescription(text: string): string | undefined {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length === 0) return undefined;
  const end = flat.search(/[.!?](\s|$)/);
  let s = end === -1 ? flat : flat.slice(0, end + 1);
  if (s.length > SHORT_DESCRIPTION_MAX) s = s.slice(0, SHORT_DESCRIPTION_MAX - 1) + "\u2026";
  return s;
}

/** XSD regular-expression features that JavaScript lacks: better no check than a wrong one. */
const XSD_ONLY_REGEX = /\\[iIcC]|\\[pP]\{Is|\[[^\]]*-\[/;

/** A syntax under construction: facets of a kind replace those inherited from a base. */
interface Draft {
  itemType?: XsdType;
  dataType?: string;
  list?: ListFacet;
  itemList?: ListFacet;
  sizes?: SizeFacet[];
  ranges?: RangeFacet[];
  enumerations?: EnumerationFacet[];
  patterns?: PatternFacet[];
  units?: string;
  pathRef?: PathRefFacet;
  enumerationRef?: { targetParam: string; nullValue?: string };
}

function draftOf(s: Syntax): Draft {
  const d: Draft = { itemType: s.itemType };
  if (s.dataType !== undefined) d.dataType = s.dataType;
  if (s.list !== undefined) d.list = s.list;
  if (s.itemList !== undefined) d.itemList = s.itemList;
  if (s.sizes !== undefined) d.sizes = [...s.sizes];
  if (s.ranges !== undefined) d.ranges = [...s.ranges];
  if (s.enumerations !== undefined) d.enumerations = [...s.enumerations];
  if (s.patterns !== undefined) d.patterns = [...s.patterns];
  if (s.units !== undefined) d.units = s.units;
  if (s.pathRef !== undefined) d.pathRef = s.pathRef;
  if (s.enumerationRef !== undefined) d.enumerationRef = s.enumerationRef;
  return d;
}

function finish(d: Draft): Syntax {
  const itemType = d.itemType ?? "xsd:string";
  const s: { -readonly [K in keyof Syntax]: Syntax[K] } = { type: d.list !== undefined ? "xsd:string" : itemType, itemType };
  if (d.dataType !== undefined) s.dataType = d.dataType;
  if (d.list !== undefined) s.list = d.list;
  if (d.itemList !== undefined) s.itemList = d.itemList;
  if (d.sizes !== undefined && d.sizes.length > 0) s.sizes = d.sizes;
  if (d.ranges !== undefined && d.ranges.length > 0) s.ranges = d.ranges;
  if (d.enumerations !== undefined && d.enumerations.length > 0) s.enumerations = d.enumerations;
  if (d.patterns !== undefined && d.patterns.length > 0) s.patterns = d.patterns;
  if (d.units !== undefined) s.units = d.units;
  if (d.pathRef !== undefined) s.pathRef = d.pathRef;
  if (d.enumerationRef !== undefined) s.enumerationRef = d.enumerationRef;
  return s;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class Loader {
  private readonly doc: XmlElement;
  private readonly options: BbfLoadOptions;
  private readonly warningCounts = new Map<string, number>();
  private readonly rawDataTypes = new Map<string, XmlElement>();
  private readonly dataTypes = new Map<string, DataTypeDef>();
  private readonly resolving = new Set<string>();
  private readonly patternCache = new Map<string, RegExp | null>();
  private readonly objects = new Map<string, Mutable<ObjectDef> & { parameters: string[] }>();
  private readonly parameters = new Map<string, ParameterDef>();
  private readonly topLevel: string[] = [];

  constructor(doc: XmlElement, options: BbfLoadOptions) {
    this.doc = doc;
    this.options = options;
  }

  private warn(message: string): void {
    const n = this.warningCounts.get(message);
    if (n !== undefined) this.warningCounts.set(message, n + 1);
    else if (this.warningCounts.size < MAX_WARNINGS) this.warningCounts.set(message, 1);
  }

  run(): DataModel {
    const models: XmlElement[] = [];
    let imports = 0;
    for (const el of this.doc.children) {
      switch (el.local) {
        case "dataType": {
          const name = attr(el, "name");
          if (name === undefined) this.warn("a document-level <dataType> has no name; ignored");
          else this.rawDataTypes.set(name, el);
          break;
        }
        case "model":
          models.push(el);
          break;
        case "import":
          imports++;
          break;
        case "component":
          this.warn("document-level <component>s are not expanded (load the -full variant of the data model)");
          break;
        case "description":
        case "bibliography":
        case "template":
        case "annotation":
          break;
        default:
          this.warn(`unknown document-level element <${el.local}>; ignored`);
      }
    }
    if (imports > 0) this.warn(`${imports} <import>(s) not followed: definitions from other documents are missing (load the -full variant)`);
    if (models.length === 0) {
      throw new ModelError(
        "DM_NO_MODEL",
        imports > 0 ? "the document defines no model (it only imports and defines components; load the -full variant)" : "the document defines no model",
      );
    }
    let model = models[0]!;
    if (this.options.model !== undefined) {
      const wanted = models.find((m) => attr(m, "name") === this.options.model);
      if (wanted === undefined) {
        throw new ModelError("DM_NO_MODEL", `the document defines no model named ${this.options.model} (it has ${models.map((m) => attr(m, "name")).join(", ")})`);
      }
      model = wanted;
    } else if (models.length > 1) {
      this.warn(`the document defines ${models.length} models; loaded the first (${attr(model, "name")})`);
    }

    for (const name of this.rawDataTypes.keys()) this.dataType(name);
    const isService = attr(model, "isService") === "true";
    for (const el of model.children) {
      switch (el.local) {
        case "object":
          this.object(el);
          break;
        case "parameter": {
          // Only service models have parameters outside objects (e.g. VoiceServiceNumberOfEntries).
          const def = this.parameter("", el);
          if (def !== undefined) this.topLevel.push(def.name);
          break;
        }
        case "component":
          this.warn("<component> references in the model are not expanded (load the -full variant)");
          break;
        case "description":
        case "profile":
          break;
        default:
          this.warn(`unknown element <${el.local}> in <model>; ignored`);
      }
    }
    if (this.topLevel.length > 0 && !isService) this.warn(`${this.topLevel.length} parameter(s) outside any object in a root model`);

    const first = this.objects.keys().next();
    const root = first.done ? "" : first.value.slice(0, first.value.indexOf(".") + 1);
    if (!isService) {
      let stray = 0;
      for (const p of this.objects.keys()) if (!p.startsWith(root)) stray++;
      if (stray > 0) this.warn(`${stray} object(s) outside the root object ${root}`);
    }

    const warnings: string[] = [];
    for (const [m, n] of this.warningCounts) warnings.push(n > 1 ? `${m} (${n} times)` : m);
    return {
      name: attr(model, "name") ?? "",
      spec: attr(this.doc, "spec") ?? "",
      root,
      isService,
      objects: this.objects,
      parameters: this.parameters,
      dataTypes: this.dataTypes,
      warnings,
    };
  }

  // --- data types ---------------------------------------------------------------------------------

  private dataType(name: string): DataTypeDef | undefined {
    const done = this.dataTypes.get(name);
    if (done !== undefined) return done;
    const el = this.rawDataTypes.get(name);
    if (el === undefined) {
      this.warn(`unknown data type ${name}; its parameters are read as xsd:string`);
      return undefined;
    }
    if (this.resolving.has(name)) {
      this.warn(`data type ${name} is derived from itself`);
      return undefined;
    }
    this.resolving.add(name);
    const base = attr(el, "base");
    let draft: Draft = {};
    if (base !== undefined) {
      const b = this.dataType(base);
      if (b !== undefined) draft = draftOf(b.syntax);
    }
    const where = `data type ${name}`;
    for (const child of el.children) {
      const l = child.local;
      if (l === "description") continue;
      if (l === "list") draft.list = this.listFacet(child, where);
      else if (isPrimitive(l)) {
        draft.itemType = PRIMITIVES[l];
        this.facets(draft, child, where);
      }
    }
    // A derived data type states its facets directly under <dataType>.
    this.facets(draft, el, where);
    draft.dataType = name;
    this.resolving.delete(name);
    const def: DataTypeDef = base !== undefined ? { name, base, syntax: finish(draft) } : { name, syntax: finish(draft) };
    this.dataTypes.set(name, def);
    return def;
  }

  // --- facets -------------------------------------------------------------------------------------

  /** Reads the facet children of `el` into `d`; each kind present replaces the inherited one. */
  private facets(d: Draft, el: XmlElement, where: string): void {
    let sizes: SizeFacet[] | undefined;
    let ranges: RangeFacet[] | undefined;
    let enums: EnumerationFacet[] | undefined;
    let patterns: PatternFacet[] | undefined;
    for (const f of el.children) {
      if (!FACET_ELEMENTS.has(f.local)) {
        // A data type's own children also hold its base type and list, read by the caller.
        const structural = f.local === "description" || (el.local === "dataType" && (f.local === "list" || isPrimitive(f.local)));
        if (!structural) this.warn(`unknown element <${f.local}> in <${el.local}>; ignored`);
        continue;
      }
      if (statusOf(f) === "deleted") continue;
      switch (f.local) {
        case "size": {
          const s: Mutable<SizeFacet> = {};
          const min = this.int(f, "minLength", where);
          const max = this.int(f, "maxLength", where);
          if (min !== undefined) s.minLength = min;
          if (max !== undefined) s.maxLength = max;
          if (min !== undefined || max !== undefined) (sizes ??= []).push(s);
          break;
        }
        case "range": {
          const r: Mutable<RangeFacet> = {};
          const min = this.num(f, "minInclusive", where);
          const max = this.num(f, "maxInclusive", where);
          const step = this.num(f, "step", where);
          if (min !== undefined) r.min = min;
          if (max !== undefined) r.max = max;
          if (step !== undefined && step > 0 && step !== 1) r.step = step;
          (ranges ??= []).push(r);
          break;
        }
        case "enumeration": {
          const value = attr(f, "value");
          if (value === undefined) {
            this.warn(`an <enumeration> without a value in ${where}; ignored`);
            break;
          }
          const e: Mutable<EnumerationFacet> = { value };
          if (attr(f, "access") === "readOnly") e.readOnly = true;
          if (attr(f, "optional") === "true") e.optional = true;
          const st = statusOf(f);
          if (st === "deprecated" || st === "obsoleted") e.status = st;
          (enums ??= []).push(e);
          break;
        }
        case "pattern": {
          const value = attr(f, "value");
          if (value === undefined) {
            this.warn(`a <pattern> without a value in ${where}; ignored`);
            break;
          }
          (patterns ??= []).push({ value, regex: this.regex(value, where) });
          break;
        }
        case "units": {
          const u = attr(f, "value");
          if (u !== undefined) d.units = u;
          break;
        }
        case "pathRef":
        case "instanceRef": {
          const p: Mutable<PathRefFacet> = {};
          const refType = attr(f, "refType");
          const targetType = attr(f, "targetType") ?? (f.local === "instanceRef" ? "row" : undefined);
          const targetParent = attr(f, "targetParent");
          if (refType !== undefined) p.refType = refType;
          if (targetType !== undefined) p.targetType = targetType;
          if (targetParent !== undefined) p.targetParent = targetParent;
          d.pathRef = p;
          break;
        }
        case "enumerationRef": {
          const targetParam = attr(f, "targetParam");
          if (targetParam === undefined) break;
          const nullValue = attr(f, "nullValue");
          d.enumerationRef = nullValue !== undefined ? { targetParam, nullValue } : { targetParam };
          break;
        }
      }
    }
    if (sizes !== undefined) d.sizes = sizes;
    if (ranges !== undefined) d.ranges = ranges;
    if (enums !== undefined) d.enumerations = enums;
    if (patterns !== undefined) d.patterns = patterns;
  }

  private listFacet(el: XmlElement, where: string): ListFacet {
    const l: Mutable<ListFacet> = {};
    const minItems = this.int(el, "minItems", where);
    const maxItems = this.int(el, "maxItems", where);
    if (minItems !== undefined && minItems > 0) l.minItems = minItems;
    if (maxItems !== undefined) l.maxItems = maxItems;
    if (attr(el, "nestedBrackets") === "required" || attr(el, "nestedBrackets") === "permitted") l.nestedBrackets = true;
    for (const c of el.children) {
      if (c.local === "size" && statusOf(c) !== "deleted") {
        const min = this.int(c, "minLength", where);
        const max = this.int(c, "maxLength", where);
        if (min !== undefined && min > 0) l.minLength = min;
        if (max !== undefined) l.maxLength = max;
      } else if (c.local !== "description" && c.local !== "size") {
        this.warn(`unknown element <${c.local}> in <list>; ignored`);
      }
    }
    return l;
  }

  private int(el: XmlElement, name: string, where: string): number | undefined {
    const v = attr(el, name);
    if (v === undefined) return undefined;
    if (/^\s*\d+\s*$/.test(v)) return Number(v);
    this.warn(`${name}="${v}" in ${where} is not a count; ignored`);
    return undefined;
  }

  private num(el: XmlElement, name: string, where: string): number | undefined {
    const v = attr(el, name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() !== "" && Number.isFinite(n)) return n;
    this.warn(`${name}="${v}" in ${where} is not a number; ignored`);
    return undefined;
  }

  private regex(value: string, where: string): RegExp | null {
    const cached = this.patternCache.get(value);
    if (cached !== undefined) return cached;
    let re: RegExp | null = null;
    if (XSD_ONLY_REGEX.test(value)) {
      this.warn(`pattern ${JSON.stringify(value)} in ${where} uses XSD-only regular-expression features; not checked`);
    } else {
      try {
        re = new RegExp(`^(?:${value})$`, "u");
      } catch {
        this.warn(`pattern ${JSON.stringify(value)} in ${where} is not a valid regular expression; not checked`);
      }
    }
    this.patternCache.set(value, re);
    return re;
  }

  // --- objects and parameters ---------------------------------------------------------------------

  /** A definition's name; the published files have a few with stray spaces ("Queueing "). */
  private nameOf(el: XmlElement): string | undefined {
    const raw = attr(el, "name") ?? attr(el, "base");
    if (raw === undefined) return undefined;
    const name = raw.trim();
    if (name !== raw) this.warn(`<${el.local}> name ${JSON.stringify(raw)} has surrounding whitespace; trimmed`);
    return name;
  }

  private object(el: XmlElement): void {
    const name = this.nameOf(el);
    if (name === undefined) {
      this.warn("an <object> without a name; ignored");
      return;
    }
    const path = Path.tryParse(name);
    if (path === undefined || !path.isObject || path.isRoot || path.segments.includes("*")) {
      this.warn(`object name ${JSON.stringify(name)} is not an object path; ignored`);
      return;
    }
    const status = statusOf(el);
    if (status === "deleted" && !this.options.includeDeleted) return;
    const multiInstance = path.kind(-1) === "placeholder";
    const access = accessOf(attr(el, "access"));
    const minEntries = this.int(el, "minEntries", name) ?? 1;
    const maxAttr = attr(el, "maxEntries");
    const maxEntries = maxAttr === "unbounded" ? "unbounded" : (this.int(el, "maxEntries", name) ?? 1);

    const def: Mutable<ObjectDef> & { parameters: string[] } = {
      path: name,
      multiInstance,
      writable: access === "readWrite",
      access,
      minEntries,
      maxEntries,
      uniqueKeys: [],
      status,
      parameters: [],
    };
    const numEntries = attr(el, "numEntriesParameter");
    if (numEntries !== undefined) {
      // The counter lives in the object that holds the table: "A.B.{i}." counts in "A." as BNumberOfEntries.
      def.numEntriesParameter = path.slice(Math.max(0, path.length - (multiInstance ? 2 : 1))).text + numEntries;
    }
    const enable = attr(el, "enableParameter");
    if (enable !== undefined) def.enableParameter = enable;
    const version = attr(el, "version") ?? attr(el, "version", "dmr");
    if (version !== undefined) def.version = version;

    const existing = this.objects.get(name);
    if (existing !== undefined) {
      if (attr(el, "base") === undefined) this.warn(`object ${name} is defined twice; the definitions are merged`);
      def.parameters = existing.parameters;
      def.uniqueKeys = existing.uniqueKeys;
    }

    const keys: UniqueKey[] = [...def.uniqueKeys];
    for (const c of el.children) {
      switch (c.local) {
        case "parameter": {
          const p = this.parameter(name, c);
          if (p !== undefined && !def.parameters.includes(p.name)) def.parameters.push(p.name);
          break;
        }
        case "uniqueKey": {
          if (statusOf(c) === "deleted") break;
          const params: string[] = [];
          for (const r of c.children) {
            const ref = r.local === "parameter" ? attr(r, "ref") : undefined;
            if (ref !== undefined) params.push(ref);
          }
          if (params.length > 0) keys.push({ parameters: params, functional: attr(c, "functional") !== "false" });
          break;
        }
        case "description":
          if (this.options.descriptions === "short") {
            const d = shortDescription(c.text);
            if (d !== undefined) def.description = d;
          }
          break;
        case "component":
          this.warn("<component> references in objects are not expanded (load the -full variant)");
          break;
        default:
          this.warn(`unknown element <${c.local}> in <object>; ignored`);
      }
    }
    def.uniqueKeys = keys;
    this.objects.set(name, def);
  }

  private parameter(objectPath: string, el: XmlElement): ParameterDef | undefined {
    const name = this.nameOf(el);
    const where = `${objectPath}${name ?? "?"}`;
    if (name === undefined || name.includes(".") || Path.check(name) !== undefined || Path.tryParse(name)?.kind(0) !== "name") {
      this.warn(`parameter name ${JSON.stringify(name ?? "")} in ${objectPath || "the model"} is not a name; ignored`);
      return undefined;
    }
    const status = statusOf(el);
    if (status === "deleted" && !this.options.includeDeleted) return undefined;
    const access = accessOf(attr(el, "access"));
    const def: Mutable<ParameterDef> = {
      path: objectPath + name,
      name,
      object: objectPath,
      access,
      writable: access !== "readOnly",
      status,
      syntax: { type: "xsd:string", itemType: "xsd:string" },
    };
    const version = attr(el, "version") ?? attr(el, "version", "dmr");
    if (version !== undefined) def.version = version;
    if (attr(el, "forcedInform") === "true") def.forcedInform = true;
    const activeNotify = attr(el, "activeNotify");
    if (activeNotify !== undefined && activeNotify !== "normal") def.activeNotify = activeNotify;

    let sawSyntax = false;
    for (const c of el.children) {
      if (c.local === "syntax") {
        sawSyntax = true;
        this.syntax(def, c, where);
      } else if (c.local === "description") {
        if (this.options.descriptions === "short") {
          const d = shortDescription(c.text);
          if (d !== undefined) def.description = d;
        }
      } else {
        this.warn(`unknown element <${c.local}> in <parameter>; ignored`);
      }
    }
    const existing = this.parameters.get(def.path);
    if (existing !== undefined) {
      if (attr(el, "base") === undefined) this.warn(`parameter ${def.path} is defined twice; the later definition wins`);
      if (!sawSyntax) def.syntax = existing.syntax;
    } else if (!sawSyntax) {
      this.warn(`parameter ${def.path} has no <syntax>; read as xsd:string`);
    }
    this.parameters.set(def.path, def);
    return def;
  }

  private syntax(def: Mutable<ParameterDef>, el: XmlElement, where: string): void {
    if (attr(el, "hidden") === "true") def.hidden = true;
    if (attr(el, "secured") === "true") def.secured = true;
    if (attr(el, "command") === "true") def.command = true;
    let draft: Draft | undefined;
    let list: ListFacet | undefined;
    for (const c of el.children) {
      const l = c.local;
      if (l === "list") {
        list = this.listFacet(c, where);
      } else if (isPrimitive(l)) {
        draft = { itemType: PRIMITIVES[l] };
        this.facets(draft, c, where);
      } else if (l === "dataType") {
        const ref = attr(c, "ref") ?? attr(c, "base");
        const dt = ref !== undefined ? this.dataType(ref) : undefined;
        if (ref === undefined) this.warn("a <dataType> in a <syntax> names no data type");
        draft = dt !== undefined ? draftOf(dt.syntax) : {};
        if (ref !== undefined) draft.dataType = ref;
        this.facets(draft, c, where);
      } else if (l === "default") {
        if (statusOf(c) === "deleted") continue;
        const value = attr(c, "value");
        if (value !== undefined) {
          def.default = value;
          const type = attr(c, "type");
          if (type !== undefined) def.defaultType = type;
        }
      } else if (l !== "description") {
        this.warn(`unknown element <${l}> in <syntax>; ignored`);
      }
    }
    if (draft === undefined) {
      this.warn(`parameter ${where} has a <syntax> without a type; read as xsd:string`);
      draft = {};
    }
    if (list !== undefined) {
      // A list of a list-valued data type: each item is a bracketed list of its own.
      if (draft.list !== undefined) draft.itemList = draft.list;
      draft.list = list;
    }
    def.syntax = finish(draft);
  }
}
