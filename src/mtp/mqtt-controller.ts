// The controller's MQTT MTP: one connection to the broker, subscribed to the controller's topic; each
// PUBLISH there is a Record, routed back by its reply-to topic (MQTT 5 Response Topic, or MQTT 3.1.1's
// `/reply-to=` in the topic name). MQTT has no connections per agent, so routes never go away
// (`gone` is never called) and a send to an agent that is offline still succeeds at the broker.

import type { Logger } from "../server/logger.js";
import { MqttLink, type MqttInbound } from "./mqtt-link.js";
import { endpointIdOfAgentTopic, mqttSafeId } from "./mqtt-usp.js";
import type { ControllerMtp, ControllerMtpHandler, MtpRoute } from "./types.js";

export interface MqttControllerOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  username?: string;
  password?: string;
  /** Our USP endpoint id. */
  endpointId: string;
  /** Default: the endpoint id, made safe for MQTT. */
  clientId?: string;
  /** The topic agents publish to (usp.mqtt.topic). */
  topic: string;
  maxRecordBytes: number;
  ca?: string | Buffer;
  /** The MQTT version to try first: 5 (default), or 4 (3.1.1) for a broker known to lack 5, such as the embedded one. */
  protocolVersion?: 4 | 5;
  reconnectMs?: number;
  sendTimeoutMs?: number;
  log?: Logger;
}

export class MqttControllerMtp implements ControllerMtp {
  readonly name = "mqtt" as const;
  /** The topic agents reach us on: what an agent's MQTTConnect record or its configuration names. */
  readonly topic: string;
  readonly #link: MqttLink;

  constructor(options: MqttControllerOptions) {
    this.topic = options.topic;
    this.#link = new MqttLink({
      url: options.url,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      clientId: options.clientId || mqttSafeId(options.endpointId),
      endpointId: options.endpointId,
      topic: options.topic,
      maxRecordBytes: options.maxRecordBytes,
      persistentSession: true,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.protocolVersion !== undefined ? { protocolVersion: options.protocolVersion } : {}),
      ...(options.reconnectMs !== undefined ? { reconnectMs: options.reconnectMs } : {}),
      ...(options.sendTimeoutMs !== undefined ? { sendTimeoutMs: options.sendTimeoutMs } : {}),
      ...(options.log ? { log: options.log } : {}),
      name: "USP MQTT controller",
    });
  }

  /** Whether the broker is reached now. */
  get connected(): boolean {
    return this.#link.connected;
  }

  start(handler: ControllerMtpHandler): Promise<void> {
    return this.#link.open(({ bytes, replyTo }: MqttInbound) => {
      // No reply-to (R-MQTT.22 says there is one): the address is empty and the controller routes
      // by the agent's MQTTConnect record or its own knowledge of the agent.
      const route: MtpRoute = { mtp: "mqtt", address: replyTo ?? "" };
      handler.record(bytes, route, { endpointId: replyTo === null ? null : endpointIdOfAgentTopic(replyTo), username: null, certCn: null, remoteAddress: null });
    });
  }

  send(route: MtpRoute, bytes: Uint8Array): Promise<boolean> {
    if (route.mtp !== "mqtt") return Promise.resolve(false);
    return this.#link.publish(route.address, bytes);
  }

  stop(): Promise<void> {
    return this.#link.close();
  }
}
