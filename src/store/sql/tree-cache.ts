// A transaction's device trees as it last read or wrote them (sql/parameters.ts). A CWMP session reads a
// device's tree several times in one transaction (alarms' FaultMgmt count and provisioning at the Inform,
// around the write of the Inform's values; provisioning again after a response's values are written):
// each read was a SELECT and a parse of the whole row. Kept here, the transaction reads the row once.
//
// A tree is kept only while no other transaction can change its row: for the whole transaction when a
// transaction's reads see no other's commits (SQLite: its one writer, BEGIN IMMEDIATE; the dialect has
// no row locks), else (PostgreSQL) once this transaction holds the row's lock, read FOR UPDATE or written.
// Trees are never kept for the store's own scope, whose statements are each a transaction of their own.
// A kept tree is shared: callers copy it before changing it (parameters.ts `modify`).
import type { Scope } from "./scope.js";
import type { Tree } from "./tree.js";

const kept = new WeakMap<Scope, Map<string, Tree>>();

/** Whether any read of this scope may be kept, not only one under the row's lock. */
export function readsAreStable(s: Scope): boolean {
  return s.dialect.forUpdate === "";
}

/** The device's tree as this transaction last read or wrote it; undefined when not kept. */
export function keptTree(s: Scope, deviceId: string): Tree | undefined {
  return kept.get(s)?.get(deviceId);
}

/** Keeps the device's tree for the rest of the transaction: call it only under the rules above. */
export function keepTree(s: Scope, deviceId: string, tree: Tree): void {
  if (!s.inTransaction) return;
  let trees = kept.get(s);
  if (trees === undefined) kept.set(s, (trees = new Map()));
  trees.set(deviceId, tree);
}

/** Forgets the trees of these devices (all of them without `deviceIds`): their rows were changed by other means. */
export function forgetTrees(s: Scope, deviceIds?: Iterable<string>): void {
  const trees = kept.get(s);
  if (trees === undefined) return;
  if (deviceIds === undefined) return void trees.clear();
  for (const id of deviceIds) trees.delete(id);
}
