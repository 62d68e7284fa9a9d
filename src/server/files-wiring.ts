// Files and firmware campaigns wired into one ACS process (startAcs calls these): the file store, the
// file server and its URLs, download and upload tasks that use them, housekeeping of unused content,
// and the campaign service and runner.

import { isAbsolute, join, resolve } from "node:path";
import type { Config } from "../config/index.js";
import { generateSecret } from "../auth/index.js";
import { FileContent, FileLinks, FileService, startFileServer, type RunningFileServer } from "../files/index.js";
import type { Store } from "../store/types.js";
import type { SealArgs } from "./task-secrets.js";
import { CampaignRunner } from "./campaign-runner.js";
import { CampaignService } from "./campaigns.js";
import type { AcsEvent } from "./events.js";
import { FileTasks } from "./file-tasks.js";
import { logPassFailure, type Logger } from "./logger.js";

export interface FilesPart {
  files: FileService;
  /** Null when the file server is off. */
  links: FileLinks | null;
  fileTasks: FileTasks;
  server: RunningFileServer | null;
  /** The URL devices are given (files.publicUrl, or made from host and port); null when off. */
  url: string | null;
  close(): Promise<void>;
}

const SWEEP_MS = 3_600_000;
/** TR-143 tests one process serves at once: enough for a fleet's batch, few enough not to saturate its link. */
const SPEED_TESTS_AT_ONCE = 64;

function urlOf(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}/`;
}

/** Where and how file content is kept, by `serve` and by the CLI commands that add files. */
export function fileService(config: Readonly<Config>, store: Store, dataDir: string, clock: () => Date): FileService {
  const f = config.files;
  const dir = f.dir === "" ? join(dataDir, "files") : isAbsolute(f.dir) ? f.dir : resolve(f.dir);
  const storage = f.storage === "auto" ? (store.backend === "postgres" ? "database" : "disk") : f.storage;
  const content = new FileContent(() => store.files, dir, storage, clock);
  return new FileService(store, content, { maxBytes: f.maxSize, maxUploadBytes: f.maxUploadSize }, clock);
}

export async function startFiles(
  config: Config,
  d: { store: Store; dataDir: string; nonceSecret: string; log: Logger; clock: () => Date; sweepMs?: number },
): Promise<FilesPart> {
  const f = config.files;
  const files = fileService(config, d.store, d.dataDir, d.clock);
  // One secret for every process sharing the store: any of them checks a URL another made.
  const secret = String(await d.store.settings.setIfAbsent("files.tokenSecret", generateSecret(32)));
  let server: RunningFileServer | null = null;
  let links: FileLinks | null = null;
  let url: string | null = null;
  if (f.enabled) {
    // The URLs need the port, which port 0 only gives once listening: the server gets the links through this.
    const holder: { links: FileLinks } = { links: new FileLinks({ baseUrl: "http://127.0.0.1/", secret, digest: f.auth === "token+digest" }) };
    server = await startFileServer({
      host: f.host,
      port: f.port,
      files,
      get links() {
        return holder.links;
      },
      nonceSecret: d.nonceSecret,
      nonceTtlMs: config.cwmp.nonceTtl * 1000,
      clock: d.clock,
      log: d.log,
      speedTests: { maxBytes: config.diagnostics.speedTestMaxBytes, maxConcurrent: SPEED_TESTS_AT_ONCE },
    });
    url = f.publicUrl !== "" ? f.publicUrl : urlOf(f.host, server.port);
    links = new FileLinks({ baseUrl: url, secret, digest: f.auth === "token+digest" });
    holder.links = links;
  }
  const fileTasks = new FileTasks(links, (id) => d.store.files.get(id), { tokenTtlSeconds: f.tokenTtl });
  const sweeping = { running: Promise.resolve() as Promise<unknown> };
  const timer = setInterval(() => {
    sweeping.running = sweeping.running.then(() => files.sweep()).catch((err: unknown) => logPassFailure(d.log, "error", err, "sweeping unused file content failed"));
  }, d.sweepMs ?? SWEEP_MS);
  timer.unref();
  const running = server;
  return {
    files,
    links,
    fileTasks,
    server,
    url,
    async close() {
      clearInterval(timer);
      await sweeping.running;
      await running?.close();
    },
  };
}

export interface CampaignsPart {
  campaigns: CampaignService;
  runner: CampaignRunner;
  close(): Promise<void>;
}

export function startCampaigns(
  config: Config,
  d: {
    store: Store;
    fileTasks: FileTasks;
    wake: (targets: { deviceId: string; taskId: string }[]) => void;
    publish: (events: readonly AcsEvent[]) => void;
    log: Logger;
    clock: () => Date;
    /** Do not start the runner's timer (tests drive it with runner.pass()). */
    manual?: boolean;
    sealArgs?: SealArgs;
  },
): CampaignsPart {
  const campaigns = new CampaignService(d.store, { taskExpiry: config.campaigns.taskExpiry, maxAttempts: config.tasks.maxAttempts }, d.publish, d.clock);
  const runner = new CampaignRunner({
    store: d.store,
    campaigns,
    fileTasks: d.fileTasks,
    wake: d.wake,
    publish: d.publish,
    log: d.log,
    clock: d.clock,
    intervalMs: config.campaigns.interval * 1000,
    leaseMs: config.campaigns.lease * 1000,
    onlineWithinMs: config.nbi.onlineWindow * 1000,
    ...(d.sealArgs === undefined ? {} : { sealArgs: d.sealArgs }),
  });
  if (d.manual !== true) runner.start();
  return { campaigns, runner, close: () => runner.stop() };
}
