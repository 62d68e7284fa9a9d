// `provisio import genieacs`, the work: what a GenieACS source holds, translated (src/genieacs/) and
// checked as the API checks it, then written to the store, or only told in a dry run. A name Provisio
// has already is left alone unless `overwrite`; a document that is the same is never written again, so
// a run can be repeated. Every change goes to the audit trail, as the CLI's other changes do.

import { isDeepStrictEqual } from "node:util";
import { checkMeta, FileError, type FileService } from "../files/index.js";
import { reasonOf, translateDevice, translateFile, translatePreset, translateProvision, translateVirtualParameter, Unmappable, type GenieFile, type GeniePreset, type GenieScript, type ImportedDevice } from "../genieacs/index.js";
import { checkDocument, DocumentError, ScriptSandbox } from "../provisioning/index.js";
import { cliPrincipal } from "../server/audit.js";
import type { JsonValue, ProvisioningKind, Store, StoreTx } from "../store/types.js";
import { audit } from "./apikey.js";
import type { GenieSource } from "./genieacs-source.js";

export const KINDS = ["provisions", "virtual_parameters", "presets", "files", "devices"] as const;
export type Kind = (typeof KINDS)[number];

export type Outcome = "create" | "update" | "unchanged" | "exists" | "refused";

export interface Entry {
  kind: Exclude<Kind, "devices">;
  /** GenieACS's name. */
  source: string;
  /** Provisio's name (a file's id once made). */
  name: string | null;
  outcome: Outcome;
  reason?: string;
  notes?: string[];
}

export interface DeviceReport {
  create: number;
  update: number;
  exists: number;
  refused: { source: string; reason: string }[];
  /** What was left off a device that was imported. */
  notes: { source: string; note: string }[];
}

export interface Report {
  source: string;
  dryRun: boolean;
  entries: Entry[];
  devices: DeviceReport | null;
}

export interface ImportOptions {
  store: Store;
  files: FileService;
  source: GenieSource;
  only: readonly Kind[];
  dryRun: boolean;
  overwrite: boolean;
  batchSize: number;
  now: () => Date;
  /** Told after each batch of devices: how many, and how long its transaction took (progress, benchmarks). */
  onBatch?: (devices: number, ms: number) => void;
}

const COMMAND = "import genieacs";

/** Names of documents, for the entries: GenieACS's _id. */
const idOf = (g: unknown) => String((g as { _id?: unknown } | null)?._id ?? "?");

export async function importGenieacs(o: ImportOptions): Promise<Report> {
  const report: Report = { source: o.source.where, dryRun: o.dryRun, entries: [], devices: null };
  const wants = (k: Kind) => o.only.includes(k);
  // Scripts are compiled to check them, in an isolate of their own.
  const checker = new ScriptSandbox({ memoryMb: 16, timeoutMs: 100 });
  try {
    const scripts = [
      ...(wants("provisions") ? (await o.source.list("provisions")).map((g) => ({ g, kind: "provisions" as const, translate: translateProvision })) : []),
      ...(wants("virtual_parameters") ? (await o.source.list("virtual_parameters")).map((g) => ({ g, kind: "virtual_parameters" as const, translate: translateVirtualParameter })) : []),
    ];
    for (const s of scripts) {
      try {
        const t = s.translate(s.g as GenieScript);
        report.entries.push(await putDocument(o, checker, "provision", s.kind, idOf(s.g), t.provision, t.notes));
      } catch (err) {
        report.entries.push(refused(s.kind, idOf(s.g), err));
      }
    }
    if (wants("presets")) await importPresets(o, checker, report);
  } finally {
    checker.dispose();
  }
  if (wants("files")) await importFiles(o, report);
  if (wants("devices")) report.devices = await importDevices(o);
  return report;
}

function refused(kind: Entry["kind"], source: string, err: unknown): Entry {
  if (!(err instanceof Unmappable || err instanceof DocumentError || err instanceof FileError)) throw err;
  return { kind, source, name: null, outcome: "refused", reason: err instanceof DocumentError ? err.problems.join("; ") : reasonOf(err) };
}

