// An agent's MQTT MTP, for the simulator: its own connection to the broker (as a real agent has),
// subscribed to its own topic, publishing Records to the controller's topic with its own as reply-to.
// Thousands live in one process: an agent holds one `mqtt` client and nothing else.

import type { Logger } from "../server/logger.js";
import { MqttLink } from "./mqtt-link.js";
import { CONTROLLER_TOPIC, agentTopic, mqttSafeId } from "./mqtt-usp.js";
import type { AgentMtp } from "./types.js";

export interface MqttAgentOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  /** The agent's USP endpoint id; its client id, made safe for MQTT (R-MQTT.8). */
  endpointId: string;
  /** The device's credentials (those a CWMP device of the same id uses). */
  username?: string;
  password?: string;
  /** Where the controller listens. Default `usp/controller`. */
  controllerTopic?: string;
  /** Where the agent listens. Default `usp/agent/<endpoint id>`. */
  topic?: string;
  /** Default 16 MiB. */
  maxRecordBytes?: number;
  ca?: string | Buffer;
  /** The MQTT version to try first: 5 (default), or 4 (3.1.1) for a broker known to lack 5, such as the embedded one. */
  protocolVersion?: 4 | 5;
  reconnectMs?: number;
  sendTimeoutMs?: number;
  keepaliveSeconds?: number;
  log?: Logger;
  /** Told each time the agent is connected again after a loss (it then sends its MQTTConnect Record). */
  reconnected?: () => void;
}

export class MqttAgentMtp implements AgentMtp {
  readonly topic: string;
  readonly controllerTopic: string;
  readonly #link: MqttLink;

  constructor(options: MqttAgentOptions) {
    this.topic = options.topic ?? agentTopic(options.endpointId);
    this.controllerTopic = options.controllerTopic ?? CONTROLLER_TOPIC;
    this.#link = new MqttLink({
      url: options.url,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      clientId: mqttSafeId(options.endpointId),
      endpointId: options.endpointId,
      topic: this.topic,
      maxRecordBytes: options.maxRecordBytes ?? 16 * 1024 * 1024,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.protocolVersion !== undefined ? { protocolVersion: options.protocolVersion } : {}),
      ...(options.reconnectMs !== undefined ? { reconnectMs: options.reconnectMs } : {}),
      ...(options.sendTimeoutMs !== undefined ? { sendTimeoutMs: options.sendTimeoutMs } : {}),
      ...(options.keepaliveSeconds !== undefined ? { keepaliveSeconds: options.keepaliveSeconds } : {}),
      ...(options.log ? { log: options.log } : {}),
      name: options.endpointId,
      ...(options.reconnected ? { reconnected: options.reconnected } : {}),
    });
  }

  get connected(): boolean {
    return this.#link.connected;
  }

  /** The MQTT version the link speaks now, as an MQTTConnect Record names it. */
  get version(): "V5" | "V3_1_1" {
    return this.#link.protocolVersion === 5 ? "V5" : "V3_1_1";
  }

  connect(onRecord: (bytes: Uint8Array, replyTo?: string) => void): Promise<void> {
    return this.#link.open(({ bytes, replyTo }) => (replyTo === null ? onRecord(bytes) : onRecord(bytes, replyTo)));
  }

  /**
   * Answers go to the reply-to of the Record they answer (TR-369: the controller process that asked);
   * what the agent starts itself (notifications) to the controller's topic.
   */
  send(bytes: Uint8Array, replyTo?: string): Promise<boolean> {
    return this.#link.publish(replyTo ?? this.controllerTopic, bytes);
  }

  close(): Promise<void> {
    return this.#link.close();
  }
}
