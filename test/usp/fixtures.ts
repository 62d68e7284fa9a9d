// One Msg of every type, shaped after the examples of TR-369's Messages section (paths, values and
// results as the spec's walkthroughs use them), and Records of every type around them. Shared by the
// codec tests, the fuzz test's seeds and the codec benchmark.

import { noSessionContextRecord, recordHeader, uspMsg, encodeMsg, type MessageKind, type UspMsg, type UspRecord } from "../../src/usp/index.js";

const CONTROLLER = "proto::controller-1";
const AGENT = "os::012345-CPE-SN0001";

export const msgFixtures: { kind: MessageKind; msg: UspMsg }[] = [
  { kind: "get", msg: uspMsg("get", "get-1", { paramPaths: ["Device.DeviceInfo.SoftwareVersion", "Device.WiFi.SSID.[Enable==true].SSID"], maxDepth: 0 }) },
  {
    kind: "getResp",
    msg: uspMsg("getResp", "get-1", {
      reqPathResults: [
        { requestedPath: "Device.DeviceInfo.SoftwareVersion", errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.DeviceInfo.", resultParams: { SoftwareVersion: "4.1.0" } }] },
        { requestedPath: "Device.Nothing.", errCode: 7026, errMsg: "Invalid path", resolvedPathResults: [] },
      ],
    }),
  },
  {
    kind: "set",
    msg: uspMsg("set", "set-1", {
      allowPartial: false,
      updateObjs: [{ objPath: 'Device.LocalAgent.Controller.[EndpointID=="controller-temp"].', paramSettings: [{ param: "Enable", value: "false", required: true }] }],
    }),
  },
  {
    kind: "setResp",
    msg: uspMsg("setResp", "set-1", {
      updatedObjResults: [
        {
          requestedPath: 'Device.LocalAgent.Controller.[EndpointID=="controller-temp"].',
          operStatus: { operStatus: "operSuccess", operSuccess: { updatedInstResults: [{ affectedPath: "Device.LocalAgent.Controller.31185.", paramErrs: [], updatedParams: { Enable: "false" } }] } },
        },
        {
          requestedPath: "Device.LocalAgent.MTP.1.",
          operStatus: { operStatus: "operFailure", operFailure: { errCode: 7020, errMsg: "Object could not be updated", updatedInstFailures: [{ affectedPath: "Device.LocalAgent.MTP.1.", paramErrs: [{ param: "Enable", errCode: 7013, errMsg: "read-only" }] }] } },
        },
      ],
    }),
  },
  {
    kind: "add",
    msg: uspMsg("add", "add-1", {
      allowPartial: true,
      createObjs: [{ objPath: "Device.LocalAgent.Controller.", paramSettings: [{ param: "Enable", value: "True", required: false }, { param: "EndpointID", value: "controller-temp", required: true }] }],
    }),
  },
  {
    kind: "addResp",
    msg: uspMsg("addResp", "add-1", {
      createdObjResults: [
        {
          requestedPath: "Device.LocalAgent.Controller.",
          operStatus: { operStatus: "operSuccess", operSuccess: { instantiatedPath: "Device.LocalAgent.Controller.31185.", paramErrs: [], uniqueKeys: { EndpointID: "controller-temp", Alias: "cpe-31185" } } },
        },
      ],
    }),
  },
  { kind: "delete", msg: uspMsg("delete", "delete-1", { allowPartial: false, objPaths: ['Device.LocalAgent.MTP.[Alias=="cpe-mtp-1"].', "Device.LocalAgent.Subscription.*."] }) },
  {
    kind: "deleteResp",
    msg: uspMsg("deleteResp", "delete-1", {
      deletedObjResults: [
        { requestedPath: 'Device.LocalAgent.MTP.[Alias=="cpe-mtp-1"].', operStatus: { operStatus: "operSuccess", operSuccess: { affectedPaths: ["Device.LocalAgent.MTP.5."], unaffectedPathErrs: [] } } },
        { requestedPath: "Device.LocalAgent.Subscription.*.", operStatus: { operStatus: "operFailure", operFailure: { errCode: 7024, errMsg: "Delete failure" } } },
      ],
    }),
  },
  { kind: "operate", msg: uspMsg("operate", "operate-1", { command: "Device.LocalAgent.Controller.1.SendOnBoardRequest()", commandKey: "onboard-1", sendResp: true, inputArgs: {} }) },
  {
    kind: "operateResp",
    msg: uspMsg("operateResp", "operate-1", {
      operationResults: [
        { executedCommand: "Device.LocalAgent.Controller.1.SendOnBoardRequest()", operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: {} } },
        { executedCommand: "Device.IP.Diagnostics.IPPing()", operationResp: "reqObjPath", reqObjPath: "Device.LocalAgent.Request.1." },
        { executedCommand: "Device.Reboot()", operationResp: "cmdFailure", cmdFailure: { errCode: 7022, errMsg: "Command failure" } },
      ],
    }),
  },
  {
    kind: "notify",
    msg: uspMsg("notify", "notify-1", {
      subscriptionId: "vc-1",
      sendResp: true,
      notification: "valueChange",
      valueChange: { paramPath: "Device.DeviceInfo.FriendlyName", paramValue: "MyDevicesFriendlyName" },
    }),
  },
  { kind: "notifyResp", msg: uspMsg("notifyResp", "notify-1", { subscriptionId: "vc-1" }) },
  {
    kind: "getSupportedDm",
    msg: uspMsg("getSupportedDm", "gsdm-1", { objPaths: ["Device.WiFi."], firstLevelOnly: true, returnCommands: true, returnEvents: true, returnParams: true, returnUniqueKeySets: true }),
  },
  {
    kind: "getSupportedDmResp",
    msg: uspMsg("getSupportedDmResp", "gsdm-1", {
      reqObjResults: [
        {
          reqObjPath: "Device.WiFi.",
          errCode: 0,
          errMsg: "",
          dataModelInstUri: "urn:broadband-forum-org:tr-181-2-16-0-usp",
          supportedObjs: [
            {
              supportedObjPath: "Device.WiFi.SSID.{i}.",
              access: "OBJ_ADD_DELETE",
              isMultiInstance: true,
              supportedCommands: [{ commandName: "Reset()", inputArgNames: [], outputArgNames: [], commandType: "CMD_SYNC" }],
              supportedEvents: [{ eventName: "Associated!", argNames: ["MACAddress"] }],
              supportedParams: [
                { paramName: "Enable", access: "PARAM_READ_WRITE", valueType: "PARAM_BOOLEAN", valueChange: "VALUE_CHANGE_ALLOWED" },
                { paramName: "SSID", access: "PARAM_READ_WRITE", valueType: "PARAM_STRING", valueChange: "VALUE_CHANGE_ALLOWED" },
              ],
              divergentPaths: [],
              uniqueKeySets: [{ keyNames: ["Alias"] }, { keyNames: ["Name"] }],
            },
          ],
        },
      ],
    }),
  },
  { kind: "getInstances", msg: uspMsg("getInstances", "gi-1", { objPaths: ["Device.LocalAgent.Controller."], firstLevelOnly: false }) },
  {
    kind: "getInstancesResp",
    msg: uspMsg("getInstancesResp", "gi-1", {
      reqPathResults: [
        {
          requestedPath: "Device.LocalAgent.Controller.",
          errCode: 0,
          errMsg: "",
          currInsts: [
            { instantiatedObjPath: "Device.LocalAgent.Controller.1.", uniqueKeys: { Alias: "cpe-1", EndpointID: "controller1" } },
            { instantiatedObjPath: "Device.LocalAgent.Controller.1.MTP.1.", uniqueKeys: { Alias: "cpe-1" } },
          ],
        },
      ],
    }),
  },
  { kind: "getSupportedProtocol", msg: uspMsg("getSupportedProtocol", "gsp-1", { controllerSupportedProtocolVersions: "1.0,1.1,1.2,1.3,1.4" }) },
  { kind: "getSupportedProtocolResp", msg: uspMsg("getSupportedProtocolResp", "gsp-1", { agentSupportedProtocolVersions: "1.3,1.4" }) },
  { kind: "register", msg: uspMsg("register", "reg-1", { allowPartial: false, regPaths: [{ path: "Device.Services.VoiceService." }, { path: "Device.Services.X_EXAMPLE_Thing." }] }) },
  {
    kind: "registerResp",
    msg: uspMsg("registerResp", "reg-1", {
      registeredPathResults: [
        { requestedPath: "Device.Services.VoiceService.", operStatus: { operStatus: "operSuccess", operSuccess: { registeredPath: "Device.Services.VoiceService." } } },
        { requestedPath: "Device.Services.X_EXAMPLE_Thing.", operStatus: { operStatus: "operFailure", operFailure: { errCode: 7029, errMsg: "Already in use" } } },
      ],
    }),
  },
  { kind: "deregister", msg: uspMsg("deregister", "dereg-1", { paths: ["Device.Services.VoiceService."] }) },
  {
    kind: "deregisterResp",
    msg: uspMsg("deregisterResp", "dereg-1", {
      deregisteredPathResults: [{ requestedPath: "Device.Services.VoiceService.", operStatus: { operStatus: "operSuccess", operSuccess: { deregisteredPath: ["Device.Services.VoiceService."] } } }],
    }),
  },
  {
    kind: "error",
    msg: uspMsg("error", "set-2", {
      errCode: 7004,
      errMsg: "Invalid arguments",
      paramErrs: [{ paramPath: "Device.Time.NTPServer1", errCode: 7012, errMsg: "Invalid value" }],
    }),
  },
];

