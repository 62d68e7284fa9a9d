// What the REST API's plugins work with: the ACS's services, passed in (no module state).

import type { ApiKeyAuthenticator } from "../server/api-keys.js";
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
import type { Store } from "../store/types.js";

export interface NbiSettings {
  maxPageSize: number;
  maxWaitSeconds: number;
  bulkLimit: number;
  onlineWindowMs: number;
  maxEventStreams: number;
  heartbeatMs: number;
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
  provisioning: ProvisioningService;
  metrics: AcsMetrics;
  keys: ApiKeyAuthenticator;
  box: SecretBox;
  settings: NbiSettings;
  log: Logger;
  clock: () => Date;
  /** What GET /api/status reports about this process. */
  info: { version: string; cwmpUrl: string };
}
