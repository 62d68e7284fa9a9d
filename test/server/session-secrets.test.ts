// Secrets in a session's stored state: sealed on the way to the store, opened when taken up again.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { CwmpMessage } from "../../src/cwmp/index.js";
import type { SessionState } from "../../src/session/index.js";
import { SecretBox, SecretError } from "../../src/server/secrets.js";
import { openSessionState, sealSessionState } from "../../src/server/session-secrets.js";

const box = new SecretBox(randomBytes(32));

function state(over: Partial<SessionState> = {}): SessionState {
  return {
    v: 1, id: "s1", deviceId: "dev-1", ns: "1-2", cwmpVersion: "1.4", rootObject: "Device.", phase: "acs",
    startedAt: 0, lastActivityAt: 0, rpcCount: 1, pending: null, queued: [], settled: [], holding: false, cpeDone: true, acsDone: false,
    provisioning: null, ...over,
  } as SessionState;
}

const spv: CwmpMessage = {
  method: "SetParameterValues",
  parameterKey: "k",
  parameterList: [
    { name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", value: { type: "xsd:string", text: "wifi-secret" } },
    { name: "Device.WiFi.SSID.1.SSID", value: { type: "xsd:string", text: "home" } },
  ],
};
const download: CwmpMessage = {
  method: "Download", commandKey: "c", fileType: "1 Firmware Upgrade Image", url: "http://f/x", username: "u", password: "file-secret",
  fileSize: 1, targetFileName: "", delaySeconds: 0, successUrl: "", failureUrl: "",
};
const spvArgs = { parameterValues: [{ name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", value: "wifi-secret", type: "xsd:string" }] };

describe("session state secrets", () => {
  it("seals every secret a state holds (sent, queued, planned ahead, task arguments, values provisioning set) and opens them again", () => {
    const inner = state({ pending: { id: "2", request: download, origins: [{ taskId: "t2", name: "download", args: { password: "file-secret" }, state: null }] } });
    const s = state({
      pending: { id: "1", request: spv, origins: [{ taskId: "t1", name: "setParameterValues", args: spvArgs, state: null }] },
      queued: [{ request: download, origins: [] }],
      provisioning: {
        engine: { enumerated: [], refreshed: [], attempted: { "Device.ManagementServer.Password": "acs-secret", "Device.WiFi.SSID.1.SSID": "home" }, created: {}, failed: [], reported: [], alone: [], rpcs: 1 },
        done: false, faults: 0, calls: [],
      },
      ahead: inner,
    });
    const sealed = sealSessionState(box, s);
    const text = JSON.stringify(sealed);
    for (const secret of ["wifi-secret", "file-secret", "acs-secret"]) assert.ok(!text.includes(secret), `${secret} is sealed`);
    assert.ok(text.includes('"home"'), "what is not secret stays readable");
    assert.deepEqual(openSessionState(box, JSON.parse(text) as SessionState), s);
    // Sealing twice changes nothing more.
    assert.deepEqual(openSessionState(box, sealSessionState(box, sealed)), s);
  });

  it("leaves a state without secrets as it is (the same object), and does not open another device's secrets", () => {
    const reads = state({ pending: { id: "1", request: { method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.UpTime"] }, origins: [] } });
    assert.equal(sealSessionState(box, reads), reads);
    assert.equal(openSessionState(box, reads), reads);
    const sealed = sealSessionState(box, state({ pending: { id: "1", request: spv, origins: [] } }));
    assert.throws(() => openSessionState(box, { ...sealed, deviceId: "dev-2" }), SecretError);
  });
});
