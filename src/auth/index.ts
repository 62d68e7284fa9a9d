// HTTP authentication primitives for the ACS, the connection-request client and the CPE simulator:
// password storage, HTTP Basic and Digest (both roles). Pure: time and randomness come from callers.

export { hashPassword, verifyPassword, parsePasswordHash, needsRehash, generateSecret, digestHa1, DEFAULT_SCRYPT_PARAMS } from "./password.js";
export type { ScryptParams, HashPasswordOptions, ParsedPasswordHash, RandomBytes } from "./password.js";
export { parseBasicAuthorization, formatBasicAuthorization, decodeBasicToken } from "./basic.js";
export type { BasicCredentials } from "./basic.js";
export {
  createChallenge,
  parseAuthorization,
  verifyDigest,
  parseChallenge,
  pickChallenge,
  digestAuthorization,
  createNonce,
  readNonce,
} from "./digest.js";
export type {
  Secret,
  CreateChallengeOptions,
  DigestCredentials,
  ParsedAuthorization,
  DigestFailureReason,
  VerifyDigestOptions,
  VerifyDigestResult,
  DigestAlgorithm,
  DigestChallenge,
  BasicChallenge,
  OtherChallenge,
  Challenge,
  DigestAuthorizationOptions,
} from "./digest.js";
export { RandomPool } from "./random-pool.js";
export { AuthError, AuthRemoteError, AuthLocalError } from "./errors.js";
export type { AuthRemoteErrorCode, AuthLocalErrorCode } from "./errors.js";
