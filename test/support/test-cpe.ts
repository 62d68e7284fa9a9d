// A scripted CPE for end-to-end tests: speaks CWMP over real HTTP(S) with a keep-alive connection,
// keeps cookies, answers Digest or Basic challenges, and lets each test say exactly what the CPE sends.

import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { randomBytes } from "node:crypto";
import { digestAuthorization, formatBasicAuthorization, parseChallenge, pickChallenge } from "../../src/auth/index.js";
import { cwmpFault, parseCwmp, serializeEnvelope, xsdValue, type CwmpEnvelope, type CwmpHeader, type CwmpMessage, type CwmpNamespaceVersion, type DeviceIdStruct, type ParameterValueStruct } from "../../src/cwmp/index.js";
import { parseCookies } from "../../src/server/cookies.js";

export interface TestCpeOptions {
  url: string;
  username?: string;
  password?: string;
  /** Use Basic instead of Digest when the server offers both. */
  preferBasic?: boolean;
  ns?: CwmpNamespaceVersion;
  identity?: Partial<DeviceIdStruct>;
  /** Send cookies back (default true); a CPE that does not must keep its connection. */
  cookies?: boolean;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** The address to connect from (another 127.x.y.z plays another source). */
  localAddress?: string;
}

export interface CpeReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  envelope: CwmpEnvelope | null;
}

export class TestCpe {
  readonly identity: DeviceIdStruct;
  private readonly agent: HttpAgent;
  private readonly cookies = new Map<string, string>();
  private nc = 0;
  private nextId = 1;

  constructor(private readonly o: TestCpeOptions) {
    this.o = { ...o };
    this.identity = { manufacturer: "Provisio Test", oui: "A1B2C3", productClass: "HGW", serialNumber: `T${randomBytes(4).toString("hex").toUpperCase()}`, ...o.identity };
    const agentOptions = { keepAlive: true, maxSockets: 1, ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }) };
    this.agent = o.url.startsWith("https:") ? new HttpsAgent({ ...agentOptions, ...(o.tls ?? {}) }) : new HttpAgent(agentOptions);
  }

  /** The id the ACS gives this device. */
  get deviceId(): string {
    const enc = (s: string) => [...Buffer.from(s, "utf8")].map((b) => (/[A-Za-z0-9.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : "_" + b.toString(16).toUpperCase().padStart(2, "0"))).join("");
    return [this.identity.oui, this.identity.productClass, this.identity.serialNumber].filter((p, i) => i !== 1 || p !== "").map(enc).join("-");
  }

  inform(events: string[] = ["2 PERIODIC"], parameters: ParameterValueStruct[] = [], header: CwmpHeader = {}): Promise<CpeReply> {
    return this.send(this.informMessage(events, parameters), { id: String(this.nextId++), ...header });
  }

  /** The Inform this CPE sends. */
  informMessage(events: string[] = ["2 PERIODIC"], parameters: ParameterValueStruct[] = []): CwmpMessage {
    return {
      method: "Inform",
      deviceId: this.identity,
      event: events.map((e) => {
        const [code, key] = e.split("|");
        return { eventCode: code!, commandKey: key ?? "" };
      }),
      maxEnvelopes: 1,
      currentTime: new Date().toISOString().slice(0, 19) + "Z",
      retryCount: 0,
      parameterList: parameters.length > 0 ? parameters : [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "1.0.0") }],
    };
  }

  /** Sends one message (null for an empty POST) and reads the ACS's answer. */
  async send(body: CwmpMessage | null, header: CwmpHeader = {}): Promise<CpeReply> {
    const payload = body === null ? "" : serializeEnvelope({ ns: this.o.ns ?? "1-0", header, body });
    return this.post(payload);
  }

  /** Answers the ACS's request `to` with `body`, echoing its cwmp:ID. */
  answer(to: CpeReply, body: CwmpMessage): Promise<CpeReply> {
    const id = to.envelope?.header.id;
    return this.send(body, id === undefined ? {} : { id });
  }

  async post(payload: string | Buffer, extraHeaders: Record<string, string> = {}, authorization?: string): Promise<CpeReply> {
    const first = await this.raw(payload, extraHeaders, authorization);
    if (first.status !== 401 || this.o.username === undefined || authorization !== undefined) return first;
    const challenge = pickChallenge(parseChallenge(first.headers["www-authenticate"]), { allowBasic: true });
    if (challenge === undefined) return first;
    let auth: string;
    const offered = parseChallenge(first.headers["www-authenticate"]);
    if (challenge.scheme === "Basic" || (this.o.preferBasic && offered.some((c) => c.scheme === "Basic"))) {
      auth = formatBasicAuthorization(this.o.username, this.o.password ?? "");
    } else {
      auth = digestAuthorization({
        challenge,
        username: this.o.username,
        password: this.o.password ?? "",
        method: "POST",
        uri: new URL(this.o.url).pathname,
        cnonce: randomBytes(8).toString("hex"),
        nc: ++this.nc,
      });
    }
    return this.raw(payload, extraHeaders, auth);
  }

  private raw(payload: string | Buffer, extraHeaders: Record<string, string>, authorization?: string): Promise<CpeReply> {
    const url = new URL(this.o.url);
    const headers: Record<string, string> = { "Content-Type": 'text/xml; charset="utf-8"', SOAPAction: "", ...extraHeaders };
    if (authorization !== undefined) headers.Authorization = authorization;
    if (this.o.cookies !== false && this.cookies.size > 0) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: "POST", headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          for (const line of res.headers["set-cookie"] ?? []) {
            for (const [k, v] of parseCookies(line.split(";")[0])) this.cookies.set(k, v);
          }
          const text = Buffer.concat(chunks).toString("utf8");
          let envelope: CwmpEnvelope | null = null;
          if (text.trim().startsWith("<")) envelope = parseCwmp(text).envelopes[0] ?? null;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, envelope });
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** Talks to another ACS address from now on, keeping its cookies (a load balancer moving it). */
  moveTo(url: string): void {
    this.agent.destroy();
    this.o.url = url;
  }

  /** Forgets cookies and connections (a CPE rebooting, or another CPE altogether). */
  reset(): void {
    this.cookies.clear();
    this.agent.destroy();
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The ACS's RPC in a reply (asserting there is one). */
export function rpcIn(reply: CpeReply): CwmpMessage {
  if (reply.envelope?.body == null) throw new Error(`expected an RPC from the ACS, got HTTP ${reply.status}: ${reply.text.slice(0, 200)}`);
  return reply.envelope.body;
}

/** Answers every RPC of the ACS with a CPE fault (9002) until the session ends; returns those RPCs (at most 20). */
export async function refuseUntilEnd(cpe: TestCpe, reply: CpeReply): Promise<CwmpMessage[]> {
  const rpcs: CwmpMessage[] = [];
  while (reply.status !== 204) {
    if (rpcs.length >= 20) throw new Error("the ACS sent more than 20 RPCs: the session should have ended");
    rpcs.push(rpcIn(reply));
    reply = await cpe.answer(reply, cwmpFault(9002, "not now"));
  }
  return rpcs;
}
