// The sessions benchmark's machine figures (benchmarks/support/speed-probe.ts, machine.ts): they must
// measure something, and say it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeSpeed, speedProbe } from "../../benchmarks/support/speed-probe.js";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeKernel, idleSince, kernelReport, machineIdle } from "../../benchmarks/support/machine.js";

test("the speed probe times its reference JavaScript and loopback round trips, in this process and with another, and says them", async () => {
  const s = await speedProbe();
  for (const v of [s.jsUs, s.tcpRoundTripUs, s.processRoundTripUs, s.processRoundTripCpuUs]) assert.ok(Number.isFinite(v) && v > 0, `not a time: ${v}`);
  // A round trip's share of the CPU, not the 2,000 round trips' total (tens of milliseconds anywhere).
  assert.ok(s.processRoundTripCpuUs < 5_000, `CPU ${s.processRoundTripCpuUs} µs a round trip`);
  // The reference work parses and serializes a 30-parameter Inform: more than a microsecond anywhere.
  assert.ok(s.jsUs > 1, `reference work took ${s.jsUs} µs`);
  const once = describeSpeed(s);
  assert.match(once, new RegExp(`${s.jsUs.toFixed(1)} µs;`));
  assert.match(once, new RegExp(`loopback TCP round trip ${s.tcpRoundTripUs.toFixed(1)} µs;`));
  assert.match(once, new RegExp(`with another process ${s.processRoundTripUs.toFixed(1)} µs, this side's CPU ${s.processRoundTripCpuUs.toFixed(1)} µs$`));
  const twice = describeSpeed(s, { jsUs: 123.4, tcpRoundTripUs: 56.7, processRoundTripUs: 78.9, processRoundTripCpuUs: 21.5 });
  assert.match(twice, /at the start, 123\.4 at the end/);
  assert.match(twice, /round trip [\d.]+ µs at the start, 56\.7 at the end/);
  assert.match(twice, /another process [\d.]+ µs at the start, 78\.9 at the end, this side's CPU [\d.]+ µs at the start, 21\.5 at the end$/);
});

test("the machine's idle share is a share of its CPU time since the mark, and unknown without one", async () => {
  assert.equal(idleSince(null), null);
  const mark = machineIdle();
  assert.ok(mark !== null, "this machine has /proc/stat");
  // Busy long enough for the kernel's tick counts to move.
  const until = performance.now() + 120;
  while (performance.now() < until) Math.sqrt(Math.random());
  const share = idleSince(mark);
  assert.ok(share !== null && share >= 0 && share <= 1, `idle share ${share}`);
});

test("the kernel's part is read from /sys and /proc, and said as unknown where they say nothing", () => {
  const root = mkdtempSync(join(tmpdir(), "provisio-kernel-"));
  try {
    const none = kernelReport(root);
    assert.deepEqual([none.spectreV2, none.cpuidle, none.virtualized], [null, null, null]);
    assert.match(describeKernel(none), /Spectre v2: not said, cpuidle: not said$/);
    mkdirSync(join(root, "sys/devices/system/cpu/vulnerabilities"), { recursive: true });
    mkdirSync(join(root, "sys/devices/system/cpu/cpuidle"), { recursive: true });
    mkdirSync(join(root, "proc"));
    writeFileSync(join(root, "sys/devices/system/cpu/vulnerabilities/spectre_v2"), "Mitigation: Retpolines; STIBP: disabled; RSB filling\n");
    writeFileSync(join(root, "sys/devices/system/cpu/cpuidle/current_driver"), "haltpoll\n");
    writeFileSync(join(root, "proc/cpuinfo"), "processor\t: 0\nflags\t\t: fpu vme hypervisor avx2\n");
    const k = kernelReport(root);
    assert.deepEqual([k.spectreV2, k.cpuidle, k.virtualized], ["Mitigation: Retpolines", "haltpoll", true]);
    assert.match(describeKernel(k), /, a virtual machine's guest, Spectre v2: Mitigation: Retpolines, cpuidle: haltpoll$/);
    writeFileSync(join(root, "proc/cpuinfo"), "flags\t\t: fpu vme avx2\n");
    assert.equal(kernelReport(root).virtualized, false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
