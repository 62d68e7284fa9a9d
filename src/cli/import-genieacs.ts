// `provisio import genieacs`: the command's flags and what it prints. The work is genieacs-import.ts;
// docs/genieacs-migration.md is the guide.

import { dirname, isAbsolute, resolve } from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { fileService } from "../server/files-wiring.js";
import { columns, common, type CommonFlags } from "./apikey.js";
import { CliError, openCliStore } from "./cli-store.js";
import { configFrom } from "./config-sources.js";
import { importGenieacs, KINDS, type Kind, type Report } from "./genieacs-import.js";
import { folderSource, nbiSource, type GenieSource } from "./genieacs-source.js";

interface Flags extends CommonFlags {
  from?: string;
  nbi?: string;
  nbiUser?: string;
  filesUrl?: string;
  deviceQuery?: string;
  deviceProjection?: string;
  pageSize: number;
  only: Kind[];
  dryRun?: boolean;
  onConflict: "skip" | "overwrite";
  batch: number;
}

function kinds(value: string): Kind[] {
  const list = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const bad = list.filter((k) => !(KINDS as readonly string[]).includes(k));
  if (bad.length > 0 || list.length === 0) throw new InvalidArgumentError(`a comma-separated list of ${KINDS.join(", ")}`);
  return list as Kind[];
}

function positive(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number from 1 to ${max}`);
    return n;
  };
}

function sourceOf(flags: Flags): GenieSource {
  if ((flags.from === undefined) === (flags.nbi === undefined)) throw new CliError("give either --from DIR (GenieACS's exports) or --nbi URL (a running GenieACS NBI)");
  if (flags.from !== undefined) return folderSource(flags.from);
  const password = process.env.GENIEACS_NBI_PASSWORD;
  if (flags.nbiUser !== undefined && password === undefined) throw new CliError("--nbi-user: give the password in the environment variable GENIEACS_NBI_PASSWORD");
  return nbiSource({
    url: flags.nbi!,
    pageSize: flags.pageSize,
    ...(flags.nbiUser !== undefined ? { username: flags.nbiUser, password: password! } : {}),
    ...(flags.filesUrl !== undefined ? { filesUrl: flags.filesUrl } : {}),
    ...(flags.deviceQuery !== undefined ? { deviceQuery: flags.deviceQuery } : {}),
    ...(flags.deviceProjection !== undefined ? { deviceProjection: flags.deviceProjection.split(",").map((s) => s.trim()).filter((s) => s !== "") } : {}),
  });
}

function text(r: Report): string {
  const verb = r.dryRun ? { create: "would create", update: "would replace", unchanged: "unchanged", exists: "exists, skipped", refused: "NOT MAPPED" } : { create: "created", update: "replaced", unchanged: "unchanged", exists: "exists, skipped", refused: "NOT MAPPED" };
  const out: string[] = [`${r.dryRun ? "Dry run: nothing is written. " : ""}From GenieACS at ${r.source}:`, ""];
  if (r.entries.length > 0) {
    out.push(columns([["KIND", "GENIEACS", "PROVISIO", "OUTCOME"], ...r.entries.map((e) => [e.kind, e.source, e.name ?? "-", verb[e.outcome]])]).trimEnd());
    const explained = r.entries.filter((e) => e.reason !== undefined || e.notes !== undefined);
    if (explained.length > 0) out.push("");
    for (const e of explained) {
      if (e.reason !== undefined) out.push(`${e.kind} ${e.source}: ${e.reason}`);
      for (const n of e.notes ?? []) out.push(`${e.kind} ${e.source}: note: ${n}`);
    }
  }
  if (r.devices !== null) {
    const d = r.devices;
    out.push("", `devices: ${d.create} ${verb.create}, ${d.update} ${verb.update}, ${d.exists} existing (skipped), ${d.refused.length} not mapped`);
    for (const x of d.refused) out.push(`device ${x.source}: ${x.reason}`);
    for (const x of d.notes) out.push(`device ${x.source}: note: ${x.note}`);
  }
  return out.join("\n") + "\n";
}

export function addImportCommand(program: Command): void {
  const imp = program.command("import").description("bring another ACS's configuration and devices into Provisio");
  common(imp.command("genieacs"))
    .description(
      "import GenieACS's presets, provisions, virtual parameters, files and devices (on the database directly; every change goes to the audit trail). " +
        "Read from a running NBI (--nbi) or from its JSON exports (--from); see docs/genieacs-migration.md. " +
        "Exits 1 when something could not be mapped (the reasons are printed), 0 when everything was.",
    )
    .option("--from <dir>", "a folder of GenieACS exports: presets.json, provisions.json, virtual_parameters.json, files.json and files/<name>, devices.ndjson or devices.json")
    .option("--nbi <url>", "a running GenieACS NBI, e.g. http://genieacs:7557")
    .option("--nbi-user <name>", "Basic authentication to the NBI (the password in GENIEACS_NBI_PASSWORD)")
    .option("--files-url <url>", "GenieACS's file server, where file content is read as <url>/<name>; default port 7567 of the NBI's host")
    .option("--device-query <json>", "only the devices this GenieACS (MongoDB) query selects, e.g. '{\"_tags\":\"lab\"}'")
    .option("--device-projection <paths>", "only these parameter subtrees of each device (comma-separated; default all)")
    .option("--page-size <n>", "devices per NBI request", positive(10_000), 500)
    .addOption(new Option("--only <kinds>", `what to import, comma-separated: ${KINDS.join(",")}`).argParser(kinds).default([...KINDS], "all"))
    .option("--dry-run", "print what would be created and what could not be mapped, and write nothing")
    .addOption(new Option("--on-conflict <what>", "a name Provisio has already, with other content: skip it, or overwrite it").choices(["skip", "overwrite"]).default("skip"))
    .option("--batch <n>", "devices per transaction", positive(10_000), 500)
    .action(async (flags: Flags) => {
      const source = sourceOf(flags);
      const config = configFrom(flags, { db: flags.db, dataDir: flags.dataDir });
      const { store, foundAbove } = await openCliStore(config, { allowNew: flags.newDatabase === true });
      if (foundAbove !== null) process.stderr.write(`provisio: using the ACS's database ${foundAbove}\n`);
      try {
        // File content goes where `serve` keeps it: beside the database it found.
        const dataDir = foundAbove !== null ? dirname(foundAbove) : isAbsolute(config.dataDir) ? config.dataDir : resolve(config.dataDir);
        const report = await importGenieacs({
          store, files: fileService(config, store, dataDir, () => new Date()), source, only: flags.only,
          dryRun: flags.dryRun === true, overwrite: flags.onConflict === "overwrite", batchSize: flags.batch, now: () => new Date(),
        });
        process.stdout.write(flags.json ? JSON.stringify(report) + "\n" : text(report));
        if (report.entries.some((e) => e.outcome === "refused") || (report.devices?.refused.length ?? 0) > 0) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
