// What the USP controller and the simulator's agents need of a Message Transfer Protocol (WebSocket,
// MQTT): Record bytes in and out, and who is at the other end. The USP core (src/usp) stays free of
// sockets; an MTP carries bytes and never decodes a Msg.

/** How the controller reaches one agent again: the MTP, and the MTP's own address for it. */
export interface MtpRoute {
  mtp: "websocket" | "mqtt";
  /**
   * WebSocket: the id of the connection (the process-local handle of an open socket).
   * MQTT: the topic the agent listens on (the Response Topic of its PUBLISH, or its MQTTConnect record's).
   */
  address: string;
}

/** What an MTP learnt of the peer before any Record: the endpoint id it claims and how it proved it. */
export interface MtpPeer {
  /** The endpoint id the transport carried (WebSocket `bbf-usp-protocol; eid=`, MQTT topic conventions); null: only the Records say. */
  endpointId: string | null;
  /** The login the peer authenticated with (WebSocket HTTP Basic), or null. */
  username: string | null;
  /** The subject CN of a verified TLS client certificate, or null. */
  certCn: string | null;
  remoteAddress: string | null;
}

/** What a controller-side MTP tells the controller. Must not throw; the controller decodes and answers. */
export interface ControllerMtpHandler {
  /** One Record's bytes from an agent, with the route that reaches it again. */
  record(bytes: Uint8Array, route: MtpRoute, peer: MtpPeer): void;
  /** The route no longer reaches its agent (a WebSocket closed); MQTT never says this. */
  gone?(route: MtpRoute): void;
}

/** Checks an agent's login before its connection is accepted (WebSocket); false refuses it. */
export type MtpAuthenticator = (peer: MtpPeer, password: string | null) => Promise<boolean>;

/** The controller's side of one MTP. */
export interface ControllerMtp {
  readonly name: MtpRoute["mtp"];
  /** Starts taking agents' Records; resolves once it listens (WebSocket) or is subscribed (MQTT). */
  start(handler: ControllerMtpHandler): Promise<void>;
  /** Sends a Record; false when the route reaches nobody now (the socket closed, the broker is away). */
  send(route: MtpRoute, bytes: Uint8Array): Promise<boolean>;
  /** Stops taking Records and closes what it opened. */
  stop(): Promise<void>;
}

/** An agent's side of one MTP (the simulator's agents). */
export interface AgentMtp {
  /**
   * Connects (and reconnects by itself until closed); Records from the controller go to `onRecord`, with
   * the address the MTP says to answer them at (MQTT: the PUBLISH's reply-to topic), if it says one.
   */
  connect(onRecord: (bytes: Uint8Array, replyTo?: string) => void): Promise<void>;
  /** Sends a Record to the controller (to `replyTo` when it answers a Record that came with one); false when not connected now. */
  send(bytes: Uint8Array, replyTo?: string): Promise<boolean>;
  close(): Promise<void>;
}
