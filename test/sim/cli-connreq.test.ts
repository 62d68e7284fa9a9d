// `provisio sim` with the connection-request options: --stun-* against the ACS's STUN server and
// --xmpp-* against a real prosody, as processes; and the options it refuses.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseHostPort, simulationOptions } from "../../src/cli/sim.js";
import { Cpe } from "../../src/sim/cpe.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { deviceIdOf } from "../../src/session/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { startProsody, type Prosody } from "../support/prosody.js";
import { runSimCli, simSummary } from "./support/runtime.js";

/** The flags commander would give for `provisio sim --acs URL` plus `extra`. */
function flags(extra: Record<string, unknown>): Parameters<typeof simulationOptions>[0] {
  return {
    acs: "http://127.0.0.1:7547/", devices: 2, model: "tr181-gateway", cwmpVersion: "1.4", jitter: 0, rebootTime: 5, connectionRequestPort: 0,
    connectionRequestHost: "127.0.0.1", saveInterval: 60, ramp: 0, concurrency: 256, timeout: 30, faultRate: 0, faultKinds: "drop", slowDelay: 2,
    seed: 0, udpMaxSockets: 10_000, udpMaxSkew: 300, xmppLogins: 16, ...extra,
  } as Parameters<typeof simulationOptions>[0];
}

describe("provisio sim: connection-request options", () => {
  it("--stun-* and --xmpp-* become every device's factory values, per device where they are patterns", () => {
    const o = simulationOptions(flags({
      stunServer: "192.0.2.10:3479", stunUsername: "s-{serial}", stunKeepalive: 45,
      xmppServer: "[2001:db8::1]", xmppDomain: "x.test", xmppUsername: "cpe-{index}", xmppPassword: "pw-{index}", xmppAllow: "acs@x.test",
      udpPortBase: 40000, udpMaxSockets: 5, udpMaxSkew: 0, xmppLogins: 3,
    }));
    const cpe = new Cpe(o.model, makeIdentity(o.model.identityDefaults, { acsUrl: o.acsUrl }, 1));
    const read = (p: string) => cpe.read(`Device.${p}`);
    assert.deepEqual(
      ["STUNEnable", "STUNServerAddress", "STUNServerPort", "STUNUsername", "STUNMaximumKeepAlivePeriod", "STUNMinimumKeepAlivePeriod", "ConnReqXMPPConnection", "ConnReqAllowedJabberIDs"].map((p) => read(`ManagementServer.${p}`)),
      ["true", "192.0.2.10", "3479", `s-${cpe.identity.serialNumber}`, "45", "30", "Device.XMPP.Connection.1", "acs@x.test"],
    );
    assert.deepEqual(
      ["Enable", "Username", "Password", "Domain", "Resource", "ServerConnectAlgorithm", "Server.1.ServerAddress", "Server.1.Port"].map((p) => read(`XMPP.Connection.1.${p}`)),
      ["true", "cpe-1", "pw-1", "x.test", "cwmp", "ServerTable", "2001:db8::1", "5222"],
    );
    assert.deepEqual(o.udp, { portBase: 40000, maxSockets: 5, maxClockSkewMs: 0 });
    assert.deepEqual(o.xmpp, { loginConcurrency: 3 });
  });

  it("refuses what cannot work, saying which option", () => {
    assert.throws(() => simulationOptions(flags({ stunUsername: "u" })), /--stun-username.*go with --stun-server/);
    assert.throws(() => simulationOptions(flags({ xmppServer: "x.test" })), /--xmpp-server needs --xmpp-password/);
    assert.throws(() => simulationOptions(flags({ xmppUsername: "u" })), /go with --xmpp-server/);
    assert.throws(() => parseHostPort("--stun-server", "host:99999", 3478), /--stun-server host:99999/);
    assert.throws(() => parseHostPort("--stun-server", "2001:db8::1:3478", 3478), /IPv6 address in brackets/);
    assert.deepEqual(parseHostPort("--stun-server", "[::1]:3", 1), { host: "::1", port: 3 });
    assert.deepEqual(parseHostPort("--stun-server", "stun.example.net", 3478), { host: "stun.example.net", port: 3478 });
  });
});

let prosody: Prosody;
before(async () => {
  prosody = await startProsody({ accounts: [{ user: "cli-sqlite-0", password: "pw-0" }, { user: "cli-sqlite-1", password: "pw-1" }, { user: "cli-postgres-0", password: "pw-0" }, { user: "cli-postgres-1", password: "pw-1" }] });
});
after(() => prosody?.stop());

forEachBackend((backend) => {
  describe("provisio sim with STUN and XMPP, as a process", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend, { settings: { stun: { enabled: true, host: "127.0.0.1", port: 0 } } });
    });
    after(() => t.stop());
    const base = () => ["--acs", t.url, "--username", t.username, "--password", t.password, "--devices", "2", "--json"];

    it("--stun-server: both devices learn their binding and report it (2 bootstraps, then 2 value changes)", async () => {
      const stun = t.acs.connectionRequests.stunAddress!;
      const r = await runSimCli([...base(), "--serial-prefix", `CS${backend.name[0]}`, "--sessions", "4", "--stun-server", `127.0.0.1:${stun.port}`, "--stun-username", "cli-{serial}"]);
      assert.equal(r.code, 0, r.stderr);
      const s = simSummary(r);
      assert.deepEqual(s.events, { "0 BOOTSTRAP": 2, "1 BOOT": 2, "4 VALUE CHANGE": 2 });
      assert.ok(s.stun!.bindingResponses >= 2);
      for (const serial of [`CS${backend.name[0]}000001`, `CS${backend.name[0]}000002`]) {
        const binding = t.acs.connectionRequests.stun!.binding(`cli-${serial}`);
        assert.ok(binding, `a binding for ${serial}`);
        const stored = await t.acs.store.parameters.get(deviceIdOf({ oui: "00D09E", productClass: "PG-4100", serialNumber: serial }), ["Device.ManagementServer.UDPConnectionRequestAddress"]);
        assert.equal(stored[0]?.value, `127.0.0.1:${binding.port}`);
      }
    });

    it("--xmpp-server: both devices log in and report their JID", async () => {
      const r = await runSimCli([
        ...base(), "--serial-prefix", `CX${backend.name[0]}`, "--sessions", "4",
        "--xmpp-server", `127.0.0.1:${prosody.port}`, "--xmpp-domain", prosody.domain, "--xmpp-username", `cli-${backend.name}-{index}`, "--xmpp-password", "pw-{index}",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const s = simSummary(r);
      assert.deepEqual(s.events, { "0 BOOTSTRAP": 2, "1 BOOT": 2, "4 VALUE CHANGE": 2 });
      assert.deepEqual([s.xmpp!.logins, s.xmpp!.loginFailures], [2, 0]);
      const stored = await t.acs.store.parameters.get(deviceIdOf({ oui: "00D09E", productClass: "PG-4100", serialNumber: `CX${backend.name[0]}000002` }), ["Device.ManagementServer.ConnReqJabberID"]);
      assert.equal(stored[0]?.value, `cli-${backend.name}-1@${prosody.domain}/cwmp`);
    });
  });
});
