// Bulk Data reports (TR-181 Device.BulkData.), the device side: every enabled profile of an enabled
// BulkData object whose Protocol is HTTP and whose HTTP.URL is set sends a report every
// ReportingInterval (simulated time, in phase with TimeReference when it is set), collected from its
// Parameter.{i}.Reference paths (an object path: every parameter under it), in its EncodingType with
// its JSONEncoding or CSVEncoding settings, with its HTTP.Method, Compression, Date header and
// RequestURIParameters. A 401 is answered once with the profile's Username and Password (Digest or
// Basic, as the collector asks). A failed transfer is retried when RetryEnable is true, after a random
// wait between RetryMinimumWaitInterval and that times RetryIntervalMultiplier/1000, growing by the
// multiplier each time, until the next report is due; then it is kept, with up to
// NumberOfRetainedFailedReports others (-1: no limit), and sent with the next.
//
// Settings are read whenever the runtime says the device may have changed (a session ended, a boot):
// a profile whose settings changed starts its interval again, as TR-181 asks.

import { randomBytes, randomInt } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { deflateSync, gzipSync } from "node:zlib";
import { digestAuthorization, formatBasicAuthorization, parseChallenge, pickChallenge } from "../../auth/index.js";
import { encodeReports, type EncodeSettings, type ReportToEncode, type TimestampFormat } from "../../bulkdata/index.js";
import type { Cpe } from "../cpe.js";
import type { SimClock, TimerHandle } from "./clock.js";
import type { ChannelDevice } from "./connection-requests.js";

export interface BulkDataSenderOptions {
  /** Longest wait for the collector, per request (real time). Default 30,000 ms. */
  timeoutMs?: number;
  /** Called for every report body sent, with the collector's answer (0: no answer). */
  onReport?: (r: BulkDataSent) => void;
}

export interface BulkDataSent {
  device: number;
  serialNumber: string;
  profile: string;
  status: number;
  /** Reports in the body (retained failed ones included). */
  reports: number;
  /** The collector's answer text, or why there was none. */
  detail: string;
}

interface ProfileSettings {
  path: string;
  url: string;
  username: string;
  password: string;
  method: "POST" | "PUT";
  compression: "GZIP" | "Deflate" | "None";
  useDate: boolean;
  intervalMs: number;
  timeReference: number | null;
  retry: { minMs: number; multiplier: number } | null;
  retained: number;
  encode: EncodeSettings;
  references: string[];
  uriParameters: { name: string; reference: string }[];
}

interface ProfileRun {
  key: string;
  settings: ProfileSettings;
  timer: TimerHandle | undefined;
  failed: ReportToEncode[];
  sending: boolean;
}

function rows(cpe: Cpe, table: string): string[] {
  const node = cpe.tree.resolve(table, cpe.tree.bootTime);
  if (node?.kind !== "table") return [];
  return cpe.tree.instancesOf(node.def, node.inst, cpe.tree.bootTime, node.path).map((n) => `${node.path}${n}.`);
}

