// Provisioning's public face: presets and provisions (documents), the declarative engine, the script
// sandbox, built-ins, and the provisioner that brings them together for a session.

export { compilePreset, checkProvision, applicablePresets, presetSchema, provisionSchema, DocumentError } from "./presets.js";
export type { Preset, Provision, CompiledPreset, MatchContext } from "./presets.js";
export { checkDocument, type ScriptChecker } from "./documents.js";
export { declarationSchema, type Declaration, type Action } from "./declarations.js";
export { DeviceData, type KnownRecord } from "./data.js";
export { plan, applyResponse, applyFault, newEngineState, sameValue } from "./engine.js";
export type { EngineState, EngineContext, EngineFault, Intent, Plan, Learned } from "./engine.js";
export { ScriptSandbox, SandboxError, defaultSandboxLimits, type SandboxLimits, type ScriptRunner, type ScriptInput, type ScriptResult, type ScriptDialect } from "./sandbox.js";
export { provision, type ProvisionCall, type Provisioned, type ProvisionerFault, type ScriptContext } from "./provisioner.js";
export { builtinProvision, builtinNames, isBuiltin } from "./builtins.js";
export { parseCron, inWindow, CronError } from "./cron.js";
export { parsePattern, SelectorError } from "./selector.js";
export { genieacsApi, type GenieInput, type GenieDevice, type GenieOutput, type ExtOutcome } from "./genieacs/api.js";
export { ExtensionRunner, type ExtensionCaller } from "./genieacs/ext-runner.js";
