// Where a USP device's diagnostic results wait for their read: the device's parameters in the store, under
// the CWMP object the agent itself does not have (Device.IP.Diagnostics.IPPing., ...). The store, so that
// whichever process runs the device's next session reads them, and so that the device's parameters show
// them as they show a CWMP device's; a new run's values replace the last one's (its table rows included).

import type { CwmpMessage } from "../cwmp/index.js";
import type { Store } from "../store/types.js";
import { diagnosticRead, diagnosticReadAnswer, type DiagnosticCompletion } from "./diagnostics.js";

export async function keepResults(store: Store, deviceId: string, done: DiagnosticCompletion, now: Date): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.parameters.deleteSubtree(deviceId, done.diagnostic.object);
    await tx.parameters.setValues(deviceId, done.values.map((v) => ({ path: v.name, value: v.value.text, type: v.value.type })), now);
  });
}

/** The answer to a read of the kept results, or null when `rpc` is not one (the agent answers it). */
export async function readResults(store: Store, deviceId: string, rpc: CwmpMessage): Promise<CwmpMessage | null> {
  const names = diagnosticRead(rpc);
  if (names === null) return null;
  const kept = new Map<string, { value: string; type: string }>();
  for (const name of names) {
    const records = name.endsWith(".") ? await store.parameters.subtree(deviceId, name) : await store.parameters.get(deviceId, [name]);
    for (const r of records) if (!r.object && r.value !== null) kept.set(r.path, { value: r.value, type: r.type ?? "xsd:string" });
  }
  return diagnosticReadAnswer(names, kept);
}