/** The other notifications, each in a Notify. */
export const notifyFixtures: UspMsg[] = [
  uspMsg("notify", "n-event", { subscriptionId: "boot", sendResp: false, notification: "event", event: { objPath: "Device.", eventName: "Boot!", params: { CommandKey: "", Cause: "LocalReboot" } } }),
  uspMsg("notify", "n-create", { subscriptionId: "oc", sendResp: true, notification: "objCreation", objCreation: { objPath: "Device.WiFi.SSID.3.", uniqueKeys: { Alias: "cpe-3", Name: "wl2" } } }),
  uspMsg("notify", "n-delete", { subscriptionId: "od", sendResp: true, notification: "objDeletion", objDeletion: { objPath: "Device.WiFi.SSID.3." } }),
  uspMsg("notify", "n-done", {
    subscriptionId: "opc",
    sendResp: true,
    notification: "operComplete",
    operComplete: { objPath: "Device.IP.Diagnostics.", commandName: "IPPing()", commandKey: "ping-1", operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: { SuccessCount: "3", AverageResponseTime: "12" } } },
  }),
  uspMsg("notify", "n-failed", {
    subscriptionId: "opc",
    sendResp: false,
    notification: "operComplete",
    operComplete: { objPath: "Device.", commandName: "Reboot()", commandKey: "r", operationResp: "cmdFailure", cmdFailure: { errCode: 7022, errMsg: "Command failure" } },
  }),
  uspMsg("notify", "n-onboard", {
    subscriptionId: "",
    sendResp: true,
    notification: "onBoardReq",
    onBoardReq: { oui: "012345", productClass: "CPE", serialNumber: "SN0001", agentSupportedProtocolVersions: "1.4" },
  }),
];

