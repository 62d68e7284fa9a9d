// The USP agents' runtime: many agents over their MTPs, with one timer for all.

export { startUspSimulation } from "./simulation.js";
export type { AgentLogin, UspAgentControls, UspSimulation, UspSimulationOptions, UspSimulationStats } from "./simulation.js";
export { agentMtpFactory, USP_URL_SCHEMES } from "./mtp.js";
export type { AgentMtpOptions } from "./mtp.js";
