// `provisio sim --usp ... --usp-session-context`: the agents speak in Session Context Records of their
// own, segmented at --usp-segment-bytes, to a controller end that reassembles them with the real
// SessionContext and answers in it; the options are refused where they do not fit, and --help names them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketControllerMtp } from "../../src/mtp/websocket-server.js";
import { silentLogger } from "../../src/server/logger.js";
import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, msgBody, recordHeader, SessionContext, uspMsg } from "../../src/usp/index.js";
import type { UspSimulationStats } from "../../src/sim/usp/runtime/index.js";
import { runSimCli, startSimCli } from "./support/runtime.js";

const CONTROLLER = "proto::cli-sc";
const SEGMENT = 24;

test("provisio sim --usp --usp-session-context: agents onboard in Session Contexts of their own, segmented", async () => {
  const contexts = new Map<string, SessionContext>();
  const states = new Set<string>();
  const onboarded = new Set<string>();
  let other = 0;
  let connects = 0;
  const server = new WebSocketControllerMtp({
    host: "127.0.0.1", port: 0, path: "/usp", endpointId: CONTROLLER, tls: null, auth: "open", realm: "provisio", allowedOrigins: [],
    maxRecordBytes: 1024 * 1024, pingIntervalMs: 0, maxConnections: 0, maxConnectionsPerAddress: 0, retryAfterSeconds: 5, log: silentLogger,
  }, () => Promise.resolve(true));
  await server.start({
    record(bytes, route) {
      const record = decodeRecord(bytes);
      if (record.recordType === "websocketConnect") {
        connects++;
        return;
      }
      if (record.recordType !== "sessionContext") {
        other++;
        return;
      }
      const sc = record.sessionContext;
      states.add(sc.payloadSarState);
      assert.ok(sc.payload.reduce((n, p) => n + p.length, 0) <= SEGMENT);
      let context = contexts.get(record.fromId);
      if (context === undefined) contexts.set(record.fromId, (context = new SessionContext({ sessionId: sc.sessionId })));
      for (const effect of context.receive(sc)) {
        if (effect.type !== "deliver") continue;
        const msg = decodeMsg(effect.payload);
        if (msgBody(msg, "notify")?.notification !== "onBoardReq") continue;
        onboarded.add(record.fromId);
        for (const answer of context.send(encodeMsg(uspMsg("notifyResp", msg.header.msgId, { subscriptionId: "" })))) {
          void server.send(route, encodeRecord({ ...recordHeader(CONTROLLER, record.fromId), recordType: "sessionContext", sessionContext: answer }));
        }
      }
    },
  });
  const cli = startSimCli(["--usp", `ws://127.0.0.1:${server.port}/usp`, "--controller-id", CONTROLLER, "-n", "3", "--serial-prefix", "USPSC", "--usp-session-context", "--usp-segment-bytes", String(SEGMENT), "--json"]);
  try {
    const end = Date.now() + 60_000;
    while (onboarded.size < 3) {
      if (Date.now() > end) assert.fail(`timed out: ${onboarded.size} onboarded; ${cli.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(other, 0, "no NoSessionContext Record");
    assert.equal(connects, 3, "a WebSocketConnect Record per agent (R-MTP.6), outside the Session Context");
    assert.deepEqual([...states].sort(), ["BEGIN", "COMPLETE", "INPROCESS"], "the OnBoardRequest is longer than a segment");
    assert.equal(new Set([...contexts.values()].map((c) => c.sessionId)).size, 3, "a session id per agent");
    // The NotifyResp, answered in the Session Context, ends the OnBoardRequest's retries.
    cli.child.kill("SIGTERM");
    assert.equal(await cli.exited, 0, cli.stderr());
    const s = JSON.parse(cli.stdout()) as UspSimulationStats;
    assert.deepEqual([s.onboarded, s.unanswered], [3, 0]);
  } finally {
    cli.child.kill("SIGKILL");
    await server.stop();
  }
});

test("provisio sim: --usp-session-context and --usp-segment-bytes go with --usp, and --help names them", async () => {
  const cwmp = await runSimCli(["--acs", "http://127.0.0.1:7547/", "--usp-session-context"]);
  assert.equal(cwmp.code, 2);
  assert.match(cwmp.stderr, /--usp-session-context and --usp-segment-bytes go with --usp/);
  const alone = await runSimCli(["--usp", "ws://127.0.0.1:7577/usp", "--usp-segment-bytes", "100"]);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--usp-segment-bytes goes with --usp-session-context/);
  const zero = await runSimCli(["--usp", "ws://127.0.0.1:7577/usp", "--usp-session-context", "--usp-segment-bytes", "0"]);
  assert.notEqual(zero.code, 0);
  assert.match(zero.stderr, /--usp-segment-bytes.*at least 1/);
  const help = await runSimCli(["--help"]);
  assert.match(help.stdout, /--usp-session-context/);
  assert.match(help.stdout, /--usp-segment-bytes <n>/);
});
