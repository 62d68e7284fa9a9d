// The event stream (GET /api/events) read with fetch rather than EventSource: fetch sends the same
// credentials as every other call, reports a 401 as one, and can be aborted. It reconnects after a
// break, from the last event seen (lastEventId), so that nothing is missed.

import { notifyUnauthorized } from "./client.js";
import type { ProvisioEvent } from "./types.js";

export interface EventStreamOptions {
  types?: string[];
  deviceId?: string;
  onEvent(e: ProvisioEvent): void;
  /** Connected (true) or broken off and retrying (false). */
  onState?(connected: boolean): void;
}

/** Starts reading; the returned function stops. */
export function subscribe(o: EventStreamOptions): () => void {
  const abort = new AbortController();
  let lastId: string | null = null;
  let stopped = false;

  const url = () => {
    const q = new URLSearchParams();
    if (o.types?.length) q.set("types", o.types.join(","));
    if (o.deviceId) q.set("deviceId", o.deviceId);
    if (lastId !== null) q.set("lastEventId", lastId);
    const s = q.toString();
    return `/api/events${s ? `?${s}` : ""}`;
  };

  const readOnce = async (): Promise<void> => {
    const res = await fetch(url(), { headers: { accept: "text/event-stream" }, credentials: "same-origin", signal: abort.signal });
    if (res.status === 401) {
      stopped = true;
      notifyUnauthorized();
      return;
    }
    if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
    o.onState?.(true);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("data:")) data += line.slice(5).trimStart();
          else if (line.startsWith("id:")) lastId = line.slice(3).trim();
        }
        if (data === "") continue;
        try {
          o.onEvent(JSON.parse(data) as ProvisioEvent);
        } catch {
          // A malformed event is skipped, not fatal to the stream.
        }
      }
    }
  };

  void (async () => {
    while (!stopped && !abort.signal.aborted) {
      try {
        await readOnce();
      } catch {
        // Broken off: retry below.
      }
      if (stopped || abort.signal.aborted) return;
      o.onState?.(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();

  return () => {
    stopped = true;
    abort.abort();
  };
}
