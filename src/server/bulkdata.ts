// The Bulk Data collector (TR-181 Device.BulkData., TR-157's BulkData component on TR-098 devices):
// devices POST (or PUT) their reports to /bulkdata/<device id> on the CWMP port, authenticated with the
// collector credentials builtin:bulkdata gave them (bulkdata-auth.ts). Nothing of the body is read
// before the login is checked; the body is bounded (bulkData.maxBodyBytes, before and after gzip or
// deflate) and timed like a CWMP body (cwmp-server.ts reads it); the pure parser (../bulkdata) turns
// it into reports, with the CSV separators of the device's profile when the store knows them. In one transaction the reports' values are stored, each at its report's time and
// never over a value the store learned later, the observations go to the `onReport` hook (the
// performance history), and a device.bulkData event is written. Every refusal is answered with a
// status and a line saying why, and counted.

import { BulkDataError, DEFAULT_PARSE_LIMITS, parseBulkData, type BulkDataReport, type CsvSettings, type ParseLimits } from "../bulkdata/index.js";
import type { ParameterValueUpdate, Store, StoreTx } from "../store/types.js";
import { BodyError } from "./body.js";
import type { BulkDataAuth } from "./bulkdata-auth.js";
import { recordEvents, type AcsEvent, type EventBus } from "./events.js";
import type { Logger } from "./logger.js";

export const BULKDATA_PATH = "/bulkdata/";

/** What a report tells of one parameter, for the performance history. */
export interface Observation {
  path: string;
  value: string;
  type?: string;
}

/**
 * Called once per stored report, in its transaction (the performance history is wired here at merge:
 * server/metric-recorder.ts's recordObservations). Every value of the report is passed, including those
 * older than what the store holds.
 */
export type ReportHook = (tx: StoreTx, deviceId: string, observations: Observation[], at: Date) => Promise<void>;

export interface BulkDataOptions {
  store: Store;
  auth: BulkDataAuth;
  events: EventBus;
  log: Logger;
  clock: () => Date;
  /** What devices are given: the CWMP endpoint's URL as they reach it (known once it listens). */
  baseUrl: () => string;
  maxBodyBytes: number;
  limits?: Partial<ParseLimits>;
  onReport?: ReportHook;
  /** Counts each body by outcome (metrics.ts). */
  observe?: (outcome: string, reports: number) => void;
}

export interface BulkDataRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  secure: boolean;
  address: string | null;
  /** Reads the body within `maxBytes` (cwmp-server.ts: timeouts, minimum rate, inflation). Throws BodyError. */
  readBody(maxBytes: number): Promise<Buffer>;
}

export interface BulkDataAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

function header(h: BulkDataRequest["headers"], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

const ROOTS = /^(?:Device|InternetGatewayDevice)\.[^.]/;
const DEVICE_ID = /^[A-Za-z0-9.~_-]{1,1024}$/;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly outcome: string,
    readonly reason: string,
    readonly headers: Record<string, string | string[]> = {},
  ) {
    super(reason);
  }
}

export class BulkDataCollector {
  constructor(private readonly o: BulkDataOptions) {}

  /** Whether a request target is the collector's. */
  handles(url: string): boolean {
    return url.startsWith(BULKDATA_PATH);
  }

  /** The URL and credentials a device's BulkData profile points at Provisio with. */
  profileFor(deviceId: string): { url: string; username: string; password: string } {
    const base = this.o.baseUrl();
    return { url: `${base}${base.endsWith("/") ? "" : "/"}bulkdata/${deviceId}`, ...this.o.auth.credentials(deviceId) };
  }

  async serve(r: BulkDataRequest): Promise<BulkDataAnswer> {
    try {
      const { reports, values } = await this.collect(r);
      this.o.observe?.("accepted", reports);
      return { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: `stored ${reports} report(s), ${values} value(s)\n` };
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      this.o.observe?.(err.outcome, 0);
      if (err.status !== 401) this.o.log.info({ address: r.address, path: r.url.split("?")[0], status: err.status, reason: err.reason }, "Bulk Data report refused");
      // A refused body is not read on: the connection cannot carry another request after it.
      return { status: err.status, headers: { "Content-Type": "text/plain; charset=utf-8", Connection: "close", ...err.headers }, body: `${err.reason}\n` };
    }
  }

