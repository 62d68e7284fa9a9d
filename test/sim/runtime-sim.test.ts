// The runtime against a small scripted ACS: sessions over real HTTP, the TR-069 retry back-off with
// RetryCount on a moved clock, the bound on sessions in flight, the ramp, a mix of CWMP versions, and
// the cpe-fault and slow fault injections seen from the ACS's side.

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { parseCwmp, parseDateTime, serializeEnvelope, type CwmpEnvelope, type CwmpMessage } from "../../src/cwmp/index.js";
import { ManualClock, startSimulation, type Simulation, type SimulationOptions } from "../../src/sim/runtime/index.js";
import { models } from "./support/harness.js";
import { eventCodes, sessionWhere, sessionsWhere } from "./support/runtime.js";

interface Seen {
  serial: string;
  ns: string;
  currentTime: number;
  retryCount: number;
  events: string[];
}

/** A scripted ACS: InformResponse, then optionally one GetParameterValues, then 204. */
class FakeAcs {
  mode: "ok" | "busy" = "ok";
  askGpv = false;
  delayMs = 0;
  readonly informs: Seen[] = [];
  readonly answers: CwmpEnvelope[] = [];
  open = 0;
  maxOpen = 0;
  private server!: Server;
  private readonly sessions = new Map<string, { gpvSent: boolean }>();
  private next = 0;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/acs`;
  }

  private reply(res: ServerResponse, status: number, env?: CwmpEnvelope, headers: Record<string, string> = {}): void {
    const body = env === undefined ? "" : serializeEnvelope(env);
    setTimeout(() => {
      res.writeHead(status, { "Content-Type": 'text/xml; charset="utf-8"', "Content-Length": String(Buffer.byteLength(body)), ...headers });
      res.end(body);
    }, this.delayMs);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      const env = text === "" ? null : parseCwmp(text).envelopes[0]!;
      const sid = /sid=(\w+)/.exec(req.headers.cookie ?? "")?.[1];
      if (env?.body?.method === "Inform") {
        const inform = env.body;
        this.informs.push({
          serial: inform.deviceId.serialNumber, ns: env.ns, currentTime: parseDateTime(inform.currentTime)!.getTime(), retryCount: inform.retryCount,
          events: inform.event.map((e) => e.eventCode),
        });
        if (this.mode === "busy") return this.reply(res, 503, undefined, { "Retry-After": "5" });
        const id = `s${++this.next}`;
        this.sessions.set(id, { gpvSent: false });
        this.open++;
        this.maxOpen = Math.max(this.maxOpen, this.open);
        return this.reply(res, 200, { ns: env.ns, header: { id: env.header.id ?? "1" }, body: { method: "InformResponse", maxEnvelopes: 1 } }, { "Set-Cookie": `sid=${id}` });
      }
      const s = sid === undefined ? undefined : this.sessions.get(sid);
      if (s === undefined) return this.reply(res, 400);
      if (env !== null) this.answers.push(env);
      if (this.askGpv && !s.gpvSent) {
        s.gpvSent = true;
        const gpv: CwmpMessage = { method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.SoftwareVersion"] };
        return this.reply(res, 200, { ns: "1-2", header: { id: "gpv-1" }, body: gpv });
      }
      this.sessions.delete(sid!);
      this.open--;
      this.reply(res, 204);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe("the runtime against a scripted ACS", () => {
  let acs: FakeAcs;
  const sims: Simulation[] = [];
  before(async () => {
    acs = new FakeAcs();
    await acs.start();
  });
  after(async () => {
    for (const s of sims) await s.stop();
    await acs.close();
  });
  const start = async (o: Partial<SimulationOptions>): Promise<Simulation> => {
    const sim = await startSimulation({ acsUrl: acs.url, devices: 1, model: models.tr181, connectionRequests: false, ...o });
    sims.push(sim);
    return sim;
  };

  it("retries a failed session with the TR-069 back-off, counting RetryCount, and clears it on success", async () => {
    acs.mode = "busy";
    const t0 = Date.parse("2025-03-01T12:00:00Z");
    const clock = new ManualClock(t0);
    const sim = await start({ clock, identity: { serialPrefix: "RETRY" } });
    const failure = await sessionWhere(sim, (r) => !r.ok);
    assert.equal(failure.cause, "http-503");
    const mine = () => acs.informs.filter((i) => i.serial === "RETRY000001");
    assert.deepEqual(mine().map((i) => [i.retryCount, i.currentTime]), [[0, t0]]);

    // CWMPRetryMinimumWaitInterval 5 s and multiplier 2000: the first retry within 5..10 s, the second 10..20 s later.
    let p = sessionWhere(sim, () => true);
    clock.advance(10_000);
    await p;
    const r1 = mine()[1]!;
    assert.equal(r1.retryCount, 1);
    assert.ok(r1.currentTime >= t0 + 5_000 && r1.currentTime <= t0 + 10_000, `first retry ${r1.currentTime - t0} ms after`);
    p = sessionWhere(sim, () => true);
    clock.advance(20_000);
    await p;
    const r2 = mine()[2]!;
    assert.equal(r2.retryCount, 2);
    assert.ok(r2.currentTime - r1.currentTime >= 9_000 && r2.currentTime - r1.currentTime <= 21_000, `second retry ${r2.currentTime - r1.currentTime} ms after the first`);
    assert.deepEqual(r2.events, ["0 BOOTSTRAP", "1 BOOT"], "the events wait for a session that delivers them");

    acs.mode = "ok";
    p = sessionWhere(sim, (r) => r.ok);
    clock.advance(40_000);
    const ok = await p;
    assert.deepEqual(eventCodes(ok), ["0 BOOTSTRAP", "1 BOOT"]);
    assert.equal(mine()[3]!.retryCount, 3);
    assert.equal(sim.stats().failures["http-503"], 3);
    // The next session (the periodic one, an hour later) starts again from RetryCount 0.
    p = sessionWhere(sim, (r) => r.ok);
    clock.advance(3_600_000);
    await p;
    assert.deepEqual([mine()[4]!.retryCount, mine()[4]!.events], [0, ["2 PERIODIC"]]);
    await sim.stop();
  });

  it("keeps at most `concurrency` sessions in flight, and gives devices their CWMP versions in turn", async () => {
    acs.mode = "ok";
    acs.delayMs = 25;
    acs.maxOpen = 0;
    const sim = await start({ devices: 20, concurrency: 3, cwmpVersion: ["1.0", "1.4"], identity: { serialPrefix: "CONC" } });
    await sessionsWhere(sim, 20, (r) => r.ok);
    acs.delayMs = 0;
    assert.equal(acs.maxOpen, 3);
    const ns = new Map(acs.informs.filter((i) => i.serial.startsWith("CONC")).map((i) => [i.serial, i.ns]));
    assert.equal(ns.get("CONC000001"), "1-0");
    assert.equal(ns.get("CONC000002"), "1-2");
    assert.equal([...ns.values()].filter((v) => v === "1-0").length, 10);
    const s = await sim.stop();
    assert.equal(s.sessions.completed, 20);
    assert.equal(s.sessions.failed, 0);
    assert.equal(s.ended, "stopped");
  });

  it("spreads the devices' power-on over the ramp", async () => {
    const t0 = Date.parse("2025-03-02T00:00:00Z");
    const clock = new ManualClock(t0);
    const sim = await start({ devices: 10, rampMs: 10_000, clock, identity: { serialPrefix: "RAMP" } });
    const all = sessionsWhere(sim, 10, (r) => r.ok);
    for (let k = 0; k < 10; k++) {
      // Let what is due now run before time moves on.
      await new Promise((r) => setImmediate(r));
      clock.advance(1_000);
    }
    await all;
    const times = acs.informs.filter((i) => i.serial.startsWith("RAMP")).sort((a, b) => a.serial.localeCompare(b.serial)).map((i) => i.currentTime - t0);
    assert.deepEqual(times, [0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000]);
    await sim.stop();
  });

  it("answers the ACS's first request with a CPE fault under cpe-fault, and delays under slow; both sessions complete", async () => {
    acs.askGpv = true;
    acs.answers.length = 0;
    const clean = await start({ identity: { serialPrefix: "GPV" }, maxSessions: 1 });
    await clean.finished;
    assert.equal(acs.answers[0]?.body?.method, "GetParameterValuesResponse");
    assert.equal(acs.answers[0]?.header.id, "gpv-1");

    acs.answers.length = 0;
    const faulty = await start({ identity: { serialPrefix: "CPEF" }, faults: { rate: 1, kinds: ["cpe-fault"] }, maxSessions: 1 });
    const s = await faulty.finished;
    const fault = acs.answers[0]!;
    assert.equal(fault.body?.method, "Fault");
    assert.equal(fault.body?.method === "Fault" ? fault.body.detail.faultCode : 0, 9002);
    assert.equal(fault.header.id, "gpv-1");
    assert.deepEqual([s.sessions.completed, s.faultsInjected], [1, { "cpe-fault": 1 }]);

    const slow = await start({ identity: { serialPrefix: "SLOW" }, faults: { rate: 1, kinds: ["slow"], slowMs: 20 }, maxSessions: 1 });
    const t = await slow.finished;
    assert.deepEqual([t.sessions.completed, t.faultsInjected], [1, { slow: 1 }]);
    acs.askGpv = false;
  });

  it("refuses options that cannot work, before starting anything", async () => {
    const bad = (o: Partial<SimulationOptions>) => startSimulation({ acsUrl: acs.url, devices: 1, model: models.tr181, connectionRequests: false, ...o });
    await assert.rejects(bad({ acsUrl: "ftp://x/" }), /must be http: or https:/);
    await assert.rejects(bad({ devices: 0 }), /positive integer/);
    await assert.rejects(bad({ cwmpVersion: ["1.5" as "1.4"] }), /CWMP version "1.5"/);
    await assert.rejects(bad({ faults: { rate: 2 } }), /between 0 and 1/);
    await assert.rejects(bad({ identity: { oui: "XYZ" } }), /OUI "XYZ" is not six hex digits/);
  });
});
