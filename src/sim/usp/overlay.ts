// The USP flavour of a TR-181 device model. TR-181 for USP differs from the CWMP one: no
// ManagementServer (the agent's side is Device.LocalAgent.), diagnostics are commands instead of
// objects with a DiagnosticsState, firmware lives in Device.DeviceInfo.FirmwareImage.{i}. with
// Download() and Activate(). The overlay rewrites a ModelSource accordingly; the commands and events
// themselves are in supported.ts. Names and types follow tr-181-2-16-0-usp-full.xml.

import { boolW, dyn, ident, ModelBuilder, str, strW, time, uint, uintW } from "../models/dsl.js";
import { uptime } from "../models/generators.js";
import type { ModelSource } from "../source.js";
import { SimError } from "../errors.js";

/** The TR-369 versions the simulated agents speak. */
export const AGENT_PROTOCOL_VERSIONS = "1.3,1.4";

export const NOTIF_TYPES = ["ValueChange", "ObjectCreation", "ObjectDeletion", "OperationComplete", "Event", "OnBoardRequest"] as const;
export type NotifType = (typeof NOTIF_TYPES)[number];

export interface OverlayOptions {
  /** The controller the agent leaves the factory knowing (Device.LocalAgent.Controller.1.EndpointID). */
  controllerId: string;
}

/** The agent's endpoint id from its identity: `os::<OUI>-<ProductClass>-<SerialNumber>` (ProductClass may be empty). */
export function agentEndpointId(id: { oui: string; productClass: string; serialNumber: string }): string {
  return id.productClass === "" ? `os::${id.oui}-${id.serialNumber}` : `os::${id.oui}-${id.productClass}-${id.serialNumber}`;
}

/** A TR-181 source rewritten for USP. Throws SimError for a source that is not a TR-181 (Device.) one. */
export function withUspOverlay(source: ModelSource, o: OverlayOptions): ModelSource {
  const first = source.objects[0]?.path ?? source.parameters[0]?.path ?? "";
  if (!first.startsWith("Device.")) throw new SimError("SIM_MODEL_INVALID", `USP agents need a TR-181 (Device.) model; ${source.name} is not one`);
  // The CWMP diagnostics' objects (the parents of their DiagnosticsState) become commands.
  const dropped = ["Device.ManagementServer.", ...(source.diagnostics ?? []).map((d) => d.statePath.slice(0, d.statePath.lastIndexOf(".") + 1))];
  const keep = (path: string) => !dropped.some((d) => path.startsWith(d));
  const b = new ModelBuilder("Device");
  b.obj("DeviceInfo.", {
    ActiveFirmwareImage: str("Device.DeviceInfo.FirmwareImage.1"),
    BootFirmwareImage: strW("Device.DeviceInfo.FirmwareImage.1"),
    FirmwareImageNumberOfEntries: uint(),
  });
  b.obj("DeviceInfo.FirmwareImage.{i}.", {
    Alias: strW("", { maxLen: 64 }),
    Name: str("", { maxLen: 64 }),
    Version: str("", { maxLen: 64 }),
    Available: boolW("false"),
    Status: str("NoImage", { enum: ["NoImage", "Active", "Downloading", "Validating", "Available", "DownloadFailed", "ValidationFailed", "InstallationFailed", "ActivationFailed"] }),
    BootFailureLog: str(""),
  });
  b.rows("DeviceInfo.FirmwareImage.", [{ Name: "factory", Version: "4.2.1", Available: "true", Status: "Active" }, {}]);
  b.obj("LocalAgent.", {
    EndpointID: str(ident((id) => agentEndpointId(id))),
    SoftwareVersion: str("4.2.1"),
    UpTime: uint(dyn(uptime), { notify: "canDeny" }),
    SupportedProtocols: str("WebSocket,MQTT", { list: true }),
    MTPNumberOfEntries: uint(),
    ControllerNumberOfEntries: uint(),
    SubscriptionNumberOfEntries: uint(),
    RequestNumberOfEntries: uint(),
  });
  b.obj("LocalAgent.Controller.{i}.", {
    Alias: strW("", { maxLen: 64 }),
    EndpointID: strW("", { maxLen: 256 }),
    Enable: boolW("true"),
    AssignedRole: strW("", { list: true }),
    ProvisioningCode: strW("", { maxLen: 64 }),
    PeriodicNotifInterval: uintW("86400", { min: 1 }),
    PeriodicNotifTime: time("0001-01-01T00:00:00Z"),
    USPNotifRetryMinimumWaitInterval: uintW("5", { min: 1, max: 65535 }),
    USPNotifRetryIntervalMultiplier: uintW("2000", { min: 1000, max: 65535 }),
  }, { writable: true, maxEntries: 8 });
  b.rows("LocalAgent.Controller.", [{ EndpointID: o.controllerId, Enable: "true" }]);
  b.obj("LocalAgent.Subscription.{i}.", {
    Alias: strW("", { maxLen: 64 }),
    Enable: boolW("false"),
    Recipient: str(""),
    ID: strW("", { maxLen: 64 }),
    CreationDate: time("0001-01-01T00:00:00Z"),
    NotifType: strW("ValueChange", { enum: NOTIF_TYPES }),
    ReferenceList: strW("", { list: true }),
    Persistent: boolW("false"),
    TimeToLive: uintW("0"),
    NotifRetry: boolW("false"),
    NotifExpiration: uintW("0"),
  }, { writable: true, maxEntries: 256 });
  b.obj("LocalAgent.Request.{i}.", {
    Alias: strW("", { maxLen: 64 }),
    Originator: str(""),
    Command: str(""),
    CommandKey: str(""),
    Status: str("Requested", { enum: ["Requested", "Active", "Canceling", "Canceled", "Success", "Error"] }),
  });
  // NSLookupDiagnostics() belongs to this object, which the CWMP model declares only as its object's parent.
  b.obj("DNS.Diagnostics.", {});
  const overlay = b.build("usp-overlay", source.identity ?? { manufacturer: "Provisio", oui: "000000", productClass: source.name, serialPrefix: "SIM" });
  const has = new Set([...source.objects.map((x) => x.path), ...source.parameters.map((x) => x.path)]);
  return {
    name: source.name,
    objects: [...source.objects.filter((x) => keep(x.path)), ...overlay.objects.filter((x) => !has.has(x.path) || x.path.endsWith("."))],
    parameters: [...source.parameters.filter((x) => keep(x.path)), ...overlay.parameters.filter((x) => !has.has(x.path))],
    diagnostics: [],
    ...(source.identity !== undefined ? { identity: source.identity } : {}),
  };
}
