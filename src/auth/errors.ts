// Typed errors for the auth primitives, in the same two kinds as the codec's: the peer sent something
// we cannot answer (remote), or the caller misused the API (local). Verification failures are not
// errors: verifiers return `{ ok: false, reason }`, because a wrong password is an expected outcome.

export type AuthRemoteErrorCode =
  /** A challenge names a digest algorithm this module does not implement. */
  | "AUTH_UNSUPPORTED_ALGORITHM"
  /** A challenge offers only qop values this module does not implement. */
  | "AUTH_UNSUPPORTED_QOP";

export type AuthLocalErrorCode = "AUTH_INVALID_ARGUMENT";

export abstract class AuthError extends Error {
  abstract readonly origin: "remote" | "local";
  readonly code: AuthRemoteErrorCode | AuthLocalErrorCode;
  constructor(code: AuthRemoteErrorCode | AuthLocalErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

export class AuthRemoteError extends AuthError {
  readonly origin = "remote" as const;
  declare readonly code: AuthRemoteErrorCode;
}

export class AuthLocalError extends AuthError {
  readonly origin = "local" as const;
  declare readonly code: AuthLocalErrorCode;
}
