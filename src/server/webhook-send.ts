// One webhook POST over node:http(s) rather than fetch: fetch offers no hook on the address it
// connects to, and the target check (webhook-targets.ts) must see exactly that address. Redirects are
// not followed (a 3xx is a failed attempt), so a receiver cannot bounce a delivery inward.

import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { WebhookTargets } from "./webhook-targets.js";

/** Sends `body` and resolves with the status once the answer has been read (rejects on abort). */
export function postWebhook(targets: WebhookTargets, url: string, headers: OutgoingHttpHeaders, body: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
      targets.checkLiteral(u);
    } catch (err) {
      reject(err);
      return;
    }
    const send = u.protocol === "https:" ? httpsRequest : httpRequest;
    const payload = Buffer.from(body, "utf8");
    // A fresh connection each time (no agent): a pooled socket would skip the lookup, and so the check.
    const req = send(u, { method: "POST", headers: { ...headers, "Content-Length": payload.length }, signal, lookup: targets.lookup, agent: false }, (res) => {
      res.on("error", reject);
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(payload);
  });
}
