// ObjectCreation and ObjectDeletion notifications kept in the device's stored tree, as CWMP's discovery
// would keep them: a created instance is read with a Get of it (its objects and parameters, typed and
// marked writable by the agent's model), a deleted one goes with its subtree; each is an event
// (device.objectCreated, device.objectDeleted) written with the change, for the event streams and webhooks.

import { isSecretPath, storedSecret } from "../provisioning/secret-values.js";
import { recordEvents, type AcsEvent } from "../server/events.js";
import type { ParameterNameUpdate, ParameterValueUpdate, Store } from "../store/types.js";
import { msgBody, type Get, type UspMsg } from "../usp/index.js";
import type { BridgeContext } from "./bridge.js";

export type ObjectChange =
  | { kind: "created"; path: string; uniqueKeys: Record<string, string> }
  | { kind: "deleted"; path: string };

/** The Get that reads a created instance whole. */
export function createdInstanceGet(path: string): Get {
  return { paramPaths: [path], maxDepth: 0 };
}

/**
 * What to store of a created instance from the agent's answer to createdInstanceGet: every object and
 * parameter under it; null when the agent no longer has it (deleted since: nothing to store).
 */
export function createdRecords(path: string, answer: UspMsg, bridge: BridgeContext): { names: ParameterNameUpdate[]; values: ParameterValueUpdate[] } | null {
  const r = msgBody(answer, "getResp")?.reqPathResults[0];
  if (r === undefined || r.errCode !== 0) return null;
  const writable = (p: string) => bridge.dataModel?.writable(p) ?? false;
  const names = new Map<string, boolean>([[path, writable(path)]]);
  const values: ParameterValueUpdate[] = [];
  for (const res of r.resolvedPathResults) {
    if (!res.resolvedPath.startsWith(path)) continue;
    // Objects between the instance and this one exist too.
    const rest = res.resolvedPath.slice(path.length).split(".").slice(0, -1);
    for (let i = 1; i <= rest.length; i++) {
      const obj = path + rest.slice(0, i).join(".") + ".";
      names.set(obj, writable(obj));
    }
    for (const [name, text] of Object.entries(res.resultParams)) {
      const full = res.resolvedPath + name;
      names.set(full, writable(full));
      // Secrets are never stored in clear (secret-values.ts), as the session's own values.
      values.push({ path: full, value: isSecretPath(full) ? storedSecret(text) : text, type: bridge.typeOf?.(full) ?? "xsd:string" });
    }
  }
  return { names: [...names].map(([p, w]) => ({ path: p, writable: w })), values };
}

export interface ObjectChangeIo {
  store: Store;
  deviceId: string;
  /** Reads the created instance from the agent. */
  get(body: Get): Promise<UspMsg>;
  bridge: BridgeContext;
  now: Date;
}

/** Applies one change to the device's stored tree; returns the events written with it, to emit once committed. */
export async function keepObjectChange(io: ObjectChangeIo, change: ObjectChange): Promise<AcsEvent[]> {
  const { deviceId, now } = io;
  if (change.kind === "deleted") {
    return io.store.transaction(async (tx) => {
      const removed = await tx.parameters.deleteSubtree(deviceId, change.path);
      return recordEvents(tx, [{ type: "device.objectDeleted", deviceId, at: now, path: change.path, removed }] as AcsEvent[]);
    });
  }
  const records = createdRecords(change.path, await io.get(createdInstanceGet(change.path)), io.bridge);
  if (records === null) return [];
  return io.store.transaction(async (tx) => {
    await tx.parameters.setNames(deviceId, change.path, false, records.names, now);
    if (records.values.length > 0) await tx.parameters.setValues(deviceId, records.values, now);
    return recordEvents(tx, [{ type: "device.objectCreated", deviceId, at: now, path: change.path, uniqueKeys: change.uniqueKeys, parameters: records.values.map((v) => ({ path: v.path, value: v.value })) }] as AcsEvent[]);
  });
}
