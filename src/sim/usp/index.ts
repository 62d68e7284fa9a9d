// The simulator's USP agents (TR-369): the sans-I/O engine and what it is built from. The runtime that
// runs many of them over an MTP is ./runtime/.

export { UspAgent, USP_FAULT_KINDS } from "./agent.js";
export type { AgentEffect, UspAgentOptions, UspAgentState, UspFaultKind, UspFaultOptions } from "./agent.js";
export { compileUspModel, getSupportedDm } from "./supported.js";
export type { CommandDef, EventDef, UspModel } from "./supported.js";
export { agentEndpointId, withUspOverlay, AGENT_PROTOCOL_VERSIONS, NOTIF_TYPES } from "./overlay.js";
export type { NotifType, OverlayOptions } from "./overlay.js";
export { loopbackPair } from "./loopback.js";
export type { LoopbackController, LoopbackPair } from "./loopback.js";
