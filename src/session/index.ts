// The session layer's public face: the pure ACS session, its effects, the task kinds.

export { AcsSession, InformError, defaultSessionConfig } from "./session.js";
export type { SessionConfig, SessionState, Reply, Outcome, PlanInput, PlanStep, StartOptions, ProvisionCallState } from "./session.js";
export type { Effect, TaskFaultInfo, SessionEndReason } from "./effects.js";
export { confirmation, confirmedOutcome, resumeIn, unconfirmedIn, type Confirmation, type Unconfirmed } from "./confirm.js";
export type { TaskInput } from "./planner.js";
export type { JsonValue } from "./json.js";
export { deviceIdOf, MAX_DEVICE_ID_LENGTH, DEVICE_ID_FIELD_LIMITS } from "./device-id.js";
export { negotiateVersion, ACS_VERSIONS } from "./version.js";
export { transitions, type Phase, type Input, type Action } from "./state-table.js";
export { acsMethods } from "./cpe-requests.js";
export { taskArgSchemas, taskNames, isTaskName, validateTaskArgs, TaskArgumentError, commandKeyOf, addObjectKey, taskSupportedIn, type TaskName, type TaskArgs } from "./tasks/index.js";
