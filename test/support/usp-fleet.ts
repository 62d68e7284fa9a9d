// What the USP tests over the loopback MTP and over WebSocket share: an agent's parameters, its
// onboarding, tasks through the REST API waited on until they settle, and the task kinds every USP device
// must run (get, set, add, delete, reboot).

import assert from "node:assert/strict";
import type { AgentMtp } from "../../src/mtp/types.js";
import type { HttpApi } from "../e2e/support.js";
import { eventually } from "../nbi/support.js";
import { TestAgent, type TestAgentOptions } from "./usp-agent.js";

export const CONTROLLER = "proto::provisio";

export function agentParams(productClass: string, serial: string): Record<string, string> {
  return {
    "Device.DeviceInfo.Manufacturer": "Acme",
    "Device.DeviceInfo.ManufacturerOUI": "00D09E",
    "Device.DeviceInfo.ProductClass": productClass,
    "Device.DeviceInfo.SerialNumber": serial,
    "Device.DeviceInfo.SoftwareVersion": "1.0.0",
    "Device.DeviceInfo.HardwareVersion": "rev-a",
    "Device.LocalAgent.EndpointID": `os::00D09E-${productClass}-${serial}`,
    "Device.WiFi.SSID.1.SSID": "factory",
    "Device.WiFi.SSID.1.Enable": "true",
    "Device.WiFi.SSID.1.BSSID": "00:11:22:33:44:55",
    "Device.ManagementServer.PeriodicInformInterval": "3600",
    "Device.LocalAgent.Subscription.": "",
  };
}

/**
 * An agent of `00D09E-<productClass>-<serial>` connected through `mtp` that onboards (OnBoardRequest);
 * resolves once its first session ended with the controller's subscriptions made.
 */
export async function onboardAgent(mtpFor: (endpointId: string) => AgentMtp, productClass: string, serial: string, o: Partial<TestAgentOptions> = {}): Promise<{ agent: TestAgent; id: string }> {
  const endpointId = `os::00D09E-${productClass}-${serial}`;
  const agent = new TestAgent(mtpFor(endpointId), { endpointId, controllerId: CONTROLLER, params: agentParams(productClass, serial), ...o });
  await agent.connect();
  await agent.notify({ notification: "onBoardReq", onBoardReq: { oui: "00D09E", productClass, serialNumber: serial, agentSupportedProtocolVersions: "1.4" } });
  await eventually(() => ([...agent.params.values()].includes("provisio-operation-complete") ? true : undefined), "the controller's subscriptions", 90_000);
  return { agent, id: `00D09E-${productClass}-${serial}` };
}

/** A task made through the API with a wake, once it is neither pending nor waiting. */
export async function settledTask(api: HttpApi, deviceId: string, name: string, args: unknown, wait = 60): Promise<{ id: string; status: string; lastFault: { code: string; message: string } | null; [k: string]: unknown }> {
  const r = await api.post(`/api/devices/${deviceId}/tasks`, { name, args, connectionRequest: true, ...(wait > 0 ? { wait } : {}) });
  assert.ok(r.status === 200 || r.status === 201 || r.status === 202, JSON.stringify(r.body));
  return eventually(async () => {
    const t = (await api.get(`/api/tasks/${r.body.id}`)).body;
    return t.status === "pending" || t.status === "waiting" ? undefined : t;
  }, `task ${name}`, 90_000);
}

/** getParameterValues, setParameterValues, addObject, deleteObject and reboot run on the agent and are done. */
export async function runTaskKinds(api: HttpApi, agent: TestAgent, deviceId: string): Promise<void> {
  const done = async (name: string, args: unknown) => {
    const t = await settledTask(api, deviceId, name, args);
    assert.equal(t.status, "done", JSON.stringify(t));
  };
  await done("getParameterValues", { parameterNames: ["Device.ManagementServer.PeriodicInformInterval"] });
  assert.deepEqual(agent.requests("get").at(-1)?.paramPaths, ["Device.ManagementServer.PeriodicInformInterval"]);
  await done("setParameterValues", { parameterValues: [{ name: "Device.ManagementServer.PeriodicInformInterval", value: 300 }] });
  assert.equal(agent.params.get("Device.ManagementServer.PeriodicInformInterval"), "300");
  await done("addObject", { objectName: "Device.WiFi.SSID." });
  assert.ok(agent.params.has("Device.WiFi.SSID.2."));
  await done("deleteObject", { objectName: "Device.WiFi.SSID.2." });
  assert.ok(!agent.params.has("Device.WiFi.SSID.2."));
  await done("reboot", {});
  assert.equal(agent.requests("operate").at(-1)?.command, "Device.Reboot()");
}
