// What a benchmark's figures depend on besides the code, printed with them: the CPU, the load, how
// long an fsync takes where the database writes, the page cache, what the kernel adds to each system
// call and wake-up (its Spectre v2 mitigation, its idle driver, whether it runs under a hypervisor); and,
// over a measured window, the checkpoints of SQLite's WAL and of PostgreSQL, and the time a process
// spent collecting garbage.

import { closeSync, fdatasyncSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { percentile } from "./timing.js";

export interface MachineReport {
  cpuModel: string;
  cores: number;
  memoryMb: number;
  loadAverage: number[];
  /** A 4 KiB write and fdatasync in the folder the database is in, repeated: p50 and p99 in ms. */
  fsyncP50Ms: number;
  fsyncP99Ms: number;
  /** /proc/meminfo: what the page cache holds, and how much of it waits to be written. */
  pageCacheMb: number;
  dirtyMb: number;
  availableMb: number;
  kernel: KernelReport;
}

/**
 * What the kernel adds to a system call and a context switch, which weigh on a server that waits on
 * sockets (round 14 of issue 18 in BENCHMARKS.md): two guests of the same size can differ here only.
 * Null where the machine does not say (no /sys, another system).
 */
export interface KernelReport {
  release: string;
  /** /sys/.../vulnerabilities/spectre_v2, its first clause ("Mitigation: Retpolines", "Mitigation: Enhanced / Automatic IBRS"). */
  spectreV2: string | null;
  /** The cpuidle driver (haltpoll, intel_idle, acpi_idle...): how a halted core is woken. */
  cpuidle: string | null;
  /** The CPU's hypervisor flag: a guest of a virtual machine. */
  virtualized: boolean | null;
}

function firstLine(file: string): string | null {
  try {
    return readFileSync(file, "utf8").split("\n")[0]!.trim() || null;
  } catch {
    return null;
  }
}

/** `root`: where /sys and /proc are (another folder in tests). */
export function kernelReport(root = "/"): KernelReport {
  const spectre = firstLine(join(root, "sys/devices/system/cpu/vulnerabilities/spectre_v2"));
  let virtualized: boolean | null = null;
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync(join(root, "proc/cpuinfo"), "utf8"))?.[1];
    if (flags !== undefined) virtualized = flags.split(/\s+/).includes("hypervisor");
  } catch {
    // no /proc
  }
  return {
    release: release(),
    spectreV2: spectre === null ? null : spectre.split(";")[0]!.trim(),
    cpuidle: firstLine(join(root, "sys/devices/system/cpu/cpuidle/current_driver")),
    virtualized,
  };
}

/** Times `rounds` small synchronous writes (write + fdatasync, as a COMMIT or a checkpoint does) in `dir`. */
export function fsyncLatency(dir: string, rounds = 100): { p50: number; p99: number } {
  const file = join(dir, `fsync-probe-${process.pid}`);
  const fd = openSync(file, "w");
  const block = Buffer.alloc(4096, 1);
  const ms: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      writeSync(fd, block, 0, block.length, (i % 16) * block.length);
      fdatasyncSync(fd);
      ms.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99) };
}

function meminfoMb(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync("/proc/meminfo", "utf8").split("\n")) {
      const m = /^(\w+):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]!] = Number(m[2]) / 1024;
    }
  } catch {
    // no /proc
  }
  return out;
}

export function machineReport(dataDir: string): MachineReport {
  const fsync = fsyncLatency(dataDir);
  const mem = meminfoMb();
  return {
    cpuModel: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    fsyncP50Ms: fsync.p50,
    fsyncP99Ms: fsync.p99,
    pageCacheMb: Math.round(mem.Cached ?? 0),
    dirtyMb: Math.round(mem.Dirty ?? 0),
    availableMb: Math.round(mem.MemAvailable ?? 0),
    kernel: kernelReport(),
  };
}

export function describeMachine(m: MachineReport): string {
  return (
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryMb} MB; load average ${m.loadAverage.join(" ")}; ` +
    `fsync (4 KiB write + fdatasync) p50 ${m.fsyncP50Ms.toFixed(2)} ms, p99 ${m.fsyncP99Ms.toFixed(2)} ms; ` +
    `page cache ${m.pageCacheMb} MB (${m.dirtyMb} MB dirty), ${m.availableMb} MB available; ${describeKernel(m.kernel)}`
  );
}

export function describeKernel(k: KernelReport): string {
  const guest = k.virtualized === null ? "" : k.virtualized ? ", a virtual machine's guest" : ", not virtualized";
  return `kernel ${k.release}${guest}, Spectre v2: ${k.spectreV2 ?? "not said"}, cpuidle: ${k.cpuidle ?? "not said"}`;
}

/** The machine's CPU time so far, all cores, idle and in all (clock ticks, /proc/stat); null without /proc. */
export function machineIdle(): { idle: number; total: number } | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is counted in user already)
    const counted = ticks.slice(0, 8);
    return { idle: (counted[3] ?? 0) + (counted[4] ?? 0), total: counted.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** The share of the machine's CPU time that was idle since `start` (machineIdle), or null. */
export function idleSince(start: { idle: number; total: number } | null): number | null {
  const now = machineIdle();
  if (start === null || now === null || now.total === start.total) return null;
  return (now.idle - start.idle) / (now.total - start.total);
}

/**
 * Counts SQLite's WAL checkpoints from outside the process: in WAL mode only a checkpoint writes the
 * database file itself, so each change of its modification time is one (or several within a sample).
 */
export class CheckpointWatch {
  private last: number;
  count = 0;

  constructor(private readonly dbFile: string) {
    this.last = this.mtime();
  }

  private mtime(): number {
    try {
      return statSync(this.dbFile).mtimeMs;
    } catch {
      return 0;
    }
  }

  sample(): void {
    const now = this.mtime();
    if (now !== this.last) this.count++;
    this.last = now;
  }
}

/** The `--import` that makes a Node process report its garbage collection time to `file` (gc-probe.ts). */
export function gcProbeArgs(file: string): string[] {
  const url = new URL("./gc-probe.js", import.meta.url);
  url.searchParams.set("out", file);
  return ["--import", url.href];
}

/** Garbage collection time so far (ms) of a process started with gcProbeArgs(file); 0 before its first report. */
export function gcMs(file: string): number {
  try {
    return Number(readFileSync(file, "utf8")) || 0;
  } catch {
    return 0;
  }
}
