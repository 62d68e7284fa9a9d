// The built-in TR-181 (Device:2) home gateway: four LAN ports and an Ethernet WAN, a dual-band WiFi
// with one SSID and access point per band, IPv4 with DHCP on the WAN and a DHCP server on the LAN,
// NAT with a port mapping, a host table that changes, every diagnostic (models/diagnostics.ts) and
// software modules.
// Names, types and writability follow tr-181-2-17-0-cwmp-full.xml (test/sim checks them against it).

import { compileModel, type DeviceModel } from "../model.js";
import type { DeviceIdentity, DynamicValue } from "../source.js";
import {
  bool, boolW, dyn, ident, int, intW, ModelBuilder, str, strW, time, timeW, uint, uintW, ulong, type Spec, type Val,
} from "./dsl.js";
import {
  clock, counter, host, hostSince, hostTable, hostValue, leaseRemaining, mac, oneRow, parentHostValue,
  ssidName, stationTable, uptime, wander, wanAddress, WAN_GATEWAY, WAN_MASK, wifiPassphrase,
} from "./generators.js";
import { addDiagnostics } from "./diagnostics.js";
import { addFaultMgmt } from "./fault-mgmt.js";
import { addXmpp } from "./xmpp.js";
import { addBulkData } from "./bulkdata.js";

const IF_STATUS = ["Up", "Down", "Unknown", "Dormant", "NotPresent", "LowerLayerDown", "Error"];
const ADDR_STATUS = ["Disabled", "Enabled", "Error_Misconfigured", "Error"];

const STAT_NAMES = ["BytesSent", "BytesReceived", "PacketsSent", "PacketsReceived", "ErrorsSent", "ErrorsReceived", "UnicastPacketsSent",
  "UnicastPacketsReceived", "DiscardPacketsSent", "DiscardPacketsReceived", "MulticastPacketsSent", "MulticastPacketsReceived",
  "BroadcastPacketsSent", "BroadcastPacketsReceived", "UnknownProtoPacketsReceived"];

/** The interface statistics every TR-181 interface has (Ethernet, WiFi SSID, IP). */
function interfaceStats(bytesPerSecond: number, salt: number, canDenyBroadcast = true, normal: readonly string[] = []): Record<string, Spec> {
  const big = (rate: number, k: number) => ulong(dyn(counter(rate, salt + k)), { notify: "canDeny" });
  const small = (rate: number, k: number) => uint(dyn(counter(rate, salt + k, 32)), { notify: normal.includes(STAT_NAMES[k - 1]!) ? "normal" : "canDeny" });
  const pps = bytesPerSecond / 700;
  return {
    BytesSent: big(bytesPerSecond * 0.4, 1),
    BytesReceived: big(bytesPerSecond, 2),
    PacketsSent: big(pps * 0.5, 3),
    PacketsReceived: big(pps, 4),
    ErrorsSent: small(0.0005, 5),
    ErrorsReceived: small(0.001, 6),
    UnicastPacketsSent: big(pps * 0.45, 7),
    UnicastPacketsReceived: big(pps * 0.9, 8),
    DiscardPacketsSent: small(0.0002, 9),
    DiscardPacketsReceived: small(0.0008, 10),
    MulticastPacketsSent: big(pps * 0.03, 11),
    MulticastPacketsReceived: big(pps * 0.06, 12),
    BroadcastPacketsSent: canDenyBroadcast ? big(pps * 0.02, 13) : ulong(dyn(counter(pps * 0.02, salt + 13))),
    BroadcastPacketsReceived: canDenyBroadcast ? big(pps * 0.04, 14) : ulong(dyn(counter(pps * 0.04, salt + 14))),
    UnknownProtoPacketsReceived: small(0.0001, 15),
  };
}

const sinceBoot: DynamicValue = uptime;
const lanMac = (id: DeviceIdentity) => mac(id, 0);
const wanMac = (id: DeviceIdentity) => mac(id, 1);