  private async collect(r: BulkDataRequest): Promise<{ reports: number; values: number }> {
    if (r.method !== "POST" && r.method !== "PUT") throw new Refusal(405, "method", "Bulk Data reports are sent with POST or PUT", { Allow: "POST, PUT" });
    const deviceId = r.url.slice(BULKDATA_PATH.length).split("?")[0]!;
    if (!DEVICE_ID.test(deviceId)) throw new Refusal(404, "not-found", "the URL names no device (/bulkdata/<device id>)");
    const now = this.o.clock();
    const login = this.o.auth.authenticate({ authorization: header(r.headers, "authorization"), method: r.method, url: r.url, secure: r.secure, address: r.address, now: now.getTime() });
    if (!login.ok) throw new Refusal(login.status, login.status === 503 ? "auth-limited" : "unauthenticated", login.reason, login.headers);
    if (login.username !== deviceId) throw new Refusal(403, "forbidden", "these credentials are another device's");
    let body: Buffer;
    try {
      body = await r.readBody(this.o.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyError) throw new Refusal(err.status, err.code === "BODY_TOO_LARGE" ? "too-large" : "body", `${err.code}: ${err.message}`);
      throw err;
    }
    const contentType = header(r.headers, "content-type");
    let reports: BulkDataReport[];
    try {
      const csv = /csv/i.test(contentType ?? "") ? await this.csvSettings(deviceId) : undefined;
      reports = parseBulkData({
        body,
        contentType,
        reportFormat: header(r.headers, "bbf-report-format"),
        limits: { ...DEFAULT_PARSE_LIMITS, ...this.o.limits },
        ...(csv === undefined ? {} : { csv }),
      });
    } catch (err) {
      if (err instanceof BulkDataError) throw new Refusal(err.status, err.code === "BULKDATA_LIMIT" ? "too-large" : "malformed", `${err.code}: ${err.message}`);
      throw err;
    }
    const sent = dateHeader(header(r.headers, "date"), now);
    const stored = await this.o.store.transaction(async (tx) => {
      if (login.digestUse !== undefined && !(await tx.digestNonces.use(login.digestUse.nonce, login.digestUse.nc, login.digestUse.expiresAt))) return null;
      if ((await tx.devices.get(deviceId)) === null) throw new Refusal(404, "unknown-device", `no device ${deviceId} (deleted?)`);
      const result = await this.store(tx, deviceId, reports, sent, now);
      const event: AcsEvent = { type: "device.bulkData", deviceId, at: now, reports: reports.length, values: result.values, collectedAt: result.latest.toISOString() };
      return { ...result, events: await recordEvents(tx, [event]) };
    });
    if (stored === null) {
      const again = this.o.auth.replayed(now.getTime(), r.secure);
      throw new Refusal(401, "unauthenticated", again.ok ? "" : again.reason, again.ok ? {} : again.headers);
    }
    if (login.digestUse !== undefined) this.o.auth.loggedIn(r.address, deviceId, now.getTime());
    for (const e of stored.events) this.o.events.emit(e);
    return { reports: reports.length, values: stored.values };
  }

  /**
   * The CSV separators of the device's profile that reports here, as the store last knew them: a
   * profile with an escape character or row separator of its own cannot be read without them.
   */
  private async csvSettings(deviceId: string): Promise<CsvSettings | undefined> {
    for (const root of ["Device.", "InternetGatewayDevice."]) {
      const rows = await this.o.store.parameters.subtree(deviceId, `${root}BulkData.Profile.`);
      const value = (path: string) => rows.find((x) => x.path === path)?.value ?? "";
      for (const url of rows) {
        if (!url.path.endsWith(".HTTP.URL") || !(url.value ?? "").includes(`${BULKDATA_PATH}${deviceId}`)) continue;
        const p = url.path.slice(0, -"HTTP.URL".length);
        if (value(`${p}EncodingType`) !== "CSV") continue;
        const settings: CsvSettings = {};
        if (value(`${p}CSVEncoding.FieldSeparator`) !== "") settings.fieldSeparator = value(`${p}CSVEncoding.FieldSeparator`);
        if (value(`${p}CSVEncoding.RowSeparator`) !== "") settings.rowSeparator = value(`${p}CSVEncoding.RowSeparator`);
        if (value(`${p}CSVEncoding.EscapeCharacter`) !== "") settings.escapeCharacter = value(`${p}CSVEncoding.EscapeCharacter`);
        return settings;
      }
      if (rows.length > 0) return undefined;
    }
    return undefined;
  }

  /**
   * Stores the newest value the reports give for each path, at its report's time, unless the store
   * learned the path's value later (a session's read, a later report that came first).
   */
  private async store(tx: StoreTx, deviceId: string, reports: BulkDataReport[], sent: Date, now: Date): Promise<{ values: number; latest: Date }> {
    const newest = new Map<string, { value: string; type: string | undefined; at: Date }>();
    let latest = new Date(0);
    const timed = reports.map((report) => {
      // A report without a time was collected when sent; a device clock ahead of ours is not believed.
      const at = new Date(Math.min((report.collectedAt ?? sent).getTime(), now.getTime()));
      if (at > latest) latest = at;
      for (const v of report.values) {
        // A name that is not a path (a profile's Parameter.{i}.Name alias) reaches the hook only.
        if (!ROOTS.test(v.path)) continue;
        const held = newest.get(v.path);
        if (held === undefined || held.at <= at) newest.set(v.path, { value: v.value, type: v.type, at });
      }
      return { report, at };
    });
    const known = new Map((await tx.parameters.get(deviceId, [...newest.keys()])).map((p) => [p.path, p]));
    const byTime = new Map<number, ParameterValueUpdate[]>();
    for (const [path, v] of newest) {
      const held = known.get(path);
      if (held?.object === true || (held?.valueAt !== null && held?.valueAt !== undefined && held.valueAt > v.at)) continue;
      const list = byTime.get(v.at.getTime()) ?? [];
      list.push({ path, value: v.value, type: held?.type ?? v.type ?? "xsd:string" });
      byTime.set(v.at.getTime(), list);
    }
    let values = 0;
    for (const [at, list] of byTime) {
      await tx.parameters.setValues(deviceId, list, new Date(at));
      values += list.length;
    }
    const hook = this.o.onReport;
    const typed = (v: Observation): Observation => {
      const type = v.type ?? known.get(v.path)?.type ?? null;
      return type === null ? v : { ...v, type };
    };
    if (hook !== undefined) for (const t of timed) await hook(tx, deviceId, t.report.values.map(typed), t.at);
    return { values, latest };
  }
}

/** When the device sent the body: its Date header (HTTP.UseDateHeader), else now; never later than now. */
function dateHeader(value: string | undefined, now: Date): Date {
  const ms = value === undefined ? NaN : Date.parse(value);
  return Number.isNaN(ms) || ms > now.getTime() ? now : new Date(ms);
}
