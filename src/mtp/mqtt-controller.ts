// The controller's MQTT MTP: one connection to the broker, subscribed to the controller's topic; each
// PUBLISH there is a Record, routed back by its reply-to topic (MQTT 5 Response Topic, or MQTT 3.1.1's
// `/reply-to=` in the topic name). MQTT has no connections per agent, so routes never go away
// (`gone` is never called) and a send to an agent that is offline still succeeds at the broker.
//
// Several controller processes share the topic through an MQTT 5 shared subscription: the broker gives
// each agent's PUBLISH to one of them. Each has its own client id and its own reply topic, under the
// shared one, so that the answer to a request reaches the process that sent it.

import type { Logger } from "../server/logger.js";
import { MqttLink, type MqttInbound } from "./mqtt-link.js";
import { endpointIdOfAgentTopic, listenFilters, mqttSafeId, sharedReplyTopic } from "./mqtt-usp.js";
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
  /**
   * Share the topic with other controller processes: subscribed as `$share/<group>/<topic>`, with the
   * client id `<clientId>-<instance>` and the reply topic `<topic>/reply/<instance>` of this process.
   */
  share?: { group: string; instance: string };
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
  /** The topic agents answer this process on: the reply-to of what it publishes. */
  readonly replyTopic: string;
  readonly #link: MqttLink;

  constructor(options: MqttControllerOptions) {
    this.topic = options.topic;
    const share = options.share;
    const clientId = options.clientId || mqttSafeId(options.endpointId);
    this.replyTopic = share === undefined ? options.topic : sharedReplyTopic(options.topic, share.instance);
    this.#link = new MqttLink({
      url: options.url,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      clientId: share === undefined ? clientId : `${clientId}-${share.instance}`,
      endpointId: options.endpointId,
      topic: this.replyTopic,
      ...(share === undefined ? {} : { alsoSubscribe: listenFilters(options.topic).map((f) => `$share/${share.group}/${f}`) }),
      maxRecordBytes: options.maxRecordBytes,
      // A shared subscription's kept session would take its share of agents' Records for an hour after
      // its process died, where nobody reads them: a sharing process starts clean each time.
      persistentSession: share === undefined,
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
