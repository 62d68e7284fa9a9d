// A browser's side of the console login over real HTTP: it keeps the session cookie the API sets and
// sends it back, and sends the CSRF token with the requests that change something (unless told not to).

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

  constructor(readonly baseUrl: string) {}

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
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(this.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const m = /^provisio_session=([^;]*)/.exec(c);
      if (m) this.cookie = m[1] === "" ? null : m[1]!;
    }
    return { status: res.status, headers: res.headers, body: text === "" ? undefined : (JSON.parse(text) as unknown), setCookies };
  }

  get = (path: string) => this.call("GET", path);
}
