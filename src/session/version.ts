// CWMP protocol version negotiation (TR-069 Amendment 5, 3.7.1.x): a CPE that supports 1.4 lists its
// versions in SupportedCWMPVersions; the ACS answers with the highest common one in UseCWMPVersion.

import type { CwmpNamespaceVersion } from "../cwmp/index.js";

export const ACS_VERSIONS = ["1.0", "1.1", "1.2", "1.3", "1.4"] as const;

function versionNumber(v: string): number {
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  return m ? Number(m[1]) * 100 + Number(m[2]) : NaN;
}

export interface Negotiated {
  /** The protocol version the session runs at. */
  version: string;
  /** The value for the UseCWMPVersion header, when the CPE asked for negotiation. */
  useVersion?: string;
}

export function negotiateVersion(ns: CwmpNamespaceVersion, supported: string | undefined): Negotiated {
  if (supported !== undefined && ns >= "1-2") {
    const theirs = new Set(supported.split(",").map((v) => v.trim()));
    const common = ACS_VERSIONS.filter((v) => theirs.has(v));
    if (common.length > 0) {
      const best = common.reduce((a, b) => (versionNumber(b) > versionNumber(a) ? b : a));
      return { version: best, useVersion: best };
    }
  }
  const byNamespace: Record<CwmpNamespaceVersion, string> = { "1-0": "1.0", "1-1": "1.1", "1-2": "1.2", "1-3": "1.3", "1-4": "1.4" };
  return { version: byNamespace[ns] };
}

export function atLeast(version: string, minimum: string): boolean {
  return versionNumber(version) >= versionNumber(minimum);
}
