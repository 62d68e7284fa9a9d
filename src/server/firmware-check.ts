// The version check after a firmware download. A download or scheduleDownload task with
// `expectedVersion` (filled from a firmware file's version) is done only when the device reports that
// SoftwareVersion:
//
// - TransferComplete without a fault: if the device already reports the version (a CPE reboots into the
//   new image before it sends TransferComplete, with 1 BOOT in the same session), the task is done; if
//   this session began with 1 BOOT and the version is another, the image did not take: failed with
//   firmware.version_mismatch. Otherwise the CPE has not rebooted yet: the task stays waiting, with
//   `verifying` in its result.
// - A later Inform with 1 BOOT (or 0 BOOTSTRAP) settles a verifying task: done when the version is the
//   expected one, failed with firmware.version_mismatch when not.
//
// The SoftwareVersion is the one the Inform carried (stored before these checks run).

import type { JsonValue, StoreTx, TaskRecord } from "../store/types.js";
import { SOFTWARE_VERSION_PATHS } from "../model/index.js";


export const VERSION_MISMATCH = "firmware.version_mismatch";

export type Settlement = { ok: true; result: JsonValue } | { ok: false; code: string; message: string; detail?: JsonValue; retry: false };

function record(v: JsonValue): Record<string, JsonValue> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : {};
}

/** The version a task waits to see, if any. */
export function expectedVersionOf(task: Pick<TaskRecord, "name" | "args">): string | null {
  if (task.name !== "download" && task.name !== "scheduleDownload") return null;
  const v = record(task.args).expectedVersion;
  return typeof v === "string" && v !== "" ? v : null;
}

/** The SoftwareVersion the device last reported (null when it never did). */
export async function reportedVersion(tx: StoreTx, deviceId: string): Promise<string | null> {
  const rows = await tx.parameters.get(deviceId, [...SOFTWARE_VERSION_PATHS]);
  return rows.find((r) => r.value !== null)?.value ?? null;
}

function mismatch(expected: string, reported: string | null, result: JsonValue): Settlement {
  return {
    ok: false,
    code: VERSION_MISMATCH,
    message: `after the firmware download the device reports SoftwareVersion ${JSON.stringify(reported ?? "")}, not ${JSON.stringify(expected)}`,
    detail: { expected, reported, transfer: result },
    retry: false,
  };
}

/**
 * How a successful TransferComplete settles `task`: a settlement (done, or the version mismatch), or
 * null when the task must wait for the device's reboot (the caller keeps it waiting with `result`
 * marked as verifying: see `verifyingResult`).
 */
export async function afterTransfer(tx: StoreTx, task: TaskRecord, deviceId: string, result: JsonValue): Promise<Settlement | null> {
  const expected = expectedVersionOf(task);
  if (expected === null) return { ok: true, result };
  const reported = await reportedVersion(tx, deviceId);
  if (reported === expected) return { ok: true, result: { ...record(result), verifiedVersion: reported } };
  const device = await tx.devices.get(deviceId);
  // lastBootAt is set by an Inform with 1 BOOT to that Inform's time: equal to lastInformAt, this
  // session began with a reboot, after which the new image should be running.
  const bootedThisSession = device !== null && device.lastBootAt !== null && device.lastInformAt !== null && device.lastBootAt.getTime() === device.lastInformAt.getTime();
  if (bootedThisSession) return mismatch(expected, reported, result);
  return null;
}

export function verifyingResult(task: TaskRecord, result: JsonValue, at: Date): JsonValue {
  return { ...record(result), verifying: { expectedVersion: expectedVersionOf(task) ?? "", since: at.toISOString() } };
}

/** Tasks of the device waiting for the version check, each with its settlement now that it rebooted. */
export async function afterBoot(tx: StoreTx, deviceId: string): Promise<{ task: TaskRecord; outcome: Settlement }[]> {
  const waiting = (await tx.tasks.list({ deviceId, status: ["waiting"] })).filter((t) => record(t.result).verifying !== undefined);
  if (waiting.length === 0) return [];
  const reported = await reportedVersion(tx, deviceId);
  return waiting.map((task) => {
    const expected = expectedVersionOf(task) ?? "";
    const result = { ...record(task.result) };
    delete result.verifying;
    return { task, outcome: reported === expected ? { ok: true as const, result: { ...result, verifiedVersion: reported } } : mismatch(expected, reported, result) };
  });
}
