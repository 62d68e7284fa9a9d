// The CPE side of the TR-069 Annex K XMPP Connection Request, for the simulator and for tests:
// log in as a device and answer connectionRequest IQs.
//
// A request is answered, in this order:
// - service-unavailable when ConnReqAllowedJabberIDs (`allowedJids`) is not empty and the sender
//   is not in it (an entry without a resource allows every resource of that account);
// - not-authorized when the username or password differs from ConnectionRequestUsername and
//   ConnectionRequestPassword (or is missing);
// - then as `onConnectionRequest` decides: "accept" (the default) answers an empty result, "busy"
//   answers service-unavailable (a CPE limiting connection requests), "ignore" never answers (a CPE
//   that has gone quiet), for tests of the ACS's timeout.
// The CPE then opens its session; starting it is the callback's business.

import { createHash, timingSafeEqual } from "node:crypto";
import { client, xml } from "@xmpp/client";
import type { IqContext, IqHandlerReply, XmlElement, XmppClient } from "@xmpp/client";
import { XmppError } from "./errors.js";
import { XMPP_CONNREQ_NS, XMPP_STANZAS_NS, xmppClientOptions } from "./xmpp-connection-request.js";
import type { XmppAccount } from "./xmpp-connection-request.js";

export type XmppDeviceVerdict = "accept" | "busy" | "ignore";

export interface XmppDeviceRequest {
  /** The sender's full JID. */
  from: string;
  /** The IQ id. */
  id: string;
}

export type XmppDeviceRefusal = "not-allowed" | "bad-credentials";

export interface XmppDeviceOptions extends XmppAccount {
  /** ConnectionRequestUsername and ConnectionRequestPassword. */
  connectionRequestUsername: string;
  connectionRequestPassword: string;
  /** ConnReqAllowedJabberIDs; empty or absent allows every sender. */
  allowedJids?: readonly string[];
  /** Called for each authenticated request; its verdict decides the answer (default "accept"). */
  onConnectionRequest?: (request: XmppDeviceRequest) => XmppDeviceVerdict | void | Promise<XmppDeviceVerdict | void>;
  /** Called for each request refused before the callback. */
  onRefused?: (request: XmppDeviceRequest, reason: XmppDeviceRefusal) => void;
  /** Milliseconds the login may take. Default 10000. */
  timeoutMs?: number;
}

export interface XmppDevice {
  /** The full JID the device is logged in as: its ConnReqJabberID. */
  readonly jid: string;
  stop(): Promise<void>;
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so that the comparison takes the same time whatever the lengths.
  const x = createHash("sha256").update(a, "utf8").digest();
  const y = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(x, y);
}

function splitJid(jid: string): { bare: string; resource: string | undefined } {
  const slash = jid.indexOf("/");
  // Local part and domain compare without case (after the usual JID preparation); resources exactly.
  return slash < 0 ? { bare: jid.toLowerCase(), resource: undefined } : { bare: jid.slice(0, slash).toLowerCase(), resource: jid.slice(slash + 1) };
}

function allowed(from: string, allowedJids: readonly string[] | undefined): boolean {
  const entries = (allowedJids ?? []).map((e) => e.trim()).filter((e) => e !== "");
  if (entries.length === 0) return true;
  const sender = splitJid(from);
  return entries.some((entry) => {
    const e = splitJid(entry);
    return e.bare === sender.bare && (e.resource === undefined || e.resource === sender.resource);
  });
}

const stanzaError = (type: string, condition: string): XmlElement => xml("error", { type }, xml(condition, { xmlns: XMPP_STANZAS_NS }));

/** Logs in as a device and answers connection requests until stopped. */
export async function startXmppDevice(options: XmppDeviceOptions): Promise<XmppDevice> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const c: XmppClient = client(xmppClientOptions(options, "cwmp", timeoutMs));
  c.reconnect.stop();
  c.on("error", () => undefined);
  c.on("connect", () => c.socket?.setNoDelay?.(true));

  const handler = async (ctx: IqContext): Promise<IqHandlerReply> => {
    const request: XmppDeviceRequest = { from: ctx.stanza.attrs.from ?? "", id: ctx.stanza.attrs.id ?? "" };
    if (!allowed(request.from, options.allowedJids)) {
      options.onRefused?.(request, "not-allowed");
      return stanzaError("cancel", "service-unavailable");
    }
    const username = ctx.element.getChildText("username");
    const password = ctx.element.getChildText("password");
    if (username === null || password === null || !sameSecret(username, options.connectionRequestUsername) || !sameSecret(password, options.connectionRequestPassword)) {
      options.onRefused?.(request, "bad-credentials");
      return stanzaError("auth", "not-authorized");
    }
    const verdict = (await options.onConnectionRequest?.(request)) ?? "accept";
    if (verdict === "busy") return stanzaError("cancel", "service-unavailable");
    // Never settles: the library answers only when the handler does.
    if (verdict === "ignore") return new Promise<IqHandlerReply>(() => undefined);
    return true;
  };
  c.iqCallee.get(XMPP_CONNREQ_NS, "connectionRequest", handler);
  c.iqCallee.set(XMPP_CONNREQ_NS, "connectionRequest", handler);

  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const jid = await Promise.race([
      c.start(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new XmppError("XMPP_LOGIN_FAILED", `XMPP login took longer than ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    let stopped = false;
    return {
      jid: jid.toString(),
      async stop() {
        if (stopped) return;
        stopped = true;
        c.timeout = Math.min(c.timeout, 2000);
        try {
          await c.stop();
        } catch {
          // Closing can fail when the server went first.
        }
        c.socket?.destroy();
      },
    };
  } catch (err) {
    clearTimeout(timer);
    c.timeout = Math.min(c.timeout, 2000);
    await c.stop().catch(() => undefined);
    c.socket?.destroy();
    if (err instanceof XmppError) throw err;
    throw new XmppError("XMPP_LOGIN_FAILED", `XMPP login as ${options.username} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
