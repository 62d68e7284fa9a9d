// The simulator's own errors: a caller misused the engine (local), or a model source is inconsistent.
// Faults the ACS provoked are never thrown: they are CWMP Fault messages returned to the ACS.

export type SimErrorCode =
  | "SIM_MODEL_INVALID"
  | "SIM_STATE_INVALID"
  | "SIM_NOT_READY"
  | "SIM_SESSION_IN_PROGRESS"
  | "SIM_NO_SESSION"
  | "SIM_UNKNOWN_PATH"
  /** A value set from outside (a test, a scenario) that does not fit its parameter. */
  | "SIM_BAD_VALUE"
  /** An alarm the device does not support, or a current alarm it does not have. */
  | "SIM_UNKNOWN_ALARM";

export class SimError extends Error {
  readonly code: SimErrorCode;
  constructor(code: SimErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = "SimError";
  }
}
