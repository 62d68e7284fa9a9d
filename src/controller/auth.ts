// USP agents authenticate with the credentials Provisio keeps for CPEs (server/cpe-auth.ts): the
// device's own username and password, or the bootstrap ones while it has none. The MTP checks the login
// when the agent connects; each session then runs under that login's credential, which the CWMP engine
// checks against the device as it does a CWMP login's (a device's own credentials speak for it alone).

import type { CpeCredential } from "../store/types.js";
import type { MtpAuthenticator, MtpPeer } from "../mtp/types.js";
import type { AuthResult, CpeAuthenticator } from "../server/cpe-auth.js";

export type SessionAuth = Extract<AuthResult, { ok: true }>;

export interface AgentAuthOptions {
  cpe: CpeAuthenticator;
  credentials: { get(username: string): Promise<CpeCredential | null> };
  /** cwmp.auth: "open" lets any agent in. */
  mode: "required" | "open";
  clock?: () => Date;
}

export class AgentAuth {
  private readonly clock: () => Date;

  constructor(private readonly o: AgentAuthOptions) {
    this.clock = o.clock ?? (() => new Date());
  }

  /**
   * For the MTPs: a login (username and password) must check out; a verified TLS client certificate must
   * name the endpoint id the agent claims. A peer with neither is refused unless authentication is open.
   */
  readonly authenticator: MtpAuthenticator = async (peer, password) => {
    if (this.o.mode === "open") return true;
    if (peer.certCn !== null) return peer.endpointId !== null && peer.certCn === peer.endpointId;
    if (peer.username === null || password === null) return false;
    const result = await this.o.cpe.password(peer.username, password, this.clock().getTime(), peer.remoteAddress);
    return result.ok;
  };

  /**
   * The login a session of this peer runs under, or null when its credential is gone meanwhile. A peer
   * without a login (a certificate, or an MQTT agent, whom the broker authenticated) speaks for the
   * device its endpoint id names and no other credential.
   */
  async forSession(peer: MtpPeer): Promise<SessionAuth | null> {
    if (this.o.mode === "open") return { ok: true, username: null, credential: null, via: "open" };
    if (peer.username === null) return { ok: true, username: null, credential: null, via: "basic" };
    const credential = await this.o.credentials.get(peer.username);
    return credential === null ? null : { ok: true, username: peer.username, credential, via: "basic" };
  }
}
