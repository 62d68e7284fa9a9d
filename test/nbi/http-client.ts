// A client of the REST API over a real socket (fetch to the listening server), answering in the shape
// of support.ts's in-process Api, so that isError and the like apply.

import type { ApiResponse } from "./support.js";

export class HttpApi {
  constructor(
    private readonly baseUrl: string,
    readonly key: string | null,
  ) {}

  with(key: string | null): HttpApi {
    return new HttpApi(this.baseUrl, key);
  }

  async call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.key !== null) h.authorization ??= `Bearer ${this.key}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const res = await fetch(this.baseUrl + url, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await res.text();
    const parsed: unknown = (res.headers.get("content-type") ?? "").includes("json") && text !== "" ? JSON.parse(text) : undefined;
    return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed, text };
  }

  get = (url: string, headers?: Record<string, string>) => this.call("GET", url, undefined, headers);
  post = (url: string, body?: unknown, headers?: Record<string, string>) => this.call("POST", url, body, headers);
  put = (url: string, body?: unknown, headers?: Record<string, string>) => this.call("PUT", url, body, headers);
  del = (url: string) => this.call("DELETE", url);
}
