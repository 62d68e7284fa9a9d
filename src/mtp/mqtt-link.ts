// One MQTT connection of a USP endpoint, controller or agent: log in, subscribe to its own topic, take
// Records from it and publish Records with its own topic as the "reply to" one, in either MQTT version.
//
// MQTT 5 first (R-MQTT.1); a broker that answers "unsupported protocol version" (Provisio's embedded
// broker among them) gets MQTT 3.1.1, where the reply-to topic travels in the topic name (R-MQTT.24).
// The `mqtt` client reconnects by itself; a refused login before the first connection is an error for
// the caller (a configuration to fix), after it a logged outage like any other.

import mqtt from "mqtt";
import type { IClientOptions, IPublishPacket, MqttClient } from "mqtt";
import { silentLogger, type Logger } from "../server/logger.js";
import { MqttMtpError, USP_CONTENT_TYPE, isTopicName, isUnsupportedVersion, listenFilters, splitReplyTo, withReplyTo } from "./mqtt-usp.js";

/** Room for a PUBLISH's topic names and properties beyond its Record. */
export const MQTT_PACKET_OVERHEAD = 2 * 65536 + 64;

export interface MqttLinkOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  /** Our USP endpoint id, told to an MQTT 5 broker in CONNECT (R-MQTT.13). */
  endpointId: string;
  /** Our own topic: subscribed to, and the reply-to of what we publish. */
  topic: string;
  /** Filters subscribed to besides our own topic's (the controller's shared subscription). */
  alsoSubscribe?: readonly string[];
  /** Records above this many bytes are neither sent nor taken. */
  maxRecordBytes: number;
  /** The MQTT version to try first (default 5; a broker refusing 5 gets 3.1.1 anyway). */
  protocolVersion?: 4 | 5;
  /** Keep the broker session (and what it queued for us) across reconnections: the controller does. */
  persistentSession?: boolean;
  /** PEM CA certificates for mqtts://, besides the system's. */
  ca?: string | Buffer;
  /** Defaults 1000 ms between attempts, 30000 ms per attempt, 30000 ms for a PUBACK. */
  reconnectMs?: number;
  connectTimeoutMs?: number;
  sendTimeoutMs?: number;
  /** Seconds between PINGREQs when idle. Default 60. */
  keepaliveSeconds?: number;
  log?: Logger;
  /** Told each time the link is back after a loss (the first connection is open()'s to tell). */
  reconnected?: () => void;
  /** What the log lines call this link ("USP MQTT controller", an agent's endpoint id...). */
  name: string;
}

/** A Record taken from the topic, with the topic its sender asked to be answered on (null: it gave none). */
export interface MqttInbound {
  bytes: Uint8Array;
  replyTo: string | null;
}

/** How long a broker session outlives its connection (MQTT 5 Session Expiry Interval), in seconds. */
const SESSION_EXPIRY_SECONDS = 3600;

export class MqttLink {
  readonly #o: MqttLinkOptions;
  readonly #log: Logger;
  #client: MqttClient | undefined;
  #closed = false;
  #everConnected = false;
  #outageSince: number | undefined;
  #warnedUnreachable = false;

