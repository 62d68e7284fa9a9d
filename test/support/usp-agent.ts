// A small USP agent a test drives: a parameter map it answers Get, Set, Add, Delete, GetInstances and
// Operate from, through any AgentMtp, with the real codec. It records what it was asked, sends the
// Notify a test asks for, and keeps the controller's NotifyResps. Not a simulator (src/sim/usp is).

import {
  decodeMsg, decodeRecord, encodeMsg, encodeRecord, errorBody, msgBody, msgKind, noSessionContextRecord, ParameterTree, uspMsg,
  type MessageBodies, type MessageKind, type NotificationType, type Notifications, type Notify, type UspMsg,
} from "../../src/usp/index.js";
import type { AgentMtp } from "../../src/mtp/types.js";

export interface TestAgentOptions {
  endpointId: string;
  controllerId: string;
  params: Record<string, string>;
  /** Parameters a Set may not change (7013). */
  readOnly?: readonly string[];
  /** What Operate answers: a command's output args, "async" (a Request object, OperationComplete later), or a failure. */
  operate?: (command: string, args: Record<string, string>) => { outputArgs: Record<string, string> } | "async" | { errCode: number; errMsg: string };
}

/** One notification of a Notify, as its oneof has it. */
export type Notification = { [K in NotificationType]: { notification: K } & { [P in K]: Notifications[K] } }[NotificationType];

export class TestAgent {
  readonly params: Map<string, string>;
  /** Every request the controller sent, in order. */
  readonly received: UspMsg[] = [];
  readonly notifyResps: UspMsg[] = [];
  private nextNotify = 1;

  constructor(readonly mtp: AgentMtp, readonly o: TestAgentOptions) {
    this.params = new Map(Object.entries(o.params));
  }

  connect(): Promise<void> {
    return this.mtp.connect((bytes, replyTo) => this.onRecord(bytes, replyTo));
  }

  /** Sends a Notify (send_resp true) and returns its msg_id. */
  async notify(body: Notification): Promise<string> {
    const id = `notify-${this.nextNotify++}`;
    await this.sendMsg(uspMsg("notify", id, { subscriptionId: "sub-1", ...body, sendResp: true } as Notify));
    return id;
  }

  /** The requests of a kind received so far. */
  requests<K extends MessageKind>(kind: K): MessageBodies[K][] {
    return this.received.filter((m) => msgKind(m) === kind).map((m) => msgBody(m, kind)!);
  }

  sendRaw(bytes: Uint8Array): Promise<boolean> {
    return this.mtp.send(bytes);
  }

  /** `replyTo`: answers go back where the request came from (MQTT: the controller process that asked). */
  private async sendMsg(msg: UspMsg, replyTo?: string): Promise<void> {
    await this.mtp.send(encodeRecord(noSessionContextRecord(this.o.endpointId, this.o.controllerId, encodeMsg(msg))), replyTo);
  }

  private onRecord(bytes: Uint8Array, replyTo?: string): void {
    const record = decodeRecord(bytes);
    if (record.recordType !== "noSessionContext") return;
    const msg = decodeMsg(record.noSessionContext.payload);
    if (msg.body.msgBody !== "request") {
      this.notifyResps.push(msg);
      return;
    }
    this.received.push(msg);
    void this.sendMsg(this.answer(msg), replyTo);
  }

