// Starting an ACS for a test, on a given backend, bound to 127.0.0.1 on free ports.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../../src/config/index.js";
import { startAcs, type Acs } from "../../src/server/acs.js";
import type { Logger } from "../../src/server/logger.js";
import type { Backend } from "./pg.js";

export interface TestAcs {
  acs: Acs;
  config: Readonly<Config>;
  dataDir: string;
  dbUrl: string;
  url: string;
  username: string;
  password: string;
  /** Moves this ACS's clock (when started with a manual clock). */
  advance(ms: number): void;
  stop(): Promise<void>;
}

export interface TestAcsOptions {
  /** Settings as in a configuration file, merged over the test defaults. */
  settings?: Record<string, unknown>;
  /** Use a clock the test moves with advance(). */
  manualClock?: boolean;
  dbUrl?: string;
  /** Where the ACS logs (default: nowhere). */
  log?: Logger;
}

export function testConfig(dataDir: string, dbUrl: string, settings: Record<string, unknown> = {}): Readonly<Config> {
  const cwmp = { host: "127.0.0.1", port: 0, ...((settings.cwmp as object | undefined) ?? {}) };
  // The REST API too listens on a free port of 127.0.0.1, so that test ACSs never collide on 7557.
  const nbi = { host: "127.0.0.1", port: 0, ...((settings.nbi as object | undefined) ?? {}) };
  const files = { host: "127.0.0.1", port: 0, ...((settings.files as object | undefined) ?? {}) };
  // So do the USP controller's WebSocket endpoint (7577 by default) and its embedded MQTT broker (1883).
  const uspSettings = (settings.usp as { websocket?: object; mqtt?: object } | undefined) ?? {};
  const usp = {
    ...uspSettings,
    websocket: { host: "127.0.0.1", port: 0, ...(uspSettings.websocket ?? {}) },
    mqtt: { embeddedHost: "127.0.0.1", embeddedPort: 0, ...(uspSettings.mqtt ?? {}) },
  };
  // Tests say which presets they want: the default ones (discovery at bootstrap) only where asked for.
  const provisioning = { defaultPresets: false, ...((settings.provisioning as object | undefined) ?? {}) };
  return loadConfig({ file: { ...settings, dataDir, db: dbUrl, log: { level: "silent", ...((settings.log as object | undefined) ?? {}) }, cwmp, nbi, files, provisioning, usp } });
}

export async function startTestAcs(backend: Backend, options: TestAcsOptions = {}): Promise<TestAcs> {
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-acs-"));
  const dbUrl = options.dbUrl ?? (await backend.freshUrl());
  const config = testConfig(dataDir, dbUrl, options.settings);
  let now = Date.now();
  const acs = await startAcs(config, {
    ...(options.manualClock ? { clock: () => new Date(now) } : {}),
    ...(options.log ? { log: options.log } : {}),
    housekeepingIntervalMs: 3_600_000,
  });
  return {
    acs,
    config,
    dataDir,
    dbUrl,
    url: acs.cwmpUrl,
    username: acs.bootstrap.username,
    password: acs.bootstrap.password!,
    advance(ms) {
      now += ms;
    },
    async stop() {
      await acs.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
