// A TCP load balancer in front of several `provisio serve` processes, as an operator would put one in
// front of several machines: each new connection goes to the next backend in turn, with no affinity,
// so that a CPE's sessions (and, once its connection breaks, the rest of a session) land on whichever
// process is next. A backend taken out (as a health check would, once its process died) gets no new
// connections; a backend that refuses one is skipped for it.

import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export class TcpBalancer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private backends: number[] = [];
  private next = 0;
  /** Connections handed to each backend port so far. */
  readonly counts = new Map<number, number>();

  private constructor() {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(backends: number[]): Promise<TcpBalancer> {
    const b = new TcpBalancer();
    b.backends = [...backends];
    await new Promise<void>((resolve) => b.server.listen(0, "127.0.0.1", resolve));
    return b;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  add(port: number): void {
    if (!this.backends.includes(port)) this.backends.push(port);
  }

  remove(port: number): void {
    this.backends = this.backends.filter((p) => p !== port);
  }

  /** Breaks every connection through it (as a network outage would); new ones still go through. */
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.once("close", () => this.sockets.delete(client));
    client.on("error", () => client.destroy());
    client.pause();
    this.route(client, 0);
  }

  private route(client: Socket, tried: number): void {
    if (this.backends.length === 0 || tried >= this.backends.length || client.destroyed) {
      client.destroy();
      return;
    }
    const port = this.backends[this.next++ % this.backends.length]!;
    const upstream = connect({ host: "127.0.0.1", port });
    this.sockets.add(upstream);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      this.counts.set(port, (this.counts.get(port) ?? 0) + 1);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      client.once("close", () => upstream.destroy());
    });
    upstream.on("error", () => {
      // Refused: the next backend takes the connection.
      if (!connected) this.route(client, tried + 1);
    });
    upstream.once("close", () => {
      this.sockets.delete(upstream);
      if (connected) client.destroy();
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
