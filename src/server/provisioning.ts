// The edge of provisioning: keeps every process's copy of presets and provisions fresh (the store's
// revision is polled, so a change reaches all processes within seconds), chooses a session's provisions
// when its Inform is recorded, and plans each exchange: runs the provisions (scripts in the sandbox) over
// what the store knows, lets the session plan, and loads more of the device as the engine asks.

import { createHmac } from "node:crypto";
import { cwmpFault, type CwmpMessage, type ParameterValueStruct, type XsdType } from "../cwmp/index.js";
import {
  applicablePresets,
  applyFault,
  applyResponse,
  checkProvision,
  compilePreset,
  DeviceData,
  ExtensionRunner,
  newEngineState,
  plan,
  provision,
  ScriptSandbox,
  type CompiledPreset,
  type Declaration,
  type KnownRecord,
  type Provision,
  type Provisioned,
  type ExtensionCaller,
  type ScriptContext,
  type ScriptRunner,
} from "../provisioning/index.js";
import { filterDevice } from "../query/index.js";
import type { AcsSession, Effect, PlanStep, ProvisionCallState, TaskInput } from "../session/index.js";
import type { DeviceRecord, ParameterRecord, Store, StoreTx } from "../store/types.js";
import type { SealArgs } from "./task-secrets.js";
import type { Logger } from "./logger.js";
import { ScriptRuns, ScriptsNeeded, type ScriptOutcome } from "./script-runs.js";

export interface ProvisioningOptions {
  store: Store;
  log: Logger;
  sandbox: ScriptSandbox;
  /** Runs ext() calls of GenieACS-dialect scripts (server/extensions.ts); absent: ext() fails, saying no folder is set. */
  extensions?: ExtensionCaller;
  /** Derives the fresh credentials of builtin:bootstrap-credentials (with the session id, so they are stable within a session). */
  secret: string;
  /** How often a process checks whether presets or provisions changed, in ms. */
  refreshMs: number;
  /** `online` in preset filters: last Inform within this many ms. */
  onlineWithinMs: number;
  /** Seals a download's password before its task is stored (task-secrets.ts). */
  sealArgs?: SealArgs;
  /** Sessions in a row in which a script failed, after which it is suspended (provisioning.scriptFailureLimit); 0: never. */
  scriptFailureLimit?: number;
  /** Told the virtual parameters' values as they are stored (metric-recorder.ts records them as samples). */
  observe?: (tx: StoreTx, deviceId: string, values: readonly { path: string; value: string; type: string }[], at: Date) => Promise<unknown>;
  clock?: () => Date;
  /** The collector URL and credentials of a device's BulkData profile (bulkdata.ts); absent: builtin:bulkdata faults. */
  bulkData?: (deviceId: string) => { url: string; username: string; password: string };
  /** Provisions the ACS gives a device of its own accord, beside the presets' (alarm-notifications.ts). */
  extraCalls?: (tx: StoreTx, device: DeviceRecord, now: Date) => Promise<ProvisionCallState[]>;
}

function known(r: ParameterRecord): KnownRecord {
  return { ...r, valueAt: r.valueAt?.getTime() ?? null, namesAt: r.namesAt?.getTime() ?? null, attributesAt: r.attributesAt?.getTime() ?? null };
}

const CREDENTIALS = "builtin:bootstrap-credentials";

/** Most loads one exchange may ask for before the planning is called a loop. */
const MAX_ROUNDS = 64;
/** Most times one exchange's transaction may be rolled back to run scripts outside it. */
const MAX_SCRIPT_ROUNDS = 32;

export class ProvisioningService {
  private presets: CompiledPreset[] = [];
  private provisions = new Map<string, Provision>();
  private revision = -1;
  private checkedAt = -Infinity;
  private loading: Promise<void> | null = null;
  private readonly runs: ScriptRuns;
  /** The sandbox, with ext() calls made between runs of GenieACS-dialect scripts. */
  private readonly runner: ScriptRunner;
  /** Some stored virtual parameter is of the GenieACS dialect: any session may run it (any provision may declare it). */
  private genieVirtual = false;
  /** Sessions in a row in which a script provision failed (in this process), and the last of them. */
  private readonly failures = new Map<string, { count: number; session: string }>();
  private readonly suspending = new Set<string>();

