// The XMPP connection objects of TR-181 (Device.XMPP.) and TR-098 (InternetGatewayDevice.XMPP.), which
// TR-069 Annex K connection requests use: ManagementServer.ConnReqXMPPConnection points at one row of
// XMPP.Connection, whose account the device logs in with (runtime/xmpp-channel.ts). One factory row,
// disabled, with one server row, so that an ACS (or the simulator's options) only has to fill it in.

import { bool, boolW, longW, str, strW, time, uint, uintW, type ModelBuilder } from "./dsl.js";

const STATUS = ["Enabled", "Disabled", "Unknown", "Dormant", "Connecting", "ServerNotPresent", "Error_Misconfigured", "Error_AuthenticationFailure", "Error"];
const ALGORITHMS = ["DNS-SRV", "DNS", "ServerTable", "WebSocket"];

/** Adds XMPP. to a model: `tr181` has SupportedServerConnectAlgorithms and write-once aliases. */
export function addXmpp(b: ModelBuilder, flavour: "tr181" | "tr098"): void {
  b.obj("XMPP.", {
    ConnectionNumberOfEntries: uint(),
    ...(flavour === "tr181" ? { SupportedServerConnectAlgorithms: str("DNS-SRV,DNS,ServerTable", { list: true, enum: ALGORITHMS }) } : {}),
  });
  b.obj("XMPP.Connection.{i}.", {
    Enable: boolW("false"),
    Alias: strW(undefined, { maxLen: 64 }),
    Username: strW("", { maxLen: 256 }),
    Password: strW("", { maxLen: 256, secret: true }),
    Domain: strW("", { maxLen: 64 }),
    Resource: strW("", { maxLen: 64 }),
    JabberID: str(""),
    Status: str("Disabled", { enum: STATUS }),
    LastChangeDate: time("0001-01-01T00:00:00Z"),
    ServerConnectAlgorithm: strW("DNS-SRV", { enum: ALGORITHMS }),
    KeepAliveInterval: longW("-1", { min: -1 }),
    ServerConnectAttempts: uintW("16"),
    ServerRetryInitialInterval: uintW("60", { min: 1, max: 65535 }),
    ServerRetryIntervalMultiplier: uintW("2000", { min: 1000, max: 65535 }),
    ServerRetryMaxInterval: uintW("30720", { min: 1 }),
    UseTLS: boolW("false"),
    TLSEstablished: bool("false"),
    ServerNumberOfEntries: uint(),
  }, { writable: true });
  b.obj("XMPP.Connection.{i}.Server.{i}.", {
    Enable: boolW("false"),
    Alias: strW(undefined, { maxLen: 64 }),
    Priority: uintW("0", { min: 0, max: 65535 }),
    Weight: longW("-1", { min: -1, max: 65535 }),
    ServerAddress: strW("", { maxLen: 256 }),
    Port: uintW("5222", { min: 0, max: 65535 }),
  }, { writable: true });
  b.rows("XMPP.Connection.", [{}]);
  b.rows("XMPP.Connection.1.Server.", [{}]);
}
