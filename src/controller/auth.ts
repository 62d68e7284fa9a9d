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

/** Logins remembered by endpoint id, at most this many (then forgotten all at once, and learnt again). */
const MAX_LOGINS = 200_000;

export class AgentAuth {
  private readonly clock: () => Date;
  /**
   * The login each endpoint id connected with last, for MTPs whose Records do not carry it (the embedded
   * MQTT broker checks an agent's login when it connects; its Records come by topic).
   */
  private readonly logins = new Map<string, string>();

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
    if (result.ok && peer.endpointId !== null) {
      if (this.logins.size >= MAX_LOGINS) this.logins.clear();
      this.logins.set(peer.endpointId, peer.username);
    }
    return result.ok;
  };

  /**
   * The login a session of this peer runs under: its own, else the one its endpoint id connected with
   * (the embedded MQTT broker); null when that credential is gone meanwhile. A peer with neither (a
   * certificate, or an agent of an external MQTT broker, which authenticated it) speaks for the device its
   * endpoint id names, with no credential to check against it.
   */
  async forSession(peer: MtpPeer): Promise<SessionAuth | null> {
    if (this.o.mode === "open") return { ok: true, username: null, credential: null, via: "open" };
    const username = peer.username ?? (peer.endpointId === null || peer.certCn !== null ? undefined : this.logins.get(peer.endpointId));
    if (username === undefined) return { ok: true, username: null, credential: null, via: "basic" };
    const credential = await this.o.credentials.get(username);
    return credential === null ? null : { ok: true, username, credential, via: "basic" };
  }
}