  constructor(options: MqttLinkOptions) {
    if (!/^mqtts?:\/\/[^/\s]+/.test(options.url)) throw new MqttMtpError("INVALID_OPTIONS", `MQTT URL ${JSON.stringify(options.url)} is not mqtt://host:port or mqtts://host:port`);
    if (!isTopicName(options.topic)) throw new MqttMtpError("INVALID_OPTIONS", `MQTT topic ${JSON.stringify(options.topic)} is empty or holds a wildcard (+ #)`);
    if (options.clientId === "") throw new MqttMtpError("INVALID_OPTIONS", "the MQTT client id is empty");
    this.#o = options;
    this.#log = options.log ?? silentLogger;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** The MQTT version spoken now: 5, or 4 (3.1.1) after the broker refused 5. */
  get protocolVersion(): number {
    return this.#client?.options.protocolVersion ?? 5;
  }

  /** Connects and subscribes; resolves once subscribed, rejects when the broker refuses us the first time. */
  open(onRecord: (inbound: MqttInbound) => void): Promise<void> {
    if (this.#client) throw new MqttMtpError("INVALID_OPTIONS", "this MQTT link is already open");
    const o = this.#o;
    const v5 = (o.protocolVersion ?? 5) === 5;
    const options: IClientOptions = {
      protocolVersion: v5 ? 5 : 4,
      clientId: o.clientId,
      ...(o.username ? { username: o.username } : {}),
      ...(o.password ? { password: o.password } : {}),
      clean: !o.persistentSession,
      keepalive: o.keepaliveSeconds ?? 60,
      reconnectPeriod: o.reconnectMs ?? 1000,
      connectTimeout: o.connectTimeoutMs ?? 30_000,
      reconnectOnConnackError: true,
      // What is published while the broker is away is refused (send says false), never queued.
      queueQoSZero: false,
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      ...(v5
        ? {
            properties: {
              maximumPacketSize: o.maxRecordBytes + MQTT_PACKET_OVERHEAD,
              userProperties: { "usp-endpoint-id": o.endpointId },
              ...(o.persistentSession ? { sessionExpiryInterval: SESSION_EXPIRY_SECONDS } : {}),
            },
          }
        : {}),
    };
    const client = mqtt.connect(o.url, options);
    this.#client = client;
    client.on("message", (topic, payload, packet) => this.#take(topic, payload, packet, onRecord));
    client.on("close", () => this.#lost());
    client.on("connect", () => {
      // A Record is a request or an answer someone waits for: no Nagle delay on small PUBLISHes.
      (client.stream as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
      this.#back();
    });

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        client.end(true);
        reject(err);
      };
      client.on("error", (err: Error & { code?: unknown }) => {
        const code = typeof err.code === "number" ? err.code : undefined;
        if (isUnsupportedVersion(code) && client.options.protocolVersion === 5) {
          // The reconnection that follows a refused CONNACK speaks 3.1.1.
          client.options.protocolVersion = 4;
          delete client.options.properties;
          this.#log.info({ mqtt: o.name, url: o.url }, "the MQTT broker does not speak MQTT 5: using MQTT 3.1.1 (reply-to topics in topic names)");
          return;
        }
        if (!this.#everConnected && code !== undefined) {
          fail(new MqttMtpError("REFUSED", `the MQTT broker at ${o.url} refused ${o.name}: ${err.message}`));
          return;
        }
        if (!this.#everConnected && !this.#warnedUnreachable) {
          this.#warnedUnreachable = true;
          this.#log.warn({ mqtt: o.name, url: o.url, err: err.message }, "cannot reach the MQTT broker yet; retrying");
        } else {
          this.#log.debug({ mqtt: o.name, err: err.message }, "MQTT client error");
        }
      });
      client.once("connect", () => {
        client.subscribe([...listenFilters(o.topic), ...(o.alsoSubscribe ?? [])], { qos: 1 }, (err, granted) => {
          if (err) return fail(new MqttMtpError("SUBSCRIBE_REFUSED", `${o.name} could not subscribe to ${o.topic}: ${err.message}`));
          if (!granted || granted.some((g) => g.qos >= 0x80)) return fail(new MqttMtpError("SUBSCRIBE_REFUSED", `the MQTT broker refused ${o.name} a subscription to ${o.topic}`));
          settled = true;
          resolve();
        });
      });
      client.once("end", () => fail(new MqttMtpError("CLOSED", `${o.name} was closed before it connected`)));
    });
  }

  /** Publishes a Record to `topic`, ours as its reply-to; true once the broker has it (PUBACK). */
  publish(topic: string, bytes: Uint8Array): Promise<boolean> {
    const client = this.#client;
    if (!client?.connected || this.#closed || !isTopicName(topic)) return Promise.resolve(false);
    if (bytes.byteLength > this.#o.maxRecordBytes) {
      this.#log.warn({ mqtt: this.#o.name, topic, bytes: bytes.byteLength, max: this.#o.maxRecordBytes }, "USP Record too large for MQTT: not sent");
      return Promise.resolve(false);
    }
    const v5 = client.options.protocolVersion === 5;
    const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new Promise<boolean>((resolve) => {
      // A PUBLISH caught by an outage is sent again after it by the client; past this, the caller hears false.
      const timer = setTimeout(() => resolve(false), this.#o.sendTimeoutMs ?? 30_000);
      client.publish(
        v5 ? topic : withReplyTo(topic, this.#o.topic),
        payload,
        { qos: 1, ...(v5 ? { properties: { contentType: USP_CONTENT_TYPE, responseTopic: this.#o.topic } } : {}) },
        (err) => {
          clearTimeout(timer);
          resolve(!err);
        },
      );
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    if (!client) return;
    await new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve()));
  }

  #take(topic: string, payload: Buffer, packet: IPublishPacket, onRecord: (inbound: MqttInbound) => void): void {
    const properties = packet.properties;
    if (properties?.contentType !== undefined && properties.contentType !== USP_CONTENT_TYPE) {
      this.#log.warn({ mqtt: this.#o.name, topic, contentType: properties.contentType }, "MQTT message that is not a USP Record dropped");
      return;
    }
    if (payload.byteLength > this.#o.maxRecordBytes) {
      this.#log.warn({ mqtt: this.#o.name, topic, bytes: payload.byteLength, max: this.#o.maxRecordBytes }, "USP Record too large: dropped");
      return;
    }
    onRecord({ bytes: payload, replyTo: properties?.responseTopic ?? splitReplyTo(topic).replyTo });
  }

  #lost(): void {
    if (this.#closed || this.#outageSince !== undefined || !this.#everConnected) return;
    this.#outageSince = Date.now();
    this.#log.warn({ mqtt: this.#o.name, url: this.#o.url }, "lost the MQTT broker; reconnecting");
  }

  #back(): void {
    if (this.#everConnected) this.#o.reconnected?.();
    if (this.#outageSince !== undefined) {
      this.#log.info({ mqtt: this.#o.name, url: this.#o.url, outageMs: Date.now() - this.#outageSince }, "MQTT broker reached again");
      this.#outageSince = undefined;
    }
    this.#everConnected = true;
  }
}