/** The enabled HTTP profiles of a device, as settings. */
export function bulkDataProfiles(cpe: Cpe): ProfileSettings[] {
  const root = cpe.model.root.path;
  if (cpe.read(`${root}BulkData.Enable`) !== "true") return [];
  const out: ProfileSettings[] = [];
  for (const p of rows(cpe, `${root}BulkData.Profile.`)) {
    const read = (name: string) => cpe.read(p + name) ?? "";
    const url = read("HTTP.URL");
    if (read("Enable") !== "true" || read("Protocol") !== "HTTP" || url === "") continue;
    const csv = read("EncodingType") === "CSV";
    const ref = Date.parse(read("TimeReference"));
    const multiplier = Number(read("HTTP.RetryIntervalMultiplier")) / 1000;
    out.push({
      path: p,
      url,
      username: read("HTTP.Username"),
      password: read("HTTP.Password"),
      method: read("HTTP.Method") === "PUT" ? "PUT" : "POST",
      compression: read("HTTP.Compression") === "GZIP" ? "GZIP" : read("HTTP.Compression") === "Deflate" ? "Deflate" : "None",
      useDate: read("HTTP.UseDateHeader") !== "false",
      intervalMs: Math.max(1, Number(read("ReportingInterval")) || 86400) * 1000,
      timeReference: Number.isNaN(ref) || ref < Date.UTC(1971, 0, 1) ? null : ref,
      retry: read("HTTP.RetryEnable") === "true" ? { minMs: Math.max(1, Number(read("HTTP.RetryMinimumWaitInterval")) || 5) * 1000, multiplier: Math.max(1, multiplier || 2) } : null,
      retained: Number(read("NumberOfRetainedFailedReports")) || 0,
      encode: {
        encoding: csv ? "CSV" : "JSON",
        format: (read(csv ? "CSVEncoding.ReportFormat" : "JSONEncoding.ReportFormat") || (csv ? "ParameterPerRow" : "ObjectHierarchy")) as EncodeSettings["format"],
        timestamp: (read(csv ? "CSVEncoding.RowTimestamp" : "JSONEncoding.ReportTimestamp") || "Unix-Epoch") as TimestampFormat,
        ...(csv ? { csv: { fieldSeparator: read("CSVEncoding.FieldSeparator"), rowSeparator: read("CSVEncoding.RowSeparator"), escapeCharacter: read("CSVEncoding.EscapeCharacter") } } : {}),
      },
      references: rows(cpe, `${p}Parameter.`).map((r) => cpe.read(`${r}Reference`) ?? "").filter((r) => r !== ""),
      uriParameters: rows(cpe, `${p}HTTP.RequestURIParameter.`).map((r) => ({ name: cpe.read(`${r}Name`) ?? "", reference: cpe.read(`${r}Reference`) ?? "" })).filter((u) => u.reference !== ""),
    });
  }
  return out;
}

/** The values of a profile's references now: a parameter, or every parameter under an object. */
function collect(cpe: Cpe, references: readonly string[], now: number): ReportToEncode {
  const values: { path: string; value: string; type: string }[] = [];
  for (const ref of references) {
    const node = cpe.tree.resolve(ref, now);
    if (node === undefined) continue;
    cpe.tree.forEachParam(node, now, (path, def, inst) => {
      if (!def.secret) values.push({ path, value: cpe.tree.value(path, def, inst, now), type: def.type });
    });
  }
  return { at: now, values };
}

