// An MTP inside one process: agents and the controller exchange Record bytes through memory. For
// embedding Provisio's controller next to agents in the same program (tests, a gateway's own
// controller) and for testing the controller without sockets. It behaves like a WebSocket MTP: each
// agent is a connection with its own route, authenticated by its login before its first Record, and
// `close()` is the connection going away.

import type { AgentMtp, ControllerMtp, ControllerMtpHandler, MtpAuthenticator, MtpPeer, MtpRoute } from "./types.js";

export interface LoopbackAgentOptions {
  /** The endpoint id the agent names itself by (as WebSocket's `eid=`). */
  endpointId: string;
  username?: string;
  password?: string;
}

/** Thrown by an agent's connect() when the controller's authenticator refuses its login. */
export class LoopbackRefused extends Error {
  constructor(endpointId: string) {
    super(`the controller refused ${endpointId}'s login`);
    this.name = "LoopbackRefused";
  }
}

export class LoopbackMtp implements ControllerMtp {
  // Routes are connection-like: "websocket" is the MTP the contract knows with that behaviour.
  readonly name = "websocket" as const;
  private handler: ControllerMtpHandler | null = null;
  private readonly agents = new Map<string, { peer: MtpPeer; onRecord: (bytes: Uint8Array) => void }>();
  private next = 1;

  constructor(private readonly authenticate?: MtpAuthenticator) {}

  start(handler: ControllerMtpHandler): Promise<void> {
    this.handler = handler;
    return Promise.resolve();
  }

  send(route: MtpRoute, bytes: Uint8Array): Promise<boolean> {
    const agent = this.agents.get(route.address);
    // Delivered on a later turn, as a socket would: neither side runs inside the other's call.
    if (agent !== undefined) setImmediate(() => agent.onRecord(Uint8Array.from(bytes)));
    return Promise.resolve(agent !== undefined);
  }

  stop(): Promise<void> {
    for (const address of [...this.agents.keys()]) this.drop(address);
    this.handler = null;
    return Promise.resolve();
  }

  /** An agent's side of a new connection to this controller. */
  agent(options: LoopbackAgentOptions): AgentMtp {
    let address: string | null = null;
    const peer: MtpPeer = { endpointId: options.endpointId, username: options.username ?? null, certCn: null, remoteAddress: "loopback" };
    return {
      connect: async (onRecord) => {
        if (this.handler === null) throw new Error("the loopback controller is not started");
        if (this.authenticate !== undefined && !(await this.authenticate(peer, options.password ?? null))) throw new LoopbackRefused(options.endpointId);
        address = `loopback-${this.next++}`;
        this.agents.set(address, { peer, onRecord });
      },
      send: (bytes) => {
        const handler = this.handler;
        if (address === null || handler === null || !this.agents.has(address)) return Promise.resolve(false);
        const route: MtpRoute = { mtp: this.name, address };
        setImmediate(() => handler.record(Uint8Array.from(bytes), route, peer));
        return Promise.resolve(true);
      },
      close: () => {
        if (address !== null) this.drop(address);
        address = null;
        return Promise.resolve();
      },
    };
  }

  private drop(address: string): void {
    if (!this.agents.delete(address)) return;
    this.handler?.gone?.({ mtp: this.name, address });
  }
}
