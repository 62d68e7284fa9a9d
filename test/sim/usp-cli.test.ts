import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WebSocketControllerMtp } from "../../src/mtp/websocket-server.js";
import { silentLogger } from "../../src/server/logger.js";
import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, msgBody, noSessionContextRecord, uspMsg } from "../../src/usp/index.js";
import type { UspSimulationStats } from "../../src/sim/usp/runtime/index.js";
import { runSimCli } from "./support/runtime.js";

const cliMain = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

test("provisio sim --usp ws://...: agents log in with the given credentials, onboard, and the summary says so", async () => {
  const onboarded = new Set<string>();
  const logins = new Set<string>();
  const server = new WebSocketControllerMtp({
    host: "127.0.0.1", port: 0, path: "/usp", endpointId: "proto::cli-test", tls: null, auth: "required", realm: "provisio", allowedOrigins: [],
    maxRecordBytes: 1024 * 1024, pingIntervalMs: 0, maxConnections: 0, maxConnectionsPerAddress: 0, retryAfterSeconds: 5, log: silentLogger,
  }, (peer, password) => {
    logins.add(`${peer.username}:${password}`);
    return Promise.resolve(peer.username === "bootstrap" && password === "s3cret");
  });
  await server.start({
    record(bytes, route) {
      const record = decodeRecord(bytes);
      if (record.recordType !== "noSessionContext") return;
      assert.equal(record.toId, "proto::cli-test");
      const msg = decodeMsg(record.noSessionContext.payload);
      const n = msgBody(msg, "notify");
      if (n?.notification !== "onBoardReq") return;
      onboarded.add(record.fromId);
      void server.send(route, encodeRecord(noSessionContextRecord("proto::cli-test", record.fromId, encodeMsg(uspMsg("notifyResp", msg.header.msgId, { subscriptionId: "" })))));
    },
  });
  const child = spawn(process.execPath, ["--input-type=module", "-e", `import(${JSON.stringify(cliMain)}).then((m) => m.main(process.argv))`, "provisio", "sim",
    "--usp", `ws://127.0.0.1:${server.port}/usp`, "--controller-id", "proto::cli-test", "-n", "5", "--username", "bootstrap", "--password", "s3cret", "--serial-prefix", "USPCLI", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const end = Date.now() + 60_000;
    while (onboarded.size < 5) {
      if (Date.now() > end) assert.fail(`timed out: ${onboarded.size} onboarded; ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual([...onboarded].sort(), [1, 2, 3, 4, 5].map((n) => `os::00D09E-PG-4100-USPCLI00000${n}`));
    assert.deepEqual([...logins], ["bootstrap:s3cret"]);
    child.kill("SIGTERM");
    assert.equal(await exited, 0, stderr);
    const s = JSON.parse(stdout) as UspSimulationStats;
    assert.equal(s.agents, 5);
    assert.equal(s.connected, 5);
    assert.equal(s.onboarded, 5);
  } finally {
    child.kill("SIGKILL");
    await server.stop();
  }
});

test("provisio sim: --acs or --usp, and options that do not fit USP agents, refused with a message", async () => {
  const neither = await runSimCli([]);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /--acs URL .* or --usp URL/);
  const scheme = await runSimCli(["--usp", "http://127.0.0.1:7577/usp"]);
  assert.equal(scheme.code, 2);
  assert.match(scheme.stderr, /expected ws:\/\/, wss:\/\/, mqtt:\/\/ or mqtts:\/\//);
  const cwmpOnly = await runSimCli(["--usp", "ws://127.0.0.1:7577/usp", "--scenario", "x.json", "--periodic-interval", "60"]);
  assert.equal(cwmpOnly.code, 2);
  assert.match(cwmpOnly.stderr, /--periodic-interval, --scenario: CWMP options/);
  const kinds = await runSimCli(["--usp", "ws://127.0.0.1:7577/usp", "--fault-rate", "0.5", "--fault-kinds", "malformed"]);
  assert.match(kinds.stderr, /USP agents take error, drop, delay/);
  const code = await runSimCli(["--usp", "ws://127.0.0.1:7577/usp", "--fault-rate", "0.5", "--fault-code", "8100"]);
  assert.match(code.stderr, /a USP error code is 7000 to 7999/);
  const tr098 = await runSimCli(["--usp", "ws://127.0.0.1:7577/usp", "--model", "tr098-gateway"]);
  assert.equal(tr098.code, 2);
  assert.match(tr098.stderr, /USP agents need a TR-181 \(Device\.\) model/);
});
