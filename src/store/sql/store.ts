// Assembles the shared repositories over one backend's driver and dialect into a Store.
import type { Store, StoreTx, TransactionOptions } from "../types.js";
import { SqlDeviceRepo, SqlEventRepo } from "./devices.js";
import type { Dialect } from "./dialect.js";
import type { SqlDriver } from "./driver.js";
import { SqlFaultRepo } from "./faults.js";
import { SqlParameterRepo } from "./parameters.js";
import { PathDictionary } from "./param-paths.js";
import type { KeptTree } from "./tree-rows.js";
import { IndexedSet } from "./indexed-set.js";
import { SqlIndexedParameterRepo } from "./indexed-parameters.js";
import { storeScope, TxGuard, txScope, type Scope } from "./scope.js";
import { SqlSessionRepo } from "./sessions.js";
import { SqlCredentialRepo, SqlSettingsRepo } from "./settings.js";
import { SqlTaskRepo } from "./tasks.js";
import { StoreError } from "../errors.js";
import { SqlApiKeyRepo } from "./api-keys.js";
import { SqlProvisioningRepo } from "./provisioning.js";
import { SqlConnectionRequestRepo } from "./connection-requests.js";
import { SqlOutboxRepo, type OutboxSql } from "./outbox.js";
import { SqlWebhookDeliveryRepo, SqlWebhookRepo } from "./webhooks.js";
import { SqlFileRepo } from "./files.js";
import { SqlCampaignRepo } from "./campaigns.js";
import { SqlDigestNonceRepo } from "./digest-nonces.js";
import { SqlAuditRepo } from "./audit.js";
import { SqlUserRepo, SqlUserSessionRepo } from "./users.js";
import { SqlSavedFilterRepo } from "./saved-filters.js";
import { SqlSessionHistoryRepo } from "./session-history.js";
import { SqlFleetRepo } from "./fleet.js";
import { SqlTenantRepo } from "./tenants.js";
import { SqlDiagnosticRepo } from "./diagnostics.js";
import { SqlMetricRepo } from "./metrics.js";
import { SqlAlarmRepo } from "./alarms.js";
import { SqlOwedWakeRepo } from "./owed-wakes.js";
import { SqlUspDataModelRepo } from "./usp-data-models.js";
import { SqlUspEndpointRepo } from "./usp-endpoints.js";
import { SqlUspHoldRepo } from "./usp-holds.js";

/** What a backend adds beyond its Dialect: the outbox's reading rules, and its commit notifications. */
export interface SqlStoreExtensions {
  outbox: OutboxSql;
  /** Store.watchOutbox; without it, the store has no notifications (tailers poll). */
  watchOutbox?: (wake: () => void) => Promise<() => Promise<void>>;
  /** Told when a transaction (or a statement outside one) that appended events committed; closed with the store. */
  outboxCommits?: { committed(): void; close(): Promise<void> };
  /** Store.watchUspWakes; without it, wakes carried to a process are found by its poll only. */
  watchUspWakes?: (instance: string, wake: () => void) => Promise<() => Promise<void>>;
  /** Tells the process `instance` that a wake was carried to it (when the statement's transaction commits). */
  uspWakeCarried?: (s: Scope, instance: string) => Promise<void>;
}

/**
 * `appended`: called when the outbox's append returns (inside a transaction: it commits later). `inTx`:
 * the repositories serve one transaction (which may then keep what it read and wrote).
 */
