// What the REST API's plugins work with: the ACS's services, passed in (no module state).

import type { ApiKeyAuthenticator } from "../server/api-keys.js";
import type { Logins } from "../server/logins.js";
import type { ConnectionRequests } from "../server/connection-requests.js";
import type { EventFeed } from "../server/event-feed.js";
import type { EventBus } from "../server/events.js";
import type { Logger } from "../server/logger.js";
import type { AcsMetrics } from "../server/metrics.js";
import type { ProvisioningService } from "../server/provisioning.js";
import type { SecretBox } from "../server/secrets.js";
import type { TaskService } from "../server/tasks.js";
import type { WebhookService } from "../server/webhooks.js";
import type { FileService } from "../files/index.js";
import type { CampaignService } from "../server/campaigns.js";
import type { DiagnosticService } from "../server/diagnostic-runs.js";
import type { DiagnosticFleets } from "../server/diagnostic-fleets.js";
import type { MetricService } from "../server/metric-service.js";
import type { Store } from "../store/types.js";
import type { AlarmService } from "../server/alarms.js";

export interface NbiSettings {
  maxPageSize: number;
  maxWaitSeconds: number;
  bulkLimit: number;
  onlineWindowMs: number;
  maxEventStreams: number;
  heartbeatMs: number;
  /** Addresses or CIDR ranges of proxies whose X-Forwarded-For names the client (the audit trail's address); none: the peer is the client. */
  trustedProxies?: readonly string[];
  /** Check every response against its schema (tests); a mismatch is then a 500. */
  checkResponses: boolean;
}

export interface NbiContext {
  store: Store;
  tasks: TaskService;
  connectionRequests: ConnectionRequests;
  feed: EventFeed;
  events: EventBus;
  webhooks: WebhookService;
  /** Stored files and device uploads. */
  files: FileService;
  campaigns: CampaignService;
  diagnostics: DiagnosticService;
  fleets: DiagnosticFleets;
  /** Seconds a diagnostic run may take by default (diagnostics.timeout). */
  diagnosticTimeout: number;
  /** Metric definitions, devices' series and fleet aggregates (performance history). */
  metricService: MetricService;
  provisioning: ProvisioningService;
  /** Alarm rules: a change through the API makes this process read them again at once. */
  alarms: AlarmService;
  metrics: AcsMetrics;
  keys: ApiKeyAuthenticator;
  /** Console users' logins (session cookies). */
  logins: Logins;
  box: SecretBox;
  settings: NbiSettings;
  log: Logger;
  clock: () => Date;
  /**
   * Where the built web console is (plugins/console.ts: DEFAULT_CONSOLE_DIR), null to serve none;
   * undefined (tests of the API alone): no console routes at all.
   */
  consoleDir?: string | null;
  /** The running configuration with its secrets masked (config/masked.ts), for GET /api/config. */
  config: Record<string, unknown>;
  /** sessionHistory.perDevice: how many sessions GET /api/devices/:id/sessions can list. */
  sessionHistoryPerDevice: number;
  /** What GET /api/status reports about this process. */
  info: { version: string; cwmpUrl: string };
  /** The USP controller's agents this process reaches now (docs/usp.md); absent when USP is off. */
  usp?: { connected(): string[] };
}
