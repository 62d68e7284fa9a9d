// A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that records every delivery.

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** A webhook receiver: answers each request with the next status of `script` (then 200). */
export class Receiver {
  server!: Server;
  url = "";
  received: Delivery[] = [];
  /** While true, requests are recorded but not answered until release(). */
  hold = false;
  private held: (() => void)[] = [];
  constructor(private readonly script: number[] = []) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        this.received.push({ headers: req.headers, body, json: JSON.parse(body) });
        const answer = () => {
          res.writeHead(this.script.shift() ?? 200);
          res.end();
        };
        if (this.hold) this.held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  /** Answers the requests held so far. */
  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}
