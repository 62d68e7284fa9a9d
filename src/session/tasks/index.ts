import { methodDefinedIn, type CwmpNamespaceVersion } from "../../cwmp/index.js";
import * as device from "./device.js";
import type { TaskHandler } from "./handler.js";
import * as parameters from "./parameters.js";
import type { TaskName } from "./schemas.js";
import * as transfers from "./transfers.js";

export const taskHandlers: { readonly [N in TaskName]: TaskHandler<never> } = {
  getParameterValues: parameters.getParameterValues,
  getParameterNames: parameters.getParameterNames,
  setParameterValues: parameters.setParameterValues,
  getParameterAttributes: parameters.getParameterAttributes,
  setParameterAttributes: parameters.setParameterAttributes,
  addObject: parameters.addObject,
  deleteObject: parameters.deleteObject,
  reboot: device.reboot,
  factoryReset: device.factoryReset,
  scheduleInform: device.scheduleInform,
  getRPCMethods: device.getRPCMethods,
  download: transfers.download,
  upload: transfers.upload,
  scheduleDownload: transfers.scheduleDownload,
  cancelTransfer: transfers.cancelTransfer,
  getQueuedTransfers: transfers.getQueuedTransfers,
  getAllQueuedTransfers: transfers.getAllQueuedTransfers,
  changeDUState: transfers.changeDUState,
};

// The RPC each task kind needs, to refuse a task a device's CWMP namespace cannot carry.
const rpcOf: { readonly [N in TaskName]: Parameters<typeof methodDefinedIn>[0] } = {
  getParameterValues: "GetParameterValues",
  getParameterNames: "GetParameterNames",
  setParameterValues: "SetParameterValues",
  getParameterAttributes: "GetParameterAttributes",
  setParameterAttributes: "SetParameterAttributes",
  addObject: "AddObject",
  deleteObject: "DeleteObject",
  reboot: "Reboot",
  factoryReset: "FactoryReset",
  scheduleInform: "ScheduleInform",
  getRPCMethods: "GetRPCMethods",
  download: "Download",
  upload: "Upload",
  scheduleDownload: "ScheduleDownload",
  cancelTransfer: "CancelTransfer",
  getQueuedTransfers: "GetQueuedTransfers",
  getAllQueuedTransfers: "GetAllQueuedTransfers",
  changeDUState: "ChangeDUState",
};

export function taskSupportedIn(name: TaskName, ns: CwmpNamespaceVersion): boolean {
  return methodDefinedIn(rpcOf[name], ns);
}

export { commandKeyOf } from "./transfers.js";
export { addObjectKey } from "./parameters.js";
export { taskArgSchemas, taskNames, isTaskName, validateTaskArgs, TaskArgumentError, type TaskName, type TaskArgs } from "./schemas.js";
export type { TaskContext, Step, TaskHandler } from "./handler.js";
