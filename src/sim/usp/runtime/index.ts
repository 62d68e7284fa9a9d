// The USP agents' runtime: many agents over their MTPs, with one timer for all.

export { startUspSimulation } from "./simulation.js";
export type { AgentLogin, UspAgentControls, UspSimulation, UspSimulationOptions, UspSimulationStats } from "./simulation.js";
