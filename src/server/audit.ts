// Writing the audit trail: one entry per change made through the REST API (nbi/audit.ts decides what
// each route records) or by the CLI on the store directly. Secrets are masked here, whoever records.
//
// The guarantee: an entry is written after its change, once the change's outcome is known, and before
// the client gets its answer. A change is never undone for want of its entry; an entry that cannot be
// written is logged at error level in full (secrets masked), so that it is kept by the log instead.

import { userInfo } from "node:os";
import type { AuditEntry, AuditPrincipal, JsonValue, NewAuditEntry, Store } from "../store/types.js";
import type { Logger } from "./logger.js";
import { maskStoredSecrets, maskUrlSecrets } from "./redact.js";

/** Summaries are one line for people: long ones are cut. */
const MAX_SUMMARY = 500;

/** The entry as it may be kept: no secret in its before, after or summary. */
export function safeEntry(e: NewAuditEntry): NewAuditEntry {
  const summary = maskUrlSecrets(e.summary.replace(/\s+/g, " "));
  return {
    ...e,
    summary: summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY - 1)}…` : summary,
    before: e.before === null ? null : (maskStoredSecrets(e.before) as JsonValue),
    after: e.after === null ? null : (maskStoredSecrets(e.after) as JsonValue),
  };
}

/** Writes one entry (masked); a failure is logged loudly, with the entry, and answered with null. */
export async function recordAudit(store: Store, log: Logger, entry: NewAuditEntry): Promise<AuditEntry | null> {
  const safe = safeEntry(entry);
  try {
    return await store.audit.record(safe);
  } catch (err) {
    log.error({ err, audit: { ...safe, at: safe.at.toISOString() } }, "AUDIT ENTRY NOT WRITTEN: the change was made, its audit record is only in this log line");
    return null;
  }
}

/** The CLI's principal: the operating-system user running it. */
export function cliPrincipal(): AuditPrincipal {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry for the uid (a container): the environment is all there is.
    name = process.env.USER ?? process.env.LOGNAME ?? "unknown";
  }
  return { kind: "cli", id: name, name };
}

export interface CliChange {
  /** The command, e.g. "apikey create". */
  command: string;
  action: string;
  targetType: string;
  targetId: string | null;
  /** 200 done, 404 nothing to change, ... (as the API would have answered). */
  outcome: number;
  summary: string;
  before?: JsonValue | null;
  after?: JsonValue | null;
}

/**
 * Records a change the CLI made on the store directly (`provisio apikey ...`). Throws when the entry
 * cannot be written, for the command to say so and fail: the change itself stays made.
 */
export async function recordCliChange(store: Store, change: CliChange, now: Date = new Date()): Promise<AuditEntry> {
  return store.audit.record(safeEntry({
    at: now,
    principal: cliPrincipal(),
    tenant: null,
    address: null,
    operation: `cli:${change.command}`,
    action: change.action,
    targetType: change.targetType,
    targetId: change.targetId,
    outcome: change.outcome,
    summary: change.summary,
    before: change.before ?? null,
    after: change.after ?? null,
  }));
}
