import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { SandboxError, ScriptSandbox } from "../../src/provisioning/sandbox.js";

describe("the script sandbox", () => {
  const sandbox = new ScriptSandbox({ memoryMb: 16, timeoutMs: 100 });
  after(() => sandbox.dispose());
  const known = { "Device.DeviceInfo.SoftwareVersion": { value: "1.2.0", type: "xsd:string" } };

  it("gives a script its arguments, the time and the known data, and takes its declarations", async () => {
    const r = await sandbox.run(
      `const v = get("Device.DeviceInfo.SoftwareVersion");
       if (v && v.value !== args.version) declare("Device.X.Upgrade", { value: true });
       declare("Device.ManagementServer.PeriodicInformInterval", { value: args.interval });
       const up = get("Device.DeviceInfo.UpTime");
       log("uptime known:", up !== undefined, now);`,
      { args: { version: "2.0.0", interval: 300 }, now: 1234, known },
    );
    assert.deepEqual(r.declarations, [
      { value: true, path: "Device.X.Upgrade" },
      { value: 300, path: "Device.ManagementServer.PeriodicInformInterval" },
    ]);
    assert.deepEqual(r.missing, ["Device.DeviceInfo.UpTime"]);
    assert.deepEqual(r.logs, ["uptime known: false 1234"]);
  });

  it("has nothing of Node: no require, process, fetch, timers or files", async () => {
    const r = await sandbox.run(
      `log(typeof require, typeof process, typeof fetch, typeof setTimeout, typeof globalThis.Buffer, typeof import.meta)`.replace(", typeof import.meta", ""),
      { args: null, now: 0, known: {} },
    );
    assert.deepEqual(r.logs, ["undefined undefined undefined undefined undefined"]);
  });

  it("stops a script that loops forever, and keeps working", async () => {
    await assert.rejects(sandbox.run("for (;;) {}", { args: null, now: 0, known: {} }), (e: unknown) => e instanceof SandboxError && e.code === "SCRIPT_TIMEOUT");
    const r = await sandbox.run(`declare("Device.A", { value: 1 })`, { args: null, now: 0, known: {} });
    assert.equal(r.declarations.length, 1);
  });

  it("stops a script that allocates without bound, and keeps working with a new isolate", async () => {
    await assert.rejects(
      sandbox.run("const a = []; for (;;) a.push(new Array(100000).fill(Math.random()));", { args: null, now: 0, known: {} }),
      (e: unknown) => e instanceof SandboxError && (e.code === "SCRIPT_MEMORY" || e.code === "SCRIPT_TIMEOUT"),
    );
    const r = await sandbox.run(`declare("Device.B", { value: 2 })`, { args: null, now: 0, known: {} });
    assert.deepEqual(r.declarations, [{ value: 2, path: "Device.B" }]);
  });

  it("keeps good scripts running beside one that exhausts the shared isolate", async () => {
    const hog = sandbox.run("const a = []; for (;;) a.push(new Array(100000).fill(Math.random()));", { args: null, now: 0, known: {} });
    const good = Array.from({ length: 6 }, (_, i) => sandbox.run(`let x = 0; for (let k = 0; k < 2e5; k++) x += k; declare("Device.N" + args.i, { value: x > 0 })`, { args: { i }, now: 0, known: {} }));
    const results = await Promise.allSettled([hog, ...good]);
    assert.equal(results[0]!.status, "rejected");
    const reason = (results[0] as PromiseRejectedResult).reason as SandboxError;
    assert.ok(reason instanceof SandboxError && (reason.code === "SCRIPT_MEMORY" || reason.code === "SCRIPT_TIMEOUT"), String(reason));
    for (const [i, r] of results.slice(1).entries()) {
      assert.equal(r.status, "fulfilled", `good script ${i}: ${r.status === "rejected" ? String(r.reason) : ""}`);
      assert.deepEqual((r as PromiseFulfilledResult<{ declarations: unknown[] }>).value.declarations, [{ value: true, path: `Device.N${i}` }]);
    }
  });

  it("runs again, elsewhere, a script whose compilation the exhaustion of the shared isolate interrupted", async () => {
    const hog = sandbox.run("const b = []; for (;;) b.push(new Array(100000).fill(Math.random()));", { args: null, now: 0, known: {} });
    // Scripts never seen before are compiled while the hog runs: the compilation waits for the isolate,
    // which is gone when it gets it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const fresh = Array.from({ length: 4 }, (_, i) => sandbox.run(`declare("Device.Fresh${i}", { value: ${i} })`, { args: null, now: 0, known: {} }));
    const results = await Promise.allSettled([hog, ...fresh]);
    assert.equal(results[0]!.status, "rejected");
    for (const [i, r] of results.slice(1).entries()) {
      assert.equal(r.status, "fulfilled", `fresh script ${i}: ${r.status === "rejected" ? String(r.reason) : ""}`);
      assert.deepEqual((r as PromiseFulfilledResult<{ declarations: unknown[] }>).value.declarations, [{ value: i, path: `Device.Fresh${i}` }]);
    }
  });

  it("does not hold up the event loop while a script runs away", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await assert.rejects(sandbox.run("for (;;) {}", { args: null, now: 0, known: {} }), SandboxError);
    clearInterval(timer);
    assert.ok(ticks > 0, "timers kept firing while the script ran");
  });

  it("reports scripts that do not compile or throw, saying why", async () => {
    await assert.rejects(sandbox.run("this is not javascript", { args: null, now: 0, known: {} }), (e: unknown) => e instanceof SandboxError && e.code === "SCRIPT_COMPILE");
    await assert.rejects(sandbox.run("throw new Error('nope')", { args: null, now: 0, known: {} }), (e: unknown) => e instanceof SandboxError && e.code === "SCRIPT_ERROR" && /nope/.test(e.message));
  });

  it("keeps runs apart: one run's globals are not the next one's", async () => {
    await sandbox.run("globalThis.leak = 42;", { args: null, now: 0, known: {} });
    const r = await sandbox.run("log(typeof leak)", { args: null, now: 0, known: {} });
    assert.deepEqual(r.logs, ["undefined"]);
  });
});
