// How much a request may make the ACS read before the ACS knows who sent it. Inside a session the
// configured body limit applies (GetParameterValues responses are big); outside one, the request is an
// Inform or nothing, and it gets the Inform limits, tighter still for a login with the bootstrap
// credentials, which anyone who has one device's firmware holds. The limits are chosen from the headers
// alone, before the body is read, and bound the XML scan too, so that an oversized Inform is refused
// early instead of being read, parsed and then refused.

import { parseAuthorization } from "../auth/index.js";
import type { CwmpRemoteError, Inform, ParseOptions } from "../cwmp/index.js";
import { InformError } from "../session/index.js";

export interface InformLimitsConfig {
  maxBytes: number;
  maxParameters: number;
  maxValueLength: number;
  bootstrapMaxBytes: number;
  bootstrapMaxParameters: number;
}

export interface IntakeLimits {
  maxBytes: number;
  maxParameters: number;
  maxValueLength: number;
  /** Chosen for the bootstrap login (said so in refusals). */
  bootstrap: boolean;
  /** Inside a session the scan keeps its own limits: responses are not Informs. */
  inSession: boolean;
}

/** Elements an Inform has besides its parameters: envelope, header, DeviceId, up to 64 events. */
const INFORM_ELEMENTS = 256;

/**
 * A request's limits, from whether it is in a live session and its Authorization header. In a session
 * the body limit is the session's; an Inform there (it starts a new session) still meets the Inform's
 * parameter limits.
 */
export function intakeLimits(config: InformLimitsConfig, maxBodyBytes: number, inSession: boolean, bootstrapUsername: string, authorization: string | undefined): IntakeLimits {
  // A request without credentials is challenged unparsed; a CPE whose Digest exchange starts with its
  // Inform must get that challenge, not a refusal meant for the bootstrap login.
  const bootstrap = authorization !== undefined && loginName(authorization) === bootstrapUsername;
  return {
    // cwmp.maxBodyBytes bounds every request; the Inform limits only ever tighten it.
    maxBytes: Math.min(maxBodyBytes, inSession ? maxBodyBytes : bootstrap ? config.bootstrapMaxBytes : config.maxBytes),
    maxParameters: bootstrap ? config.bootstrapMaxParameters : config.maxParameters,
    maxValueLength: config.maxValueLength,
    bootstrap,
    inSession,
  };
}

function loginName(authorization: string): string | null {
  const parsed = parseAuthorization(authorization);
  if (parsed === null) return null;
  if (parsed.kind === "basic" || parsed.kind === "digest") return parsed.username;
  return null;
}

/** What the codec is told, so that a list of too many parameters stops the scan. */
export function parseLimits(limits: IntakeLimits): Pick<ParseOptions, "maxBytes" | "limits"> {
  if (limits.inSession) return { maxBytes: limits.maxBytes };
  // Each ParameterValueStruct is three elements (struct, Name, Value).
  return { maxBytes: limits.maxBytes, limits: { maxElements: limits.maxParameters * 3 + INFORM_ELEMENTS } };
}

/** An Inform past the limits (which an in-session Inform meets only here): fault 8004. */
export function checkInform(inform: Inform, limits: IntakeLimits): void {
  const max = limits.maxParameters;
  const who = limits.bootstrap ? " with the bootstrap credentials" : "";
  if (inform.parameterList.length > max) {
    throw new InformError(`Inform carries ${inform.parameterList.length} parameters; at most ${max} are accepted${who}`, 8004);
  }
  for (const p of inform.parameterList) {
    const longest = Math.max(p.name.length, p.value.text.length);
    if (longest > limits.maxValueLength) {
      throw new InformError(`Inform parameter ${p.name.slice(0, 256)} has a name or value of ${longest} characters; at most ${limits.maxValueLength} are accepted`, 8004);
    }
  }
}

/** The refusal of a body over the limits, saying which limit it met. */
export function describeRefusal(err: CwmpRemoteError, limits: IntakeLimits): string {
  if (limits.inSession || !err.code.startsWith("XML_LIMIT")) return `${err.code}: ${err.message}\n`;
  const which = limits.bootstrap ? "with the bootstrap credentials" : "outside a session";
  return `${err.code}: ${err.message}; a request ${which} may carry an Inform of at most ${limits.maxBytes} bytes and ${limits.maxParameters} parameters\n`;
}