export function tr181Source() {
  const b = new ModelBuilder("Device");

  b.obj("", { RootDataModelVersion: str("2.17", { forced: true, maxLen: 32 }) });

  b.obj("DeviceInfo.", {
    Manufacturer: str(ident("manufacturer"), { maxLen: 64 }),
    ManufacturerOUI: str(ident("oui"), { minLen: 6, maxLen: 6 }),
    ModelName: str("PG-4100", { maxLen: 64 }),
    ModelNumber: str("PG4100-EU", { maxLen: 64 }),
    Description: str("Provisio simulated home gateway", { maxLen: 256 }),
    ProductClass: str(ident("productClass"), { maxLen: 64 }),
    SerialNumber: str(ident("serialNumber"), { maxLen: 64 }),
    HardwareVersion: str("HW1.2", { forced: true, maxLen: 64 }),
    SoftwareVersion: str("4.2.1", { forced: true, notify: "forceEnabled", maxLen: 64 }),
    AdditionalHardwareVersion: str("", { list: true }),
    AdditionalSoftwareVersion: str("bootloader-2.1", { list: true }),
    ProvisioningCode: strW("", { forced: true, notify: "forceEnabled", maxLen: 64 }),
    UpTime: uint(dyn(uptime), { notify: "canDeny" }),
    FirstUseDate: time(ident((id) => new Date(Date.UTC(2023, 0, 1) + (id.seed % 600) * 86_400_000).toISOString().slice(0, 19) + "Z")),
    HostName: strW("gateway", { maxLen: 255 }),
    VendorConfigFileNumberOfEntries: uint(),
    SupportedDataModelNumberOfEntries: uint(),
  });
  b.obj("DeviceInfo.VendorConfigFile.{i}.", {
    Alias: strW(),
    Name: str("", { maxLen: 64 }),
    Version: str("", { maxLen: 16 }),
    Date: time(),
    Description: str("", { maxLen: 256 }),
    UseForBackupRestore: bool("false"),
  });
  b.rows("DeviceInfo.VendorConfigFile.", [
    { Name: "config.json", Version: "1", Date: "2024-03-01T00:00:00Z", Description: "Running configuration", UseForBackupRestore: "true" },
  ]);
  b.obj("DeviceInfo.SupportedDataModel.{i}.", {
    Alias: strW(),
    URL: str(),
    UUID: str(),
    URN: str("", { maxLen: 256 }),
    Features: str("", { list: true }),
  });
  b.rows("DeviceInfo.SupportedDataModel.", [
    {
      URL: "https://www.broadband-forum.org/cwmp/tr-181-2-17-0-cwmp.xml",
      UUID: "3f1b8a58-5e0c-5d3e-9b1a-2c7d0e6f4a10",
      URN: "urn:broadband-forum-org:tr-181-2-17-0",
      Features: "IPv4,WiFi,NAT,DHCPv4",
    },
  ]);
  b.obj("DeviceInfo.MemoryStatus.", {
    Total: uint("524288"),
    Free: uint(dyn(wander(180_000, 260_000, 300_000, 0x11)), { notify: "canDeny" }),
  });
  b.obj("DeviceInfo.ProcessStatus.", {
    CPUUsage: uint(dyn(wander(3, 35, 60_000, 0x12)), { notify: "canDeny", max: 100 }),
  });

  b.obj("DeviceInfo.TemperatureStatus.", { TemperatureSensorNumberOfEntries: uint() });
  b.obj("DeviceInfo.TemperatureStatus.TemperatureSensor.{i}.", {
    Alias: strW(),
    Enable: boolW("true"),
    Status: str("Enabled", { enum: ["Disabled", "Enabled", "Error"] }),
    Name: str("", { maxLen: 256 }),
    Value: int(dyn(wander(41, 58, 60_000, 0x13)), { notify: "canDeny", min: -274 }),
    LowAlarmValue: intW("-274", { min: -274 }),
    HighAlarmValue: intW("85", { min: -274 }),
  });
  b.rows("DeviceInfo.TemperatureStatus.TemperatureSensor.", [{ Name: "cpu" }]);

  b.obj("ManagementServer.", {
    EnableCWMP: boolW("true"),
    URL: strW(ident("acsUrl")),
    Username: strW(ident("acsUsername"), { maxLen: 256 }),
    Password: strW(ident("acsPassword"), { maxLen: 256, secret: true }),
    PeriodicInformEnable: boolW("true"),
    PeriodicInformInterval: uintW("3600", { min: 1 }),
    PeriodicInformTime: timeW("0001-01-01T00:00:00Z"),
    ParameterKey: str("", { forced: true, notify: "canDeny", maxLen: 32 }),
    ConnectionRequestURL: str(ident("connectionRequestUrl"), { forced: true, notify: "forceDefaultEnabled" }),
    ConnectionRequestUsername: strW(ident("connectionRequestUsername"), { maxLen: 256 }),
    ConnectionRequestPassword: strW(ident("connectionRequestPassword"), { maxLen: 256, secret: true }),
    UpgradesManaged: boolW("false"),
    KickURL: str(""),
    DownloadProgressURL: str(""),
    DefaultActiveNotificationThrottle: uintW("0"),
    CWMPRetryMinimumWaitInterval: uintW("5", { min: 1, max: 65535 }),
    CWMPRetryIntervalMultiplier: uintW("2000", { min: 1000, max: 65535 }),
    HTTPConnectionRequestEnable: boolW("true"),
    UDPConnectionRequestAddress: str("", { maxLen: 256 }),
    STUNEnable: boolW("false"),
    STUNServerAddress: strW("", { maxLen: 256 }),
    STUNServerPort: uintW("3478", { min: 0, max: 65535 }),
    STUNUsername: strW("", { maxLen: 256 }),
    STUNPassword: strW("", { maxLen: 256, secret: true }),
    STUNMaximumKeepAlivePeriod: intW("-1", { min: -1 }),
    STUNMinimumKeepAlivePeriod: uintW("30"),
    NATDetected: bool("false"),
    AliasBasedAddressing: bool("false", { forced: true }),
    InstanceMode: strW("InstanceNumber", { enum: ["InstanceNumber", "InstanceAlias"] }),
    AutoCreateInstances: boolW("false"),
    SupportedConnReqMethods: str("HTTP,STUN,XMPP", { list: true, enum: ["HTTP", "STUN", "XMPP"] }),
    ConnReqXMPPConnection: strW(""),
    ConnReqAllowedJabberIDs: strW("", { list: { maxLength: 256 } }),
    ConnReqJabberID: str("", { notify: "forceDefaultEnabled" }),
    HTTPCompressionSupported: str("GZIP", { list: true, enum: ["GZIP", "Compress", "Deflate"] }),
    HTTPCompression: strW("Disabled", { enum: ["Disabled", "GZIP", "Compress", "Deflate"] }),
    LightweightNotificationProtocolsSupported: str("UDP", { list: true, enum: ["UDP"] }),
    LightweightNotificationProtocolsUsed: strW("", { list: true, enum: ["UDP"] }),
    LightweightNotificationTriggerInterval: uintW("0", { min: 0 }),
    LightweightNotificationTriggerTime: timeW("0001-01-01T00:00:00Z"),
    UDPLightweightNotificationHost: strW("", { maxLen: 256 }),
    UDPLightweightNotificationPort: uintW("0"),
    InstanceWildcardsSupported: bool("false"),
    InformParameterNumberOfEntries: uint(),
  });
  b.obj("ManagementServer.InformParameter.{i}.", {
    Enable: boolW("false"),
    Alias: strW(),
    ParameterName: strW("", { maxLen: 256 }),
    EventList: strW("", { list: true }),
  }, { writable: true });
  addXmpp(b, "tr181");
  addBulkData(b);

  addFaultMgmt(b);

  b.obj("Time.", {
    Enable: boolW("true"),
    Status: str("Synchronized", { enum: ["Disabled", "Unsynchronized", "Synchronized", "Error_FailedToSynchronize", "Error"] }),
    CurrentLocalTime: time(dyn(clock), { notify: "canDeny" }),
    LocalTimeZone: strW("CET-1CEST,M3.5.0,M10.5.0/3", { maxLen: 256 }),
  });

  b.obj("UserInterface.", {
    Enable: boolW("true"),
    PasswordRequired: boolW("true"),
    PasswordUserSelectable: boolW("true"),
    UpgradeAvailable: boolW("false"),
    ISPName: strW("Provisio Telecom", { maxLen: 64 }),
    ISPHelpDesk: strW("+1 555 0100", { maxLen: 32 }),
    ISPHomePage: strW("https://www.example.net/"),
    ISPHelpPage: strW("https://www.example.net/help"),
    AvailableLanguages: str("en,fr,de,es", { list: true }),
    CurrentLanguage: strW("en", { maxLen: 16 }),
  });

  // ---- Ethernet: ports 1-4 on the LAN, 5 on the WAN ----
  b.obj("Ethernet.", {
    WoLSupported: bool("false"),
    FlowControlSupported: bool("true"),
    InterfaceNumberOfEntries: uint(),
    LinkNumberOfEntries: uint(),
  });
  b.obj("Ethernet.Interface.{i}.", {
    Enable: boolW("true"),
    Status: str("Up", { enum: IF_STATUS }),
    Alias: strW(),
    Name: str("", { maxLen: 64 }),
    LastChange: uint(dyn(sinceBoot), { notify: "canDeny" }),
    LowerLayers: strW("", { list: true }),
    Upstream: bool("false"),
    MACAddress: str(),
    MaxBitRate: intW("1000", { min: -1 }),
    CurrentBitRate: uint("1000", { notify: "canDeny" }),
    DuplexMode: strW("Auto", { enum: ["Half", "Full", "Auto"] }),
    EEECapability: bool("true"),
    EEEEnable: boolW("false"),
  });
  b.obj("Ethernet.Interface.{i}.Stats.", interfaceStats(20_000, 0x100));
  const port = (n: number, up: boolean): Record<string, Val> => ({
    Name: n === 5 ? "eth4" : `eth${n - 1}`,
    Status: up ? "Up" : "Down",
    CurrentBitRate: up ? "1000" : "0",
    MACAddress: ident((id) => (n === 5 ? wanMac(id) : lanMac(id))),
    ...(n === 5 ? { Upstream: "true" } : {}),
  });
  b.rows("Ethernet.Interface.", [port(1, true), port(2, true), port(3, false), port(4, false), port(5, true)]);
  b.obj("Ethernet.Link.{i}.", {
    Enable: boolW("false"),
    Status: str("Down", { enum: IF_STATUS }),
    Alias: strW(),
    Name: str("", { maxLen: 64 }),
    LastChange: uint(dyn(sinceBoot), { notify: "canDeny" }),
    LowerLayers: strW("", { list: true }),
    MACAddress: strW(),
    PriorityTagging: boolW("false"),
    FlowControl: boolW("false"),
  }, { writable: true });
  b.rows("Ethernet.Link.", [
    {
      Enable: "true", Status: "Up", Name: "br-lan", MACAddress: ident(lanMac),
      LowerLayers: "Device.Ethernet.Interface.1,Device.Ethernet.Interface.2,Device.Ethernet.Interface.3,Device.Ethernet.Interface.4,Device.WiFi.SSID.1,Device.WiFi.SSID.2",
    },
    { Enable: "true", Status: "Up", Name: "eth4", MACAddress: ident(wanMac), LowerLayers: "Device.Ethernet.Interface.5" },
  ]);

  // ---- WiFi: radio 1 at 2.4 GHz, radio 2 at 5 GHz; one SSID and access point each ----
  b.obj("WiFi.", {
    RadioNumberOfEntries: uint(),
    SSIDNumberOfEntries: uint(),
    AccessPointNumberOfEntries: uint(),
  });
  b.obj("WiFi.Radio.{i}.", {
    Enable: boolW("true"),
    Status: str("Up", { enum: IF_STATUS }),
    Alias: strW(),
    Name: str("", { maxLen: 64 }),
    LastChange: uint(dyn(sinceBoot), { notify: "canDeny" }),
    LowerLayers: strW("", { list: true }),
    Upstream: bool("false"),
    MaxBitRate: uint("0"),
    SupportedFrequencyBands: str("", { list: true, enum: ["2.4GHz", "5GHz", "6GHz"] }),
    OperatingFrequencyBand: strW("", { enum: ["2.4GHz", "5GHz", "6GHz"] }),
    SupportedStandards: str("", { list: true, enum: ["a", "b", "g", "n", "ac", "ax", "be"] }),
    OperatingStandards: strW("", { list: true, enum: ["a", "b", "g", "n", "ac", "ax", "be"] }),
    PossibleChannels: str("", { list: true }),
    ChannelsInUse: str("", { list: true, notify: "canDeny" }),
    Channel: uintW("1", { min: 1, max: 255 }),
    AutoChannelSupported: bool("true"),
    AutoChannelEnable: boolW("true"),
    AutoChannelRefreshPeriod: uintW("86400"),
    MaxSupportedSSIDs: uint("4", { min: 1 }),
    MaxSupportedAssociations: uint("32", { min: 1 }),
    FirmwareVersion: str("", { maxLen: 64 }),
    SupportedOperatingChannelBandwidths: str("", { list: true, enum: ["20MHz", "40MHz", "80MHz", "160MHz", "80+80MHz", "320MHz-1", "320MHz-2", "Auto"] }),
    OperatingChannelBandwidth: strW("Auto", { enum: ["20MHz", "40MHz", "80MHz", "160MHz", "80+80MHz", "320MHz-1", "320MHz-2", "Auto"] }),
    CurrentOperatingChannelBandwidth: str("20MHz", { enum: ["20MHz", "40MHz", "80MHz", "160MHz", "80+80MHz", "320MHz-1", "320MHz-2"] }),
    ExtensionChannel: strW("Auto", { enum: ["AboveControlChannel", "BelowControlChannel", "Auto"] }),
    GuardInterval: strW("Auto", { enum: ["400nsec", "800nsec", "1xLTF_0.8us", "1xLTF_1.6us", "2xLTF_0.8us", "2xLTF_1.6us", "4xLTF_0.8us", "4xLTF_3.2us", "Auto"] }),
    MCS: intW("-1", { min: -1, max: 31 }),
    TransmitPowerSupported: str("25,50,75,100", { list: true }),
    TransmitPower: intW("100", { min: -1, max: 100 }),
    IEEE80211hSupported: bool("false"),
    IEEE80211hEnabled: boolW("false"),
    RegulatoryDomain: strW("US ", { minLen: 3, maxLen: 3 }),
    BeaconPeriod: uintW("100"),
    DTIMPeriod: uintW("2"),
  });
  b.obj("WiFi.Radio.{i}.Stats.", {
    BytesSent: ulong(dyn(counter(30_000, 0x201)), { notify: "canDeny" }),
    BytesReceived: ulong(dyn(counter(12_000, 0x202)), { notify: "canDeny" }),
    PacketsSent: ulong(dyn(counter(40, 0x203)), { notify: "canDeny" }),
    PacketsReceived: ulong(dyn(counter(25, 0x204)), { notify: "canDeny" }),
    ErrorsSent: uint(dyn(counter(0.001, 0x205, 32)), { notify: "canDeny" }),
    ErrorsReceived: uint(dyn(counter(0.002, 0x206, 32)), { notify: "canDeny" }),
    Noise: int(dyn(wander(-95, -85, 60_000, 0x207))),
  });
  b.rows("WiFi.Radio.", [
    {
      Name: "wlan0", MaxBitRate: "574", SupportedFrequencyBands: "2.4GHz", OperatingFrequencyBand: "2.4GHz", SupportedStandards: "b,g,n,ax",
      OperatingStandards: "g,n,ax", PossibleChannels: "1,2,3,4,5,6,7,8,9,10,11", ChannelsInUse: "6", Channel: "6",
      FirmwareVersion: "wl0-17.10.188", SupportedOperatingChannelBandwidths: "20MHz,40MHz,Auto", CurrentOperatingChannelBandwidth: "20MHz",
    },
    {
      Name: "wlan1", MaxBitRate: "2402", SupportedFrequencyBands: "5GHz", OperatingFrequencyBand: "5GHz", SupportedStandards: "a,n,ac,ax",
      OperatingStandards: "a,n,ac,ax", PossibleChannels: "36,40,44,48,52,56,60,64,100,104,108,112,116,120,124,128,132,136,140", ChannelsInUse: "36",
      Channel: "36", FirmwareVersion: "wl1-17.10.188", SupportedOperatingChannelBandwidths: "20MHz,40MHz,80MHz,160MHz,Auto",
      CurrentOperatingChannelBandwidth: "80MHz", IEEE80211hSupported: "true", IEEE80211hEnabled: "true",
    },
  ]);
  b.obj("WiFi.SSID.{i}.", {
    Enable: boolW("false"),
    Status: str("Down", { enum: IF_STATUS }),
    Alias: strW(),
    Name: str("", { maxLen: 64 }),
    LastChange: uint(dyn(sinceBoot), { notify: "canDeny" }),
    LowerLayers: strW("", { list: true }),
    BSSID: str(),
    MACAddress: str(),
    SSID: strW("", { maxLen: 32 }),
    Upstream: bool("false"),
  }, { writable: true, maxEntries: 8 });
  b.obj("WiFi.SSID.{i}.Stats.", interfaceStats(15_000, 0x300, true, ["ErrorsSent"]));
  b.rows("WiFi.SSID.", [
    {
      Enable: "true", Status: "Up", Name: "wl0", LowerLayers: "Device.WiFi.Radio.1", BSSID: ident((id) => mac(id, 2)),
      MACAddress: ident((id) => mac(id, 2)), SSID: ident((id) => ssidName(id)),
    },
    {
      Enable: "true", Status: "Up", Name: "wl1", LowerLayers: "Device.WiFi.Radio.2", BSSID: ident((id) => mac(id, 3)),
      MACAddress: ident((id) => mac(id, 3)), SSID: ident((id) => ssidName(id, "-5G")),
    },
  ]);
  b.obj("WiFi.AccessPoint.{i}.", {
    Enable: boolW("false"),
    Status: str("Disabled", { enum: ["Disabled", "Enabled", "Error_Misconfigured", "Error"] }),
    Alias: strW(),
    SSIDReference: strW("", { maxLen: 256 }),
    SSIDAdvertisementEnabled: boolW("true"),
    WMMCapability: bool("true"),
    UAPSDCapability: bool("true"),
    WMMEnable: boolW("true"),
    UAPSDEnable: boolW("false"),
    AssociatedDeviceNumberOfEntries: uint(),
    IsolationEnable: boolW("false"),
    MACAddressControlEnabled: boolW("false"),
    AllowedMACAddress: strW("", { list: true }),
    MaxAllowedAssociations: uintW("32"),
  }, { writable: true, maxEntries: 8 });
  b.obj("WiFi.AccessPoint.{i}.Security.", {
    ModesSupported: str("None,WPA2-Personal,WPA3-Personal,WPA3-Personal-Transition,WPA2-Enterprise", {
      list: true,
      enum: ["None", "WEP-64", "WEP-128", "WPA-Personal", "WPA2-Personal", "WPA3-Personal", "WPA-WPA2-Personal", "WPA3-Personal-Transition",
        "WPA-Enterprise", "WPA2-Enterprise", "WPA3-Enterprise", "WPA-WPA2-Enterprise", "OWE"],
    }),
    ModeEnabled: strW("WPA2-Personal", { enum: ["None", "WPA2-Personal", "WPA3-Personal", "WPA3-Personal-Transition", "WPA2-Enterprise"] }),
    EncryptionMode: strW("AES", { list: true, enum: ["TKIP", "AES"] }),
    KeyPassphrase: strW(ident(wifiPassphrase), { minLen: 8, maxLen: 63, secret: true }),
    RekeyingInterval: uintW("3600"),
    SAEPassphrase: strW("", { secret: true }),
    RadiusServerIPAddr: strW(""),
    RadiusServerPort: uintW("1812"),
    RadiusSecret: strW("", { secret: true }),
    MFPConfig: strW("Optional", { enum: ["Disabled", "Optional", "Required"] }),
    Reset: boolW("false"),
  });
  b.obj("WiFi.AccessPoint.{i}.WPS.", {
    Enable: boolW("true"),
    ConfigMethodsSupported: str("PushButton,PIN", { list: true }),
    ConfigMethodsEnabled: strW("PushButton", { list: true, enum: ["PushButton", "PIN"] }),
    Status: str("Configured", { enum: ["Disabled", "Error", "Unconfigured", "Configured", "SetupLocked"] }),
    Version: str("2.0"),
  });
  const apBand = (ap: number) => (ap === 1 ? "wifi24" : ap === 2 ? "wifi5" : undefined);
  b.obj("WiFi.AccessPoint.{i}.AssociatedDevice.{i}.", {
    MACAddress: str(dyn(hostValue((h) => h.mac))),
    OperatingStandard: str(dyn(hostValue((h) => (h.link === "wifi24" ? "n" : "ax"))), { enum: ["a", "b", "g", "n", "ac", "ax", "be"] }),
    AuthenticationState: bool("true"),
    LastDataDownlinkRate: uint(dyn(wander(72_000, 866_000, 30_000, 0x401)), { notify: "canDeny", min: 1000 }),
    LastDataUplinkRate: uint(dyn(wander(24_000, 433_000, 30_000, 0x402)), { notify: "canDeny", min: 1000 }),
    SignalStrength: int(dyn(wander(-78, -38, 30_000, 0x403)), { min: -200, max: 0 }),
    Noise: int(dyn(wander(-95, -85, 60_000, 0x404)), { min: -200, max: 0 }),
    Retransmissions: uint(dyn(wander(0, 12, 30_000, 0x405)), { min: 0, max: 100 }),
    Active: bool("true"),
  }, { volatile: stationTable(0, apBand) });
  b.rows("WiFi.AccessPoint.", [
    { Enable: "true", Status: "Enabled", SSIDReference: "Device.WiFi.SSID.1" },
    { Enable: "true", Status: "Enabled", SSIDReference: "Device.WiFi.SSID.2" },
  ]);

  // ---- PPP (present, unused: the WAN is DHCP over Ethernet) ----
  b.obj("PPP.", { InterfaceNumberOfEntries: uint() });
  b.obj("PPP.Interface.{i}.", {
    Enable: boolW("false"),
    Status: str("Down", { enum: IF_STATUS }),
    Alias: strW(),
    Name: str("", { maxLen: 64 }),
    LastChange: uint(dyn(sinceBoot), { notify: "canDeny" }),
    LowerLayers: strW("", { list: true }),
    Reset: boolW("false"),
    ConnectionStatus: str("Unconfigured", { enum: ["Unconfigured", "Connecting", "Authenticating", "Connected", "PendingDisconnect", "Disconnecting", "Disconnected"] }),
    LastConnectionError: str("ERROR_NONE"),
    AutoDisconnectTime: uintW("0"),
    IdleDisconnectTime: uintW("0"),
    WarnDisconnectDelay: uintW("0"),
    Username: strW("", { maxLen: 64 }),
    Password: strW("", { maxLen: 64, secret: true }),
    EncryptionProtocol: str("None", { enum: ["None", "MPPE"] }),
    CompressionProtocol: str("None", { enum: ["None", "Van Jacobson", "STAC LZS"] }),
    AuthenticationProtocol: str("CHAP", { enum: ["PAP", "CHAP", "MS-CHAP"] }),
    MaxMRUSize: uintW("1492", { min: 64, max: 65535 }),
    CurrentMRUSize: uint("1492", { min: 64, max: 65535 }),
    ConnectionTrigger: strW("AlwaysOn", { enum: ["OnDemand", "AlwaysOn", "Manual"] }),
    LCPEcho: uintW("30"),
    LCPEchoRetry: uintW("3"),
    IPCPEnable: boolW("true"),
    IPv6CPEnable: boolW("false"),
  }, { writable: true });
  b.obj("PPP.Interface.{i}.IPCP.", {
    LocalIPAddress: str(""),
    RemoteIPAddress: str(""),
    DNSServers: str("", { list: true }),
  });
  b.rows("PPP.Interface.", [{ Name: "ppp0", LowerLayers: "Device.Ethernet.Link.2" }]);

  // ---- IP: interface 1 is the LAN, 2 the WAN ----
  b.obj("IP.", {
    IPv4Capable: bool("true"),
    IPv4Enable: boolW("true"),
    IPv4Status: str("Enabled", { enum: ["Disabled", "Enabled", "Error"] }),
    IPv6Capable: bool("true"),
    IPv6Enable: boolW("false"),
    IPv6Status: str("Disabled", { enum: ["Disabled", "Enabled", "Error"] }),
    ULAPrefix: strW(""),
    InterfaceNumberOfEntries: uint(),
  });
  b.obj("IP.Interface.{i}.", {
    Enable: boolW("false"),
    IPv4Enable: boolW("true"),
    IPv6Enable: boolW("false"),
    ULAEnable: boolW("false"),
    Status: str("Down", { enum: IF_STATUS }),
    Alias: strW(),
    Name: str("", { maxLen: 64 }),
    LastChange: uint(dyn(sinceBoot), { notify: "canDeny" }),
    LowerLayers: strW("", { list: true }),
    Router: strW("", { maxLen: 256 }),
    Reset: boolW("false"),
    MaxMTUSize: uintW("1500", { min: 64, max: 65535 }),
    Type: str("Normal", { enum: ["Normal", "Loopback", "Tunnel", "Tunneled"] }),
    Loopback: boolW("false"),
    IPv4AddressNumberOfEntries: uint(),
    AutoIPEnable: boolW("false"),
  }, { writable: true, maxEntries: 16 });
  b.obj("IP.Interface.{i}.IPv4Address.{i}.", {
    Enable: boolW("false"),
    Status: str("Disabled", { enum: ADDR_STATUS }),
    Alias: strW(),
    IPAddress: strW(""),
    SubnetMask: strW(""),
    AddressingType: str("Static", { enum: ["DHCP", "IKEv2", "AutoIP", "IPCP", "Static"] }),
  }, { writable: true, maxEntries: 4 });
  b.obj("IP.Interface.{i}.Stats.", interfaceStats(40_000, 0x500, false));
  b.rows("IP.Interface.", [
    { Enable: "true", Status: "Up", Name: "br-lan", LowerLayers: "Device.Ethernet.Link.1", Router: "Device.Routing.Router.1" },
    { Enable: "true", Status: "Up", Name: "wan", LowerLayers: "Device.Ethernet.Link.2", Router: "Device.Routing.Router.1" },
  ]);
  b.rows("IP.Interface.1.IPv4Address.", [{ Enable: "true", Status: "Enabled", IPAddress: "192.168.1.1", SubnetMask: "255.255.255.0", AddressingType: "Static" }]);
  b.rows("IP.Interface.2.IPv4Address.", [{ Enable: "true", Status: "Enabled", IPAddress: ident(wanAddress), SubnetMask: WAN_MASK, AddressingType: "DHCP" }]);
  b.obj("IP.Diagnostics.", {
    IPv4PingSupported: bool("true"),
    IPv6PingSupported: bool("false"),
    IPv4TraceRouteSupported: bool("true"),
    IPv6TraceRouteSupported: bool("false"),
  });
  const diagnostics = addDiagnostics(b, ["ipPing", "traceRoute", "download", "upload", "udpEcho", "nsLookup", "serverSelection", "wifiScan"]);

  // ---- Routing ----
  b.obj("Routing.", { RouterNumberOfEntries: uint() });
  b.obj("Routing.Router.{i}.", {
    Enable: boolW("false"),
    Status: str("Disabled", { enum: ["Disabled", "Enabled", "Error"] }),
    Alias: strW(),
    IPv4ForwardingNumberOfEntries: uint(),
  }, { writable: true });
  b.obj("Routing.Router.{i}.IPv4Forwarding.{i}.", {
    Enable: boolW("false"),
    Status: str("Disabled", { enum: ADDR_STATUS }),
    Alias: strW(),
    StaticRoute: bool("true"),
    DestIPAddress: strW(""),
    DestSubnetMask: strW(""),
    ForwardingPolicy: intW("-1", { min: -1 }),
    GatewayIPAddress: strW(""),
    Interface: strW("", { maxLen: 256 }),
    Origin: str("Static", { enum: ["DHCPv4", "OSPF", "IPCP", "RIP", "Static"] }),
    ForwardingMetric: intW("-1", { min: -1 }),
  }, { writable: true, maxEntries: 32 });
  b.rows("Routing.Router.", [{ Enable: "true", Status: "Enabled" }]);
  b.rows("Routing.Router.1.IPv4Forwarding.", [
    { Enable: "true", Status: "Enabled", StaticRoute: "false", GatewayIPAddress: WAN_GATEWAY, Interface: "Device.IP.Interface.2", Origin: "DHCPv4", ForwardingMetric: "0" },
    { Enable: "true", Status: "Enabled", DestIPAddress: "192.168.1.0", DestSubnetMask: "255.255.255.0", Interface: "Device.IP.Interface.1", ForwardingMetric: "0" },
  ]);

  // ---- Hosts: what the gateway sees on the LAN, changing over time ----
  b.obj("Hosts.", { HostNumberOfEntries: uint() });
  b.obj("Hosts.Host.{i}.", {
    PhysAddress: str(dyn(hostValue((h) => h.mac)), { maxLen: 64 }),
    IPAddress: str(dyn(hostValue((h) => h.ip))),
    AssociatedDevice: str(dyn(hostValue((h, _c, n) => (h.link === "ethernet" ? "" : `Device.WiFi.AccessPoint.${h.link === "wifi24" ? 1 : 2}.AssociatedDevice.${n}`))), { maxLen: 256 }),
    Layer1Interface: str(dyn(hostValue((h) => (h.link === "ethernet" ? `Device.Ethernet.Interface.${h.port}` : `Device.WiFi.SSID.${h.link === "wifi24" ? 1 : 2}`))), { maxLen: 256 }),
    Layer3Interface: str("Device.IP.Interface.1", { maxLen: 256 }),
    InterfaceType: str(dyn(hostValue((h) => (h.link === "ethernet" ? "Ethernet" : "Wi-Fi"))), { enum: ["Ethernet", "G.hn", "HPNA", "HomePlug", "MoCA", "UPA", "Wi-Fi", "Other"] }),
    HostName: str(dyn(hostValue((h) => h.name)), { maxLen: 64 }),
    Active: bool("true"),
    ActiveLastChange: time(dyn(hostValue((_h, ctx, n) => new Date(hostSince(ctx, n)).toISOString().slice(0, 19) + "Z"))),
    IPv4AddressNumberOfEntries: uint(),
  }, { volatile: hostTable });
  b.obj("Hosts.Host.{i}.IPv4Address.{i}.", { IPAddress: str(dyn(parentHostValue((h) => h.ip))) }, { volatile: oneRow });

  // ---- DNS ----
  b.obj("DNS.", { SupportedRecordTypes: str("A,AAAA", { list: true, enum: ["A", "AAAA", "SRV", "PTR"] }) });
  b.obj("DNS.Client.", {
    Enable: boolW("true"),
    Status: str("Enabled", { enum: ["Disabled", "Enabled", "Error"] }),
    ServerNumberOfEntries: uint(),
  });
  b.obj("DNS.Client.Server.{i}.", {
    Enable: boolW("false"),
    Status: str("Disabled", { enum: ["Disabled", "Enabled", "Error"] }),
    Alias: strW(),
    DNSServer: strW(""),
    Interface: strW("", { maxLen: 256 }),
    Type: str("Static", { enum: ["DHCP", "DHCPv4", "DHCPv6", "RouterAdvertisement", "IPCP", "Static"] }),
  }, { writable: true, maxEntries: 8 });
  b.rows("DNS.Client.Server.", [
    { Enable: "true", Status: "Enabled", DNSServer: WAN_GATEWAY, Interface: "Device.IP.Interface.2", Type: "DHCPv4" },
    { Enable: "true", Status: "Enabled", DNSServer: "9.9.9.9", Interface: "Device.IP.Interface.2", Type: "Static" },
  ]);

  // ---- DHCPv4: a client on the WAN, a server pool on the LAN ----
  b.obj("DHCPv4.", { ClientNumberOfEntries: uint() });
  b.obj("DHCPv4.Client.{i}.", {
    Enable: boolW("false"),
    Alias: strW(),
    Interface: strW("", { maxLen: 256 }),
    Status: str("Disabled", { enum: ADDR_STATUS }),
    DHCPStatus: str("Init", { enum: ["Init", "Selecting", "Requesting", "Rebinding", "Bound", "Renewing"] }),
    Renew: boolW("false"),
    IPAddress: str(""),
    SubnetMask: str(""),
    IPRouters: str("", { list: true }),
    DNSServers: str("", { list: true }),
    LeaseTimeRemaining: int("0", { notify: "canDeny", min: -1 }),
    DHCPServer: str(""),
  }, { writable: true, maxEntries: 4 });
  b.rows("DHCPv4.Client.", [{
    Enable: "true", Interface: "Device.IP.Interface.2", Status: "Enabled", DHCPStatus: "Bound", IPAddress: ident(wanAddress), SubnetMask: WAN_MASK,
    IPRouters: WAN_GATEWAY, DNSServers: WAN_GATEWAY, LeaseTimeRemaining: dyn(leaseRemaining(86_400)), DHCPServer: WAN_GATEWAY,
  }]);
  b.obj("DHCPv4.Server.", { Enable: boolW("true"), PoolNumberOfEntries: uint() });
  b.obj("DHCPv4.Server.Pool.{i}.", {
    Enable: boolW("false"),
    Status: str("Disabled", { enum: ADDR_STATUS }),
    Alias: strW(),
    Order: uintW("1", { min: 1 }),
    Interface: strW("", { maxLen: 256 }),
    VendorClassID: strW("", { maxLen: 255 }),
    AllowedDevices: strW("All", { enum: ["All", "Known", "Unknown"] }),
    MinAddress: strW(""),
    MaxAddress: strW(""),
    ReservedAddresses: strW("", { list: true }),
    SubnetMask: strW(""),
    DNSServers: strW("", { list: true }),
    DomainName: strW("", { maxLen: 64 }),
    IPRouters: strW("", { list: true }),
    LeaseTime: intW("86400", { min: -1 }),
    StaticAddressNumberOfEntries: uint(),
  }, { writable: true, maxEntries: 4 });
  b.obj("DHCPv4.Server.Pool.{i}.StaticAddress.{i}.", {
    Enable: boolW("false"),
    Alias: strW(),
    Chaddr: strW(""),
    Yiaddr: strW(""),
  }, { writable: true, maxEntries: 32 });
  b.rows("DHCPv4.Server.Pool.", [{
    Enable: "true", Status: "Enabled", Interface: "Device.IP.Interface.1", MinAddress: "192.168.1.100", MaxAddress: "192.168.1.249",
    SubnetMask: "255.255.255.0", DNSServers: "192.168.1.1", DomainName: "home", IPRouters: "192.168.1.1",
  }]);
  b.rows("DHCPv4.Server.Pool.1.StaticAddress.", [
    { Enable: "true", Chaddr: ident((id) => host(id.seed, 1).mac), Yiaddr: "192.168.1.100" },
  ]);

  // ---- NAT ----
  b.obj("NAT.", { InterfaceSettingNumberOfEntries: uint(), PortMappingNumberOfEntries: uint(), MaxNumberOfPortMappings: uint("32") });
  b.obj("NAT.InterfaceSetting.{i}.", {
    Enable: boolW("false"),
    Status: str("Disabled", { enum: ["Disabled", "Enabled", "Enabled_NATForcedDisabled", "Enabled_PortMappingDisabled", "Error_Misconfigured", "Error"] }),
    Alias: strW(),
    Interface: strW("", { maxLen: 256 }),
  }, { writable: true, maxEntries: 4 });
  b.rows("NAT.InterfaceSetting.", [{ Enable: "true", Status: "Enabled", Interface: "Device.IP.Interface.2" }]);
  b.obj("NAT.PortMapping.{i}.", {
    Enable: boolW("false"),
    Status: str("Disabled", { enum: ADDR_STATUS }),
    Origin: str("Controller", { enum: ["User", "System", "UPnP", "Controller"] }),
    Alias: strW(),
    Interface: strW("", { maxLen: 256 }),
    AllInterfaces: boolW("false"),
    LeaseDuration: uintW("0", { notify: "canDeny" }),
    RemoteHost: strW(""),
    ExternalPort: uintW("0", { min: 0, max: 65535 }),
    ExternalPortEndRange: uintW("0", { min: 0, max: 65535 }),
    InternalPort: uintW("0", { min: 0, max: 65535 }),
    Protocol: strW("TCP", { enum: ["TCP", "UDP"] }),
    InternalClient: strW("", { maxLen: 256 }),
    Description: strW("", { maxLen: 256 }),
  }, { writable: true, maxEntries: 32 });
  b.rows("NAT.PortMapping.", [{
    Enable: "true", Status: "Enabled", Origin: "User", Interface: "Device.IP.Interface.2", ExternalPort: "8080", InternalPort: "80",
    Protocol: "TCP", InternalClient: "192.168.1.100", Description: "Home web server",
  }]);

  // ---- Users ----
  b.obj("Users.", { UserNumberOfEntries: uint() });
  b.obj("Users.User.{i}.", {
    Alias: strW(),
    Enable: boolW("false"),
    UserID: uintW("0"),
    Username: strW("", { maxLen: 64 }),
    Password: strW("", { maxLen: 64, secret: true }),
    StaticUser: bool("false"),
    Language: strW("", { maxLen: 16 }),
  }, { writable: true, maxEntries: 8 });
  b.rows("Users.User.", [{ Enable: "true", UserID: "1000", Username: "admin", Password: ident((id) => wifiPassphrase(id).slice(-4) + id.serialNumber.slice(-4)), StaticUser: "true", Language: "en" }]);

  // ---- Software modules: one execution environment; ChangeDUState fills the tables ----
  b.obj("SoftwareModules.", { ExecEnvNumberOfEntries: uint(), DeploymentUnitNumberOfEntries: uint(), ExecutionUnitNumberOfEntries: uint() });
  b.obj("SoftwareModules.ExecEnv.{i}.", {
    Enable: boolW("true"),
    Status: str("Up", { enum: ["Up", "Error", "Disabled"] }),
    Alias: strW(),
    Name: str("", { maxLen: 256 }),
    Type: str("", { maxLen: 64 }),
    Vendor: str("", { maxLen: 128 }),
    Version: str("", { maxLen: 32 }),
    AvailableDiskSpace: int(dyn(wander(40_000, 60_000, 600_000, 0x601)), { notify: "canDeny", min: -1 }),
    AvailableMemory: int(dyn(wander(60_000, 90_000, 300_000, 0x602)), { notify: "canDeny", min: -1 }),
  });
  b.rows("SoftwareModules.ExecEnv.", [{ Name: "Linux containers", Type: "LXC", Vendor: "Linux Containers project", Version: "5.0" }]);
  b.obj("SoftwareModules.DeploymentUnit.{i}.", {
    UUID: str(""),
    DUID: str("", { maxLen: 64 }),
    Alias: strW(),
    Name: str("", { maxLen: 256 }),
    Status: str("Installed", { notify: "canDeny", enum: ["Installing", "Installed", "Updating", "Uninstalling", "Uninstalled"] }),
    Resolved: bool("false"),
    URL: str(""),
    Vendor: str("", { maxLen: 128 }),
    Version: str("", { maxLen: 32 }),
    ExecutionUnitList: str("", { list: true }),
    ExecutionEnvRef: str(""),
    Installed: time(),
    LastUpdate: time(),
  });
  b.obj("SoftwareModules.ExecutionUnit.{i}.", {
    EUID: str("", { maxLen: 64 }),
    Alias: strW(),
    Name: str("", { maxLen: 256 }),
    ExecEnvLabel: str("", { maxLen: 64 }),
    Status: str("Idle", { notify: "forceDefaultEnabled", enum: ["Idle", "Starting", "Active", "Stopping"] }),
    RequestedState: strW("Idle", { enum: ["Idle", "Active"] }),
    ExecutionFaultCode: str("NoFault", { enum: ["NoFault", "FailureOnStart", "FailureOnAutoStart", "FailureOnStop", "FailureWhileActive", "DependencyFailure", "UnStartable"] }),
    AutoStart: boolW("false"),
    Vendor: str("", { maxLen: 128 }),
    Version: str("", { maxLen: 32 }),
    ExecutionEnvRef: str(""),
  });

  return b.build("tr181-gateway", { manufacturer: "Provisio", oui: "00D09E", productClass: "PG-4100", serialPrefix: "PRV" }, diagnostics);
}

/** The compiled TR-181 gateway (compile once, share between devices). */
export function tr181Gateway(): DeviceModel {
  return compileModel(tr181Source());
}