  constructor(private readonly o: ProvisioningOptions) {
    this.runner = new ExtensionRunner(o.sandbox, o.extensions ?? null);
    this.runs = new ScriptRuns(this.runner, (code, outcome, session) => this.track(code, outcome, session));
  }

  /**
   * A store transaction in which sessions may plan: scripts it needs that have not run yet roll it back,
   * run with no transaction open (script-runs.ts), and it runs again. `fn` must start from the store each
   * time, since a rolled-back attempt may have changed what it read in memory.
   */
  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let round = 0; ; round++) {
      try {
        return await this.o.store.transaction(fn);
      } catch (err) {
        if (!(err instanceof ScriptsNeeded) || round >= MAX_SCRIPT_ROUNDS) throw err;
        await this.runs.run(err);
      }
    }
  }

  /** Runs the scripts a rolled-back transaction needed (or, not awaited, a plan made ahead needed). */
  runScripts(needed: ScriptsNeeded): Promise<void> {
    return this.runs.run(needed);
  }

  /** Reloads presets and provisions when they changed (checked at most every refreshMs unless forced). */
  async refresh(now: number, force = false): Promise<void> {
    if (!force && now - this.checkedAt < this.o.refreshMs) return;
    this.checkedAt = now;
    this.loading ??= this.reload().finally(() => (this.loading = null));
    await this.loading;
  }

  private async reload(from: Pick<StoreTx, "provisioning"> = this.o.store): Promise<void> {
    const revision = await from.provisioning.revision();
    if (revision === this.revision) return;
    const presets: CompiledPreset[] = [];
    for (const d of await from.provisioning.list("preset")) {
      try {
        presets.push(compilePreset(d.doc));
      } catch (err) {
        this.o.log.error({ preset: d.name, err: (err as Error).message }, "stored preset is invalid; ignored");
      }
    }
    const provisions = new Map<string, Provision>();
    for (const d of await from.provisioning.list("provision")) {
      try {
        provisions.set(d.name, checkProvision(d.doc));
      } catch (err) {
        this.o.log.error({ provision: d.name, err: (err as Error).message }, "stored provision is invalid; ignored");
      }
    }
    // A script changed (or resumed) starts its count of failures again.
    for (const name of this.failures.keys()) {
      const before = this.provisions.get(name);
      const after = provisions.get(name);
      if (after === undefined || after.kind === "declarative" || before?.kind === "declarative" || before?.script !== after.script || after.suspended !== undefined) this.failures.delete(name);
    }
    this.presets = presets;
    this.provisions = provisions;
    this.genieVirtual = [...provisions.values()].some((p) => p.kind === "virtual" && p.dialect === "genieacs");
    this.revision = revision;
  }

  /**
   * Brings presets and provisions up to the store's revision as `tx` sees it, for select() to be given:
   * a caller starts it with its other first reads, so that the revision's read travels with them.
   */
  reloadIn(tx: StoreTx): Promise<void> {
    return this.reload(tx);
  }

  /**
   * The provisions that apply to a session whose Inform (with these events) was just recorded. The
   * presets are those of the store as this transaction sees it, so that a change made through the API
   * applies to every session that starts after the call returned, in every process (one read of the
   * revision per session; the documents only when it moved).
   *
   * `bootstrapLogin`: the device logged in with the shared bootstrap credentials and has none of its
   * own. Presets that give credentials (builtin:bootstrap-credentials) then give them whatever the
   * session's events, so that a device that missed them in its bootstrap session gets them in the next.
   */
  async select(tx: StoreTx, deviceId: string, events: readonly string[], now: Date, known?: DeviceRecord, bootstrapLogin = false, reloaded?: Promise<void>): Promise<ProvisionCallState[]> {
    await (reloaded ?? this.reload(tx));
    if (this.presets.length === 0 && this.o.extraCalls === undefined) return [];
    const device = known ?? (await tx.devices.get(deviceId));
    if (device === null) return [];
    const reads = [...new Set(this.presets.flatMap((p) => p.reads))];
    const params = reads.length === 0 ? [] : await tx.parameters.get(deviceId, reads);
    const ctx = { device: filterDevice(device, params), events, now, onlineWithinMs: this.o.onlineWithinMs };
    const calls: ProvisionCallState[] = applicablePresets(this.presets, ctx).flatMap((p) => p.preset.provisions.map((c) => ({ name: c.name, ...(c.args === undefined ? {} : { args: c.args as never }), preset: p.preset.name })));
    if (bootstrapLogin && !calls.some((c) => c.name === CREDENTIALS)) {
      const givers = this.presets.filter((p) => p.preset.provisions.some((c) => c.name === CREDENTIALS));
      const preset = givers.find((p) => applicablePresets([p], { ...ctx, events: [...events, ...p.preset.events] }).length > 0);
      if (preset !== undefined) calls.unshift({ name: CREDENTIALS, preset: preset.preset.name });
    }
    if (this.o.extraCalls !== undefined) calls.push(...(await this.o.extraCalls(tx, device, now)));
    return calls;
  }

  /**
   * Plans the session's next step in this transaction: provisions first (loading what they need), then
   * tasks. Effects of what provisioning did beside RPCs (tags, tasks it created, faults) come with it.
   */
  async plan(tx: StoreTx, session: AcsSession, now: Date, tasks: TaskInput[]): Promise<Extract<PlanStep, { kind: "reply" }>>;
  /** Planning ahead (AcsSession.planAhead): null instead of a plan that would write to the store. */
  async plan(tx: StoreTx, session: AcsSession, now: Date, tasks: TaskInput[], ahead: true): Promise<Extract<PlanStep, { kind: "reply" }> | null>;
  async plan(tx: StoreTx, session: AcsSession, now: Date, tasks: TaskInput[], ahead = false): Promise<Extract<PlanStep, { kind: "reply" }> | null> {
    const data = new DeviceData();
    const effects: Effect[] = [];
    let provisioned: Provisioned | null = null;
    let acted = false;
    let context: ScriptContext | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const calls = session.pendingProvisions;
      let declarations: Declaration[] = [];
      if (calls.length > 0) {
        if (context === undefined && this.needsGenie(calls)) context = { ...(await this.genieContext(tx, session.deviceId, data)), ...session.provisioningProgress };
        // Scripts see the session's start as their time, as in GenieACS: the same for every exchange, so
        // that a result run outside the transaction (or ahead) serves every exchange it fits.
        provisioned = await provision(calls, (n) => this.provisions.get(n), data, this.runs.runner(session.id), session.startedAt, session.rootObject, context);
        if (ahead && (provisioned.actions.length > 0 || provisioned.virtual.length > 0)) return null;
        declarations = provisioned.declarations;
        if (provisioned.credentials) declarations = [...declarations, ...(await this.credentialDeclarations(tx, session))];
        if (provisioned.bulkData.length > 0) declarations = [...declarations, ...this.bulkDataDeclarations(session, provisioned)];
        if (!acted && provisioned.actions.length > 0) {
          // Actions are idempotent against the store (markers, pending tasks), so doing them once per
          // exchange is safe; tasks they create run later in this same session.
          const created = await this.act(tx, session, provisioned, data, now, effects);
          if (created) tasks = (await tx.tasks.runnable(session.deviceId, now)).map((t) => ({ id: t.id, name: t.name, args: t.args }));
          acted = true;
        }
      }
      const step = session.plan(now, { tasks, declarations, data });
      effects.push(...step.effects);
      if (step.kind === "reply") {
        // Ahead, a plan is kept only when it is an RPC that records nothing (AcsSession.keepAhead).
        if (ahead && effects.length > 0) return null;
        // Virtual parameters are kept with the device's parameters, for the API and filters to read.
        if (provisioned !== null && provisioned.virtual.length > 0) {
          await tx.parameters.setValues(session.deviceId, provisioned.virtual, now);
          await this.o.observe?.(tx, session.deviceId, provisioned.virtual, now);
        }
        if (provisioned !== null && step.effects.some((e) => e.type === "provisionsDone")) {
          for (const f of provisioned.faults) effects.push({ type: "provisionFault", code: f.code, message: `${f.message} (provision ${f.provision}, preset ${f.preset})` });
          for (const l of provisioned.logs) this.o.log.info({ deviceId: session.deviceId, provision: l.provision, message: l.message }, "provision log");
        }
        return { ...step, effects };
      }
      const records = [...(await tx.parameters.get(session.deviceId, step.paths))];
      for (const p of step.prefixes) records.push(...(await tx.parameters.subtree(session.deviceId, p)));
      data.add(records.map(known), { paths: step.paths, prefixes: step.prefixes });
    }
    throw new Error(`internal: provisioning asked for data ${MAX_ROUNDS} times in one exchange`);
  }

  /** Whether these provisions may run a GenieACS-dialect script (which sees more of the session). */
  private needsGenie(calls: readonly ProvisionCallState[]): boolean {
    if (this.genieVirtual) return true;
    return calls.some((c) => {
      const p = this.provisions.get(c.name);
      return p !== undefined && p.kind !== "declarative" && p.dialect === "genieacs";
    });
  }

  /**
   * The device record as GenieACS-dialect scripts see it (DeviceID.*, Tags.*, Events.*), and the values
   * of its virtual parameters added to `data` (their scripts' args[2] and args[3]).
   */
  private async genieContext(from: Pick<StoreTx, "devices" | "parameters">, deviceId: string, data: DeviceData): Promise<Pick<ScriptContext, "device">> {
    const d = await from.devices.get(deviceId);
    const virtual = await from.parameters.subtree(deviceId, "VirtualParameters.");
    data.add(virtual.map(known), { prefixes: ["VirtualParameters."] });
    const events: Record<string, number> = {};
    if (d?.lastInformAt) events.Inform = d.lastInformAt.getTime();
    if (d?.lastBootAt) events["1_BOOT"] = d.lastBootAt.getTime();
    if (d?.lastBootstrapAt) events["0_BOOTSTRAP"] = d.lastBootstrapAt.getTime();
    if (d?.registeredAt) events.Registered = d.registeredAt.getTime();
    return {
      device: { id: deviceId, manufacturer: d?.manufacturer ?? "", oui: d?.oui ?? "", productClass: d?.productClass ?? "", serialNumber: d?.serialNumber ?? "", tags: d?.tags ?? [], events },
    };
  }

  /**
   * Counts the sessions in a row in which a script failed (one session may run it more than once, as
   * it learns more of the device), and suspends it at provisioning.scriptFailureLimit.
   */
  private track(code: string, outcome: ScriptOutcome, session: string): void {
    const limit = this.o.scriptFailureLimit ?? 0;
    for (const [name, p] of this.provisions) {
      if (p.kind === "declarative" || p.script !== code) continue;
      if (outcome.ok) {
        this.failures.delete(name);
        continue;
      }
      const held = this.failures.get(name);
      if (held?.session === session) continue;
      const failures = (held?.count ?? 0) + 1;
      this.failures.set(name, { count: failures, session });
      if (limit > 0 && failures >= limit && !this.suspending.has(name)) {
        this.suspending.add(name);
        this.suspend(name, code, failures, outcome.error.message)
          .catch((err: unknown) => this.o.log.error({ provision: name, err: (err as Error).message }, "could not suspend a failing script"))
          .finally(() => this.suspending.delete(name));
      }
    }
  }

  /** Stores a new version of the provision with `suspended`, unless it changed meanwhile; every process then stops running it. */
  private async suspend(name: string, code: string, failures: number, last: string): Promise<void> {
    const current = await this.o.store.provisioning.get("provision", name);
    const doc = current?.doc as { script?: unknown; suspended?: unknown } | undefined;
    if (current === null || doc === undefined || doc.script !== code || doc.suspended !== undefined) return;
    const at = (this.o.clock ?? (() => new Date()))();
    const reason = `it failed in ${failures} sessions in a row; the last time: ${last}`;
    const stored = await this.o.store.provisioning.put("provision", name, { ...doc, suspended: { at: at.toISOString(), reason, failures } } as never, at, current.version);
    if (stored === null) return;
    this.failures.delete(name);
    this.o.log.warn({ provision: name, failures, reason: last }, "provisioning script suspended: it failed every time it ran (provisioning.scriptFailureLimit)");
    await this.refresh(at.getTime(), true);
  }

  /** builtin:bootstrap-credentials: fresh credentials for a device that has none of its own yet. */
  private async credentialDeclarations(tx: StoreTx, session: AcsSession): Promise<Declaration[]> {
    if ((await tx.credentials.forDevice(session.deviceId)).length > 0) return [];
    const root = session.rootObject ?? "Device.";
    const derive = (label: string) => createHmac("sha256", this.o.secret).update(`${label}\0${session.deviceId}\0${session.id}`).digest("base64url").slice(0, 24);
    return [
      { path: `${root}ManagementServer.Username`, value: session.deviceId },
      { path: `${root}ManagementServer.Password`, value: derive("acs") },
      { path: `${root}ManagementServer.ConnectionRequestUsername`, value: `cr-${derive("cru").slice(0, 12)}` },
      { path: `${root}ManagementServer.ConnectionRequestPassword`, value: derive("crp") },
    ];
  }

  /** builtin:bulkdata: each profile reports to this ACS's collector, as this device. */
  private bulkDataDeclarations(session: AcsSession, p: Provisioned): Declaration[] {
    const collector = this.o.bulkData?.(session.deviceId);
    if (collector === undefined) {
      p.faults.push({ code: "provision.bulkdata-disabled", message: "builtin:bulkdata needs the Bulk Data collector (bulkData.enabled)", provision: "builtin:bulkdata", preset: session.pendingProvisions.find((c) => c.name === "builtin:bulkdata")?.preset ?? "" });
      return [];
    }
    return p.bulkData.flatMap((profile) => [
      { path: `${profile}HTTP.URL`, value: collector.url },
      { path: `${profile}HTTP.Username`, value: collector.username },
      { path: `${profile}HTTP.Password`, value: collector.password },
    ]);
  }

  /** Tags, and reboots/downloads once per key. Returns whether tasks were created. */
  private async act(tx: StoreTx, session: AcsSession, p: Provisioned, data: DeviceData, now: Date, effects: Effect[]): Promise<boolean> {
    const deviceId = session.deviceId;
    const device = await tx.devices.get(deviceId);
    if (device === null) return false;
    let created = false;
    const add: string[] = [];
    const remove: string[] = [];
    const pending = await tx.tasks.list({ deviceId, status: ["pending", "waiting"] });
    for (const a of p.actions) {
      if (a.kind === "tag") (a.present ? add : remove).push(a.tag);
      else if (a.kind === "reboot") {
        const marker = `provisio.reboot.${a.key}`;
        if (device.tags.includes(marker) || add.includes(marker)) continue;
        const factoryReset = a.key.startsWith("factory-reset:");
        await tx.tasks.create({ deviceId, name: factoryReset ? "factoryReset" : "reboot", args: {} }, now);
        add.push(marker);
        created = true;
      } else if (a.kind === "discover") {
        for (const parameterPath of a.paths) {
          if (pending.some((t) => t.name === "getParameterNames" && (t.args as { parameterPath?: string } | null)?.parameterPath === parameterPath)) continue;
          await tx.tasks.create({ deviceId, name: "getParameterNames", args: { parameterPath, batched: true } }, now);
          created = true;
        }
      } else if (a.kind === "download") {
        const version = data.get(`${session.rootObject ?? "Device."}DeviceInfo.SoftwareVersion`)?.value;
        if (version === undefined || version === null || version === a.key) continue;
        if (pending.some((t) => t.name === "download" && (t.args as { url?: string } | null)?.url === a.url)) continue;
        const args: Record<string, string | number> = { fileType: a.fileType, url: a.url };
        if (a.username !== undefined) args.username = a.username;
        if (a.password !== undefined) args.password = a.password;
        if (a.fileSize !== undefined) args.fileSize = a.fileSize;
        await tx.tasks.create({ deviceId, name: "download", args: this.o.sealArgs?.(deviceId, "download", args) ?? args }, now);
        created = true;
      }
    }
    const toAdd = add.filter((t) => !device.tags.includes(t));
    const toRemove = remove.filter((t) => device.tags.includes(t));
    if (toAdd.length + toRemove.length > 0) await tx.devices.updateTags(deviceId, toAdd, toRemove);
    void effects;
    return created;
  }

  /**
   * What a device would get from provisioning now, without touching it: the engine runs against what
   * the store knows, each RPC answered as the stored data says it would be (reads), or as success
   * (writes). Values the store does not know are reported as to be read, not guessed.
   */
  async dryRun(deviceId: string, now: Date, options: { presets?: string[]; events?: string[] } = {}): Promise<DryRun | null> {
    await this.refresh(now.getTime(), true);
    const store = this.o.store;
    const device = await store.devices.get(deviceId);
    if (device === null) return null;
    let calls: ProvisionCallState[];
    if (options.presets !== undefined) {
      const wanted = new Set(options.presets);
      calls = this.presets.filter((p) => wanted.has(p.preset.name)).flatMap((p) => p.preset.provisions.map((c) => ({ name: c.name, ...(c.args === undefined ? {} : { args: c.args as never }), preset: p.preset.name })));
    } else {
      calls = await this.select(store, deviceId, options.events ?? [], now);
    }
    const root = (await store.parameters.get(deviceId, ["Device.", "InternetGatewayDevice."]))[0]?.path ?? "Device.";
    const state = newEngineState();
    const data = new DeviceData();
    const rpcs: DryRun["rpcs"] = [];
    const faults: DryRun["faults"] = [];
    const unknown = new Set<string>();
    let virtual: DryRun["virtualParameters"] = [];
    const genie = this.needsGenie(calls) ? await this.genieContext(store, deviceId, data) : undefined;
    for (let round = 0; round < 200 && rpcs.length < 100; round++) {
      const context = genie === undefined ? undefined : { ...genie, failed: state.failed, enumerated: state.enumerated, refreshed: state.refreshed };
      const p = await provision(calls, (n) => this.provisions.get(n), data, this.runner, now.getTime(), root, context);
      if (round === 0) for (const f of p.faults) faults.push({ code: f.code, message: `${f.message} (provision ${f.provision}, preset ${f.preset})` });
      virtual = p.virtual;
      const step = plan(p.declarations, data, state, { now: now.getTime(), gpvBatchSize: 32, parameterKey: "dry-run", maxRpcs: 100 });
      faults.push(...step.faults.map((f) => ({ code: f.code, message: f.path === undefined ? f.message : `${f.path}: ${f.message}` })));
      if (step.plan.kind === "done") break;
      if (step.plan.kind === "load") {
        const records = [...(await store.parameters.get(deviceId, step.plan.paths))];
        for (const prefix of step.plan.prefixes) records.push(...(await store.parameters.subtree(deviceId, prefix)));
        data.add(records.map(known), { paths: step.plan.paths, prefixes: step.plan.prefixes });
        continue;
      }
      rpcs.push(step.plan.request);
      const answer = simulatedAnswer(step.plan.request, data);
      if (answer.unknown.length > 0) {
        for (const u of answer.unknown) unknown.add(u);
        applyFault(step.plan.intent, cwmpFault(9005, "not known to the ACS (dry run)"), state);
      }
      if (answer.response === null) continue;
      const learned = applyResponse(step.plan.intent, answer.response, state);
      const at = now.getTime();
      for (const v of learned.values) data.put({ ...(data.get(v.path) ?? blank(v.path)), value: v.value, type: v.type, valueAt: at });
      for (const n of learned.names) for (const x of n.names) data.put({ ...(data.get(x.path) ?? blank(x.path)), writable: x.writable, namesAt: at });
      for (const a of learned.attributes) data.put({ ...(data.get(a.path) ?? blank(a.path)), notification: a.notification, accessList: a.accessList, attributesAt: at });
      for (const d of learned.deleted) data.removeSubtree(d);
    }
    return { deviceId, provisions: calls, rpcs, toRead: [...unknown], faults, virtualParameters: virtual };
  }

  /** The compiled presets (for the API's listing of what applies). */
  get compiledPresets(): readonly CompiledPreset[] {
    return this.presets;
  }

  provisionNamed(name: string): Provision | undefined {
    return this.provisions.get(name);
  }
}

