// A minimal Server-Sent Events client for the tests: real HTTP, events and comments as they come.

import { request, type IncomingMessage } from "node:http";

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  private buffer = "";
  private res: IncomingMessage | null = null;
  private waiters: (() => void)[] = [];
  private req: ReturnType<typeof request> | null = null;
  ended = false;

  /** `key` null: no Authorization header (a cookie in `headers` instead). */
  static async open(url: string, key: string | null, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    await new Promise<void>((resolve, reject) => {
      c.req = request(url, { headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), accept: "text/event-stream", ...headers } }, (res) => {
        c.res = res;
        c.status = res.statusCode ?? 0;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => c.feed(chunk));
        res.on("end", () => {
          c.ended = true;
          c.notify();
        });
        res.on("error", () => undefined);
        resolve();
      });
      c.req.on("error", reject);
      c.req.end();
    });
    return c;
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    for (let i = this.buffer.indexOf("\n\n"); i >= 0; i = this.buffer.indexOf("\n\n")) {
      const block = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
        else {
          const colon = line.indexOf(":");
          const name = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          fields[name] = fields[name] === undefined ? value : `${fields[name]}\n${value}`;
        }
      }
      if (fields.data !== undefined) {
        this.events.push({ id: fields.id, event: fields.event, data: fields.data, json: JSON.parse(fields.data) });
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The body so far when the answer was not a stream (an error). */
  get text(): string {
    return this.buffer;
  }

  /** Resolves when `pred` holds (checked at each arrival), or rejects after `timeoutMs`. */
  async until<T>(pred: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v !== undefined && v !== false) return v;
      if (this.ended) throw new Error(`the stream ended before ${what}; got ${JSON.stringify(this.events.map((e) => e.event))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.map((e) => e.event))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.req?.destroy();
    this.res?.destroy();
  }
}
