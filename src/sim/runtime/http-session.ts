// CWMP over HTTP(S) from the CPE's side: one session is a series of POSTs on one keep-alive
// connection (an agent of its own with a single socket), with the cookies the ACS set sent back, a
// Basic or Digest challenge answered when the ACS asks, and redirects followed (TR-069 3.4.5).

import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { digestAuthorization, formatBasicAuthorization, parseChallenge, pickChallenge, type BasicChallenge, type DigestChallenge } from "../../auth/index.js";
import { parseCookies } from "../../server/cookies.js";
import { TransportError, transportCause } from "./failures.js";

export interface TlsClientOptions {
  /** Trusted CA certificates (PEM); default: Node's bundled roots. */
  ca?: string | Buffer;
  /** Client certificate and its key (PEM), for ACSs that authenticate CPEs by certificate. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Accept any server certificate (tests, lab ACSs with self-signed certificates). Default true. */
  rejectUnauthorized?: boolean;
}

export interface HttpSessionOptions {
  url: string;
  username: string;
  password: string;
  tls?: TlsClientOptions;
  /** Longest wait for the ACS, per request (real time). */
  timeoutMs: number;
  /** Largest answer accepted. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Called with the real duration of each HTTP request (ms). */
  onExchange?: (ms: number) => void;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export class CwmpHttpSession {
  private url: URL;
  private agent: HttpAgent;
  private readonly cookies = new Map<string, string>();
  private challenge: DigestChallenge | BasicChallenge | undefined;
  private nc = 0;
  private closed = false;
  private readonly inFlight = new Set<ClientRequest>();

  constructor(private readonly o: HttpSessionOptions) {
    this.url = new URL(o.url);
    this.agent = this.newAgent();
  }

  /** Where the session posts now (after redirects). */
  get currentUrl(): string {
    return this.url.toString();
  }

  private newAgent(): HttpAgent {
    const base = { keepAlive: true, maxSockets: 1 };
    if (this.url.protocol !== "https:") return new HttpAgent(base);
    const tls = this.o.tls ?? {};
    return new HttpsAgent({
      ...base,
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
    }) as unknown as HttpAgent;
  }

  /** POSTs one body ("" for the empty POST) and returns the ACS's answer, after authentication and redirects. */
  async post(body: string): Promise<HttpAnswer> {
    let authorization: string | undefined;
    let staleRetried = false;
    let redirects = 0;
    for (;;) {
      const res = await this.exchange(body, authorization);
      if (res.status === 401) {
        const picked = pickChallenge(parseChallenge(res.headers["www-authenticate"]), { allowBasic: true });
        if (picked === undefined) throw new TransportError("auth", "HTTP 401 without a challenge the CPE can answer");
        const stale = picked.scheme === "Digest" && picked.stale;
        if (authorization !== undefined && !(stale && !staleRetried)) throw new TransportError("auth", "the ACS refused the CPE's credentials");
        if (stale) staleRetried = true;
        this.challenge = picked;
        this.nc = 0;
        authorization = this.authorization("POST");
        continue;
      }
      const location = res.headers.location;
      if (REDIRECTS.has(res.status) && location !== undefined) {
        if (++redirects > MAX_REDIRECTS) throw new TransportError("redirect", `more than ${MAX_REDIRECTS} redirects`);
        let next: URL;
        try {
          next = new URL(location, this.url);
        } catch {
          throw new TransportError("redirect", `redirect to an invalid URL ${JSON.stringify(location)}`);
        }
        if (next.protocol !== "http:" && next.protocol !== "https:") throw new TransportError("redirect", `redirect to ${next.protocol} is not followed`);
        if (next.origin !== this.url.origin) {
          this.agent.destroy();
          this.url = next;
          this.agent = this.newAgent();
        } else this.url = next;
        authorization = undefined;
        continue;
      }
      return res;
    }
  }

  private authorization(method: string): string {
    const c = this.challenge!;
    if (c.scheme === "Basic") return formatBasicAuthorization(this.o.username, this.o.password);
    return digestAuthorization({
      challenge: c,
      username: this.o.username,
      password: this.o.password,
      method,
      uri: this.url.pathname + this.url.search,
      cnonce: randomBytes(8).toString("hex"),
      nc: ++this.nc,
    });
  }

  private headers(body: string, authorization: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { "Content-Length": String(Buffer.byteLength(body)), "User-Agent": "provisio-sim" };
    if (body !== "") {
      headers["Content-Type"] = 'text/xml; charset="utf-8"';
      headers.SOAPAction = "";
    }
    if (authorization !== undefined) headers.Authorization = authorization;
    if (this.cookies.size > 0) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    return headers;
  }

  private exchange(body: string, authorization: string | undefined): Promise<HttpAnswer> {
    if (this.closed) return Promise.reject(new TransportError("aborted", "the session was closed"));
    const send = this.url.protocol === "https:" ? httpsRequest : httpRequest;
    const started = performance.now();
    const max = this.o.maxBodyBytes ?? 16 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const req = send(this.url, { method: "POST", agent: this.agent, headers: this.headers(body, authorization) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > max) {
            req.destroy(new TransportError(`http-${res.statusCode ?? 0}`, `the ACS's answer exceeds ${max} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => {
          this.inFlight.delete(req);
          this.keepCookies(res.headers["set-cookie"]);
          this.o.onExchange?.(performance.now() - started);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on("error", (e) => {
          this.inFlight.delete(req);
          reject(e instanceof TransportError ? e : new TransportError(transportCause(e), e.message));
        });
      });
      this.inFlight.add(req);
      req.setTimeout(this.o.timeoutMs, () => req.destroy(new TransportError("timeout", `no answer from the ACS within ${this.o.timeoutMs} ms`)));
      req.on("error", (e) => {
        this.inFlight.delete(req);
        reject(e instanceof TransportError ? e : new TransportError(transportCause(e), e.message));
      });
      req.end(body);
    });
  }

  private keepCookies(lines: string[] | undefined): void {
    for (const line of lines ?? []) {
      const [pair, ...attrs] = line.split(";");
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      for (const [k, v] of parseCookies(pair)) {
        if (expired) this.cookies.delete(k);
        else this.cookies.set(k, v);
      }
    }
  }

  /**
   * Starts a POST of `body` and closes the connection halfway through it (fault injection: a CPE
   * that loses its connection mid-session). Resolves once the socket is gone.
   */
  dropMidRequest(body: string): Promise<void> {
    const send = this.url.protocol === "https:" ? httpsRequest : httpRequest;
    const bytes = Buffer.from(body, "utf8");
    // Announce more than is sent, so the ACS sees a request cut short even for an empty POST.
    const headers = { ...this.headers(body, undefined), "Content-Length": String(Math.max(bytes.length, 64)) };
    return new Promise((resolve) => {
      const req = send(this.url, { method: "POST", agent: this.agent, headers });
      req.on("error", () => resolve());
      req.on("close", () => resolve());
      req.on("response", (res) => res.resume());
      req.flushHeaders();
      req.write(bytes.subarray(0, bytes.length >> 1), () => setImmediate(() => req.destroy()));
    });
  }

  /** Closes the connection; a request in flight fails with "aborted". */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const req of this.inFlight) req.destroy(new TransportError("aborted", "the simulation stopped"));
    this.inFlight.clear();
    this.agent.destroy();
  }
}
