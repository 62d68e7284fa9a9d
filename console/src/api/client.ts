// The console's one way to the REST API: same origin, JSON, the session cookie (or, in tests and for
// API-key callers, whatever Authorization the browser sends), the CSRF token on every change, and one
// place that notices an expired login.

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

/** An answer of the API other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }

  /** The filter error's reason without its position, when the API refused a filter. */
  get filterReason(): string | undefined {
    const d = this.details as { reason?: unknown } | undefined;
    return typeof d?.reason === "string" ? d.reason : undefined;
  }

  /** The filter error's position (1-based column), when the API refused a filter. */
  get filterColumn(): number | undefined {
    const d = this.details as { position?: { column?: number } } | undefined;
    return typeof d?.position?.column === "number" ? d.position.column : undefined;
  }
}

type Listener = () => void;

let csrfToken: string | null = null;
const unauthorized = new Set<Listener>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Tells every listener that the login expired (any 401 outside the login form). */
export function notifyUnauthorized(): void {
  for (const l of unauthorized) l();
}

/** Called on any 401: the login expired (or never was). */
export function onUnauthorized(listener: Listener): () => void {
  unauthorized.add(listener);
  return () => unauthorized.delete(listener);
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 is the caller's business (the login form), not an expired login. */
  quiet401?: boolean;
  /** Extra headers (If-Match on documents). */
  headers?: Record<string, string>;
  /** A body sent as it is, not as JSON (a file upload). */
  raw?: Blob;
}

function headersFor(method: string, hasBody: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: "application/json" };
  if (hasBody) h["content-type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken !== null) h["x-csrf-token"] = csrfToken;
  return h;
}

export async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
  const hasBody = o.body !== undefined;
  const headers = { ...headersFor(method, hasBody), ...o.headers };
  if (o.raw) headers["content-type"] = o.raw.type || "application/octet-stream";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: o.raw ?? (hasBody ? JSON.stringify(o.body) : null),
      credentials: "same-origin",
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "NETWORK", "the server cannot be reached; check the connection and try again");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text !== "" && (res.headers.get("content-type") ?? "").includes("json")) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!res.ok) {
    const e = (parsed as { error?: ApiErrorBody } | undefined)?.error;
    const err = new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? `the server answered ${res.status}`, e?.details);
    if (res.status === 401 && !o.quiet401) notifyUnauthorized();
    throw err;
  }
  return (parsed ?? text) as T;
}

export const api = {
  get: <T>(path: string, o?: RequestOptions) => request<T>("GET", path, o),
  post: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>("POST", path, { ...o, body }),
  put: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>("PUT", path, { ...o, body }),
  patch: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>("PATCH", path, { ...o, body }),
  del: <T>(path: string, o?: RequestOptions) => request<T>("DELETE", path, o),
};

/** A query string from the defined entries ("?a=1&b=2", or "" when none). */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

export const enc = encodeURIComponent;
