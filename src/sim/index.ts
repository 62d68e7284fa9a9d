// The CPE simulator's public face: device models (built-in, or compiled from any ModelSource), device
// identities, and the sans-I/O protocol engine of one device (Cpe). The runtime that adds HTTP and
// timers is in runtime/ (its own index, since it does I/O); the command line is src/cli/sim.ts.

export { Cpe } from "./cpe.js";
export type { CpeEffect, CpeOptions, CpeState, CwmpVersion, PendingRequest, SessionOutput } from "./cpe.js";
export { compileModel, templateOf, zeroValue } from "./model.js";
export type { DeviceModel, ObjectDef, ParamDef } from "./model.js";
export { DeviceTree, concretePath } from "./device-model.js";
export type { Node, TreeState } from "./device-model.js";
export { dumpSource, withDefaultRows } from "./source-tools.js";
export { bbfSource, dumpModelSource, withConnectionRequestDefaults, withValues } from "./loaders.js";
export type { BbfSourceOptions, FactoryStun, FactoryXmpp } from "./loaders.js";
export { keepAliveMs, listItems, stunSettings, xmppSettings } from "./connreq-settings.js";
export type { StunSettings, XmppSettings } from "./connreq-settings.js";
export { bindingRequestBytes, natDetected, readBindingAnswer, ReplayWindow } from "./tr111.js";
export type { BindingAnswer, BindingRequestOptions } from "./tr111.js";
export type { DumpRow } from "./source-tools.js";
export { fillTemplate, makeIdentity } from "./identity.js";
export type { IdentityOptions } from "./identity.js";
export { EVENT } from "./events.js";
export { FaultMgmt, SEVERITIES } from "./fault-mgmt.js";
export type { AlarmKey, AlarmOutcome, AlarmSpec, FaultMgmtState, ReportingMechanism, Severity } from "./fault-mgmt.js";
export { FILE_TYPE } from "./transfers.js";
export type { TransferJob, TransferOutcome } from "./transfers.js";
export { SimError } from "./errors.js";
export type { SimErrorCode } from "./errors.js";
export { builtinModels, tr098Gateway, tr098Source, tr181Gateway, tr181Source } from "./models/index.js";
export type {
  ActiveNotify,
  DeviceIdentity,
  DiagnosticSource,
  DynamicValue,
  IdentityDefaults,
  IdentityValue,
  ModelSource,
  NumericRange,
  ObjectSource,
  ParameterSource,
  ValueConstraints,
  ValueContext,
  VolatileTable,
} from "./source.js";