  private answer(msg: UspMsg): UspMsg {
    const id = msg.header.msgId;
    const tree = () => new ParameterTree(this.params);
    switch (msgKind(msg)) {
      case "get": {
        const get = msgBody(msg, "get")!;
        return uspMsg("getResp", id, {
          reqPathResults: get.paramPaths.map((requestedPath) => {
            const found = this.read(tree(), requestedPath);
            return found === null
              ? { requestedPath, errCode: 7026, errMsg: "no such path", resolvedPathResults: [] }
              : { requestedPath, errCode: 0, errMsg: "", resolvedPathResults: found };
          }),
        });
      }
      case "set": {
        const set = msgBody(msg, "set")!;
        const errs: { paramPath: string; errCode: number; errMsg: string }[] = [];
        for (const u of set.updateObjs) for (const p of u.paramSettings) {
          const path = u.objPath + p.param;
          if (!this.params.has(path)) errs.push({ paramPath: path, errCode: 7026, errMsg: "no such parameter" });
          else if (this.o.readOnly?.includes(path)) errs.push({ paramPath: path, errCode: 7013, errMsg: "read-only" });
        }
        if (errs.length > 0) return uspMsg("error", id, { ...errorBody(7004, "the Set failed"), paramErrs: errs });
        for (const u of set.updateObjs) for (const p of u.paramSettings) this.params.set(u.objPath + p.param, p.value);
        return uspMsg("setResp", id, {
          updatedObjResults: set.updateObjs.map((u) => ({
            requestedPath: u.objPath,
            operStatus: { operStatus: "operSuccess", operSuccess: { updatedInstResults: [{ affectedPath: u.objPath, paramErrs: [], updatedParams: Object.fromEntries(u.paramSettings.map((p) => [p.param, p.value])) }] } },
          })),
        });
      }
      case "add": {
        const add = msgBody(msg, "add")!;
        return uspMsg("addResp", id, {
          createdObjResults: add.createObjs.map((c) => {
            let n = 1;
            while ([...this.params.keys()].some((k) => k.startsWith(`${c.objPath}${n}.`))) n++;
            const inst = `${c.objPath}${n}.`;
            this.params.set(inst, "");
            for (const p of c.paramSettings) this.params.set(inst + p.param, p.value);
            return { requestedPath: c.objPath, operStatus: { operStatus: "operSuccess" as const, operSuccess: { instantiatedPath: inst, paramErrs: [], uniqueKeys: {} } } };
          }),
        });
      }
      case "delete": {
        const del = msgBody(msg, "delete")!;
        return uspMsg("deleteResp", id, {
          deletedObjResults: del.objPaths.map((requestedPath) => {
            const matches = tree().resolve(requestedPath).map((m) => m.path);
            for (const obj of matches) for (const k of [...this.params.keys()]) if (k.startsWith(obj)) this.params.delete(k);
            return { requestedPath, operStatus: { operStatus: "operSuccess" as const, operSuccess: { affectedPaths: matches, unaffectedPathErrs: [] } } };
          }),
        });
      }
      case "getInstances": {
        const gi = msgBody(msg, "getInstances")!;
        return uspMsg("getInstancesResp", id, {
          reqPathResults: gi.objPaths.map((requestedPath) => {
            const insts = new Set<string>();
            for (const k of this.params.keys()) {
              if (!k.startsWith(requestedPath)) continue;
              const m = /^(.*?\.\d+\.)/.exec(k.slice(requestedPath.length));
              if (m !== null) insts.add(requestedPath + m[1]);
            }
            return { requestedPath, errCode: 0, errMsg: "", currInsts: [...insts].map((p) => ({ instantiatedObjPath: p, uniqueKeys: {} })) };
          }),
        });
      }
      case "operate": {
        const op = msgBody(msg, "operate")!;
        const outcome = this.o.operate?.(op.command, op.inputArgs) ?? { outputArgs: {} };
        if (outcome === "async") return uspMsg("operateResp", id, { operationResults: [{ executedCommand: op.command, operationResp: "reqObjPath", reqObjPath: "Device.LocalAgent.Request.1." }] });
        if ("errCode" in outcome) return uspMsg("operateResp", id, { operationResults: [{ executedCommand: op.command, operationResp: "cmdFailure", cmdFailure: outcome }] });
        return uspMsg("operateResp", id, { operationResults: [{ executedCommand: op.command, operationResp: "reqOutputArgs", reqOutputArgs: outcome }] });
      }
      default:
        return uspMsg("error", id, errorBody(7001, `${msgKind(msg)} is not supported by the test agent`));
    }
  }

  /** A Get's results for one path, grouped by object; null when it names nothing. */
  private read(tree: ParameterTree, path: string): { resolvedPath: string; resultParams: Record<string, string> }[] | null {
    const matches = tree.resolve(path);
    if (matches.length === 0) return path.includes("*") || path.includes("[") ? [] : null;
    const byObj = new Map<string, Record<string, string>>();
    const put = (full: string, value: string) => {
      const dot = full.lastIndexOf(".");
      const obj = full.slice(0, dot + 1);
      const group = byObj.get(obj) ?? {};
      group[full.slice(dot + 1)] = value;
      byObj.set(obj, group);
    };
    for (const m of matches) {
      if (!m.path.endsWith(".")) put(m.path, m.value ?? "");
      else for (const [k, v] of this.params) if (k.startsWith(m.path) && !k.endsWith(".")) put(k, v);
    }
    return [...byObj].map(([resolvedPath, resultParams]) => ({ resolvedPath, resultParams }));
  }
}
