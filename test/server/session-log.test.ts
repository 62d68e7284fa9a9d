// The one info line per session (session-log.ts) as the ACS writes it, through its real logger, and the
// choice between the readable and the JSON format.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cwmpFault, xsdValue } from "../../src/cwmp/index.js";
import { startAcs, type Acs } from "../../src/server/acs.js";
import { createLogger, type LoggerOptions } from "../../src/server/logger.js";
import { eventually } from "../nbi/support.js";
import { testConfig } from "../support/acs.js";
import { backend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

async function acsWithLog(settings: Record<string, unknown>, housekeepingIntervalMs: number) {
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-log-"));
  const lines: Line[] = [];
  const log = createLogger("info", { format: "json", out: { write: (l: string) => lines.push(JSON.parse(l) as Line) } });
  const acs = await startAcs(testConfig(dataDir, await backend("sqlite").freshUrl(), settings), { log, housekeepingIntervalMs });
  const cpe = (serial: string) => new TestCpe({ url: acs.cwmpUrl, username: acs.bootstrap.username, password: acs.bootstrap.password!, identity: { serialNumber: serial } });
  const sessionLines = (deviceId: string) => lines.filter((l) => l.msg === "session" && l.deviceId === deviceId);
  return {
    acs,
    cpe,
    sessionLines,
    async stop() {
      await acs.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe("the session log line", () => {
  let t: Awaited<ReturnType<typeof acsWithLog>>;
  let acs: Acs;
  before(async () => {
    t = await acsWithLog({}, 3_600_000);
    acs = t.acs;
  });
  after(() => t.stop());

  it("tells, at info, of a session with nothing to do: its events, no RPC, completed", async () => {
    const c = t.cpe("LOG0001");
    await c.inform(["0 BOOTSTRAP", "1 BOOT"]);
    assert.deepEqual(t.sessionLines(c.deviceId), [], "nothing before the session ends");
    assert.equal((await c.send(null)).status, 204);
    const [line, ...more] = t.sessionLines(c.deviceId);
    assert.deepEqual(more, []);
    assert.equal(line?.level, 30);
    assert.deepEqual(
      { events: line.events, rpcs: line.rpcs, cpeRequests: line.cpeRequests, tasks: line.tasks, faults: line.faults, outcome: line.outcome },
      { events: ["0 BOOTSTRAP", "1 BOOT"], rpcs: [], cpeRequests: [], tasks: { done: 0, failed: 0 }, faults: [], outcome: "completed" },
    );
    assert.equal(typeof line.session, "string");
    assert.ok(typeof line.durationMs === "number" && line.durationMs >= 0);
    c.close();
  });

  it("counts the RPCs sent, the tasks settled and the CPE's faults", async () => {
    const c = t.cpe("LOG0002");
    await c.inform(["0 BOOTSTRAP"]);
    await c.send(null);
    const read = await acs.tasks.create(c.deviceId, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });
    const write = await acs.tasks.create(c.deviceId, "setParameterValues", { parameterValues: [{ name: "Device.DeviceInfo.ProvisioningCode", value: "x" }] });
    await c.inform(["6 CONNECTION REQUEST"]);
    const first = await c.send(null);
    assert.equal(rpcIn(first).method, "GetParameterValues");
    const second = await c.answer(first, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "9") }] });
    assert.equal(rpcIn(second).method, "SetParameterValues");
    assert.equal((await c.answer(second, cwmpFault(9007, "Invalid parameter value"))).status, 204);
    assert.equal((await acs.tasks.get(read.id))?.status, "done");
    assert.equal((await acs.tasks.get(write.id))?.status, "failed");
    const lines = t.sessionLines(c.deviceId);
    assert.equal(lines.length, 2, "one line per session");
    const line = lines[1]!;
    assert.deepEqual(
      { events: line.events, rpcs: line.rpcs, tasks: line.tasks, faults: line.faults, outcome: line.outcome },
      { events: ["6 CONNECTION REQUEST"], rpcs: ["GetParameterValues", "SetParameterValues"], tasks: { done: 1, failed: 1 }, faults: ["9007"], outcome: "completed" },
    );
    c.close();
  });

  it("counts the CPE's own requests, and tells of a session another Inform replaced", async () => {
    const c = t.cpe("LOG0004");
    await c.inform(["0 BOOTSTRAP"]);
    await c.send(null);
    await c.inform(["2 PERIODIC"]);
    const answer = await c.send({ method: "GetRPCMethods" });
    assert.equal(answer.envelope?.body?.method, "GetRPCMethodsResponse");
    // A new Inform on the same cookie: the CPE started over.
    await c.inform(["1 BOOT"]);
    const replaced = t.sessionLines(c.deviceId)[1];
    assert.deepEqual([replaced?.events, replaced?.cpeRequests, replaced?.outcome], [["2 PERIODIC"], ["GetRPCMethods"], "replaced"]);
    assert.equal((await c.send(null)).status, 204);
    const last = t.sessionLines(c.deviceId)[2];
    assert.deepEqual([last?.events, last?.cpeRequests, last?.outcome], [["1 BOOT"], [], "completed"]);
    assert.notEqual(last?.session, replaced?.session);
    c.close();
  });
});

