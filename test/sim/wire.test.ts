// Every kind of envelope the simulated CPE writes, checked against the Broadband Forum schemas with
// ../shared/bbf/validate-cwmp (xmllint).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serializeEnvelope, type CwmpEnvelope, type CwmpMessage, type CwmpNamespaceVersion } from "../../src/cwmp/index.js";
import type { Cpe } from "../../src/sim/cpe.js";
import { bbfDir } from "../support/paths.js";
import { fromAcs, models, poweredOn, S, T0 } from "./support/harness.js";

function validate(envelopes: Array<[string, CwmpEnvelope]>): void {
  const dir = mkdtempSync(join(tmpdir(), "provisio-sim-wire-"));
  try {
    const files = envelopes.map(([name, env], i) => {
      const f = join(dir, `${String(i).padStart(2, "0")}-${name}.xml`);
      writeFileSync(f, serializeEnvelope(env));
      return f;
    });
    const r = spawnSync(join(bbfDir, "validate-cwmp"), files, { encoding: "utf8" });
    assert.equal(r.status, 0, `validate-cwmp: ${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Records what the CPE POSTs while a script of ACS messages plays. */
function record(cpe: Cpe, ns: CwmpNamespaceVersion, script: CwmpMessage[], now = T0): Array<[string, CwmpEnvelope]> {
  const out: Array<[string, CwmpEnvelope]> = [];
  const first = cpe.startSession(now);
  out.push(["Inform", first]);
  for (const m of [{ method: "InformResponse", maxEnvelopes: 1 } as CwmpMessage, ...script]) {
    const step = cpe.receive(fromAcs(m, ns), now);
    assert.equal(step.done, false, `session ended at ${m.method}`);
    if (!step.done && step.reply !== null) out.push([step.reply.body!.method, step.reply]);
  }
  assert.equal(cpe.receive(null, now).done, true);
  return out;
}

const everything = (root: string): CwmpMessage[] => [
  { method: "GetRPCMethods" },
  { method: "GetParameterValues", parameterNames: [""] },
  { method: "GetParameterNames", parameterPath: `${root}.`, nextLevel: false },
  { method: "GetParameterAttributes", parameterNames: [`${root}.DeviceInfo.`] },
  { method: "SetParameterValues", parameterKey: "k", parameterList: [S(`${root}.DeviceInfo.SerialNumber`, "x"), S(`${root}.Nope`, "y")] },
  { method: "SetParameterValues", parameterKey: "k", parameterList: [S(`${root}.ManagementServer.PeriodicInformInterval`, "600", "xsd:unsignedInt")] },
  { method: "SetParameterAttributes", parameterList: [{ name: `${root}.DeviceInfo.ProvisioningCode`, notificationChange: false, notification: 0, accessListChange: true, accessList: ["Subscriber"] }] },
  { method: "Download", commandKey: "d", fileType: "2 Web Content", url: "http://files.example.net/a", username: "", password: "", fileSize: 0, targetFileName: "", delaySeconds: 0, successUrl: "", failureUrl: "" },
  { method: "Upload", commandKey: "u", fileType: "2 Vendor Log File", url: "http://files.example.net/b", username: "", password: "", delaySeconds: 60 },
  { method: "GetQueuedTransfers" },
  { method: "ScheduleInform", delaySeconds: 10, commandKey: "s" },
  { method: "SetVouchers", voucherList: [] },
  { method: "GetOptions", optionName: "" },
  { method: "Reboot", commandKey: "r" },
];

test("the CPE's envelopes validate against the CWMP 1.0 schema (TR-098 device)", () => {
  const { cpe } = poweredOn({ model: models.tr098, cwmpVersion: "1.0" });
  const base = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.PortMapping.";
  validate(record(cpe, "1-0", [
    ...everything("InternetGatewayDevice"),
    { method: "AddObject", objectName: base, parameterKey: "a" },
    { method: "DeleteObject", objectName: base + "2.", parameterKey: "a" },
  ]));
});

test("the CPE's envelopes validate against the CWMP 1.1 and 1.4 schemas, TransferComplete and DUStateChangeComplete included", () => {
  const v11 = poweredOn({ cwmpVersion: "1.1" }).cpe;
  validate(record(v11, "1-1", [{ method: "GetAllQueuedTransfers" }, { method: "GetParameterNames", parameterPath: "", nextLevel: true }]));

  const { cpe } = poweredOn({ cwmpVersion: "1.4" });
  const envs = record(cpe, "1-2", [
    ...everything("Device"),
    { method: "AddObject", objectName: "Device.IP.Interface.", parameterKey: "a" },
    { method: "DeleteObject", objectName: "Device.IP.Interface.3.", parameterKey: "a" },
    { method: "GetAllQueuedTransfers" },
    {
      method: "ScheduleDownload", commandKey: "sd", fileType: "1 Firmware Upgrade Image", url: "http://files.example.net/fw-9.bin", username: "", password: "", fileSize: 0,
      targetFileName: "", timeWindowList: [{ windowStart: 0, windowEnd: 60, windowMode: "1 At Any Time", userMessage: "", maxRetries: -1 }],
    },
    { method: "CancelTransfer", commandKey: "sd" },
    { method: "CancelTransfer", commandKey: "none" },
    { method: "ChangeDUState", operations: [{ type: "Install", url: "http://apps.example.net/a-1.0.ipk" }, { type: "Uninstall", uuid: "bad" }], commandKey: "du" },
  ]);
  assert.ok(envs[0]![1].header.supportedCwmpVersions !== undefined);
  // After the reboot: the boot Inform, then the CPE's own requests.
  const down = cpe.nextDeadline()!;
  const boot = cpe.tick(down);
  const after = cpe.startSession(down);
  const first = cpe.receive(fromAcs({ method: "InformResponse", maxEnvelopes: 1 }), down);
  assert.equal(first.done, false);
  const requests: Array<[string, CwmpEnvelope]> = [["Inform", after]];
  let step: ReturnType<Cpe["receive"]> = first;
  while (!step.done && step.reply !== null) {
    requests.push([step.reply.body!.method, step.reply]);
    const m = step.reply.body!.method;
    step = cpe.receive(fromAcs({ method: m === "TransferComplete" ? "TransferCompleteResponse" : "DUStateChangeCompleteResponse" }), down);
  }
  assert.deepEqual(requests.map(([n]) => n), ["Inform", "DUStateChangeComplete"]);
  assert.equal(cpe.receive(null, down).done, true);
  // The download queued before the reboot runs after it; its TransferComplete follows.
  const job = boot.find((e) => e.kind === "transfer");
  assert.ok(job?.kind === "transfer");
  cpe.transferDone(down + 1000, job.job.id, { ok: false, faultCode: 9016, faultString: "unable to access file" });
  requests.push(["Inform", cpe.startSession(down + 1000)]);
  const tc = cpe.receive(fromAcs({ method: "InformResponse", maxEnvelopes: 1 }), down + 1000);
  assert.ok(!tc.done && tc.reply?.body?.method === "TransferComplete");
  requests.push(["TransferComplete", tc.reply]);
  validate([...envs, ...requests]);
});
