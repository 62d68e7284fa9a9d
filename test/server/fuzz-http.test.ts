// The HTTP fuzz run (`npm run fuzz`, benchmarks/fuzz-http.ts) at 2,000 messages, so that the script
// cannot rot: it starts its own `provisio serve`, and must find nothing and account for every message.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

const script = new URL("../../benchmarks/fuzz-http.js", import.meta.url).pathname;
const MESSAGES = 2000;

interface RunResult {
  messages: number;
  inSession: number;
  sessionsOpened: number;
  healthChecks: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number };
  statuses: Record<string, number>;
  serverRssMb: { start: number; peak: number; end: number };
  findings: number;
}

describe(`npm run fuzz at ${MESSAGES} messages`, () => {
  let dir: string;
  let code: number | null;
  let output = "";
  let result: RunResult;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "provisio-fuzz-test-"));
    const child = spawn(process.execPath, ["--no-node-snapshot", script, "--messages", String(MESSAGES), "--seed", "12", "--connections", "16", "--check-every", "500", "--findings", join(dir, "findings.jsonl"), "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    result = JSON.parse(output.slice(output.indexOf("{"))) as RunResult;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finds nothing and exits 0", () => {
    assert.equal(result.findings, 0, readFileSync(join(dir, "findings.jsonl"), "utf8").slice(0, 4000));
    assert.equal(code, 0, output);
  });

  it("sends every message and counts an outcome for each", () => {
    assert.equal(result.messages, MESSAGES);
    assert.equal(Object.values(result.statuses).reduce((a, b) => a + b, 0), MESSAGES);
  });

  it("reaches the ACS's answers of every kind: sessions, refusals of credentials, of bodies and of XML", () => {
    for (const status of ["200", "400", "401", "413", "415"]) assert.ok((result.statuses[status] ?? 0) > 0, `no ${status} among ${JSON.stringify(result.statuses)}`);
    assert.ok(result.sessionsOpened > 0 && result.inSession > 0 && result.inSession < MESSAGES, `${result.inSession} messages in ${result.sessionsOpened} sessions`);
  });

  it("checks the server's health with a real session every 500 messages and measures it", () => {
    assert.ok(result.healthChecks >= MESSAGES / 500, `${result.healthChecks} checks`);
    assert.ok(result.serverRssMb.start > 0 && result.serverRssMb.peak >= result.serverRssMb.start && result.serverRssMb.end > 0, JSON.stringify(result.serverRssMb));
    assert.ok(result.perSecond > 0 && result.latencyMs.p99 >= result.latencyMs.p50);
  });
});