export class BulkDataSender {
  private readonly devices = new Map<number, Map<string, ProfileRun>>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly clock: SimClock,
    private readonly o: BulkDataSenderOptions = {},
  ) {}

  update(dev: ChannelDevice): void {
    if (this.closed) return;
    const wanted = dev.up ? bulkDataProfiles(dev.cpe) : [];
    const runs = this.devices.get(dev.index) ?? new Map<string, ProfileRun>();
    const keep = new Set<string>();
    for (const s of wanted) {
      const key = JSON.stringify(s);
      keep.add(s.path);
      const run = runs.get(s.path);
      if (run !== undefined && run.key === key) continue;
      if (run?.timer !== undefined) this.clock.clearTimer(run.timer);
      const fresh: ProfileRun = { key, settings: s, timer: undefined, failed: run?.failed ?? [], sending: false };
      runs.set(s.path, fresh);
      this.arm(dev, fresh);
    }
    for (const [path, run] of runs) {
      if (keep.has(path)) continue;
      if (run.timer !== undefined) this.clock.clearTimer(run.timer);
      runs.delete(path);
    }
    if (runs.size === 0) this.devices.delete(dev.index);
    else this.devices.set(dev.index, runs);
  }

  private arm(dev: ChannelDevice, run: ProfileRun): void {
    const { intervalMs, timeReference } = run.settings;
    const now = this.clock.now();
    // With a TimeReference, intervals end at it plus or minus whole intervals.
    const wait = timeReference === null ? intervalMs : ((((timeReference - now) % intervalMs) + intervalMs) % intervalMs) || intervalMs;
    run.timer = this.clock.setTimer(() => this.due(dev, run), wait);
  }

  private due(dev: ChannelDevice, run: ProfileRun): void {
    run.timer = undefined;
    if (this.closed || this.devices.get(dev.index)?.get(run.settings.path) !== run) return;
    this.arm(dev, run);
    const report = collect(dev.cpe, run.settings.references, this.clock.now());
    if (run.sending) {
      this.retain(run, [report]);
      return;
    }
    const reports = [...run.failed, report];
    run.failed = [];
    run.sending = true;
    void this.deliver(dev, run, reports).finally(() => (run.sending = false));
  }

  /** Keeps reports not delivered for the next body, the newest NumberOfRetainedFailedReports of them. */
  private retain(run: ProfileRun, reports: ReportToEncode[]): void {
    const limit = run.settings.retained;
    const all = [...run.failed, ...reports].sort((a, b) => a.at - b.at);
    run.failed = limit < 0 ? all : limit === 0 ? [] : all.slice(-limit);
  }

  private async deliver(dev: ChannelDevice, run: ProfileRun, reports: ReportToEncode[]): Promise<void> {
    const s = run.settings;
    let waitMs = s.retry === null ? 0 : s.retry.minMs + randomInt(0, Math.max(1, Math.floor(s.retry.minMs * (s.retry.multiplier - 1)) + 1));
    const deadline = this.clock.now() + s.intervalMs;
    for (;;) {
      const r = await this.send(dev, s, reports);
      this.o.onReport?.({ device: dev.index, serialNumber: dev.serialNumber, profile: s.path, status: r.status, reports: reports.length, detail: r.detail });
      if ((r.status >= 200 && r.status < 300) || this.closed) return;
      if (s.retry === null || this.clock.now() + waitMs >= deadline || this.devices.get(dev.index)?.get(s.path) !== run) break;
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, waitMs));
      waitMs = Math.floor(waitMs * s.retry.multiplier);
    }
    this.retain(run, reports);
  }

  private async send(dev: ChannelDevice, s: ProfileSettings, reports: ReportToEncode[]): Promise<{ status: number; detail: string }> {
    const encoded = encodeReports(reports, s.encode);
    let url: URL;
    try {
      url = new URL(s.url);
      for (const u of s.uriParameters) url.searchParams.append(u.name || u.reference, dev.cpe.read(u.reference, this.clock.now()) ?? "");
    } catch {
      return { status: 0, detail: `HTTP.URL ${s.url} is not a URL` };
    }
    let body: Buffer = Buffer.from(encoded.body, "utf8");
    const headers: Record<string, string> = { "Content-Type": encoded.contentType, "BBF-Report-Format": encoded.reportFormat, "User-Agent": "provisio-sim" };
    if (s.compression !== "None") {
      body = s.compression === "GZIP" ? gzipSync(body) : deflateSync(body);
      headers["Content-Encoding"] = s.compression === "GZIP" ? "gzip" : "deflate";
    }
    if (s.useDate) headers.Date = new Date(this.clock.now()).toUTCString();
    let nc = 0;
    let authorization: string | undefined;
    for (;;) {
      const answer = await this.request(url, s.method, { ...headers, ...(authorization === undefined ? {} : { Authorization: authorization }) }, body);
      if (answer.status !== 401 || authorization !== undefined || s.username === "") return answer;
      const challenge = pickChallenge(parseChallenge(answer.challenges), { allowBasic: true });
      if (challenge === undefined) return answer;
      authorization = challenge.scheme === "Basic"
        ? formatBasicAuthorization(s.username, s.password)
        : digestAuthorization({ challenge, username: s.username, password: s.password, method: s.method, uri: url.pathname + url.search, cnonce: randomBytes(8).toString("hex"), nc: ++nc });
    }
  }

  private request(url: URL, method: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; detail: string; challenges: string[] }> {
    const abort = new AbortController();
    this.inFlight.add(abort);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<{ status: number; detail: string; challenges: string[] }>((resolve) => {
      const req = send(url, { method, headers: { ...headers, "Content-Length": String(body.length), Connection: "close" }, timeout: this.o.timeoutMs ?? 30_000, signal: abort.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, detail: Buffer.concat(chunks).toString("utf8").trim().slice(0, 500), challenges: res.headersDistinct["www-authenticate"] ?? [] }));
        res.on("error", (err) => resolve({ status: 0, detail: err.message, challenges: [] }));
      });
      req.on("timeout", () => req.destroy(new Error("the collector did not answer in time")));
      req.on("error", (err) => resolve({ status: 0, detail: err.message, challenges: [] }));
      req.end(body);
    }).finally(() => this.inFlight.delete(abort));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const runs of this.devices.values()) for (const run of runs.values()) if (run.timer !== undefined) this.clock.clearTimer(run.timer);
    this.devices.clear();
    for (const a of this.inFlight) a.abort();
  }
}
