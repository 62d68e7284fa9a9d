// The agents' MTP from the URL the user gave: ws:// and wss:// (WebSocket), mqtt:// and mqtts://
// (MQTT). Each agent gets its own connection, named by its endpoint id and logged in with its
// device's credentials, as a real agent's would be, and says at each (re)connection which MTP it is,
// for the agent's WebSocketConnect or MQTTConnect Record.

import { MqttAgentMtp } from "../../../mtp/mqtt-agent.js";
import { WebSocketAgentMtp } from "../../../mtp/websocket-client.js";
import type { AgentMtp } from "../../../mtp/types.js";
import type { MtpConnect } from "../../../usp/index.js";
import { SimSetupError } from "../../runtime/errors.js";
import type { TlsClientOptions } from "../../runtime/http-session.js";
import type { AgentLogin } from "./simulation.js";

export const USP_URL_SCHEMES = ["ws:", "wss:", "mqtt:", "mqtts:"] as const;

export interface AgentMtpOptions {
  tls?: TlsClientOptions;
  /** WebSocket: TR-369's session retry minimum wait, seconds (default 5). MQTT: the wait between attempts. */
  retryMinimumWaitSeconds?: number;
  /** MQTT: the topic the controller listens on (default `usp/controller`). */
  controllerTopic?: string;
}

/** Builds each agent's MTP for a controller URL; SimSetupError for a URL no MTP takes. */
export function agentMtpFactory(url: string, o: AgentMtpOptions = {}): (login: AgentLogin, reached: (connect: MtpConnect) => void) => AgentMtp {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SimSetupError("SIM_OPTIONS_INVALID", `--usp ${url}: not a URL`);
  }
  const buf = (x: string | Buffer | undefined) => (x === undefined ? undefined : Buffer.from(x));
  // The client hands these to the TLS connection as they are, so rejectUnauthorized (--insecure) goes too.
  const tls = o.tls === undefined ? undefined : ({ ca: buf(o.tls.ca), cert: buf(o.tls.cert), key: buf(o.tls.key), rejectUnauthorized: o.tls.rejectUnauthorized ?? true } as { ca?: Buffer; cert?: Buffer; key?: Buffer });
  switch (u.protocol) {
    case "ws:":
    case "wss:":
      return (login, reached) =>
        new WebSocketAgentMtp({
          url,
          endpointId: login.endpointId,
          username: login.username,
          password: login.password,
          ...(tls ? { tls } : {}),
          ...(o.retryMinimumWaitSeconds !== undefined ? { retryMinimumWaitInterval: o.retryMinimumWaitSeconds } : {}),
          onStatus: (s) => {
            if (s.state === "connected") reached({ mtp: "websocket" });
          },
        });
    case "mqtt:":
    case "mqtts:":
      // An MQTT agent listens on usp/agent/<endpoint id>; mqtts trusts --ca (no client certificate).
      return (login, reached) => {
        // Its MQTTConnect Record names the topic it listens on and the MQTT version it got.
        const connect = () => reached({ mtp: "mqtt", version: mtp.version, subscribedTopic: mtp.topic });
        const mtp: MqttAgentMtp = new MqttAgentMtp({
          url,
          endpointId: login.endpointId,
          username: login.username,
          password: login.password,
          ...(o.controllerTopic !== undefined ? { controllerTopic: o.controllerTopic } : {}),
          ...(o.tls?.ca !== undefined ? { ca: o.tls.ca } : {}),
          ...(o.retryMinimumWaitSeconds !== undefined ? { reconnectMs: Math.round(o.retryMinimumWaitSeconds * 1000) } : {}),
          reconnected: connect,
        });
        return { connect: (onRecord) => mtp.connect(onRecord).then(connect), send: (bytes, replyTo) => mtp.send(bytes, replyTo), close: () => mtp.close() };
      };
    default:
      throw new SimSetupError("SIM_OPTIONS_INVALID", `--usp ${url}: expected ws://, wss://, mqtt:// or mqtts://`);
  }
}
