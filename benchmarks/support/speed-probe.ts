// How fast this machine does the two kinds of work a CWMP session is made of, measured in the
// benchmark's own process before the targets start and after they stop: the ACS's JavaScript (a CWMP
// envelope parsed and serialized, a session-sized JSON document written and read back) and the kernel's
// part of a message (a loopback TCP round trip between two sockets of this process, and one with another
// process, which has to be woken: what each of a session's HTTP exchanges and database round trips
// costs, on each side, and what a hypervisor can make several times dearer). The bare node:http
// baseline is nearly all kernel work; the ACS is mostly JavaScript. Two machines of the same size can
// differ on one and not the other (the CPU's generation, its clock, what the hypervisor charges for a
// system call, what the host's other guests leave of its caches): these figures let runs on different
// machines, or a run's start and end, be put side by side.

import { spawn } from "node:child_process";
import { createServer, connect, type AddressInfo, type Socket } from "node:net";
import { parseCwmp, serializeEnvelope } from "../../src/cwmp/index.js";
import { informEnvelope } from "./envelopes.js";
import { percentile } from "./timing.js";

export interface SpeedReport {
  /** One reference unit of the ACS's kind of JavaScript, µs (median of batches). */
  jsUs: number;
  /** One 64-byte loopback TCP round trip between two sockets of this process, µs (median). */
  tcpRoundTripUs: number;
  /** The same with an echo in another process, µs (median), and this process's CPU for each (mean). */
  processRoundTripUs: number;
  processRoundTripCpuUs: number;
}

/** The reference unit: what the ACS does with an Inform and a session's state, without I/O. */
function referenceWork(bytes: Buffer): number {
  const envelope = parseCwmp(bytes).envelopes[0]!;
  const text = serializeEnvelope(envelope);
  const state = JSON.parse(JSON.stringify({ envelope, at: Date.now() })) as { at: number };
  return text.length + state.at;
}

function jsSpeed(batches = 40, perBatch = 50): number {
  const bytes = Buffer.from(serializeEnvelope(informEnvelope()), "utf8");
  let sink = 0;
  for (let i = 0; i < 200; i++) sink += referenceWork(bytes);
  const us: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < perBatch; i++) sink += referenceWork(bytes);
    us.push(((performance.now() - t0) * 1000) / perBatch);
  }
  if (sink === 0) throw new Error("unreachable: keeps the work from being optimized away");
  return percentile(us.sort((a, b) => a - b), 0.5);
}

/** Median µs of `rounds` 64-byte round trips on `client`, and this process's CPU µs a round trip. */
async function roundTrips(client: Socket, rounds: number): Promise<{ us: number; cpuUs: number }> {
  client.setNoDelay(true);
  const payload = Buffer.alloc(64, 7);
  const us: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let got = 0;
      const onData = (d: Buffer) => {
        got += d.length;
        if (got < payload.length) return;
        client.off("data", onData);
        resolve();
      };
      client.on("data", onData);
      client.write(payload);
    });
    us.push((performance.now() - t0) * 1000);
  }
  const used = process.cpuUsage(cpu);
  return { us: percentile(us.sort((a, b) => a - b), 0.5), cpuUs: (used.user + used.system) / rounds };
}

async function tcpRoundTrip(rounds = 2000): Promise<number> {
  const server = createServer((s) => s.on("data", (d) => s.write(d)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client: Socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  try {
    return (await roundTrips(client, rounds)).us;
  } finally {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** An echo server in a child process (it ends with its standard input, or when killed). */
const ECHO = `const s = require("node:net").createServer((c) => { c.setNoDelay(true); c.on("data", (d) => c.write(d)); c.on("error", () => {}); });
s.listen(0, "127.0.0.1", () => console.log(s.address().port));
process.stdin.on("end", () => process.exit(0)).resume();`;

async function processRoundTrip(rounds = 2000): Promise<{ us: number; cpuUs: number }> {
  const child = spawn(process.execPath, ["-e", ECHO], { stdio: ["pipe", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the echo process ended (${code}) before it listened`)));
      child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    const client: Socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => client.once("connect", () => resolve()).once("error", reject));
    try {
      return await roundTrips(client, rounds);
    } finally {
      client.destroy();
    }
  } finally {
    child.removeAllListeners("exit");
    child.kill();
  }
}

export async function speedProbe(): Promise<SpeedReport> {
  const jsUs = jsSpeed();
  const tcpRoundTripUs = await tcpRoundTrip();
  const other = await processRoundTrip();
  return { jsUs, tcpRoundTripUs, processRoundTripUs: other.us, processRoundTripCpuUs: other.cpuUs };
}

/** The probe's figures, at the run's start and, when given, at its end. */
export function describeSpeed(start: SpeedReport, end?: SpeedReport): string {
  const two = (a: number, b: number | undefined) => (b === undefined ? `${a.toFixed(1)} µs` : `${a.toFixed(1)} µs at the start, ${b.toFixed(1)} at the end`);
  return `reference JavaScript (a 30-parameter Inform parsed and serialized, a JSON round trip) ${two(start.jsUs, end?.jsUs)}; loopback TCP round trip ${two(start.tcpRoundTripUs, end?.tcpRoundTripUs)}; `
    + `with another process ${two(start.processRoundTripUs, end?.processRoundTripUs)}, this side's CPU ${two(start.processRoundTripCpuUs, end?.processRoundTripCpuUs)}`;
}
