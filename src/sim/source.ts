// What a simulated device is instantiated from: a flat list of objects and parameters.
//
// This is the seam between the simulator and whatever describes a device: the built-in models
// (models/), a Broadband Forum data-model XML file, or a device dump (CSV/JSON). A loader only has
// to produce a ModelSource; compileModel (model.ts) turns it into the shared, immutable structure
// that thousands of devices point to.
//
// Paths come in two forms, and a source may mix them:
// - template paths, with "{i}" for each instance number ("Device.IP.Interface.{i}.Enable"): they
//   describe what AddObject creates (the BBF XML gives only these);
// - concrete paths ("Device.IP.Interface.1.Enable"): they describe the instances a device has when
//   it leaves the factory, with their values (a device dump gives only these; templates are then
//   inferred from the first instance of each table).

import type { XsdType } from "../cwmp/index.js";

/** The data model's activeNotify attribute: whether the CPE may refuse Active Notification. */
export type ActiveNotify = "normal" | "canDeny" | "forceEnabled" | "forceDefaultEnabled";

export interface NumericRange {
  min?: number;
  max?: number;
}

/** Value restrictions from the data model; a set that violates them is fault 9007. */
export interface ValueConstraints {
  /** Allowed values (for a list: allowed items). */
  enumeration?: readonly string[];
  /** The values of `enumeration` an ACS may set (BBF marks the others access="readOnly"); default all. */
  settable?: readonly string[];
  /** Allowed numeric ranges, inclusive; a value must fall in one of them. */
  ranges?: readonly NumericRange[];
  /** String length, or for hexBinary/base64 the length in bytes (for a list: of each item). */
  minLength?: number;
  maxLength?: number;
  /** The value is a comma-separated list; the constraints above then apply to each item. */
  list?: { maxLength?: number; minItems?: number; maxItems?: number };
}

/** What a value that changes by itself is computed from (pure: the same inputs give the same value). */
export interface ValueContext {
  /** The clock, in milliseconds since the epoch. */
  readonly now: number;
  /** When the device last booted, in milliseconds since the epoch. */
  readonly bootTime: number;
  /** The device's seed (from its identity). */
  readonly seed: number;
  /** Instance numbers along the path, outermost first. */
  readonly instances: readonly number[];
  readonly identity: DeviceIdentity;
}

export type DynamicValue = (ctx: ValueContext) => string;

/** Who a device is. Built by makeIdentity (identity.ts) from a device index. */
export interface DeviceIdentity {
  readonly index: number;
  readonly manufacturer: string;
  /** Organizationally Unique Identifier: six uppercase hex digits. */
  readonly oui: string;
  readonly productClass: string;
  readonly serialNumber: string;
  /** Seeds everything that differs between devices of one model (MACs, host tables, counters). */
  readonly seed: number;
  /** Factory value of ManagementServer.URL. */
  readonly acsUrl: string;
  readonly acsUsername: string;
  readonly acsPassword: string;
  readonly connectionRequestUrl: string;
  readonly connectionRequestUsername: string;
  readonly connectionRequestPassword: string;
}

/**
 * A factory value that differs per device: a field of the identity, or a function of it and of the
 * instance numbers along the parameter's path.
 */
export type IdentityValue = keyof DeviceIdentity | ((id: DeviceIdentity, instances: readonly number[]) => string);

export interface ParameterSource {
  path: string;
  type: XsdType;
  writable: boolean;
  /** Factory value (for a template: the default of new instances). Defaults to the type's zero value. */
  value?: string;
  constraints?: ValueConstraints;
  /** Default "normal". */
  activeNotify?: ActiveNotify;
  /** Always carried in the Inform's ParameterList. */
  forcedInform?: boolean;
  /** Reads return an empty string (passwords, keys). */
  secret?: boolean;
  /** A change is applied only after a reboot: SetParameterValuesResponse Status 1. */
  rebootRequired?: boolean;
  /**
   * The value is computed (uptime, counters); a SetParameterValues still overrides it. On a concrete
   * path it applies to that instance only, on a template to every instance.
   */
  dynamic?: DynamicValue;
  /** The factory value differs per device (concrete path: that instance only). */
  identity?: IdentityValue;
}

