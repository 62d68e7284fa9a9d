// What the tests' throwaway servers (Prosody, Mosquitto) share: a free port, waiting for a server's log
// to say it listens (or that another process took its port between our probe and its bind), and
// ending it.

import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * The lowest port the kernel hands out on its own (to outgoing connections and to listen(0)): ports
 * below it are taken only by a process that asks for them by number.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Whether `port` can be bound on 127.0.0.1 now (bound and released at once). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A port free on 127.0.0.1 now (found by binding and releasing it: another process may take it). It is
 * chosen below the kernel's ephemeral range, so that the suite's own outgoing connections (to
 * PostgreSQL, to the ACS) cannot take it between the probe and the server's bind, or while a test
 * restarts a server on the same port: a port from listen(0) was taken so (EADDRINUSE) under the full
 * suite's load.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let tries = 0; tries < 50; tries++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port found below ${low}`);
}

export interface ListenWait {
  /** The server's name, for errors. */
  name: string;
  port: number;
  timeoutMs: number;
  /** Reading the whole output so far: it listens / its port was taken. */
  ready(output: string): boolean;
  portTaken(output: string): boolean;
  /** Each piece of output, as it comes (the caller keeps the log). */
  onOutput(text: string): void;
  /** The whole output so far, for error messages. */
  output(): string;
}

/** Resolves when the started server's log says it listens, or its port was taken; rejects when it fails, exits or takes too long first. */
export function untilListening(p: ChildProcess, wait: ListenWait): Promise<"ready" | "port-taken"> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${wait.name} did not open port ${wait.port} within ${wait.timeoutMs} ms:\n${wait.output()}`)), wait.timeoutMs);
    const settle = (outcome: "ready" | "port-taken") => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const onData = (d: Buffer) => {
      wait.onOutput(d.toString());
      const output = wait.output();
      if (wait.ready(output)) settle("ready");
      else if (wait.portTaken(output)) settle("port-taken");
    };
    p.stdout?.on("data", onData);
    p.stderr?.on("data", onData);
    p.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    p.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${wait.name} exited (${code ?? signal}) before it was ready:\n${wait.output()}`));
    });
  });
}

/** Ends a server: SIGTERM, then SIGKILL after 5 s (at once with `now`); resolves once it exited. */
export async function endProcess(c: ChildProcess | undefined, now = false): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
  c.kill(now ? "SIGKILL" : "SIGTERM");
  const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
