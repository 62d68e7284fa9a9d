// GenieACS-dialect scripts in the real sandbox, and ext() through the real extension processes: the
// operator's CommonJS modules in a folder of their own, a call that hangs killed at its limit.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { GenieInput } from "../../src/provisioning/genieacs/api.js";
import { ExtensionRunner } from "../../src/provisioning/genieacs/ext-runner.js";
import { SandboxError, ScriptSandbox } from "../../src/provisioning/sandbox.js";
import { ExtensionHost } from "../../src/server/extensions.js";
import { genieInput, NOW } from "./support/genieacs.js";

const genie = (more: Partial<GenieInput> = {}) => genieInput({ "Device.ManagementServer.PeriodicInformInterval": ["60", "xsd:unsignedInt", 0, true, NOW + 1, NOW + 1] }, more);

describe("GenieACS scripts in the sandbox", () => {
  const sandbox = new ScriptSandbox({ memoryMb: 16, timeoutMs: 200 });
  after(() => sandbox.dispose());

  it("runs the documented inform-interval provision unchanged", async () => {
    const r = await sandbox.run(
      `const now = Date.now();
       declare("Device.ManagementServer.PeriodicInformEnable", {value: now}, {value: true});
       declare("Device.ManagementServer.PeriodicInformInterval", {value: now}, {value: args[0] || 300});
       log("interval", {was: declare("Device.ManagementServer.PeriodicInformInterval", {value: now}).value[0]});`,
      { args: [900], now: NOW, known: {}, genieacs: genie() },
    );
    assert.deepEqual(r.declarations, [
      { path: "Device.ManagementServer.PeriodicInformEnable", maxAge: 0, value: true },
      { path: "Device.ManagementServer.PeriodicInformInterval", maxAge: 0, value: 900 },
      { path: "Device.ManagementServer.PeriodicInformInterval", maxAge: 0 },
    ]);
    assert.deepEqual(r.logs, ['interval {"was":60}']);
    assert.equal(r.genieacs?.incomplete, false);
  });

  it("ends a run that waits for data as incomplete, not as a failure; a script's own error is a failure", async () => {
    const r = await sandbox.run(`const v = declare("Device.DeviceInfo.UpTime", {value: Date.now()}).value[0]; declare("Device.X", null, {value: v});`, { args: null, now: NOW, known: {}, genieacs: genie() });
    assert.equal(r.genieacs?.incomplete, true);
    assert.deepEqual(r.declarations.map((d) => d.path), ["Device.DeviceInfo.UpTime"]);
    await assert.rejects(sandbox.run(`declare("Device.*.[Nope]", null, {path: 1})`, { args: null, now: NOW, known: {}, genieacs: genie() }), (e: unknown) => e instanceof SandboxError && e.code === "SCRIPT_ERROR" && /alias filter/.test(e.message));
  });

  it("gives Date.now() and new Date() the session's start", async () => {
    const r = await sandbox.run(`return [Date.now(), new Date().getTime(), new Date(0).getTime()];`, { args: null, now: NOW, known: {}, genieacs: genie() });
    assert.deepEqual(r.result, [NOW, NOW, 0]);
  });

  it("checks that a script compiles in its dialect", () => {
    assert.doesNotThrow(() => sandbox.check("declare('Device.A', null, {value: 1}); commit();", "genieacs"));
    assert.throws(() => sandbox.check("declare(", "genieacs"), (e: unknown) => e instanceof SandboxError && e.code === "SCRIPT_COMPILE");
  });
});

describe("ext() through extension processes", () => {
  const sandbox = new ScriptSandbox({ memoryMb: 16, timeoutMs: 200 });
  let dir: string;
  let host: ExtensionHost;
  let runner: ExtensionRunner;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "provisio-ext-"));
    writeFileSync(
      join(dir, "creds.js"),
      `let calls = 0;
       exports.getCreds = function (args, callback) { calls++; callback(null, { username: "cpe-" + args[0], password: args[0].split("").reverse().join(""), calls }); };
       exports.later = async function (args) { return args[0] * 2; };
       exports.fail = function (args, callback) { callback(new Error("the inventory said no")); };
       exports.hang = function () {};`,
    );
    writeFileSync(join(dir, "package.json"), "{}");
    host = new ExtensionHost({ dir, timeoutMs: 500, processes: 2 });
    runner = new ExtensionRunner(sandbox, host);
  });
  after(async () => {
    await host.close();
    sandbox.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const SCRIPT = `const sn = declare("DeviceID.SerialNumber", {value: 1}).value[0];
    const c = ext("creds", "getCreds", sn);
    const again = ext("creds", "getCreds", sn);
    declare("Device.ManagementServer.Username", null, {value: c.username});
    declare("Device.ManagementServer.Password", null, {value: c.password});
    return [c.calls, again.calls, ext("creds", "later", 21)];`;

  it("calls the operator's functions, callback or promise, once per session for the same arguments", async () => {
    const r = await runner.run(SCRIPT, { args: null, now: NOW, known: {}, genieacs: genie() });
    assert.deepEqual(r.declarations.map((d) => [d.path, d.value]), [
      ["Device.ManagementServer.Username", "cpe-SN1"],
      ["Device.ManagementServer.Password", "1NS"],
    ]);
    const [calls, again, doubled] = r.result as number[];
    assert.equal(calls, again, "the second identical call in the session is the first's result");
    assert.equal(doubled, 42);
    const same = await runner.run(SCRIPT, { args: null, now: NOW, known: {}, genieacs: genie() });
    assert.deepEqual(same.result, r.result, "run again in the same session: the same results, no new call");
    const next = await runner.run(SCRIPT, { args: null, now: NOW + 60_000, known: {}, genieacs: genie() });
    assert.ok((next.result as number[])[0]! > calls!, "a new session calls again");
  });

  it("turns an error into provision.ext-failed, and a hang into provision.ext-timeout, and goes on", async () => {
    await assert.rejects(runner.run(`ext("creds", "fail")`, { args: null, now: NOW, known: {}, genieacs: genie() }), (e: unknown) => e instanceof SandboxError && e.code === "EXT_FAILED" && /the inventory said no/.test(e.message));
    await assert.rejects(runner.run(`ext("creds", "hang")`, { args: null, now: NOW, known: {}, genieacs: genie() }), (e: unknown) => e instanceof SandboxError && e.code === "EXT_TIMEOUT" && /500 ms/.test(e.message));
    await assert.rejects(runner.run(`ext("creds", "nothing")`, { args: null, now: NOW, known: {}, genieacs: genie() }), (e: unknown) => e instanceof SandboxError && /exports no function nothing/.test(e.message));
    const r = await runner.run(`return ext("creds", "later", 5)`, { args: null, now: NOW + 1, known: {}, genieacs: genie() });
    assert.equal(r.result, 10, "a new process took the killed one's place");
  });

  it("keeps file names inside the folder", async () => {
    for (const file of ["../creds", "/etc/passwd", "a/../../creds"]) {
      await assert.rejects(runner.run(`ext(${JSON.stringify(file)}, "getCreds", "x")`, { args: null, now: NOW, known: {}, genieacs: genie() }), (e: unknown) => e instanceof SandboxError && e.code === "EXT_FAILED" && /inside the extensions folder/.test(e.message), file);
    }
  });

  it("fails ext() clearly when no folder is configured", async () => {
    const none = new ExtensionRunner(sandbox, null);
    await assert.rejects(none.run(`ext("creds", "getCreds", "x")`, { args: null, now: NOW, known: {}, genieacs: genie() }), (e: unknown) => e instanceof SandboxError && /provisioning.extensionsDir is not set/.test(e.message));
  });
});