/** A table whose rows come and go by themselves (e.g. the hosts a gateway sees). */
export interface VolatileTable {
  /** Instance numbers 1..slots may exist. */
  slots: number;
  /** Whether the row with this instance number exists now (`ctx.instances` ends with it). */
  present(ctx: ValueContext): boolean;
}

export interface ObjectSource {
  /** Ends with "."; a table's path ends with "{i}." (template) or is given by its instances. */
  path: string;
  /** For a table: AddObject and DeleteObject are allowed. */
  writable?: boolean;
  /** For a table: AddObject fails with 9004 beyond this many instances. */
  maxEntries?: number;
  /** For a table: the parameter of the parent object that counts its instances (BBF numEntriesParameter). */
  numEntriesParameter?: string;
  /** For a table: rows are computed, not stored. */
  volatile?: VolatileTable;
}

/**
 * A diagnostic that the ACS starts by setting DiagnosticsState to "Requested"; when it completes,
 * the device sets the results and sends 8 DIAGNOSTICS COMPLETE.
 */
export interface DiagnosticSource {
  /** Concrete path of the DiagnosticsState parameter. */
  statePath: string;
  /** How long the test runs (tests with a transfer take what it takes). */
  durationMs: number;
  /** Tables of results (object paths ending with "."), emptied when the test completes. */
  tables?: readonly string[];
  /**
   * The values to set when the test completes (DiagnosticsState included, e.g. "Complete" or
   * "Error_CannotResolveHostName") and the rows of its tables (values by name relative to the row),
   * given a reader of the current values.
   */
  complete(read: (path: string) => string, ctx: ValueContext, env: DiagnosticEnv): { values: Record<string, string>; rows?: Record<string, Record<string, string>[]> };
  /** A test that moves bytes (TR-143): what the runtime is to transfer before complete() is called. */
  transfer?(read: (path: string) => string): DiagnosticTransferJob;
}

/** A TR-143 transfer to perform for a diagnostic. */
export interface DiagnosticTransferJob {
  direction: "download" | "upload";
  url: string;
  /** Bytes to send (upload). */
  bytes: number;
}

/** What the runtime measured of a TR-143 transfer (times in ms since the epoch, on the simulation's clock). */
export type DiagnosticTransferResult =
  | {
      ok: true;
      romTime: number;
      bomTime: number;
      eomTime: number;
      tcpOpenRequestTime: number;
      tcpOpenResponseTime: number;
      testBytes: number;
      totalBytesReceived: number;
      totalBytesSent: number;
    }
  /** resolve: the host has no address; connect: no connection; response: no (good) answer; transfer: broke off. */
  | { ok: false; reason: "resolve" | "connect" | "response" | "transfer"; message: string };

/** What the simulated network looks like to diagnostics (sim options --net-*). */
export interface NetworkProfile {
  /** Round-trip time to a host, in ms. */
  latencyMs: number;
  /** Spread of round-trip times, in ms. */
  jitterMs: number;
  /** Echoes lost, in percent. */
  lossPercent: number;
  /** Hosts that do not resolve (besides names ending in .invalid, which never do). */
  unreachableHosts: readonly string[];
}

/** What a diagnostic's results depend on besides the device: the simulated network, a measured transfer. */
export interface DiagnosticEnv {
  net: NetworkProfile;
  transfer?: DiagnosticTransferResult;
}

/** Defaults for the identity of devices of this model; the simulator's options override them. */
export interface IdentityDefaults {
  manufacturer: string;
  oui: string;
  productClass: string;
  serialPrefix: string;
}

export interface ModelSource {
  /** A short name, e.g. "tr181-gateway". */
  name: string;
  objects: readonly ObjectSource[];
  parameters: readonly ParameterSource[];
  diagnostics?: readonly DiagnosticSource[];
  identity?: IdentityDefaults;
}
