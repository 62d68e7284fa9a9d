// `provisio import genieacs --from DIR`, end to end on each backend: an export written in the documented
// layout (presets in both precondition syntaxes, provisions, virtual parameters, files with content, a
// few hundred devices) imported into the database of a running ACS; a dry run first, a second run that
// changes nothing; then a simulated device that was imported before its first Inform is known, and on
// that Inform the imported preset applies.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, startSimulation, type SessionReport } from "../../src/sim/runtime/index.js";
import type { Report } from "../../src/cli/genieacs-import.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { until } from "../sim/support/runtime.js";
import { genieExport, OUI, PRODUCT_CLASS, serial, SERIAL_PREFIX, sha256, writeExport, type Export } from "./genieacs-export.js";
import { runCli } from "./support.js";

const DEVICES = 300;

const outcomes = (r: Report) => Object.fromEntries(r.entries.map((e) => [`${e.kind}:${e.source}`, e.outcome]));

forEachBackend((backend) => {
  describe("provisio import genieacs --from", () => {
    let dir: string;
    let t: ApiAcs;
    let exp: Export;
    const cli = (...args: string[]) => runCli(["import", "genieacs", "--db", t.dbUrl, "--data-dir", t.dataDir, "--json", ...args], { cwd: dir });

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "provisio-genieacs-"));
      exp = genieExport(DEVICES);
      writeExport(join(dir, "export"), exp);
      t = await startApiAcs(backend, { settings: { provisioning: { defaultPresets: false } } });
    });
    after(async () => {
      await t?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("a dry run tells what would be created and what cannot be mapped, and writes nothing", async () => {
      const run = await cli("--from", join(dir, "export"), "--dry-run");
      assert.equal(run.code, 1, `something could not be mapped (signal ${run.signal}; stderr: ${run.stderr.slice(0, 2000)})`);
      const r = JSON.parse(run.stdout) as Report;
      assert.equal(r.dryRun, true);
      assert.deepEqual(outcomes(r), {
        "provisions:set-ntp": "create",
        "provisions:wifi-name": "create",
        "virtual_parameters:wan_ip": "create",
        "virtual_parameters:wan ip": "refused",
        "presets:migrated defaults": "create",
        "presets:ntp": "create",
        "presets:compares": "refused",
        "presets:both events": "refused",
        "files:fw-2.0.bin": "create",
        "files:gw.xml": "create",
      });
      const reason = (source: string) => r.entries.find((e) => e.source === source)!.reason!;
      assert.match(reason("compares"), /^precondition \(expression syntax\): .*compare a parameter with a value/);
      assert.match(reason("both events"), /1 BOOT, 2 PERIODIC all come in one Inform/);
      assert.match(reason("wan ip"), /virtual parameter is named/);
      assert.deepEqual({ ...r.devices!, refused: r.devices!.refused.map((x) => x.source), notes: r.devices!.notes.map((x) => x.note) }, {
        create: DEVICES, update: 0, exists: 0, refused: ["nameless"], notes: ['tags left off (a comma or a control character): "a,b"'],
      });
      assert.match(r.devices!.refused[0]!.reason, /_SerialNumber/);

      // The same for people: every refusal and note on a line of its own.
      const text = await runCli(["import", "genieacs", "--db", t.dbUrl, "--data-dir", t.dataDir, "--from", join(dir, "export"), "--dry-run"], { cwd: dir });
      assert.equal(text.code, 1, `signal ${text.signal}; stderr: ${text.stderr.slice(0, 2000)}`);
      assert.match(text.stdout, /^Dry run: nothing is written\./);
      assert.match(text.stdout, /^presets\s+compares\s+-\s+NOT MAPPED$/m);
      assert.match(text.stdout, /^presets\s+migrated defaults\s+migrated-defaults\s+would create$/m);
      assert.match(text.stdout, /^presets both events: events: GenieACS applies it when 1 BOOT, 2 PERIODIC all come in one Inform/m);
      assert.match(text.stdout, /^presets ntp: note: channel time dropped/m);
      assert.match(text.stdout, new RegExp(`^devices: ${DEVICES} would create, 0 would replace, 0 existing \\(skipped\\), 1 not mapped$`, "m"));
      assert.match(text.stdout, /^device nameless: .*_SerialNumber/m);

      assert.equal((await t.acs.store.provisioning.list("preset")).length, 0);
      assert.equal((await t.acs.store.provisioning.list("provision")).length, 0);
      assert.equal(await t.acs.store.files.count(), 0);
      assert.equal(await t.acs.store.devices.count(), 0);
    });

    it("imports them: documents checked as the API checks them, files with their content, devices with tags, times and typed values", async () => {
      const run = await cli("--from", join(dir, "export"));
      assert.equal(run.code, 1, run.stderr);
      const r = JSON.parse(run.stdout) as Report;
      assert.equal(outcomes(r)["presets:migrated defaults"], "create");
      assert.equal(r.devices!.create, DEVICES);

      const preset = (await t.api.get("/api/presets/migrated-defaults")).body.document;
      assert.deepEqual(
        { filter: preset.filter, events: preset.events, weight: preset.weight, provisions: preset.provisions },
        { filter: `tag = "migrated" AND productClass = "${PRODUCT_CLASS}"`, events: ["0 BOOTSTRAP"], weight: 5, provisions: [{ name: "migrated-defaults.genieacs" }, { name: "builtin:tag", args: { tag: "provisioned", present: true } }, { name: "wifi-name", args: ["migrated-net"] }] },
      );
      assert.deepEqual((await t.api.get("/api/provisions/migrated-defaults.genieacs")).body.document.declarations, [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 1234 }]);
      const ntp = (await t.api.get("/api/presets/ntp")).body.document;
      assert.equal(ntp.filter, `tag = "migrated" AND productClass = "OTHER"`);
      assert.deepEqual(ntp.provisions, [{ name: "set-ntp", args: ["pool.ntp.org"] }]);
      const script = (await t.api.get("/api/provisions/set-ntp")).body.document;
      assert.deepEqual([script.kind, script.dialect, script.script], ["script", "genieacs", exp.provisions[0]!.script]);
      const vp = (await t.api.get("/api/provisions/wan_ip")).body.document;
      assert.deepEqual([vp.kind, vp.dialect], ["virtual", "genieacs"]);
      assert.equal((await t.api.get("/api/presets/compares")).status, 404);

      const files = await t.acs.store.files.list({ kind: "file" });
      assert.deepEqual(files.map((f) => [f.name, f.fileType, f.version, f.size, f.sha256]).sort(), [
        ["fw-2.0.bin", "1 Firmware Upgrade Image", "2.0", exp.contents.get("fw-2.0.bin")!.length, sha256(exp.contents.get("fw-2.0.bin")!)],
        ["gw.xml", "3 Vendor Configuration File", "", exp.contents.get("gw.xml")!.length, sha256(exp.contents.get("gw.xml")!)],
      ]);
      const fw = files.find((f) => f.name === "fw-2.0.bin")!;
      const chunks: Buffer[] = [];
      for await (const c of t.acs.files!.read(fw, 0, fw.size - 1)) chunks.push(c as Buffer);
      assert.ok(Buffer.concat(chunks).equals(exp.contents.get("fw-2.0.bin")!), "the content the ACS serves is GenieACS's");

      assert.equal(await t.acs.store.devices.count({ filter: 'tag = "migrated"' }), DEVICES);
      assert.equal(await t.acs.store.devices.count({ filter: 'tag = "even"' }), DEVICES / 2);
      const id = deviceIdOf({ oui: OUI, productClass: PRODUCT_CLASS, serialNumber: serial(7) });
      const { device, parameters } = (await t.api.get(`/api/devices/${id}?parameters=flat`)).body;
      assert.equal(device.registeredAt, "2024-01-02T03:04:05.000Z");
      assert.equal(device.lastInformAt, "2024-05-01T10:00:00.000Z");
      assert.deepEqual(device.tags, ["migrated"]);
      const p = parameters as Record<string, { value: string; type: string; valueAt: string }>;
      assert.deepEqual([p["Device.DeviceInfo.SoftwareVersion"]!.value, p["Device.DeviceInfo.SoftwareVersion"]!.type], ["1.0.7", "xsd:string"]);
      assert.deepEqual([p["Device.DeviceInfo.UpTime"]!.value, p["Device.DeviceInfo.UpTime"]!.type, p["Device.DeviceInfo.UpTime"]!.valueAt], ["1007", "xsd:unsignedInt", "2024-04-30T09:00:00.000Z"]);
      assert.deepEqual([p["Device.ManagementServer.PeriodicInformEnable"]!.value, p["Device.ManagementServer.PeriodicInformEnable"]!.type], ["true", "xsd:boolean"]);
      assert.equal(p["VirtualParameters.wan_ip"]!.value, "192.0.2.7");
      // Found by the imported values as by any others.
      assert.equal(await t.acs.store.devices.count({ filter: 'Device.DeviceInfo.SoftwareVersion = "1.0.42"' }), 1);

      const audit = (await t.api.get("/api/audit?limit=500")).body.entries as { operation: string; action: string; target: { id: string | null } }[];
      const ours = audit.filter((e) => e.operation === "cli:import genieacs");
      assert.deepEqual([...new Set(ours.map((e) => e.action))].sort(), ["device.import", "file.upload", "preset.put", "provision.put"]);
      assert.ok(ours.some((e) => e.action === "preset.put" && e.target.id === "migrated-defaults"));
    });

    it("run again, changes nothing and says so", async () => {
      const run = await cli("--from", join(dir, "export"), "--batch", "64");
      const r = JSON.parse(run.stdout) as Report;
      for (const e of r.entries) assert.ok(["unchanged", "exists", "refused"].includes(e.outcome), `${e.kind} ${e.source}: ${e.outcome}`);
      assert.equal(outcomes(r)["presets:migrated defaults"], "unchanged");
      assert.equal(outcomes(r)["files:fw-2.0.bin"], "exists");
      assert.deepEqual([r.devices!.create, r.devices!.exists], [0, DEVICES]);
      assert.equal((await t.acs.store.provisioning.history("preset", "migrated-defaults")).length, 1, "no new version");
      assert.equal(await t.acs.store.files.count(), 2);
      assert.equal(await t.acs.store.devices.count(), DEVICES);
    });

    it("--only and --on-conflict overwrite: a changed preset replaced, nothing else touched", async () => {
      const changed = { ...exp, presets: exp.presets.map((p) => (p._id === "ntp" ? { ...p, weight: 7 } : p)) };
      writeExport(join(dir, "changed"), changed);
      const skipped = JSON.parse((await cli("--from", join(dir, "changed"), "--only", "presets")).stdout) as Report;
      assert.equal(outcomes(skipped)["presets:ntp"], "exists");
      assert.equal(skipped.devices, null);
      assert.ok(skipped.entries.every((e) => e.kind === "presets"));
      const over = JSON.parse((await cli("--from", join(dir, "changed"), "--only", "presets", "--on-conflict", "overwrite")).stdout) as Report;
      assert.equal(outcomes(over)["presets:ntp"], "update");
      assert.equal(outcomes(over)["presets:migrated defaults"], "unchanged");
      assert.equal((await t.api.get("/api/presets/ntp")).body.document.weight, 7);
      const bad = await runCli(["import", "genieacs", "--db", t.dbUrl, "--only", "presets,widgets", "--from", dir], { cwd: dir });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--only .*comma-separated list of provisions, virtual_parameters, presets, files, devices/);
      const help = await runCli(["import", "genieacs", "--help"], { cwd: dir });
      for (const flag of ["--from <dir>", "--nbi <url>", "--nbi-user <name>", "--files-url <url>", "--device-query <json>", "--dry-run", "--only <kinds>", "--on-conflict <what>", "--batch <n>"]) assert.ok(help.stdout.includes(flag), flag);
      assert.match(help.stdout, /docs\/genieacs-migration\.md/);
      const neither = await runCli(["import", "genieacs", "--db", t.dbUrl], { cwd: dir });
      assert.equal(neither.code, 2);
      assert.match(neither.stderr, /either --from DIR .* or --nbi URL/);
    });

    it("a device imported before its first Inform keeps its record, and the imported preset applies on that Inform", async () => {
      const id = deviceIdOf({ oui: OUI, productClass: PRODUCT_CLASS, serialNumber: serial(0) });
      const before = await t.acs.store.devices.get(id);
      assert.deepEqual(before?.tags.sort(), ["even", "migrated"]);
      const reports: SessionReport[] = [];
      const sim = await startSimulation({
        acsUrl: t.url,
        devices: 1,
        model: loadModel({ builtin: "tr181-gateway" }),
        identity: { acsUsername: t.username, acsPassword: t.password, oui: OUI, productClass: PRODUCT_CLASS, serialPrefix: SERIAL_PREFIX },
        connectionRequests: false,
        onSession: (r) => reports.push(r),
      });
      try {
        assert.equal(deviceIdOf(sim.devices[0]!.identity), id);
        await until(() => reports.some((r) => r.ok), 60_000, "the device's first session");
        assert.equal(sim.devices[0]!.cpe.read("Device.ManagementServer.PeriodicInformInterval", Date.now()), "1234", "the imported preset's value, set on the device");
        // the imported GenieACS script, run unchanged: declare(path, {value: Date.now()}, {value: args[0]})
        assert.equal(sim.devices[0]!.cpe.read("Device.WiFi.SSID.1.SSID", Date.now()), "migrated-net", "the imported script's value, set on the device");
        const after = await t.acs.store.devices.get(id);
        assert.deepEqual(after?.tags.sort(), ["even", "migrated", "provisioned"]);
        assert.equal(after?.registeredAt.toISOString(), "2024-01-02T03:04:05.000Z", "still the device GenieACS registered");
        assert.ok(after!.lastInformAt!.getTime() > Date.parse("2025-01-01"), "its Inform to Provisio recorded");
      } finally {
        await sim.stop();
      }
    });
  });
});
