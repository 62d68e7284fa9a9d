// `provisio sim` as a process against the ACS, the state folder across restarts, and HTTPS with a client
// certificate; on both storage backends.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, SimSetupError, startSimulation } from "../../src/sim/runtime/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { createTestPki, type TestPki } from "../support/certs.js";
import { forEachBackend } from "../support/pg.js";
import { connectionRequest, eventCodes, runSimCli, sessionWhere, sessionsWhere, simSummary } from "./support/runtime.js";

forEachBackend((backend) => {
  describe("provisio sim, state and HTTPS", () => {
    let t: TestAcs;
    let pki: TestPki;
    let dir: string;
    before(async () => {
      pki = createTestPki();
      t = await startTestAcs(backend, {
        settings: { cwmp: { httpsPort: 0, tlsCert: pki.server.certFile, tlsKey: pki.server.keyFile, tlsClientCa: pki.ca.certFile, tlsClientIdentity: "serialNumber" } },
      });
      dir = mkdtempSync(join(tmpdir(), "provisio-sim-state-"));
    });
    after(async () => {
      await t.stop();
      pki.remove();
      rmSync(dir, { recursive: true, force: true });
    });

    it("runs --devices 5 --sessions 5 --json, exits 0 and prints the summary", async () => {
      const r = await runSimCli(["--acs", t.url, "--username", t.username, "--password", t.password, "--devices", "5", "--sessions", "5", "--json", "--serial-prefix", "CLI", "--cwmp-version", "mix"]);
      assert.equal(r.code, 0, r.stderr);
      const s = simSummary(r);
      assert.equal(s.ended, "sessions");
      assert.deepEqual(s.devices, { total: 5, poweredOn: 5, up: 5 });
      assert.deepEqual([s.sessions.completed, s.sessions.failed, s.sessions.inFlight], [5, 0, 0]);
      assert.deepEqual(s.failures, {});
      assert.deepEqual(s.events, { "0 BOOTSTRAP": 5, "1 BOOT": 5 });
      for (const l of [s.latencyMs.session, s.latencyMs.http]) {
        assert.deepEqual(Object.keys(l), ["count", "mean", "min", "p50", "p90", "p95", "p99", "max"]);
        assert.ok(l.count >= 5 && l.p50 > 0 && l.p50 <= l.p99 && l.p99 <= l.max);
      }
      assert.ok(s.memory.rssBytes > 0 && s.memory.heapUsedBytes > 0);
      assert.ok(s.durationMs > 0);
      assert.deepEqual(Object.keys(s).sort(), ["connectionRequests", "devices", "durationMs", "ended", "events", "factoryResets", "failures", "faultsInjected", "latencyMs", "memory", "reboots", "sessions", "stun", "transfers", "xmpp"]);
      const registered = await t.acs.store.devices.list({});
      const mine = registered.filter((x) => x.serialNumber.startsWith("CLI"));
      assert.equal(mine.length, 5);
      assert.deepEqual(new Set(mine.map((x) => x.cwmpNamespace)), new Set(["1-0", "1-1", "1-2"]));
    });

    it("keeps devices across runs with --state: no second bootstrap", async () => {
      const state = join(dir, "cli");
      const args = ["--acs", t.url, "--username", t.username, "--password", t.password, "--devices", "3", "--sessions", "3", "--json", "--serial-prefix", "KEEP", "--state", state];
      const first = await runSimCli(args);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(simSummary(first).events["0 BOOTSTRAP"], 3);
      assert.ok(existsSync(join(state, "simulation.json")));
      assert.equal(readFileSync(join(state, "devices.jsonl"), "utf8").trim().split("\n").length, 3);
      const second = await runSimCli(args);
      assert.equal(second.code, 0, second.stderr);
      const s = simSummary(second);
      assert.equal(s.events["0 BOOTSTRAP"], undefined);
      assert.equal(s.events["1 BOOT"], 3);
      const wrong = await runSimCli([...args, "--model", "tr098-gateway"]);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /is for the model "tr181-gateway"/);
    });

    it("exits 2 with a clear message on setup errors", async () => {
      const missing = await runSimCli(["--acs", t.url, "--data-model", join(dir, "nope.csv")]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /provisio sim: .*nope\.csv.*cannot read/);
      const version = await runSimCli(["--acs", t.url, "--cwmp-version", "1.9"]);
      assert.equal(version.code, 2);
      assert.match(version.stderr, /--cwmp-version 1\.9/);
      const url = await runSimCli(["--acs", "not a url"]);
      assert.equal(url.code, 2);
      assert.match(url.stderr, /is not a URL/);
    });

    it("restored devices keep the values the ACS set, and the state folder belongs to one model", async () => {
      const state = join(dir, "lib");
      const model = loadModel({ builtin: "tr181-gateway" });
      const options = { acsUrl: t.url, devices: 3, model, identity: { acsUsername: t.username, acsPassword: t.password, serialPrefix: "LIB" }, stateDir: state };
      const a = await startSimulation(options);
      await sessionsWhere(a, 3, (r) => r.ok && eventCodes(r).includes("0 BOOTSTRAP"));
      const task = await t.acs.tasks.create(deviceIdOf(a.devices[0]!.identity), "setParameterValues", { parameterValues: [{ name: "Device.WiFi.SSID.1.SSID", value: "kept", type: "xsd:string" }] });
      const woken = sessionWhere(a, (r) => r.device === 0 && eventCodes(r).includes("6 CONNECTION REQUEST"));
      await connectionRequest(a.connectionRequestUrl(0), a.devices[0]!.cpe.connectionRequestCredentials);
      await woken;
      assert.equal((await t.acs.tasks.waitFor(task.id, 5_000))!.status, "done");
      await a.stop();

      const b = await startSimulation(options);
      const again = await sessionsWhere(b, 3, (r) => r.ok);
      for (const r of again) {
        assert.ok(eventCodes(r).includes("1 BOOT"));
        assert.ok(!eventCodes(r).includes("0 BOOTSTRAP"));
      }
      assert.equal(b.devices[0]!.cpe.read("Device.WiFi.SSID.1.SSID"), "kept");
      assert.notEqual(b.devices[1]!.cpe.read("Device.WiFi.SSID.1.SSID"), "kept");
      await b.stop();
      await assert.rejects(startSimulation({ ...options, model: loadModel({ builtin: "tr098-gateway" }) }), (e: unknown) => e instanceof SimSetupError && e.code === "SIM_STATE_DIR");
    });

    it("speaks HTTPS with a trusted CA and a client certificate that names the device", async () => {
      const cert = pki.client("TLS000001");
      const sim = await startSimulation({
        acsUrl: `https://127.0.0.1:${t.acs.cwmpsPort}/`,
        devices: 1,
        model: loadModel({ builtin: "tr181-gateway" }),
        // No HTTP credentials the ACS knows: the certificate alone lets the device in.
        identity: { serialPrefix: "TLS" },
        tls: { ca: pki.ca.cert, cert: cert.cert, key: cert.key },
        maxSessions: 1,
        connectionRequests: false,
      });
      const s = await sim.finished;
      assert.deepEqual([s.sessions.completed, s.sessions.failed], [1, 0]);
      assert.ok(await t.acs.store.devices.get(deviceIdOf(sim.devices[0]!.identity)));

      const untrusted = await startSimulation({ acsUrl: `https://127.0.0.1:${t.acs.cwmpsPort}/`, devices: 1, model: loadModel({ builtin: "tr181-gateway" }), identity: { serialPrefix: "NOCA" }, maxSessions: 1, connectionRequests: false });
      const u = await untrusted.finished;
      assert.deepEqual(u.failures, { tls: 1 });
    });
  });
});