describe("the session log line of a session that timed out", () => {
  it("comes when housekeeping settles it, with the outcome timeout", async () => {
    const t = await acsWithLog({ cwmp: { sessionTimeout: 1 } }, 200);
    try {
      const c = t.cpe("LOG0003");
      await c.inform(["2 PERIODIC"]);
      const line = await eventually(() => t.sessionLines(c.deviceId)[0], "the session's line");
      assert.equal(line.outcome, "timeout");
      assert.deepEqual(line.events, ["2 PERIODIC"]);
      c.close();
    } finally {
      await t.stop();
    }
  });
});

describe("the envelopes held for sessions in progress", () => {
  it("stay within sessionHistory.maxHeldBytes however many sessions are left unfinished, and are freed as they end", async () => {
    const maxHeldBytes = 6000;
    const t = await acsWithLog({ cwmp: { sessionTimeout: 1 }, sessionHistory: { maxHeldBytes } }, 200);
    const store = t.acs.store;
    const rowOf = async (deviceId: string) => {
      const [summary] = await store.sessionHistory.list(deviceId, 1);
      return summary === undefined ? undefined : (await store.sessionHistory.get(deviceId, summary.sessionId))!;
    };
    try {
      // Sessions started and never finished (each Inform and its answer is a few kB): housekeeping
      // settles them when they time out, and each is written with what was held for it.
      const cpes = Array.from({ length: 8 }, (_, i) => t.cpe(`HELD${i}`));
      for (const c of cpes) assert.equal((await c.inform(["2 PERIODIC"])).status, 200);
      const rows = await eventually(async () => {
        const all = await Promise.all(cpes.map((c) => rowOf(c.deviceId)));
        return all.every((r) => r !== undefined) ? all.map((r) => r!) : undefined;
      }, "the sessions' rows");
      const kept = rows.flatMap((r) => r.envelopes ?? []).reduce((n, e) => n + Buffer.byteLength(e.protocol === "usp" ? e.msg : e.xml), 0);
      assert.ok(kept > 0 && kept <= maxHeldBytes, `${kept} bytes kept`);
      assert.ok(rows.some((r) => r.summary.envelopesDropped > 0), "the rest counted as dropped");
      assert.deepEqual(rows.map((r) => r.outcome), cpes.map(() => "timeout"));

      // Their share freed, a session has its envelopes kept again.
      const next = t.cpe("HELD-NEXT");
      await next.inform(["2 PERIODIC"]);
      assert.equal((await next.send(null)).status, 204);
      const row = await eventually(() => rowOf(next.deviceId), "the next session's row");
      assert.deepEqual([row.envelopes?.map((e) => e.direction), row.summary.envelopesDropped], [["received", "sent"], 0]);
      for (const c of [...cpes, next]) c.close();
    } finally {
      await t.stop();
    }
  });
});

describe("the log format", () => {
  function first(options: LoggerOptions & { tty: boolean }): string {
    const out: string[] = [];
    const log = createLogger("info", { format: options.format, out: { isTTY: options.tty, write: (l: string) => out.push(l) } });
    log.info({ deviceId: "00D09E-Box-1", events: ["1 BOOT"], outcome: "completed" }, "session");
    log.error({ err: new Error("it broke") }, "oops");
    return out.join("");
  }
  const readable = /^\d\d:\d\d:\d\d\.\d{3} INFO {2}session deviceId=00D09E-Box-1 events=\["1 BOOT"\] outcome=completed\n\d\d:\d\d:\d\d\.\d{3} ERROR oops\n {4}Error: it broke\n {8}at /;

  it("is readable on a terminal by default, JSON elsewhere", () => {
    assert.match(first({ tty: true }), readable);
    const json = first({ tty: false }).trim().split("\n").map((l) => JSON.parse(l) as Line);
    assert.deepEqual([json[0]?.msg, json[0]?.deviceId, json[1]?.msg, (json[1]?.err as { message: string }).message], ["session", "00D09E-Box-1", "oops", "it broke"]);
  });

  it("is what log.format asks for, whatever the output", () => {
    assert.doesNotThrow(() => first({ tty: true, format: "json" }).trim().split("\n").map((l) => JSON.parse(l) as unknown));
    assert.match(first({ tty: false, format: "pretty" }), readable);
  });
});