const none = () => ({ ...recordHeader(AGENT, CONTROLLER) });

/** A Record of every type. */
export const recordFixtures: { name: string; record: UspRecord }[] = [
  { name: "noSessionContext", record: noSessionContextRecord(CONTROLLER, AGENT, encodeMsg(msgFixtures[0]!.msg)) },
  {
    name: "sessionContext",
    record: {
      ...none(),
      recordType: "sessionContext",
      sessionContext: { sessionId: 2n ** 63n + 5n, sequenceId: 7n, expectedId: 3n, retransmitId: 0n, payloadSarState: "BEGIN", payloadrecSarState: "BEGIN", payload: [new Uint8Array([1, 2, 3]), new Uint8Array([4])] },
    },
  },
  { name: "websocketConnect", record: { ...none(), recordType: "websocketConnect", websocketConnect: {} } },
  { name: "mqttConnect", record: { ...none(), recordType: "mqttConnect", mqttConnect: { version: "V5", subscribedTopic: "usp/agent/os::012345-CPE-SN0001" } } },
  { name: "stompConnect", record: { ...none(), recordType: "stompConnect", stompConnect: { version: "V1_2", subscribedDestination: "/usp/agent" } } },
  { name: "udsConnect", record: { ...none(), recordType: "udsConnect", udsConnect: {} } },
  { name: "disconnect", record: { ...none(), recordType: "disconnect", disconnect: { reason: "shutting down", reasonCode: 7105 } } },
  {
    name: "signed",
    record: { ...noSessionContextRecord(CONTROLLER, AGENT, new Uint8Array([0x17, 0x03, 0x03])), payloadSecurity: "TLS12", macSignature: new Uint8Array([9, 9]), senderCert: new Uint8Array([0x30, 0x82]) },
  },
];
