// The data models agents support, learnt with GetSupportedDM once per OUI, product class and software
// version and kept in the store for every agent of them (and every process). Each process keeps the
// models it read; a model is learnt at most once at a time per process, so a fleet of one model that
// onboards together asks one agent.

import type { XsdType } from "../cwmp/index.js";
import type { Logger } from "../server/logger.js";
import type { Store, UspDataModelKey } from "../store/types.js";
import { msgBody, type RequestBodies, type UspMsg } from "../usp/index.js";
import type { BridgeContext } from "./bridge.js";
import { identityOf } from "./inform.js";
import { learnSupportedDm, supportedDmRequest, SupportedDataModel } from "./supported-dm.js";

type Ask = <K extends keyof RequestBodies>(kind: K, body: RequestBodies[K]) => Promise<UspMsg>;

interface Known {
  model: SupportedDataModel;
  complete: boolean;
  learntAt: number;
}

/** Models a process keeps parsed; the oldest read goes first past this. */
const KEPT = 256;

export interface DataModelsOptions {
  store: Store;
  log: Logger;
  clock: () => Date;
  /** The standard model's types (models.dir), for what a model learnt in part does not say. */
  standardTypeOf?: (path: string) => XsdType | undefined;
}

export class AgentDataModels {
  private readonly known = new Map<string, Known>();
  private readonly learning = new Map<string, Promise<Known | null>>();
  /** Keys whose learning failed (or gave part of the model) in this process: not asked again but at a boot (a failure) or at all (a part). */
  private readonly failed = new Set<string>();

  constructor(private readonly o: DataModelsOptions) {}

  /**
   * The bridge's context for a session of an agent whose identity Get gave `values`: its model's types,
   * and with a whole model its writability and commands. The model is learnt first when none is kept
   * for its key (or, at a boot, when the last try failed or gave part of it).
   */
  async bridgeFor(endpointId: string, values: ReadonlyMap<string, string>, boot: boolean, ask: Ask): Promise<BridgeContext> {
    const id = identityOf(endpointId, values);
    const key: UspDataModelKey = { oui: id.oui, productClass: id.productClass, softwareVersion: values.get("Device.DeviceInfo.SoftwareVersion") ?? "" };
    const known = await this.modelOf(key, boot, ask, endpointId);
    const standard = this.o.standardTypeOf;
    if (known === null) return standard === undefined ? {} : { typeOf: standard };
    return {
      typeOf: (path) => known.model.typeOf(path) ?? standard?.(path),
      ...(known.complete ? { dataModel: known.model } : {}),
    };
  }

  /** The types a device's learnt model gives its parameters (a setParameterValues task's values); null without one. */
  async typesOfDevice(deviceId: string): Promise<((path: string) => XsdType | undefined) | null> {
    const summary = await this.o.store.uspDataModels.ofDevice(deviceId);
    if (summary === null) return null;
    const name = keyName(summary);
    let known = this.known.get(name);
    if (known === undefined || known.learntAt !== summary.learntAt.getTime()) known = (await this.read(summary)) ?? undefined;
    return known === undefined ? null : (path) => known.model.typeOf(path);
  }

  private async modelOf(key: UspDataModelKey, boot: boolean, ask: Ask, endpointId: string): Promise<Known | null> {
    const name = keyName(key);
    let known = this.known.get(name) ?? null;
    // An agent that gave none is asked again at its boot only; meanwhile its sessions cost no read.
    if (known === null && !boot && this.failed.has(name) && !this.learning.has(name)) return null;
    if (known === null && !this.learning.has(name)) known = await this.read(key);
    // Another agent of the model is being asked now: its answer serves.
    const pending = this.learning.get(name);
    if (pending !== undefined) return (await pending) ?? known;
    // A part of a model is asked again once per process (at a boot), not at every boot of its fleet.
    const retry = boot && (known === null || (!known.complete && !this.failed.has(name)));
    if (known !== null && !retry) return known;
    const learning = this.learn(key, name, ask, endpointId).finally(() => this.learning.delete(name));
    this.learning.set(name, learning);
    return (await learning) ?? known;
  }

  private async read(key: UspDataModelKey): Promise<Known | null> {
    const row = await this.o.store.uspDataModels.get(key);
    if (row === null) return null;
    try {
      return this.keep(keyName(key), { model: SupportedDataModel.parse(row.model), complete: row.complete, learntAt: row.learntAt.getTime() });
    } catch (err) {
      this.o.log.warn({ ...key, err: (err as Error).message }, "USP data model kept in the store is unreadable; learnt again");
      return null;
    }
  }

  private async learn(key: UspDataModelKey, name: string, ask: Ask, endpointId: string): Promise<Known | null> {
    const answer = await ask("getSupportedDm", supportedDmRequest());
    const resp = msgBody(answer, "getSupportedDmResp");
    const learnt = resp === undefined ? null : learnSupportedDm(resp);
    if (learnt === null) {
      this.failed.add(name);
      const error = msgBody(answer, "error");
      this.o.log.warn({ endpointId, ...key, errCode: error?.errCode, err: error?.errMsg }, "USP agent gave no supported data model; the standard model stands in");
      return null;
    }
    if (learnt.complete) this.failed.delete(name);
    else this.failed.add(name);
    if (!learnt.complete) this.o.log.warn({ endpointId, ...key, problems: learnt.problems }, "USP agent gave part of its supported data model; the standard model stands in for the rest");
    const at = this.o.clock();
    const counts = learnt.model.counts();
    await this.o.store.uspDataModels.put({ ...key, learntAt: at, complete: learnt.complete, ...counts, model: learnt.model.toJson() });
    this.o.log.info({ endpointId, ...key, ...counts }, "USP data model learnt");
    return this.keep(name, { model: learnt.model, complete: learnt.complete, learntAt: at.getTime() });
  }

  private keep(name: string, k: Known): Known {
    this.known.delete(name);
    this.known.set(name, k);
    if (this.known.size > KEPT) this.known.delete(this.known.keys().next().value!);
    return k;
  }
}

function keyName(k: UspDataModelKey): string {
  return JSON.stringify([k.oui, k.productClass, k.softwareVersion]);
}
