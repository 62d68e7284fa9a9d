// Device compatibility profiles (cwmp.compatProfiles, docs/compatibility.md): how the ACS writes its
// replies for a device whose CWMP stack is picky, chosen from what the device's Inform shows, so that
// the very first reply (the challenge to the Inform, then the InformResponse) already suits it.

import { charsetFromContentType, CwmpRemoteError, parseCwmp, type CwmpEnvelope, type Inform, type SerializeOptions } from "../cwmp/index.js";
import type { Config } from "../config/index.js";
import { DEFAULT_PROFILE_NAME } from "../config/compat.js";
import { evaluate, parse, type FilterDevice, type FilterNode, type ParameterValue } from "../query/index.js";
import { AcsSession, InformError, negotiateVersion } from "../session/index.js";

export interface CompatProfile {
  readonly name: string;
  readonly serialize: SerializeOptions;
  /** Close the connection after each reply. */
  readonly close: boolean;
}

/** Today's output: what every device no profile matches gets. */
export const DEFAULT_PROFILE: CompatProfile = { name: DEFAULT_PROFILE_NAME, serialize: {}, close: false };

type Entry = Config["cwmp"]["compatProfiles"][number];

function profileOf(e: Entry): CompatProfile {
  return {
    name: e.name,
    serialize: {
      xmlDeclaration: e.xmlDeclaration,
      prefixes: { soapEnv: e.soapEnvPrefix, soapEnc: e.soapEncPrefix, cwmp: e.cwmpPrefix },
      emptyElements: e.emptyElements,
      booleans: e.booleans,
    },
    close: e.connection === "close",
  };
}

/** What a filter can read of a device from its Inform alone (the configuration allows no other field). */
export function informDevice(envelope: CwmpEnvelope, inform: Inform, now: Date): FilterDevice {
  let id = "";
  try {
    id = AcsSession.deviceIdOf(inform);
  } catch (err) {
    if (!(err instanceof InformError)) throw err;
  }
  const values = new Map<string, ParameterValue>();
  for (const p of inform.parameterList) values.set(p.name, { value: p.value.text, type: p.value.type });
  // As the device record keeps them, so that a profile's filter reads them as a preset's does.
  const { oui, productClass, serialNumber, manufacturer } = inform.deviceId;
  return {
    id,
    oui,
    productClass,
    serialNumber,
    manufacturer,
    cwmpVersion: negotiateVersion(envelope.ns, envelope.header.supportedCwmpVersions).version,
    registeredAt: now,
    lastInformAt: now,
    lastBootAt: null,
    lastBootstrapAt: null,
    // Not shown by an Inform: a profile's filter may not read it (config/compat.ts INFORM_FIELDS).
    credentials: "bootstrap",
    tags: [],
    parameter: (path) => {
      if (!path.endsWith(".")) return values.get(path);
      for (const name of values.keys()) if (name.startsWith(path)) return { value: null, type: null };
      return undefined;
    },
  };
}

export class CompatProfiles {
  private readonly list: { profile: CompatProfile; filter: FilterNode }[];
  private readonly byName: Map<string, CompatProfile>;

  /** From the configuration, which loadConfig has checked (filters parse, prefixes can be written). */
  constructor(entries: readonly Entry[]) {
    this.list = entries.map((e) => ({ profile: profileOf(e), filter: parse(e.filter) }));
    this.byName = new Map(this.list.map((p) => [p.profile.name, p.profile]));
  }

  /** The first profile whose filter matches what the Inform shows; the default when none does. */
  forInform(envelope: CwmpEnvelope, now: Date): CompatProfile {
    const inform = envelope.body;
    if (this.list.length === 0 || inform?.method !== "Inform") return DEFAULT_PROFILE;
    const device = informDevice(envelope, inform, now);
    return this.list.find((p) => evaluate(p.filter, device, { now }))?.profile ?? DEFAULT_PROFILE;
  }

  /**
   * For a reply made before the body was otherwise read (the challenge to an Inform without
   * credentials): the Inform's profile when the body holds one, the default when it holds anything else.
   */
  forBody(body: Buffer, contentType: string | undefined, maxBytes: number, now: Date): CompatProfile {
    if (this.list.length === 0) return DEFAULT_PROFILE;
    try {
      const first = parseCwmp(body, { charset: charsetFromContentType(contentType), maxBytes }).envelopes[0];
      return first === undefined ? DEFAULT_PROFILE : this.forInform(first, now);
    } catch (err) {
      if (err instanceof CwmpRemoteError) return DEFAULT_PROFILE;
      throw err;
    }
  }

  /** A session's profile by the name it was stored with; the default when no profile has it (any more). */
  named(name: string | undefined): CompatProfile {
    return name === undefined ? DEFAULT_PROFILE : (this.byName.get(name) ?? DEFAULT_PROFILE);
  }
}

/** A reply as the profile wants it at the HTTP level. */
export function withConnection<R extends { headers: Record<string, string | string[]> }>(reply: R, profile: CompatProfile): R {
  return profile.close ? { ...reply, headers: { ...reply.headers, Connection: "close" } } : reply;
}
