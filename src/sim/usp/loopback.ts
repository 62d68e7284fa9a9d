// An in-process MTP: an agent's AgentMtp wired to a controller-side endpoint in the same process, for
// tests and for runs without a network. Records are handed over on a later turn of the event loop, as
// a socket would, so neither side re-enters the other while it is handling a Record.

import type { AgentMtp } from "../../mtp/types.js";

/** The controller's side of a loopback: sends to the agent, and hears what it sends. */
export interface LoopbackController {
  /** Sends a Record to the agent; false when the agent is not connected. */
  send(bytes: Uint8Array): boolean;
  /** Whether the agent is connected now. */
  readonly connected: boolean;
}

export interface LoopbackPair {
  agent: AgentMtp;
  controller: LoopbackController;
}

/** An AgentMtp and the controller's end of it; `onRecord` sees every Record the agent sends. */
export function loopbackPair(onRecord: (bytes: Uint8Array) => void): LoopbackPair {
  let toAgent: ((bytes: Uint8Array) => void) | undefined;
  const agent: AgentMtp = {
    connect(onAgentRecord) {
      toAgent = onAgentRecord;
      return Promise.resolve();
    },
    send(bytes) {
      if (toAgent === undefined) return Promise.resolve(false);
      const copy = bytes.slice();
      setImmediate(() => onRecord(copy));
      return Promise.resolve(true);
    },
    close() {
      toAgent = undefined;
      return Promise.resolve();
    },
  };
  const controller: LoopbackController = {
    send(bytes) {
      const deliver = toAgent;
      if (deliver === undefined) return false;
      const copy = bytes.slice();
      setImmediate(() => deliver(copy));
      return true;
    },
    get connected() {
      return toAgent !== undefined;
    },
  };
  return { agent, controller };
}
