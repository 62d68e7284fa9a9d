// The controller's MQTT MTP as `usp.mqtt.*` describes it: an external broker, or the embedded one
// started first, the controller's connection logging in to it with the broker's own secret.

import { readFileSync } from "node:fs";
import type { Config } from "../config/schema.js";
import type { Logger } from "../server/logger.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "./mqtt-broker.js";
import { MqttControllerMtp } from "./mqtt-controller.js";
import { MQTT_PACKET_OVERHEAD } from "./mqtt-link.js";
import { mqttSafeId } from "./mqtt-usp.js";
import type { ControllerMtp, ControllerMtpHandler, MtpAuthenticator, MtpRoute } from "./types.js";

export interface MqttMtpDeps {
  /** Checks agents' logins at the embedded broker (the same function the WebSocket MTP gets). */
  authenticate: MtpAuthenticator;
  log?: Logger;
  /** This process's name among several (holds.ts): with an external broker and usp.mqtt.sharedGroup, its client id and reply topic. */
  instance?: string;
}

/** The controller's MQTT MTP; `stop` also closes the embedded broker. */
export interface MqttMtp extends ControllerMtp {
  /** The topic agents publish to: what an agent's route back to us is, for the controller to give them. */
  readonly topic: string;
  /** The embedded broker, when usp.mqtt.url is `embedded` (started by `start`). */
  readonly broker: EmbeddedBroker | null;
}

/** null when usp.mqtt.url is empty (no MQTT). */
export function mqttMtpFromConfig(usp: Config["usp"], deps: MqttMtpDeps): MqttMtp | null {
  const c = usp.mqtt;
  if (c.url === "") return null;
  const clientId = c.clientId || mqttSafeId(usp.endpointId);
  const ca = c.tlsCa ? readFileSync(c.tlsCa) : undefined;
  let broker: EmbeddedBroker | null = null;
  let controller: MqttControllerMtp | undefined;
  const common = { endpointId: usp.endpointId, clientId, topic: c.topic, maxRecordBytes: c.maxRecordBytes, ...(deps.log ? { log: deps.log } : {}) };

  return {
    name: "mqtt",
    topic: c.topic,
    get broker() {
      return broker;
    },
    async start(handler: ControllerMtpHandler): Promise<void> {
      if (c.url === "embedded") {
        broker = await startEmbeddedBroker({
          host: c.embeddedHost,
          port: c.embeddedPort,
          controllerTopic: c.topic,
          controllerClientId: clientId,
          authenticate: deps.authenticate,
          maxPacketBytes: c.maxRecordBytes + MQTT_PACKET_OVERHEAD,
          ...(deps.log ? { log: deps.log } : {}),
        });
        controller = new MqttControllerMtp({ ...common, url: broker.url, ...broker.controllerLogin, protocolVersion: 4 });
      } else {
        const share = c.sharedGroup !== "" && deps.instance !== undefined ? { share: { group: c.sharedGroup, instance: deps.instance } } : {};
        controller = new MqttControllerMtp({ ...common, url: c.url, username: c.username, password: c.password, ...(ca ? { ca } : {}), ...share });
      }
      try {
        await controller.start(handler);
      } catch (err) {
        await broker?.close();
        throw err;
      }
    },
    send(route: MtpRoute, bytes: Uint8Array): Promise<boolean> {
      return controller ? controller.send(route, bytes) : Promise.resolve(false);
    },
    async stop(): Promise<void> {
      await controller?.stop();
      await broker?.close();
    },
  };
}
