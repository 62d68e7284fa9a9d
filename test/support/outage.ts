// The steps the database outage tests share, around an outage of their own making: a device known to
// the ACS with a task waiting for it; after the outage, proof that a refused exchange wrote nothing; then
// a session that runs the task.

import assert from "node:assert/strict";
import { xsdValue, type ParameterValueStruct } from "../../src/cwmp/index.js";
import { TaskService } from "../../src/server/tasks.js";
import { openStore } from "../../src/store/index.js";
import type { AcsProcess } from "./acs-process.js";
import { queryDirect } from "./pg.js";
import { rpcIn, type TestCpe } from "./test-cpe.js";

export const SOFTWARE_VERSION = "Device.DeviceInfo.SoftwareVersion";

export const softwareVersion = (v: string): ParameterValueStruct[] => [{ name: SOFTWARE_VERSION, value: xsdValue("xsd:string", v) }];

/** Bootstraps `cpe` (software version "1.0") and gives it a pending GetParameterValues task; resolves to the task's id. */
export async function deviceWithTask(cpe: TestCpe, db: string): Promise<string> {
  await cpe.inform(["0 BOOTSTRAP"], softwareVersion("1.0"));
  assert.equal((await cpe.send(null)).status, 204);
  const store = await openStore(db);
  try {
    return (await new TaskService(store, { maxAttempts: 3, expirySeconds: 0 }).create(cpe.deviceId, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] })).id;
  } finally {
    await store.close();
  }
}

/** Nothing of an exchange refused for the outage was written: no session held, the task untouched, the old value kept. */
export async function assertUntouched(db: string, cpe: TestCpe, taskId: string): Promise<void> {
  assert.deepEqual(await queryDirect(db, "SELECT device_id FROM sessions WHERE device_id = $1", [cpe.deviceId]), []);
  const [row] = await queryDirect(db, "SELECT status, attempts FROM tasks WHERE id = $1", [taskId]);
  assert.deepEqual({ ...row }, { status: "pending", attempts: 0 });
  // The software version is an indexed path: its value is in param_index too (sql/indexed-paths.ts).
  const [sv] = await queryDirect(db, "SELECT i.value FROM param_index i JOIN param_paths pp ON pp.id = i.path_id WHERE i.device_id = $1 AND pp.path = $2",
    [cpe.deviceId, SOFTWARE_VERSION]);
  assert.equal(sv!.value, "1.0");
}

/** A session after the outage runs the task to the end; the ACS logged the outage's start and end and still runs. */
export async function assertServesAgain(acs: AcsProcess, db: string, cpe: TestCpe, taskId: string, inform: ParameterValueStruct[] = []): Promise<void> {
  assert.equal((await cpe.inform(["2 PERIODIC"], inform)).status, 200);
  const rpc = await cpe.send(null);
  assert.equal(rpcIn(rpc).method, "GetParameterValues");
  assert.equal((await cpe.answer(rpc, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "5") }] })).status, 204);
  const store = await openStore(db);
  try {
    assert.equal((await store.tasks.get(taskId))?.status, "done");
  } finally {
    await store.close();
  }
  assert.equal(acs.child.exitCode, null, "the ACS is still running");
  assert.match(acs.output(), /the database is unavailable/);
  assert.match(acs.output(), /the database is available again/);
}
