// The simulator's runtime: what `provisio sim`, the ACS benchmark and end-to-end tests drive.

export { startSimulation, CWMP_VERSIONS } from "./simulation.js";
export type { ConnectionRequestOptions, DeviceControls, SessionReport, SimDevice, Simulation, SimulationOptions } from "./simulation.js";
export type { SimulationSummary } from "./stats.js";
export { ManualClock, systemClock } from "./clock.js";
export type { SimClock, TimerHandle } from "./clock.js";
export { DeadlineHeap } from "./deadlines.js";
export { LatencyHistogram } from "./latency.js";
export type { LatencySummary } from "./latency.js";
export { FAULT_KINDS, isFaultKind } from "./faults.js";
export type { FaultKind, FaultOptions } from "./faults.js";
export type { FailureCause } from "./failures.js";
export { SimSetupError } from "./errors.js";
export type { SimSetupErrorCode } from "./errors.js";
export { BUILTIN_MODELS, loadModel, modelSource } from "./model-file.js";
export type { ModelChoice } from "./model-file.js";
export { HttpConnectionRequestListener } from "./connection-requests.js";
export type {
  ChannelDevice,
  ConnectionRequestChannel,
  ConnectionRequestKind,
  ConnectionRequestResult,
  DeviceChannel,
  WakeableDevice,
  WakeTarget,
} from "./connection-requests.js";
export { UdpChannel } from "./udp-channel.js";
export type { UdpChannelOptions, UdpChannelStats } from "./udp-channel.js";
export { XmppChannel } from "./xmpp-channel.js";
export type { XmppChannelOptions, XmppChannelStats } from "./xmpp-channel.js";
export { performTransfer } from "./transfer.js";
export type { TransferOptions } from "./transfer.js";
export type { TlsClientOptions } from "./http-session.js";
export { loadState, saveState } from "./state-store.js";
export { parseScenario, startScenario } from "./scenario.js";
export { checkGenerate, generateFleet } from "./fleet-generate.js";
export type { GenerateOptions, GenerateProgress } from "./fleet-generate.js";
export type { Scenario, ScenarioAction, ScenarioStep, ScenarioTarget } from "./scenario.js";
export { BulkDataSender, bulkDataProfiles } from "./bulkdata-sender.js";
export type { BulkDataSenderOptions, BulkDataSent } from "./bulkdata-sender.js";