function repos(scope: Scope, ext: SqlStoreExtensions, paths: PathDictionary, indexed: IndexedSet, appended: () => void, inTx = false): StoreTx {
  const kept = inTx ? new Map<string, KeptTree>() : null;
  return {
    devices: new SqlDeviceRepo(scope, paths, indexed, kept),
    events: new SqlEventRepo(scope),
    parameters: new SqlParameterRepo(scope, paths, indexed, kept),
    tasks: new SqlTaskRepo(scope),
    faults: new SqlFaultRepo(scope),
    sessions: new SqlSessionRepo(scope),
    settings: new SqlSettingsRepo(scope),
    credentials: new SqlCredentialRepo(scope),
    outbox: new SqlOutboxRepo(scope, ext.outbox, appended),
    apiKeys: new SqlApiKeyRepo(scope),
    webhooks: new SqlWebhookRepo(scope),
    webhookDeliveries: new SqlWebhookDeliveryRepo(scope),
    connectionRequests: new SqlConnectionRequestRepo(scope),
    provisioning: new SqlProvisioningRepo(scope),
    files: new SqlFileRepo(scope),
    campaigns: new SqlCampaignRepo(scope),
    digestNonces: new SqlDigestNonceRepo(scope),
    audit: new SqlAuditRepo(scope),
    users: new SqlUserRepo(scope),
    userSessions: new SqlUserSessionRepo(scope),
    savedFilters: new SqlSavedFilterRepo(scope),
    sessionHistory: new SqlSessionHistoryRepo(scope),
    fleet: new SqlFleetRepo(scope, paths, indexed),
    tenants: new SqlTenantRepo(scope),
    diagnostics: new SqlDiagnosticRepo(scope),
    metrics: new SqlMetricRepo(scope),
    alarms: new SqlAlarmRepo(scope),
    owedWakes: new SqlOwedWakeRepo(scope),
    uspEndpoints: new SqlUspEndpointRepo(scope),
    uspHolds: new SqlUspHoldRepo(scope, ext.uspWakeCarried),
    uspDataModels: new SqlUspDataModelRepo(scope),
    indexedParameters: new SqlIndexedParameterRepo(scope, indexed),
  };
}

export function createSqlStore(driver: SqlDriver, dialect: Dialect, ext: SqlStoreExtensions): Store {
  // One dictionary of parameter paths per store, shared by its transactions.
  const paths = new PathDictionary();
  // And one view of the operator's indexed parameters, which every write checks against the database's.
  const indexed = new IndexedSet();
  const committed = () => ext.outboxCommits?.committed();
  const base = repos(storeScope(driver, dialect), ext, paths, indexed, committed);
  // Watchers share a connection of their own: closing the store stops those still running first.
  const watchers = new Set<() => Promise<void>>();
  /** A watch the backend starts (none: the store has no notifications), stopped at most once, and by close(). */
  const watch = async (start: (() => Promise<() => Promise<void>>) | undefined): Promise<() => Promise<void>> => {
    if (start === undefined) return () => Promise.resolve();
    const stop = await start();
    const once = async () => {
      if (!watchers.delete(once)) return;
      await stop();
    };
    watchers.add(once);
    return once;
  };
  return {
    backend: dialect.name,
    ...base,
    async transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T> {
      let appended = false;
      let scope: Scope | null = null;
      const result = await driver.transaction(async (conn) => {
        appended = false;
        const guard = new TxGuard(conn);
        scope = txScope(guard, dialect);
        try {
          const result = await fn(repos(scope, ext, paths, indexed, () => (appended = true), true));
          if (guard.failure !== null) {
            throw new StoreError("STORE_TX_ABORTED", "a statement of the transaction failed (and the error was caught): rolled back",
              { cause: guard.failure });
          }
          return result;
        } finally {
          guard.close();
        }
      }, options);
      // Committed: what it inserted into the dictionary of paths names them for everyone now.
      if (scope !== null) paths.committed(scope);
      if (appended) committed();
      return result;
    },
    watchOutbox: (wake: () => void) => watch(ext.watchOutbox === undefined ? undefined : () => ext.watchOutbox!(wake)),
    watchUspWakes: (instance: string, wake: () => void) => watch(ext.watchUspWakes === undefined ? undefined : () => ext.watchUspWakes!(instance, wake)),
    async close() {
      await ext.outboxCommits?.close();
      await Promise.all([...watchers].map((stop) => stop()));
      await driver.close();
    },
  };
}
