// The subscriptions the controller keeps on every agent, checked after each boot: Boot! and Periodic!
// (they start sessions, as CWMP's 1 BOOT and 2 PERIODIC Informs do), OperationComplete (a firmware
// Download's becomes a TransferComplete), ObjectCreation and ObjectDeletion (kept in the device's tree,
// object-changes.ts). ValueChange subscriptions follow the notification attributes provisions and tasks
// set (bridge.ts). Ours are told apart by their ID.

import { msgBody, type RequestBodies, type UspMsg } from "../usp/index.js";
import type { Logger } from "../server/logger.js";

type Ask = <K extends keyof RequestBodies>(kind: K, body: RequestBodies[K]) => Promise<UspMsg>;

export const KEPT_SUBSCRIPTIONS: readonly { id: string; notifType: string; reference: string }[] = [
  { id: "provisio-boot", notifType: "Event", reference: "Device.Boot!" },
  { id: "provisio-periodic", notifType: "Event", reference: "Device.LocalAgent.Periodic!" },
  { id: "provisio-operation-complete", notifType: "OperationComplete", reference: "Device." },
  // Instances the agent (or another controller) adds or deletes, kept in the device's stored tree.
  { id: "provisio-object-creation", notifType: "ObjectCreation", reference: "Device." },
  { id: "provisio-object-deletion", notifType: "ObjectDeletion", reference: "Device." },
];

const TABLE = "Device.LocalAgent.Subscription.";

/** Adds those of KEPT_SUBSCRIPTIONS the agent lacks; what fails is logged, and tried again at its next boot. */
export async function keepSubscriptions(ask: Ask, log: Logger, endpointId: string): Promise<string[]> {
  const existing = new Set<string>();
  const read = msgBody(await ask("get", { paramPaths: [`${TABLE}*.ID`], maxDepth: 0 }), "getResp");
  for (const r of read?.reqPathResults ?? []) for (const res of r.resolvedPathResults) if (res.resultParams.ID !== undefined) existing.add(res.resultParams.ID);
  const missing = KEPT_SUBSCRIPTIONS.filter((s) => !existing.has(s.id));
  if (missing.length === 0) return [];
  const answer = await ask("add", {
    allowPartial: true,
    createObjs: missing.map((s) => ({
      objPath: TABLE,
      paramSettings: [
        { param: "ID", value: s.id, required: true },
        { param: "NotifType", value: s.notifType, required: true },
        { param: "ReferenceList", value: s.reference, required: true },
        { param: "Persistent", value: "true", required: false },
        { param: "Enable", value: "true", required: true },
      ],
    })),
  });
  const added = msgBody(answer, "addResp");
  if (added === undefined) {
    log.warn({ endpointId, error: msgBody(answer, "error") }, "USP agent refused the controller's subscriptions");
    return [];
  }
  const made: string[] = [];
  for (const [i, r] of added.createdObjResults.entries()) {
    if (r.operStatus.operStatus === "operSuccess") made.push(missing[i]!.id);
    else log.warn({ endpointId, subscription: missing[i]!.id, errCode: r.operStatus.operFailure.errCode, err: r.operStatus.operFailure.errMsg }, "USP subscription not made");
  }
  return made;
}
