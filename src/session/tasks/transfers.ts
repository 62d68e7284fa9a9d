// Task kinds that move files or software: their outcome usually arrives later, in a TransferComplete
// or DUStateChangeComplete whose CommandKey names the task.

import { methodDefinedIn, type CwmpMessage } from "../../cwmp/index.js";
import { expect, faultStep, type Step, type TaskContext, type TaskHandler } from "./handler.js";
import type { TaskArgs } from "./schemas.js";

// A Download whose previous attempt may have reached the device (the session broke off before its
// answer was kept) is first looked for among the device's queued transfers by its CommandKey: sending
// it again would fetch and apply the file twice. Its TransferComplete settles it as usual.
interface DownloadState {
  phase: "check";
}

function queuedTransfersRequest(ctx: TaskContext): CwmpMessage | null {
  if (ctx.unconfirmed?.method !== "Download" || ctx.unconfirmed.key !== ctx.commandKey) return null;
  if (methodDefinedIn("GetAllQueuedTransfers", ctx.ns)) return { method: "GetAllQueuedTransfers" };
  return methodDefinedIn("GetQueuedTransfers", ctx.ns) ? { method: "GetQueuedTransfers" } : null;
}

export const download: TaskHandler<TaskArgs<"download">> = {
  start(args, ctx) {
    const check = queuedTransfersRequest(ctx);
    if (check !== null) return { kind: "rpc", request: check, state: { phase: "check" } satisfies DownloadState };
    return downloadStep(args, ctx);
  },
  onResponse(args, state, response, ctx) {
    if ((state as DownloadState | null)?.phase === "check") {
      const list = response.method === "GetAllQueuedTransfersResponse" || response.method === "GetQueuedTransfersResponse" ? response.transferList : [];
      const queued = list.find((t) => t.commandKey === ctx.commandKey);
      return queued === undefined ? downloadStep(args, ctx) : { kind: "waiting", result: { queued: { state: queued.state } } };
    }
    const r = expect(response, "DownloadResponse");
    const result = { status: r.status, startTime: r.startTime, completeTime: r.completeTime };
    return r.status === 0 ? { kind: "done", result } : { kind: "waiting", result };
  },
  onFault(args, state, fault, ctx) {
    // A device that cannot list its transfers cannot say: the Download is sent.
    return (state as DownloadState | null)?.phase === "check" ? downloadStep(args, ctx) : faultStep(fault);
  },
};

function downloadStep(args: TaskArgs<"download">, ctx: TaskContext): Step {
  return {
    kind: "rpc",
    request: {
      method: "Download",
      commandKey: ctx.commandKey,
      fileType: args.fileType ?? "",
      url: args.url ?? "",
      username: args.username ?? "",
      password: args.password ?? "",
      fileSize: args.fileSize ?? 0,
      targetFileName: args.targetFileName ?? "",
      delaySeconds: args.delaySeconds ?? 0,
      successUrl: args.successUrl ?? "",
      failureUrl: args.failureUrl ?? "",
    },
    state: null,
  };
}

export const upload: TaskHandler<TaskArgs<"upload">> = {
  start(args, ctx) {
    return {
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
    };
  },
  onResponse(_args, _state, response) {
    const r = expect(response, "UploadResponse");
    const result = { status: r.status, startTime: r.startTime, completeTime: r.completeTime };
    return r.status === 0 ? { kind: "done", result } : { kind: "waiting", result };
  },
};

export const scheduleDownload: TaskHandler<TaskArgs<"scheduleDownload">> = {
  start(args, ctx) {
    return {
      kind: "rpc",
      request: {
        method: "ScheduleDownload",
        commandKey: ctx.commandKey,
        fileType: args.fileType ?? "",
        url: args.url ?? "",
        username: args.username ?? "",
        password: args.password ?? "",
        fileSize: args.fileSize ?? 0,
        targetFileName: args.targetFileName ?? "",
        timeWindowList: args.timeWindows.map((w) => ({
          windowStart: w.windowStart,
          windowEnd: w.windowEnd,
          windowMode: w.windowMode,
          userMessage: w.userMessage ?? "",
          maxRetries: w.maxRetries ?? -1,
        })),
      },
      state: null,
    };
  },
  onResponse(_args, _state, response) {
    expect(response, "ScheduleDownloadResponse");
    return { kind: "waiting", result: { scheduled: true } };
  },
};

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

export const changeDUState: TaskHandler<TaskArgs<"changeDUState">> = {
  start(args, ctx) {
    return { kind: "rpc", request: { method: "ChangeDUState", operations: args.operations, commandKey: ctx.commandKey }, state: null };
  },
  onResponse(_args, _state, response) {
    expect(response, "ChangeDUStateResponse");
    return { kind: "waiting", result: { accepted: true } };
  },
};
