// Errors that stop a simulation from starting: bad options, a model file that cannot be used, a state
// folder that belongs to another run, a port already taken. The CLI prints their message and exits 2.

export type SimSetupErrorCode = "SIM_OPTIONS_INVALID" | "SIM_MODEL_FILE" | "SIM_STATE_DIR" | "SIM_LISTEN_FAILED";

export class SimSetupError extends Error {
  readonly code: SimSetupErrorCode;
  constructor(code: SimSetupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "SimSetupError";
  }
}
