// TR-369's MQTT binding, the parts both ends share: topic names, the "reply to" topic of MQTT 3.1.1
// (R-MQTT.24/25: carried at the end of the PUBLISH topic name), client ids, the content type, and
// reading a refused CONNACK. Pure.

/** R-MQTT.27: the Content Type of a PUBLISH that carries a Record (MQTT 5). */
export const USP_CONTENT_TYPE = "application/vnd.bbf.usp.msg";

/** Where an agent listens unless told otherwise: `usp/agent/<endpoint id>`. */
export const AGENT_TOPIC_PREFIX = "usp/agent/";

/** The default controller topic (`usp.mqtt.topic`). */
export const CONTROLLER_TOPIC = "usp/controller";

const REPLY_TO = "/reply-to=";

export type MqttMtpErrorCode =
  /** The broker refused the login (bad user name or password, not authorised). */
  | "REFUSED"
  /** The broker refused to subscribe us to our own topic (R-MQTT.17: then we may not publish). */
  | "SUBSCRIBE_REFUSED"
  /** Options that cannot work: a URL that is not mqtt://, a topic with wildcards... */
  | "INVALID_OPTIONS"
  /** close() or stop() came first. */
  | "CLOSED";

export class MqttMtpError extends Error {
  readonly code: MqttMtpErrorCode;
  constructor(code: MqttMtpErrorCode, message: string) {
    super(message);
    this.name = "MqttMtpError";
    this.code = code;
  }
}

/**
 * An endpoint id as one topic level and as a client id: TR-369 percent-encodes anything but unreserved
 * characters in an instance id, so a valid id is unchanged; MQTT's separators and wildcards in one that
 * is not are percent-encoded too, so that it stays one level and never a filter.
 */
export function mqttSafeId(endpointId: string): string {
  // eslint-disable-next-line no-control-regex
  return endpointId.replace(/[/+#\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** The topic an agent listens on by default. */
export function agentTopic(endpointId: string): string {
  return AGENT_TOPIC_PREFIX + mqttSafeId(endpointId);
}

/** The endpoint id a default agent topic names (what the controller tells as MtpPeer.endpointId); null for any other topic. */
export function endpointIdOfAgentTopic(topic: string): string | null {
  if (!topic.startsWith(AGENT_TOPIC_PREFIX)) return null;
  const id = topic.slice(AGENT_TOPIC_PREFIX.length);
  if (id === "" || id.includes("/")) return null;
  return id.replace(/%(2F|2B|23|[01][0-9A-F]|7F)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Whether a topic can be published to: not empty, no wildcard, no NUL (MQTT 4.7.3). */
export function isTopicName(topic: string): boolean {
  return topic.length > 0 && !topic.includes("+") && !topic.includes("#") && !topic.includes("\u0000") && Buffer.byteLength(topic) <= 65535;
}

/** R-MQTT.24: the MQTT 3.1.1 topic name that carries `replyTo` to `topic`. */
export function withReplyTo(topic: string, replyTo: string): string {
  return topic + REPLY_TO + replyTo.replaceAll("/", "%2F");
}

/** R-MQTT.25: a received MQTT 3.1.1 topic name split at its last `/reply-to=`; replyTo null without one. */
export function splitReplyTo(topicName: string): { topic: string; replyTo: string | null } {
  const at = topicName.lastIndexOf(REPLY_TO);
  if (at < 0) return { topic: topicName, replyTo: null };
  const replyTo = topicName.slice(at + REPLY_TO.length).replaceAll("%2F", "/");
  return { topic: topicName.slice(0, at), replyTo: replyTo === "" ? null : replyTo };
}

/**
 * The filters that take what is published to `topic` by either MQTT version: the topic itself (MQTT 5,
 * Response Topic as a property) and one level under it (MQTT 3.1.1's `/reply-to=...`, whose slashes are
 * encoded, so it is always one level).
 */
export function listenFilters(topic: string): string[] {
  return [topic, `${topic}/+`];
}

/** The reply topic of one controller process sharing `topic`: two levels under it, out of reach of the shared `<topic>/+`. */
export function sharedReplyTopic(topic: string, instance: string): string {
  return `${topic}/reply/${mqttSafeId(instance)}`;
}

/** CONNACK codes that mean "speak an older MQTT" (3.1.1's 1, MQTT 5's 0x84). */
export function isUnsupportedVersion(code: number | undefined): boolean {
  return code === 1 || code === 0x84;
}
