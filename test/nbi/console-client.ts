// A browser's side of the console login over real HTTP: it keeps the session cookie the API sets and
// sends it back, and sends the CSRF token with the requests that change something (unless told not to).

import { request, type IncomingHttpHeaders } from "node:http";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  setCookies: string[];
}

/** Asserts an error answer by status and code name, as isError does for in-process answers. */
export function refused(res: HttpAnswer, status: number, name: string): boolean {
  if (res.status !== status || res.body?.error?.code !== `PROVISIO_ERR_${name}`) {
    throw new Error(`expected ${status} PROVISIO_ERR_${name}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (typeof res.body.error.message !== "string" || res.body.error.message === "") throw new Error("an error without a message");
  return true;
}

export class ConsoleClient {
  cookie: string | null = null;
  csrfToken: string | null = null;

  /** `localAddress`: the address to connect from (any of 127.0.0.0/8 on Linux), to be another client. */
  constructor(readonly baseUrl: string, readonly localAddress?: string) {}

  /** Logs in; on success keeps the cookie and the CSRF token. */
  async login(username: string, password: string): Promise<HttpAnswer> {
    const res = await this.call("POST", "/api/session", { username, password });
    if (res.status === 200) this.csrfToken = res.body.csrfToken;
    return res;
  }

  async call(method: string, path: string, body?: unknown, options: { csrf?: boolean | string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie !== null) headers.cookie = `provisio_session=${this.cookie}`;
    const csrf = options.csrf ?? true;
    if (typeof csrf === "string") headers["x-csrf-token"] = csrf;
    else if (csrf && this.csrfToken !== null && method !== "GET") headers["x-csrf-token"] = this.csrfToken;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers["content-type"] = "application/json";
    const res = await new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const req = request(this.baseUrl + path, { method, headers, ...(this.localAddress !== undefined ? { localAddress: this.localAddress } : {}) }, (r) => {
        let text = "";
        r.setEncoding("utf8");
        r.on("data", (d: string) => (text += d));
        r.on("end", () => resolve({ status: r.statusCode ?? 0, headers: r.headers, text }));
        r.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
    const setCookies = res.headers["set-cookie"] ?? [];
    for (const c of setCookies) {
      const m = /^provisio_session=([^;]*)/.exec(c);
      if (m) this.cookie = m[1] === "" ? null : m[1]!;
    }
    const h = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h.set(k, v);
    return { status: res.status, headers: h, body: res.text === "" ? undefined : (JSON.parse(res.text) as unknown), setCookies };
  }

  get = (path: string) => this.call("GET", path);
}