export interface DryRun {
  deviceId: string;
  provisions: ProvisionCallState[];
  /** The RPCs the device would get, in order (reads of values the store knows are included). */
  rpcs: CwmpMessage[];
  /** Values the store does not know: the session would read them first, and may then do more. */
  toRead: string[];
  faults: { code: string; message: string }[];
  /** The virtual parameters' values as the provisions would leave them. */
  virtualParameters: { path: string; value: string; type: string }[];
}

function blank(path: string): KnownRecord {
  return { path, object: path.endsWith("."), value: null, type: null, writable: null, notification: null, accessList: null, valueAt: null, namesAt: null, attributesAt: null };
}

/** How the stored data says a device would answer, for a dry run; `unknown` lists what it cannot say. */
function simulatedAnswer(request: CwmpMessage, data: DeviceData): { response: CwmpMessage | null; unknown: string[] } {
  switch (request.method) {
    case "GetParameterValues": {
      const unknown: string[] = [];
      const list: ParameterValueStruct[] = [];
      for (const name of request.parameterNames) {
        const recs = name.endsWith(".") ? data.under(name).filter((r) => !r.object) : [data.get(name)].filter((r): r is KnownRecord => r !== undefined);
        const knownValues = recs.filter((r) => r.value !== null);
        if (knownValues.length === 0) unknown.push(name);
        for (const r of knownValues) list.push({ name: r.path, value: { type: (r.type ?? "xsd:string") as XsdType, text: r.value! } });
      }
      return unknown.length > 0 ? { response: null, unknown } : { response: { method: "GetParameterValuesResponse", parameterList: list }, unknown };
    }
    case "GetParameterNames": {
      const base = request.parameterPath;
      const children = data.under(base).filter((r) => !r.path.slice(base.length, r.object ? -1 : undefined).includes("."));
      return { response: { method: "GetParameterNamesResponse", parameterList: children.map((r) => ({ name: r.path, writable: r.writable ?? false })) }, unknown: [] };
    }
    case "GetParameterAttributes":
      return {
        response: { method: "GetParameterAttributesResponse", parameterList: request.parameterNames.map((n) => ({ name: n, notification: data.get(n)?.notification ?? 0, accessList: data.get(n)?.accessList ?? [] })) },
        unknown: [],
      };
    case "AddObject": {
      const numbers = data.instancesOf(request.objectName).map((p) => Number(p.slice(request.objectName.length, -1)));
      return { response: { method: "AddObjectResponse", instanceNumber: Math.max(0, ...numbers) + 1, status: 0 }, unknown: [] };
    }
    case "SetParameterValues":
      return { response: { method: "SetParameterValuesResponse", status: 0 }, unknown: [] };
    case "DeleteObject":
      return { response: { method: "DeleteObjectResponse", status: 0 }, unknown: [] };
    case "SetParameterAttributes":
      return { response: { method: "SetParameterAttributesResponse" }, unknown: [] };
    default:
      return { response: null, unknown: [] };
  }
}

export { ScriptSandbox };
