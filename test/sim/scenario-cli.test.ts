// `provisio sim --scenario FILE` as a process against the ACS (both backends): timed steps raise an
// expedited alarm, change a forced-active value, silence and resume a device and reboot one, and the
// ACS sees each; a scenario that cannot work is refused before the run, with where and why.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadModel, parseScenario, SimSetupError } from "../../src/sim/runtime/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { runSimCli, simSummary } from "./support/runtime.js";

const FM = "Device.FaultMgmt.";

forEachBackend((backend) => {
  describe("provisio sim --scenario", () => {
    let t: TestAcs;
    let dir: string;
    before(async () => {
      t = await startTestAcs(backend);
      dir = mkdtempSync(join(tmpdir(), "provisio-sim-scenario-"));
    });
    after(async () => {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const file = (name: string, content: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
      return path;
    };

    it("drives devices through alarms, value changes, silence and a reboot; the ACS sees each", async () => {
      const scenario = file("health.json", {
        steps: [
          { at: 2, device: 0, raise: { eventType: "Communications Alarm", probableCause: "Loss of signal", specificProblem: "WAN link down" } },
          { at: 2, device: 1, silence: true },
          { at: 2, device: 1, set: { "Device.DeviceInfo.ProvisioningCode": "from-scenario" } },
          { at: 2, device: 1, clear: { eventType: "Environmental Alarm", probableCause: "Temperature unacceptable" } },
          { at: 3, device: 1, resume: true },
          { at: 3, device: 0, reboot: true },
        ],
      });
      // 2 bootstraps, device 0's alarm, device 1's value change once resumed, device 0's 1 BOOT.
      const r = await runSimCli(["--acs", t.url, "--username", t.username, "--password", t.password, "-n", "2", "--serial-prefix", "SCN", "--reboot-time", "1",
        "--scenario", scenario, "--sessions", "5", "--duration", "120", "--json"], 150_000);
      assert.equal(r.code, 0, r.stderr);
      const s = simSummary(r);
      assert.equal(s.ended, "sessions");
      assert.deepEqual([s.sessions.completed, s.sessions.failed], [5, 0]);
      assert.deepEqual(s.events, { "0 BOOTSTRAP": 2, "1 BOOT": 3, "4 VALUE CHANGE": 2 });
      assert.equal(s.reboots, 1);
      // A step a running device refuses is a warning; the run goes on.
      assert.match(r.stderr, /scenario step 4 \(at 2 s\), device 1: no current alarm "Environmental Alarm"/);

      const devices = (await t.acs.store.devices.list({})).filter((d) => d.serialNumber.startsWith("SCN")).sort((a, b) => a.serialNumber.localeCompare(b.serialNumber));
      assert.equal(devices.length, 2);
      const value = async (i: number, path: string) => (await t.acs.store.parameters.get(devices[i]!.id, [path]))[0]?.value;
      assert.equal(await value(0, `${FM}ExpeditedEvent.1.ProbableCause`), "Loss of signal");
      assert.equal(await value(1, "Device.DeviceInfo.ProvisioningCode"), "from-scenario");
    });

    it("refuses a scenario that cannot work before the run: exit 2, the step and the reason", async () => {
      const cases: Array<[unknown, RegExp]> = [
        ["{ not json", /not JSON/],
        [{ steps: [{ at: 1, set: { "Device.No.Such": "1" } }] }, /step 1: the model tr181-gateway has no parameter Device\.No\.Such/],
        [{ steps: [{ at: 1, device: 5, reboot: true }] }, /step 1: no device 5: indexes go from 0 to 1/],
        [{ steps: [{ at: 1, reboot: true }, { at: -1, silence: true }] }, /step 2: "at" must be a number of seconds/],
        [{ steps: [{ at: 1, raise: { eventType: "Equipment Alarm", probableCause: "x", perceivedSeverity: "Awful" } }] }, /perceivedSeverity "Awful" is not one of/],
        [{ steps: [{ at: 1, reboot: true, silence: true }] }, /exactly one of set, raise, clear, silence, resume, reboot/],
        [{ steps: [{ at: 1, reboot: true, when: 3 }] }, /unknown field "when"/],
      ];
      for (const [content, message] of cases) {
        const r = await runSimCli(["--acs", t.url, "-n", "2", "--scenario", file("bad.json", content), "--duration", "1"]);
        assert.equal(r.code, 2, `${JSON.stringify(content)}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.match(r.stderr, /^provisio sim: --scenario .*bad\.json: /);
      }
      const missing = await runSimCli(["--acs", t.url, "--scenario", join(dir, "none.json")]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--scenario .*none\.json: ENOENT/);
    });

    it("a model without FaultMgmt refuses alarm steps", () => {
      const model = loadModel({ builtin: "tr098-gateway" });
      const text = JSON.stringify({ steps: [{ at: 1, raise: { eventType: "a", probableCause: "b" } }] });
      assert.throws(() => parseScenario(text, model, 1), (e: unknown) => e instanceof SimSetupError && /has no FaultMgmt alarms/.test(e.message));
      const ok = parseScenario(JSON.stringify({ steps: [{ at: 1.5, devices: [0], set: { "InternetGatewayDevice.DeviceInfo.ProvisioningCode": 7 } }] }), model, 1);
      assert.deepEqual(ok.steps, [{ atMs: 1500, devices: [0], action: { kind: "set", values: [["InternetGatewayDevice.DeviceInfo.ProvisioningCode", "7"]] } }]);
    });
  });
});
