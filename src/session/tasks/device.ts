// Task kinds that act on the device as a whole.

import { expect, type TaskHandler } from "./handler.js";
import type { TaskArgs } from "./schemas.js";

export const reboot: TaskHandler<TaskArgs<"reboot">> = {
  start: (_args, ctx) => ({ kind: "rpc", request: { method: "Reboot", commandKey: ctx.commandKey }, state: null }),
  onResponse(_args, _state, response) {
    expect(response, "RebootResponse");
    return { kind: "done", result: { rebooting: true } };
  },
};

export const factoryReset: TaskHandler<TaskArgs<"factoryReset">> = {
  start: () => ({ kind: "rpc", request: { method: "FactoryReset" }, state: null }),
  onResponse(_args, _state, response) {
    expect(response, "FactoryResetResponse");
    return { kind: "done", result: { resetting: true } };
  },
};

export const scheduleInform: TaskHandler<TaskArgs<"scheduleInform">> = {
  start: (args, ctx) => ({
    kind: "rpc",
    request: { method: "ScheduleInform", delaySeconds: args.delaySeconds, commandKey: args.commandKey ?? ctx.commandKey },
    state: null,
  }),
  onResponse(args, _state, response) {
    expect(response, "ScheduleInformResponse");
    return { kind: "done", result: { delaySeconds: args.delaySeconds } };
  },
};

export const getRPCMethods: TaskHandler<TaskArgs<"getRPCMethods">> = {
  start: () => ({ kind: "rpc", request: { method: "GetRPCMethods" }, state: null }),
  onResponse(_args, _state, response) {
    return { kind: "done", result: expect(response, "GetRPCMethodsResponse").methodList };
  },
};