async function putDocument(o: ImportOptions, checker: ScriptSandbox, kind: ProvisioningKind, entryKind: Entry["kind"], source: string, doc: JsonValue, notes: string[]): Promise<Entry> {
  const name = String((doc as { name: string }).name);
  const checked = checkDocument(kind, name, doc, checker) as unknown as JsonValue;
  const existing = await o.store.provisioning.get(kind, name);
  const entry = (outcome: Outcome, reason?: string): Entry => ({ kind: entryKind, source, name, outcome, ...(reason !== undefined ? { reason } : {}), ...(notes.length > 0 ? { notes } : {}) });
  if (existing !== null && isDeepStrictEqual(existing.doc, checked)) return entry("unchanged");
  if (existing !== null && !o.overwrite) return entry("exists", `Provisio has a different ${kind} ${name} (--on-conflict overwrite replaces it)`);
  const outcome = existing === null ? "create" : "update";
  if (o.dryRun) return entry(outcome);
  const stored = await o.store.provisioning.put(kind, name, checked, o.now(), existing?.version ?? 0, cliPrincipal().name);
  if (stored === null) return entry("refused", `the ${kind} ${name} changed while importing; run the import again`);
  await audit(o.store, {
    command: COMMAND, action: `${kind}.put`, targetType: kind, targetId: name, outcome: 200,
    summary: `stored ${kind} ${name} (version ${stored.version}) from GenieACS ${entryKind.replace(/s$/, "").replace("_", " ")} ${JSON.stringify(source)}`,
    before: existing?.doc ?? null, after: checked,
  });
  return entry(outcome);
}

async function importPresets(o: ImportOptions, checker: ScriptSandbox, report: Report): Promise<void> {
  const known = new Set((await o.store.provisioning.list("provision")).map((d) => d.name));
  for (const e of report.entries) if (e.name !== null && e.outcome !== "refused") known.add(e.name);
  for (const g of await o.source.list("presets")) {
    try {
      const t = translatePreset(g as GeniePreset);
      // Checked before its own declarative provision is stored, which must come first: the preset names it.
      checkDocument("preset", String(t.preset.name), t.preset, checker);
      const own: string[] = [];
      for (const p of t.provisions) {
        const e = await putDocument(o, checker, "provision", "presets", idOf(g), p, []);
        if (e.outcome === "refused" || e.outcome === "exists") throw new Unmappable(`its provision ${e.name}: ${e.reason ?? e.outcome}`);
        known.add(String(p.name));
        own.push(`its value and age configurations are the declarative provision ${String(p.name)} (${e.outcome})`);
      }
      const missing = t.uses.filter((u) => !known.has(u));
      const notes = [...t.notes, ...own, ...missing.map((m) => `names the provision ${m}, which neither GenieACS's export nor Provisio has: sessions it applies in get a provision.unknown fault until one is stored`)];
      report.entries.push(await putDocument(o, checker, "preset", "presets", idOf(g), t.preset, notes));
    } catch (err) {
      report.entries.push(refused("presets", idOf(g), err));
    }
  }
}

async function importFiles(o: ImportOptions, report: Report): Promise<void> {
  const byName = new Map((await o.store.files.list({ kind: "file" })).map((f) => [f.name, f]));
  for (const g of await o.source.list("files")) {
    const source = idOf(g);
    try {
      const t = translateFile(g as GenieFile);
      const meta = checkMeta(t.meta);
      const existing = byName.get(meta.name);
      if (existing !== undefined && !o.overwrite) {
        report.entries.push({ kind: "files", source, name: existing.id, outcome: "exists", reason: `Provisio has a file named ${meta.name} (--on-conflict overwrite replaces it)` });
        continue;
      }
      const outcome = existing === undefined ? "create" : "update";
      if (o.dryRun) {
        if (!(await o.source.hasContent(t.source))) throw new Unmappable(`its content cannot be read from ${o.source.where}`);
        report.entries.push({ kind: "files", source, name: null, outcome });
        continue;
      }
      const content = await o.source.content(t.source);
      const file = await o.files.create(content.stream, meta, t.size ?? content.size);
      if (existing !== undefined) await o.files.delete(existing.id);
      await audit(o.store, {
        command: COMMAND, action: "file.upload", targetType: "file", targetId: file.id, outcome: 201,
        summary: `stored file ${file.name} (${file.size} bytes) from GenieACS${existing !== undefined ? `, replacing ${existing.id}` : ""}`,
        before: null, after: { id: file.id, name: file.name, fileType: file.fileType, size: file.size, sha256: file.sha256 },
      });
      report.entries.push({ kind: "files", source, name: file.id, outcome });
    } catch (err) {
      report.entries.push(refused("files", source, err));
    }
  }
}

