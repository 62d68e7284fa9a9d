// Task kinds that move files or software: their outcome usually arrives later, in a TransferComplete
// or DUStateChangeComplete whose CommandKey names the task.

import { methodDefinedIn, type CwmpMessage } from "../../cwmp/index.js";
import type { JsonValue } from "../json.js";
import { expect, faultStep, type Step, type TaskContext, type TaskHandler } from "./handler.js";
import type { TaskArgs } from "./schemas.js";

// A transfer whose previous attempt may have reached the device (the session broke off before its
// answer was kept) is first looked for among the device's queued transfers by its CommandKey: sending it
// again would fetch (or send) the file twice. Found, it waits for its TransferComplete, which settles it
// as usual. A transfer the device already finished shows itself instead in the next Inform ("M Download",
// "M Upload", "M ScheduleDownload" with its CommandKey: confirm.ts), with the TransferComplete after it.
interface CheckState {
  phase: "check";
}

function queuedTransfersRequest(method: string, ctx: TaskContext): CwmpMessage | null {
  if (ctx.unconfirmed?.method !== method || ctx.unconfirmed.key !== ctx.commandKey) return null;
  if (methodDefinedIn("GetAllQueuedTransfers", ctx.ns)) return { method: "GetAllQueuedTransfers" };
  return methodDefinedIn("GetQueuedTransfers", ctx.ns) ? { method: "GetQueuedTransfers" } : null;
}

const checking = (state: JsonValue) => (state as CheckState | null)?.phase === "check";

/** A transfer task: `send` makes its RPC, `answered` reads its response; the check of the queue comes first when needed. */
function transferTask<A>(method: "Download" | "Upload" | "ScheduleDownload", send: (args: A, ctx: TaskContext) => Step, answered: (response: CwmpMessage) => Step): TaskHandler<A> {
  return {
    start(args, ctx) {
      const check = queuedTransfersRequest(method, ctx);
      return check === null ? send(args, ctx) : { kind: "rpc", request: check, state: { phase: "check" } satisfies CheckState };
    },
    onResponse(args, state, response, ctx) {
      if (!checking(state)) return answered(response);
      const list = response.method === "GetAllQueuedTransfersResponse" || response.method === "GetQueuedTransfersResponse" ? response.transferList : [];
      const queued = list.find((t) => t.commandKey === ctx.commandKey);
      return queued === undefined ? send(args, ctx) : { kind: "waiting", result: { queued: { state: queued.state } } };
    },
    onFault(args, state, fault, ctx) {
      // A device that cannot list its transfers cannot say: the transfer is sent.
      return checking(state) ? send(args, ctx) : faultStep(fault);
    },
    onConfirmed: (_args, _sent, how) => ({ kind: "waiting", result: { confirmed: how } }),
  };
}

/** Status 0: done already (no TransferComplete follows); 1: the TransferComplete will say. */
function transferAnswered(r: { status: number; startTime: string; completeTime: string }): Step {
  const result = { status: r.status, startTime: r.startTime, completeTime: r.completeTime };
  return r.status === 0 ? { kind: "done", result } : { kind: "waiting", result };
}

/** What a Download and a ScheduleDownload both say of the file to fetch. */
function fetched(args: TaskArgs<"download"> | TaskArgs<"scheduleDownload">, ctx: TaskContext) {
  return {
    commandKey: ctx.commandKey,
    fileType: args.fileType ?? "",
    url: args.url ?? "",
    username: args.username ?? "",
    password: args.password ?? "",
    fileSize: args.fileSize ?? 0,
    targetFileName: args.targetFileName ?? "",
  };
}

export const download = transferTask<TaskArgs<"download">>(
  "Download",
  (args, ctx) => ({
    kind: "rpc",
    request: {
      method: "Download",
      ...fetched(args, ctx),
      delaySeconds: args.delaySeconds ?? 0,
      successUrl: args.successUrl ?? "",
      failureUrl: args.failureUrl ?? "",
    },
    state: null,
  }),
  (response) => transferAnswered(expect(response, "DownloadResponse")),
);

export const upload = transferTask<TaskArgs<"upload">>(
  "Upload",
  (args, ctx) => ({
    kind: "rpc",
    request: {
      method: "Upload",
      commandKey: ctx.commandKey,
      fileType: args.fileType,
      url: args.url ?? "",
      username: args.username ?? "",
      password: args.password ?? "",
      delaySeconds: args.delaySeconds ?? 0,
    },
    state: null,
  }),
  (response) => transferAnswered(expect(response, "UploadResponse")),
);

export const scheduleDownload = transferTask<TaskArgs<"scheduleDownload">>(
  "ScheduleDownload",
  (args, ctx) => ({
    kind: "rpc",
    request: {
      method: "ScheduleDownload",
      ...fetched(args, ctx),
      timeWindowList: args.timeWindows.map((w) => ({
        windowStart: w.windowStart,
        windowEnd: w.windowEnd,
        windowMode: w.windowMode,
        userMessage: w.userMessage ?? "",
        maxRetries: w.maxRetries ?? -1,
      })),
    },
    state: null,
  }),
  (response) => {
    expect(response, "ScheduleDownloadResponse");
    return { kind: "waiting", result: { scheduled: true } };
  },
);

/** The CommandKey of another task, as cancelTransfer must name it. */
export function commandKeyOf(taskId: string): string {
  return taskId.replace(/-/g, "");
}

export const cancelTransfer: TaskHandler<TaskArgs<"cancelTransfer">> = {
  start(args) {
    return { kind: "rpc", request: { method: "CancelTransfer", commandKey: commandKeyOf(args.taskId) }, state: null };
  },
  onResponse(args, _state, response) {
    expect(response, "CancelTransferResponse");
    return { kind: "done", result: { cancelled: args.taskId } };
  },
};

export const getQueuedTransfers: TaskHandler<TaskArgs<"getQueuedTransfers">> = {
  start: () => ({ kind: "rpc", request: { method: "GetQueuedTransfers" }, state: null }),
  onResponse(_args, _state, response) {
    const list = expect(response, "GetQueuedTransfersResponse").transferList;
    return { kind: "done", result: list.map((t) => ({ commandKey: t.commandKey, state: t.state })) };
  },
};

export const getAllQueuedTransfers: TaskHandler<TaskArgs<"getAllQueuedTransfers">> = {
  start: () => ({ kind: "rpc", request: { method: "GetAllQueuedTransfers" }, state: null }),
  onResponse(_args, _state, response) {
    const list = expect(response, "GetAllQueuedTransfersResponse").transferList;
    return {
      kind: "done",
      result: list.map((t) => ({ commandKey: t.commandKey, state: t.state, isDownload: t.isDownload, fileType: t.fileType, fileSize: t.fileSize, targetFileName: t.targetFileName })),
    };
  },
};

// No RPC lists the ChangeDUStates a device has under way: one whose answer was lost is known to have
// reached the device only by the Inform that delivers its DUStateChangeComplete ("M ChangeDUState" with
// its CommandKey: confirm.ts). Without it, it is sent again.
export const changeDUState: TaskHandler<TaskArgs<"changeDUState">> = {
  start(args, ctx) {
    return { kind: "rpc", request: { method: "ChangeDUState", operations: args.operations, commandKey: ctx.commandKey }, state: null };
  },
  onResponse(_args, _state, response) {
    expect(response, "ChangeDUStateResponse");
    return { kind: "waiting", result: { accepted: true } };
  },
  onConfirmed: (_args, _sent, how) => ({ kind: "waiting", result: { confirmed: how } }),
};
