// The MQTT broker Provisio embeds (aedes) so that a single machine needs no other server for USP over
// MQTT (`usp.mqtt.url: "embedded"`). It speaks MQTT 3.1.1 only (aedes 1.2 has no MQTT 5): clients of
// this MTP fall back to it by themselves, carrying reply-to topics in topic names.
//
// Security by default: every client logs in. The controller's own connection uses a secret made at
// start and held in memory only; every other client is an agent, whose client id is its endpoint id
// and whose user name and password are checked by the MTP authenticator (the device's credentials).
// An agent may subscribe only to its own topic, and publish only to the controller's topic with its
// own topic as reply-to, so the topic a Record comes back from names an authenticated agent.

import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { Duplex } from "node:stream";
import { Aedes, type Client } from "aedes";
import { silentLogger, type Logger } from "../server/logger.js";
import { MqttPacketSizeGuard } from "./mqtt-packet-size.js";
import { agentTopic, isTopicName, listenFilters, withReplyTo } from "./mqtt-usp.js";
import type { MtpAuthenticator } from "./types.js";

/** The user name of the controller's own connection. */
export const CONTROLLER_USERNAME = "provisio-controller";

export interface EmbeddedBrokerOptions {
  /** Address and port to listen on (0: any free port). */
  host: string;
  port: number;
  /** The controller's topic (usp.mqtt.topic): the only one agents may publish to. */
  controllerTopic: string;
  /** The controller connection's client id: no agent may take it. */
  controllerClientId: string;
  /** Checks an agent's login; its endpoint id is its client id. */
  authenticate: MtpAuthenticator;
  /** Largest MQTT packet taken; a client announcing a larger one is disconnected at once. */
  maxPacketBytes: number;
  log?: Logger;
}

export interface EmbeddedBroker {
  /** `mqtt://host:port`, the port the one listened on (for `port: 0`). */
  readonly url: string;
  readonly port: number;
  /** What the controller's own connection logs in with. */
  readonly controllerLogin: { username: string; password: string };
  close(): Promise<void>;
}

type Role = { kind: "controller" } | { kind: "agent"; topic: string };

/** The socket as aedes reads it, through the packet size guard. */
class GuardedConnection extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly #socket: Socket;

  constructor(socket: Socket, guard: MqttPacketSizeGuard, onOversize: () => void) {
    super();
    this.#socket = socket;
    this.remoteAddress = socket.remoteAddress;
    socket.on("data", (chunk: Buffer) => {
      if (!guard.feed(chunk)) {
        onOversize();
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on("end", () => this.push(null));
    socket.on("error", (err) => this.destroy(err));
    socket.on("close", () => this.destroy());
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy();
    callback(error);
  }
}

function sameSecret(given: Buffer | undefined, secret: Buffer): boolean {
  return given !== undefined && given.length === secret.length && timingSafeEqual(given, secret);
}

/** An aedes refusal with the CONNACK return code to send (4: bad user name or password, 2: identifier rejected). */
function refusal(returnCode: 2 | 4 | 5, message: string): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = options.log ?? silentLogger;
  const secret = randomBytes(32).toString("base64url");
  const secretBytes = Buffer.from(secret);
  const roles = new WeakMap<Client, Role>();
  const controllerFilters = listenFilters(options.controllerTopic);

  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (client.id === options.controllerClientId || username === CONTROLLER_USERNAME) {
        if (client.id === options.controllerClientId && username === CONTROLLER_USERNAME && sameSecret(password, secretBytes)) {
          roles.set(client, { kind: "controller" });
          return done(null, true);
        }
        log.warn({ clientId: client.id }, "embedded MQTT broker: refused a login as the controller");
        return done(refusal(4, "not the controller"), false);
      }
      if (!client.id || !isTopicName(agentTopic(client.id))) return done(refusal(2, "the client id must be the agent's endpoint id"), false);
      const remoteAddress = (client.conn as { remoteAddress?: string }).remoteAddress ?? null;
      options
        .authenticate({ endpointId: client.id, username: username ?? null, certCn: null, remoteAddress }, password === undefined ? null : password.toString("utf8"))
        .then(
          (ok) => {
            if (!ok) {
              log.info({ endpointId: client.id, username, remoteAddress }, "embedded MQTT broker: agent login refused");
              return done(refusal(4, "bad user name or password"), false);
            }
            roles.set(client, { kind: "agent", topic: agentTopic(client.id) });
            done(null, true);
          },
          (err: unknown) => {
            log.error({ endpointId: client.id, err: err instanceof Error ? err.message : String(err) }, "embedded MQTT broker: the authenticator failed");
            done(refusal(5, "authentication failed"), false);
          },
        );
    },
    authorizeSubscribe: (client, subscription, done) => {
      const role = roles.get(client);
      const allowed = role?.kind === "controller" ? controllerFilters : role ? listenFilters(role.topic) : [];
      if (allowed.includes(subscription.topic)) return done(null, subscription);
      log.info({ clientId: client.id, topic: subscription.topic }, "embedded MQTT broker: subscription refused");
      done(null, null);
    },
    authorizePublish: (client, packet, done) => {
      if (!client) return done(null); // the broker's own messages
      const role = roles.get(client);
      if (role?.kind === "controller") return done(null);
      // R-MQTT.24 (3.1.1, all aedes speaks): the controller's topic, with the agent's own as reply-to.
      const ok = role?.kind === "agent" && !packet.retain && packet.topic === withReplyTo(options.controllerTopic, role.topic);
      if (ok) return done(null);
      log.info({ clientId: client.id, topic: packet.topic }, "embedded MQTT broker: publish refused; client disconnected");
      done(new Error("publish not allowed"));
    },
  });

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => {}); // a reset by the peer: the connection's own close handles it
    socket.setNoDelay(true);
    const conn = new GuardedConnection(socket, new MqttPacketSizeGuard(options.maxPacketBytes), () =>
      log.warn({ remoteAddress: socket.remoteAddress, max: options.maxPacketBytes }, "embedded MQTT broker: packet above the limit; client disconnected"),
    );
    broker.handle(conn);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`the embedded MQTT broker cannot listen on ${options.host}:${options.port} (usp.mqtt.embeddedHost/embeddedPort): ${why}`);
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const host = options.host === "0.0.0.0" || options.host === "::" || options.host === "" ? "127.0.0.1" : options.host;
  log.info({ host: options.host, port }, "embedded MQTT broker listening");

  return {
    url: `mqtt://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    controllerLogin: { username: CONTROLLER_USERNAME, password: secret },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await closed;
    },
  };
}
