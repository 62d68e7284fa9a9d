// Assembles the shared repositories over one backend's driver and dialect into a Store.
import type { Store, StoreTx } from "../types.js";
import { SqlDeviceRepo, SqlEventRepo } from "./devices.js";
import type { Dialect } from "./dialect.js";
import type { SqlDriver } from "./driver.js";
import { SqlFaultRepo } from "./faults.js";
import { SqlParameterRepo } from "./parameters.js";
import { storeScope, TxGuard, txScope, type Scope } from "./scope.js";
import { SqlSessionRepo } from "./sessions.js";
import { SqlCredentialRepo, SqlSettingsRepo } from "./settings.js";
import { SqlTaskRepo } from "./tasks.js";
import { StoreError } from "../errors.js";

function repos(scope: Scope): StoreTx {
  return {
    devices: new SqlDeviceRepo(scope),
    events: new SqlEventRepo(scope),
    parameters: new SqlParameterRepo(scope),
    tasks: new SqlTaskRepo(scope),
    faults: new SqlFaultRepo(scope),
    sessions: new SqlSessionRepo(scope),
    settings: new SqlSettingsRepo(scope),
    credentials: new SqlCredentialRepo(scope),
  };
}

export function createSqlStore(driver: SqlDriver, dialect: Dialect): Store {
  const base = repos(storeScope(driver, dialect));
  return {
    backend: dialect.name,
    ...base,
    transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
      return driver.transaction(async (conn) => {
        const guard = new TxGuard(conn);
        try {
          const result = await fn(repos(txScope(guard, dialect)));
          if (guard.failure !== null) {
            throw new StoreError("STORE_TX_ABORTED", "a statement of the transaction failed (and the error was caught): rolled back",
              { cause: guard.failure });
          }
          return result;
        } finally {
          guard.close();
        }
      });
    },
    close: () => driver.close(),
  };
}