async function importDevices(o: ImportOptions): Promise<DeviceReport> {
  const r: DeviceReport = { create: 0, update: 0, exists: 0, refused: [], notes: [] };
  let batch: ImportedDevice[] = [];
  const flush = async () => {
    if (batch.length > 0) {
      const started = performance.now();
      await deviceBatch(o, batch, r);
      o.onBatch?.(batch.length, performance.now() - started);
    }
    batch = [];
  };
  for await (const g of o.source.devices()) {
    try {
      const d = translateDevice(g);
      batch.push(d);
      if (d.droppedTags.length > 0) r.notes.push({ source: idOf(g), note: `tags left off (a comma or a control character): ${d.droppedTags.map((x) => JSON.stringify(x)).join(", ")}` });
    } catch (err) {
      if (!(err instanceof Unmappable)) throw err;
      r.refused.push({ source: idOf(g), reason: reasonOf(err) });
    }
    if (batch.length >= o.batchSize) await flush();
  }
  await flush();
  return r;
}

/**
 * One transaction per batch: a device is imported whole or not at all. The batch's devices are read
 * together and written side by side (each device's own statements in order), so that on PostgreSQL's
 * pipelined connection a batch costs a few round trips rather than several per device.
 */
async function deviceBatch(o: ImportOptions, batch: ImportedDevice[], r: DeviceReport): Promise<void> {
  const made: string[] = [];
  const counts = await o.store.transaction(async (tx) => {
    const c = { create: 0, update: 0, exists: 0 };
    const existing = await Promise.all(batch.map((d) => tx.devices.get(d.id)));
    const writes: Promise<void>[] = [];
    batch.forEach((d, i) => {
      const old = existing[i]!;
      if (old !== null && !o.overwrite) {
        c.exists++;
        return;
      }
      c[old === null ? "create" : "update"]++;
      if (o.dryRun) return;
      made.push(d.id);
      writes.push(writeDevice(tx, d, old === null, o.now()));
    });
    await Promise.all(writes);
    return c;
  });
  r.create += counts.create;
  r.update += counts.update;
  r.exists += counts.exists;
  if (made.length > 0) {
    await audit(o.store, {
      command: COMMAND, action: "device.import", targetType: "device", targetId: made.length === 1 ? made[0]! : null, outcome: 200,
      summary: `imported ${made.length} device(s) from GenieACS: ${made.slice(0, 20).join(", ")}${made.length > 20 ? ", ..." : ""}`,
      after: made as JsonValue,
    });
  }
}

async function writeDevice(tx: StoreTx, d: ImportedDevice, isNew: boolean, now: Date): Promise<void> {
  const lastInform = d.lastInformAt ?? d.registeredAt ?? now;
  if (isNew) {
    // recordInform is how a device record comes to be; imported, it carries GenieACS's times and no events.
    const inform = { id: d.id, manufacturer: d.manufacturer, oui: d.oui, productClass: d.productClass, serialNumber: d.serialNumber, address: null, cwmpNamespace: "1-0" as const, cwmpVersion: null, events: [] };
    const registered = d.registeredAt ?? lastInform;
    await tx.devices.recordInform({ ...inform, at: registered });
    if (lastInform.getTime() !== registered.getTime()) await tx.devices.recordInform({ ...inform, at: lastInform });
  }
  const byTime = new Map<number, { path: string; value: string; type: string }[]>();
  for (const v of d.values) {
    const at = (v.at ?? lastInform).getTime();
    const group = byTime.get(at) ?? [];
    if (group.length === 0) byTime.set(at, group);
    group.push({ path: v.path, value: v.value, type: v.type });
  }
  if (d.tags.length > 0) await tx.devices.updateTags(d.id, d.tags, []);
  for (const [at, values] of byTime) await tx.parameters.setValues(d.id, values, new Date(at));
}
