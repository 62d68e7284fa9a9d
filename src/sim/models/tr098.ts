// The built-in TR-098 (InternetGatewayDevice:1) gateway: one LAN device with four Ethernet ports and
// two WLANs (2.4 and 5 GHz), a host table that changes, and an Ethernet WAN with one routed IP
// connection (DHCP) carrying a port mapping. Names, types and writability follow
// tr-098-1-8-0-full.xml (test/sim checks them against it).

import { compileModel, type DeviceModel } from "../model.js";
import {
  bool, boolW, dyn, ident, int, intW, ModelBuilder, str, strW, time, timeW, uint, uintW, type Spec, type Val,
} from "./dsl.js";
import {
  clock, counter, hostTable, hostValue, mac, secondsUp, ssidName, stationTable, uptime, wander,
  wanAddress, WAN_GATEWAY, WAN_MASK, wifiPassphrase,
} from "./generators.js";
import { addDiagnostics } from "./diagnostics.js";
import { addXmpp } from "./xmpp.js";

const IGD = "InternetGatewayDevice.";
const WAN_IP = `${IGD}WANDevice.1.WANConnectionDevice.1.WANIPConnection.1`;

/** TR-098 aliases may refuse Active Notification. */
const alias = () => strW(undefined, { notify: "canDeny", maxLen: 64 });

function counters32(names: readonly string[], bytesPerSecond: number, salt: number): Record<string, Spec> {
  const out: Record<string, Spec> = {};
  names.forEach((name, k) => {
    const rate = name.includes("Bytes") ? bytesPerSecond : name.includes("Error") || name.includes("Discard") || name.includes("Unknown") ? 0.001 : bytesPerSecond / 700;
    out[name] = uint(dyn(counter(rate, salt + k, 32)), { notify: "canDeny" });
  });
  return out;
}

const ETH_STATS = ["BytesSent", "BytesReceived", "PacketsSent", "PacketsReceived", "ErrorsSent", "ErrorsReceived", "UnicastPacketsSent",
  "UnicastPacketsReceived", "DiscardPacketsSent", "DiscardPacketsReceived", "MulticastPacketsSent", "MulticastPacketsReceived",
  "BroadcastPacketsSent", "BroadcastPacketsReceived", "UnknownProtoPacketsReceived"];

export function tr098Source() {
  const b = new ModelBuilder("InternetGatewayDevice");

  b.obj("", {
    DeviceSummary: str("InternetGatewayDevice:1.4[](Baseline:2, EthernetLAN:1, WiFiLAN:2, EthernetWAN:1, Time:2, IPPing:1)", { forced: true, maxLen: 1024 }),
    LANDeviceNumberOfEntries: uint(),
    WANDeviceNumberOfEntries: uint(),
  });

  b.obj("DeviceInfo.", {
    Manufacturer: str(ident("manufacturer"), { maxLen: 64 }),
    ManufacturerOUI: str(ident("oui"), { minLen: 6, maxLen: 6 }),
    ModelName: str("PG-3100", { maxLen: 64 }),
    Description: str("Provisio simulated Internet gateway", { maxLen: 256 }),
    ProductClass: str(ident("productClass"), { maxLen: 64 }),
    SerialNumber: str(ident("serialNumber"), { maxLen: 64 }),
    HardwareVersion: str("HW2.0", { forced: true, maxLen: 64 }),
    SoftwareVersion: str("3.8.12", { forced: true, notify: "forceEnabled", maxLen: 64 }),
    ModemFirmwareVersion: str("", { maxLen: 64 }),
    AdditionalSoftwareVersion: str("bootloader-1.4", { list: true }),
    SpecVersion: str("1.0", { forced: true, maxLen: 16 }),
    ProvisioningCode: strW("", { forced: true, notify: "forceEnabled", maxLen: 64 }),
    UpTime: uint(dyn(uptime), { notify: "canDeny" }),
    FirstUseDate: time(ident((id) => new Date(Date.UTC(2022, 5, 1) + (id.seed % 700) * 86_400_000).toISOString().slice(0, 19) + "Z")),
    DeviceLog: str(dyn((ctx) => `${new Date(ctx.bootTime).toISOString().slice(0, 19)}Z system boot\n`), { notify: "canDeny", maxLen: 32768 }),
    VendorConfigFileNumberOfEntries: uint(),
  });
  b.obj("DeviceInfo.VendorConfigFile.{i}.", {
    Alias: alias(),
    Name: str("", { maxLen: 64 }),
    Version: str("", { maxLen: 16 }),
    Date: time(),
    Description: str("", { maxLen: 256 }),
  });
  b.rows("DeviceInfo.VendorConfigFile.", [{ Name: "config.json", Version: "1", Date: "2023-11-15T00:00:00Z", Description: "Running configuration" }]);
  b.obj("DeviceInfo.MemoryStatus.", {
    Total: uint("262144"),
    Free: uint(dyn(wander(80_000, 140_000, 300_000, 0x21)), { notify: "canDeny" }),
  });
  b.obj("DeviceInfo.ProcessStatus.", { CPUUsage: uint(dyn(wander(2, 40, 60_000, 0x22)), { notify: "canDeny", max: 100 }) });

  b.obj("ManagementServer.", {
    EnableCWMP: boolW("true"),
    URL: strW(ident("acsUrl"), { maxLen: 256 }),
    Username: strW(ident("acsUsername"), { maxLen: 256 }),
    Password: strW(ident("acsPassword"), { maxLen: 256, secret: true }),
    PeriodicInformEnable: boolW("true"),
    PeriodicInformInterval: uintW("3600", { min: 1 }),
    PeriodicInformTime: timeW("0001-01-01T00:00:00Z"),
    ParameterKey: str("", { forced: true, notify: "canDeny", maxLen: 32 }),
    ConnectionRequestURL: str(ident("connectionRequestUrl"), { forced: true, notify: "forceDefaultEnabled", maxLen: 256 }),
    ConnectionRequestUsername: strW(ident("connectionRequestUsername"), { maxLen: 256 }),
    ConnectionRequestPassword: strW(ident("connectionRequestPassword"), { maxLen: 256, secret: true }),
    UpgradesManaged: boolW("false"),
    KickURL: str("", { maxLen: 256 }),
    DownloadProgressURL: str("", { maxLen: 256 }),
    DefaultActiveNotificationThrottle: uintW("0"),
    UDPConnectionRequestAddress: str("", { maxLen: 256 }),
    UDPConnectionRequestAddressNotificationLimit: uintW("0"),
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
    CWMPRetryMinimumWaitInterval: uintW("5", { min: 1, max: 65535 }),
    CWMPRetryIntervalMultiplier: uintW("2000", { min: 1000, max: 65535 }),
    SupportedConnReqMethods: str("HTTP,STUN,XMPP", { list: true, enum: ["HTTP", "STUN", "XMPP"] }),
    ConnReqXMPPConnection: strW(""),
    ConnReqAllowedJabberIDs: strW("", { list: { maxLength: 256 } }),
    ConnReqJabberID: str("", { notify: "forceDefaultEnabled" }),
    HTTPCompressionSupported: str("GZIP", { list: true, enum: ["GZIP", "Compress", "Deflate"] }),
    HTTPCompression: strW("Disabled", { enum: ["Disabled", "GZIP", "Compress", "Deflate"] }),
    InformParameterNumberOfEntries: uint(),
  });
  b.obj("ManagementServer.InformParameter.{i}.", {
    Enable: boolW("false"),
    Alias: strW(undefined, { maxLen: 64 }),
    ParameterName: strW("", { maxLen: 256 }),
    EventList: strW("", { list: true }),
  }, { writable: true });
  addXmpp(b, "tr098");

  b.obj("Time.", {
    Enable: boolW("true"),
    Status: str("Synchronized", { enum: ["Disabled", "Unsynchronized", "Synchronized", "Error_FailedToSynchronize", "Error"] }),
    NTPServer1: strW("pool.ntp.org", { maxLen: 64 }),
    NTPServer2: strW("", { maxLen: 64 }),
    CurrentLocalTime: time(dyn(clock), { notify: "canDeny" }),
    LocalTimeZoneName: strW("CET-1CEST,M3.5.0,M10.5.0/3", { maxLen: 64 }),
  });

  b.obj("UserInterface.", {
    PasswordRequired: boolW("true"),
    PasswordUserSelectable: boolW("true"),
    UpgradeAvailable: boolW("false"),
    ISPName: strW("Provisio Telecom", { maxLen: 64 }),
    ISPHelpDesk: strW("+1 555 0100", { maxLen: 32 }),
    ISPHomePage: strW("https://www.example.net/", { maxLen: 256 }),
    AvailableLanguages: str("en,fr,de", { list: true }),
    CurrentLanguage: strW("en", { maxLen: 16 }),
  });

  b.obj("Layer3Forwarding.", {
    DefaultConnectionService: strW(WAN_IP, { maxLen: 256 }),
    ForwardNumberOfEntries: uint(),
  });
  b.obj("Layer3Forwarding.Forwarding.{i}.", {
    Enable: boolW("false"),
    Status: str("Disabled", { enum: ["Disabled", "Enabled", "Error"] }),
    Alias: alias(),
    StaticRoute: bool("true"),
    DestIPAddress: strW(""),
    DestSubnetMask: strW(""),
    SourceIPAddress: strW(""),
    SourceSubnetMask: strW(""),
    GatewayIPAddress: strW(""),
    Interface: strW("", { maxLen: 256 }),
    ForwardingMetric: intW("-1", { min: -1 }),
    MTU: uintW("1500", { min: 1, max: 1540 }),
  }, { writable: true, maxEntries: 32, numEntries: "ForwardNumberOfEntries" });
  b.rows("Layer3Forwarding.Forwarding.", [
    { Enable: "true", Status: "Enabled", StaticRoute: "false", GatewayIPAddress: WAN_GATEWAY, Interface: WAN_IP, ForwardingMetric: "0" },
  ]);

  b.obj("LANConfigSecurity.", { ConfigPassword: strW("", { maxLen: 64, secret: true }) });

  const diagnostics = addDiagnostics(b, ["ipPing", "traceRoute", "download", "upload", "nsLookup"]);

  // ---- the LAN ----
  const LAN = "LANDevice.{i}.";
  b.obj(LAN, {
    Alias: alias(),
    LANEthernetInterfaceNumberOfEntries: uint(),
    LANWLANConfigurationNumberOfEntries: uint(),
  }, { writable: true, maxEntries: 1 });
  b.obj(LAN + "LANHostConfigManagement.", {
    MACAddress: str(ident((id) => mac(id, 0))),
    DHCPServerConfigurable: boolW("true"),
    DHCPServerEnable: boolW("true"),
    MinAddress: strW("192.168.1.100"),
    MaxAddress: strW("192.168.1.249"),
    ReservedAddresses: strW("", { list: true }),
    SubnetMask: strW("255.255.255.0"),
    DNSServers: strW("192.168.1.1", { list: true }),
    DomainName: strW("home", { maxLen: 64 }),
    IPRouters: strW("192.168.1.1", { list: true }),
    DHCPLeaseTime: intW("86400", { min: -1 }),
    IPInterfaceNumberOfEntries: uint(),
    DHCPStaticAddressNumberOfEntries: uint(),
  });
  b.obj(LAN + "LANHostConfigManagement.IPInterface.{i}.", {
    Enable: boolW("false"),
    Alias: alias(),
    IPInterfaceIPAddress: strW(""),
    IPInterfaceSubnetMask: strW(""),
    IPInterfaceAddressingType: strW("DHCP", { enum: ["DHCP", "Static", "AutoIP"] }),
  }, { writable: true, maxEntries: 4 });
  b.obj(LAN + "LANHostConfigManagement.DHCPStaticAddress.{i}.", {
    Enable: boolW("false"),
    Alias: alias(),
    Chaddr: strW(""),
    Yiaddr: strW(""),
  }, { writable: true, maxEntries: 32 });
  b.obj(LAN + "LANEthernetInterfaceConfig.{i}.", {
    Enable: boolW("true"),
    Status: str("Up", { enum: ["Up", "NoLink", "Error", "Disabled"] }),
    Alias: alias(),
    Name: str("", { maxLen: 16 }),
    MACAddress: str(ident((id) => mac(id, 0))),
    MACAddressControlEnabled: boolW("false"),
    MaxBitRate: strW("Auto", { enum: ["10", "100", "1000", "10000", "Auto"] }),
    DuplexMode: strW("Auto", { enum: ["Half", "Full", "Auto"] }),
  });
  b.obj(LAN + "LANEthernetInterfaceConfig.{i}.Stats.", counters32(ETH_STATS, 20_000, 0x700));
  const wlanBand = (w: number) => (w === 1 ? "wifi24" : w === 2 ? "wifi5" : undefined);
  b.obj(LAN + "WLANConfiguration.{i}.", {
    Enable: boolW("true"),
    Status: str("Up", { enum: ["Up", "Error", "Disabled"] }),
    Alias: alias(),
    Name: str("", { maxLen: 16 }),
    BSSID: str(""),
    MaxBitRate: strW("Auto", { maxLen: 4 }),
    Channel: uintW("0", { min: 0, max: 255 }),
    SSID: strW("", { maxLen: 32 }),
    BeaconType: strW("11i", { enum: ["None", "Basic", "WPA", "11i", "BasicandWPA", "Basicand11i", "WPAand11i", "BasicandWPAand11i"] }),
    MACAddressControlEnabled: boolW("false"),
    Standard: str("n", { enum: ["a", "b", "g", "g-only", "n"] }),
    WEPKeyIndex: uintW("1", { min: 1, max: 4 }),
    KeyPassphrase: strW(ident(wifiPassphrase), { maxLen: 63, secret: true }),
    WEPEncryptionLevel: str("Disabled,40-bit,104-bit", { list: true, enum: ["Disabled", "40-bit", "104-bit"] }),
    BasicEncryptionModes: strW("None", { enum: ["None", "WEPEncryption"], maxLen: 31 }),
    BasicAuthenticationMode: strW("None", { enum: ["None", "EAPAuthentication", "SharedAuthentication"], maxLen: 31 }),
    WPAEncryptionModes: strW("TKIPandAESEncryption", {
      enum: ["WEPEncryption", "TKIPEncryption", "WEPandTKIPEncryption", "AESEncryption", "WEPandAESEncryption", "TKIPandAESEncryption", "WEPandTKIPandAESEncryption"],
      maxLen: 31,
    }),
    WPAAuthenticationMode: strW("PSKAuthentication", { enum: ["PSKAuthentication", "EAPAuthentication"], maxLen: 31 }),
    IEEE11iEncryptionModes: strW("AESEncryption", {
      enum: ["WEPEncryption", "TKIPEncryption", "WEPandTKIPEncryption", "AESEncryption", "WEPandAESEncryption", "TKIPandAESEncryption", "WEPandTKIPandAESEncryption"],
      maxLen: 31,
    }),
    IEEE11iAuthenticationMode: strW("PSKAuthentication", { enum: ["PSKAuthentication", "EAPAuthentication", "EAPandPSKAuthentication"], maxLen: 31 }),
    PossibleChannels: str("", { list: true }),
    BasicDataTransmitRates: strW("1,2,5.5,11", { list: true }),
    OperationalDataTransmitRates: strW("1,2,5.5,6,9,11,12,18,24,36,48,54", { list: true }),
    PossibleDataTransmitRates: str("1,2,5.5,6,9,11,12,18,24,36,48,54", { list: true }),
    BeaconAdvertisementEnabled: boolW("true"),
    SSIDAdvertisementEnabled: boolW("true"),
    RadioEnabled: boolW("true"),
    TransmitPowerSupported: str("20,40,60,80,100", { list: true }),
    AutoRateFallBackEnabled: boolW("true"),
    RegulatoryDomain: strW("US ", { maxLen: 3 }),
    TotalPSKFailures: uint("0", { notify: "canDeny" }),
    TotalIntegrityFailures: uint("0", { notify: "canDeny" }),
    ChannelsInUse: str("", { list: true, notify: "canDeny" }),
    DeviceOperationMode: strW("InfrastructureAccessPoint", { enum: ["InfrastructureAccessPoint", "WirelessBridge", "WirelessRepeater", "WirelessStation"], maxLen: 31 }),
    WMMSupported: bool("true"),
    TotalBytesSent: uint(dyn(counter(30_000, 0x801, 32)), { notify: "canDeny" }),
    TotalBytesReceived: uint(dyn(counter(12_000, 0x802, 32)), { notify: "canDeny" }),
    TotalPacketsSent: uint(dyn(counter(40, 0x803, 32)), { notify: "canDeny" }),
    TotalPacketsReceived: uint(dyn(counter(25, 0x804, 32)), { notify: "canDeny" }),
    TotalAssociations: uint(undefined, { notify: "canDeny" }),
    AutoChannelEnable: boolW("true"),
    TransmitPower: uintW("100", { min: 0, max: 100 }),
    UAPSDSupported: bool("true"),
    WMMEnable: boolW("true"),
    UAPSDEnable: boolW("false"),
  });
  b.obj(LAN + "WLANConfiguration.{i}.AssociatedDevice.{i}.", {
    AssociatedDeviceMACAddress: str(dyn(hostValue((h) => h.mac)), { notify: "canDeny" }),
    AssociatedDeviceIPAddress: str(dyn(hostValue((h) => h.ip)), { notify: "canDeny", maxLen: 64 }),
    AssociatedDeviceAuthenticationState: bool("true", { notify: "canDeny" }),
    LastDataTransmitRate: str(dyn(wander(54, 300, 30_000, 0x805)), { notify: "canDeny", maxLen: 4 }),
  }, { volatile: stationTable(1, wlanBand), numEntries: "TotalAssociations" });
  b.obj(LAN + "WLANConfiguration.{i}.WEPKey.{i}.", { Alias: alias(), WEPKey: strW("", { maxLen: 128, secret: true }) });
  b.obj(LAN + "WLANConfiguration.{i}.PreSharedKey.{i}.", {
    Alias: alias(),
    PreSharedKey: strW("", { maxLen: 64, secret: true }),
    KeyPassphrase: strW("", { maxLen: 63, secret: true }),
    AssociatedDeviceMACAddress: strW(""),
  });
  b.obj(LAN + "WLANConfiguration.{i}.Stats.", counters32(ETH_STATS.slice(4), 15_000, 0x900));
  b.obj(LAN + "WLANConfiguration.{i}.WPS.", {
    Enable: boolW("true"),
    DeviceName: str("PG-3100", { maxLen: 32 }),
    UUID: str(ident((id) => `${id.seed.toString(16).padStart(8, "0")}-0000-4000-8000-${id.serialNumber.slice(-12).padStart(12, "0").replace(/[^0-9a-f]/gi, "0")}`), { maxLen: 36 }),
    Version: uint("2"),
    ConfigMethodsSupported: str("PushButton,Label", { list: true }),
    ConfigMethodsEnabled: strW("PushButton", { list: true }),
    SetupLockedState: str("Unlocked", { enum: ["Unlocked", "LockedByLocalManagement", "LockedByRemoteManagement", "PINRetryLimitReached"] }),
    SetupLock: boolW("false"),
    ConfigurationState: str("Configured", { enum: ["Not configured", "Configured"] }),
  });
  b.obj(LAN + "Hosts.", { HostNumberOfEntries: uint() });
  b.obj(LAN + "Hosts.Host.{i}.", {
    IPAddress: str(dyn(hostValue((h) => h.ip))),
    AddressSource: str(dyn(hostValue((_h, _c, n) => (n === 1 ? "Static" : "DHCP"))), { enum: ["DHCP", "Static", "AutoIP"] }),
    LeaseTimeRemaining: int(dyn(hostValue((_h, ctx, n) => (n === 1 ? "-1" : String(86_400 - (secondsUp(ctx) % 43_200))))), { notify: "canDeny", min: -1 }),
    MACAddress: str(dyn(hostValue((h) => h.mac))),
    Layer2Interface: str(dyn(hostValue((h) => (h.link === "ethernet" ? `${IGD}LANDevice.1.LANEthernetInterfaceConfig.${h.port}` : `${IGD}LANDevice.1.WLANConfiguration.${h.link === "wifi24" ? 1 : 2}`))), { maxLen: 256 }),
    HostName: str(dyn(hostValue((h) => h.name)), { maxLen: 64 }),
    InterfaceType: str(dyn(hostValue((h) => (h.link === "ethernet" ? "Ethernet" : "802.11"))), { enum: ["Ethernet", "USB", "802.11", "HomePNA", "HomePlug", "MoCA", "Other"] }),
    Active: bool("true"),
  }, { volatile: hostTable });

  const port = (n: number, up: boolean): Record<string, Val> => ({ Name: `eth${n - 1}`, Status: up ? "Up" : "NoLink" });
  b.rows("LANDevice.", [{}]);
  b.rows("LANDevice.1.LANHostConfigManagement.IPInterface.", [
    { Enable: "true", IPInterfaceIPAddress: "192.168.1.1", IPInterfaceSubnetMask: "255.255.255.0", IPInterfaceAddressingType: "Static" },
  ]);
  b.rows("LANDevice.1.LANEthernetInterfaceConfig.", [port(1, true), port(2, true), port(3, false), port(4, false)]);
  b.rows("LANDevice.1.WLANConfiguration.", [
    {
      Name: "wl0", BSSID: ident((id) => mac(id, 2)), Channel: "6", SSID: ident((id) => ssidName(id)), Standard: "n",
      PossibleChannels: "1,2,3,4,5,6,7,8,9,10,11", ChannelsInUse: "6",
    },
    {
      Name: "wl1", BSSID: ident((id) => mac(id, 3)), Channel: "36", SSID: ident((id) => ssidName(id, "-5G")), Standard: "a",
      PossibleChannels: "36,40,44,48,52,56,60,64", ChannelsInUse: "36", BasicDataTransmitRates: "6,12,24", OperationalDataTransmitRates: "6,9,12,18,24,36,48,54",
      PossibleDataTransmitRates: "6,9,12,18,24,36,48,54",
    },
  ]);
  for (const w of [1, 2]) {
    b.rows(`LANDevice.1.WLANConfiguration.${w}.WEPKey.`, [{}, {}, {}, {}]);
    b.rows(`LANDevice.1.WLANConfiguration.${w}.PreSharedKey.`, Array.from({ length: 10 }, () => ({})));
  }

  // ---- the WAN: Ethernet, one routed IP connection ----
  const WAN = "WANDevice.{i}.";
  b.obj(WAN, { Alias: alias(), WANConnectionNumberOfEntries: uint() });
  b.obj(WAN + "WANCommonInterfaceConfig.", {
    EnabledForInternet: boolW("true"),
    WANAccessType: str("Ethernet", { enum: ["DSL", "Ethernet", "POTS"] }),
    Layer1UpstreamMaxBitRate: uint("1000000000"),
    Layer1DownstreamMaxBitRate: uint("1000000000"),
    PhysicalLinkStatus: str("Up", { enum: ["Up", "Down", "Initializing", "Unavailable"] }),
    WANAccessProvider: str("Provisio Telecom", { maxLen: 256 }),
    TotalBytesSent: uint(dyn(counter(40_000, 0xa01, 32)), { notify: "canDeny" }),
    TotalBytesReceived: uint(dyn(counter(200_000, 0xa02, 32)), { notify: "canDeny" }),
    TotalPacketsSent: uint(dyn(counter(60, 0xa03, 32)), { notify: "canDeny" }),
    TotalPacketsReceived: uint(dyn(counter(280, 0xa04, 32)), { notify: "canDeny" }),
    MaximumActiveConnections: uint("1", { notify: "canDeny" }),
    NumberOfActiveConnections: uint("1"),
  });
  b.obj(WAN + "WANEthernetInterfaceConfig.", {
    Enable: boolW("true"),
    Status: str("Up", { enum: ["Up", "NoLink", "Error", "Disabled"] }),
    MACAddress: str(ident((id) => mac(id, 1))),
    MaxBitRate: strW("Auto", { enum: ["10", "100", "Auto", "1000", "10000"] }),
    DuplexMode: strW("Auto", { enum: ["Half", "Full", "Auto"] }),
  });
  b.obj(WAN + "WANEthernetInterfaceConfig.Stats.", counters32(ETH_STATS.slice(0, 4), 200_000, 0xb00));
  const WCD = WAN + "WANConnectionDevice.{i}.";
  b.obj(WCD, { Alias: alias(), WANIPConnectionNumberOfEntries: uint(), WANPPPConnectionNumberOfEntries: uint() }, { writable: true, maxEntries: 4 });
  b.obj(WCD + "WANIPConnection.{i}.", {
    Enable: boolW("false"),
    Alias: alias(),
    Reset: boolW("false"),
    ConnectionStatus: str("Unconfigured", { enum: ["Unconfigured", "Connecting", "Connected", "PendingDisconnect", "Disconneting", "Disconnecting", "Disconnected"] }),
    PossibleConnectionTypes: str("IP_Routed,IP_Bridged", { list: true, enum: ["Unconfigured", "IP_Routed", "IP_Bridged"] }),
    ConnectionType: strW("IP_Routed", { enum: ["Unconfigured", "IP_Routed", "IP_Bridged"] }),
    Name: strW("", { maxLen: 256 }),
    Uptime: uint("0", { notify: "canDeny" }),
    LastConnectionError: str("ERROR_NONE"),
    AutoDisconnectTime: uintW("0"),
    IdleDisconnectTime: uintW("0"),
    WarnDisconnectDelay: uintW("0"),
    RSIPAvailable: bool("false"),
    NATEnabled: boolW("true"),
    AddressingType: strW("DHCP", { enum: ["DHCP", "Static"] }),
    ExternalIPAddress: strW("", { forced: true, notify: "forceDefaultEnabled" }),
    SubnetMask: strW(""),
    DefaultGateway: strW(""),
    DNSEnabled: boolW("true"),
    DNSOverrideAllowed: boolW("false"),
    DNSServers: strW("", { list: true }),
    MaxMTUSize: uintW("1500", { min: 1, max: 1540 }),
    MACAddress: strW(""),
    MACAddressOverride: boolW("false"),
    ConnectionTrigger: strW("AlwaysOn", { enum: ["OnDemand", "AlwaysOn", "Manual"] }),
    RouteProtocolRx: strW("Off", { enum: ["Off", "RIPv1", "RIPv2", "OSPF"] }),
    PortMappingNumberOfEntries: uint(),
  }, { writable: true, maxEntries: 4 });
  b.obj(WCD + "WANIPConnection.{i}.PortMapping.{i}.", {
    PortMappingEnabled: boolW("false"),
    Alias: alias(),
    PortMappingLeaseDuration: uintW("0", { notify: "canDeny" }),
    RemoteHost: strW(""),
    ExternalPort: uintW("0"),
    InternalPort: uintW("0"),
    PortMappingProtocol: strW("TCP", { enum: ["TCP", "UDP"] }),
    InternalClient: strW("", { maxLen: 256 }),
    PortMappingDescription: strW("", { maxLen: 256 }),
    ExternalPortEndRange: uintW("0"),
  }, { writable: true, maxEntries: 32 });
  b.obj(WCD + "WANIPConnection.{i}.Stats.", counters32(ETH_STATS.map((s) => "Ethernet" + s), 200_000, 0xc00));
  b.obj(WCD + "WANPPPConnection.{i}.", {
    Enable: boolW("false"),
    ConnectionStatus: str("Unconfigured", { enum: ["Unconfigured", "Connecting", "Authenticating", "Connected", "PendingDisconnect", "Disconnecting", "Disconnected"] }),
    PossibleConnectionTypes: str("IP_Routed,PPPoE_Bridged", { list: true }),
    ConnectionType: strW("IP_Routed", { enum: ["Unconfigured", "IP_Routed", "DHCP_Spoofed", "PPPoE_Bridged", "PPPoE_Relay", "PPTP_Relay", "L2TP_Relay"] }),
    Name: strW("", { maxLen: 256 }),
    Uptime: uint("0", { notify: "canDeny" }),
    NATEnabled: boolW("true"),
    Username: strW("", { maxLen: 64 }),
    Password: strW("", { maxLen: 64, secret: true }),
    ExternalIPAddress: strW("", { forced: true, notify: "forceDefaultEnabled" }),
    MACAddress: strW(""),
    TransportType: str("PPPoE", { enum: ["PPPoA", "PPPoE", "L2TP", "PPTP"] }),
  }, { writable: true, maxEntries: 4 });
  b.rows("WANDevice.", [{}]);
  b.rows("WANDevice.1.WANConnectionDevice.", [{}]);
  b.rows("WANDevice.1.WANConnectionDevice.1.WANIPConnection.", [{
    Enable: "true", ConnectionStatus: "Connected", Name: "Internet", Uptime: dyn(uptime), ExternalIPAddress: ident(wanAddress), SubnetMask: WAN_MASK,
    DefaultGateway: WAN_GATEWAY, DNSServers: WAN_GATEWAY, MACAddress: ident((id) => mac(id, 1)),
  }]);
  b.rows("WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.PortMapping.", [{
    PortMappingEnabled: "true", ExternalPort: "8080", InternalPort: "80", PortMappingProtocol: "TCP", InternalClient: "192.168.1.100",
    PortMappingDescription: "Home web server",
  }]);

  // ---- software modules: one execution environment; ChangeDUState fills the tables ----
  b.obj("SoftwareModules.", { ExecEnvNumberOfEntries: uint(), DeploymentUnitNumberOfEntries: uint(), ExecutionUnitNumberOfEntries: uint() });
  b.obj("SoftwareModules.ExecEnv.{i}.", {
    Enable: boolW("true"),
    Status: str("Up", { enum: ["Up", "Error", "Disabled"] }),
    Alias: alias(),
    Name: str("", { maxLen: 32 }),
    Type: str("", { maxLen: 64 }),
    Vendor: str("", { maxLen: 128 }),
    Version: str("", { maxLen: 32 }),
  });
  b.rows("SoftwareModules.ExecEnv.", [{ Name: "OSGi", Type: "OSGi R4", Vendor: "Provisio", Version: "4.3" }]);
  b.obj("SoftwareModules.DeploymentUnit.{i}.", {
    UUID: str("", { maxLen: 36 }),
    DUID: str("", { maxLen: 64 }),
    Alias: alias(),
    Name: str("", { maxLen: 64 }),
    Status: str("Installed", { notify: "canDeny", enum: ["Installing", "Installed", "Updating", "Uninstalling", "Uninstalled"] }),
    Resolved: bool("false"),
    URL: str("", { maxLen: 1024 }),
    Vendor: str("", { maxLen: 128 }),
    Version: str("", { maxLen: 32 }),
    ExecutionUnitList: str("", { list: true }),
    ExecutionEnvRef: str(""),
  });
  b.obj("SoftwareModules.ExecutionUnit.{i}.", {
    EUID: str("", { maxLen: 64 }),
    Alias: alias(),
    Name: str("", { maxLen: 32 }),
    ExecEnvLabel: str("", { maxLen: 64 }),
    Status: str("Idle", { notify: "forceDefaultEnabled", enum: ["Idle", "Starting", "Active", "Stopping"] }),
    RequestedState: strW("Idle", { enum: ["Idle", "Active"] }),
    ExecutionFaultCode: str("NoFault", { enum: ["NoFault", "FailureOnStart", "FailureOnAutoStart", "FailureOnStop", "FailureWhileActive", "DependencyFailure", "UnStartable"] }),
    AutoStart: boolW("false"),
    Vendor: str("", { maxLen: 128 }),
    Version: str("", { maxLen: 32 }),
    ExecutionEnvRef: str(""),
  });

  return b.build("tr098-gateway", { manufacturer: "Provisio", oui: "00D09E", productClass: "PG-3100", serialPrefix: "PRI" }, diagnostics);
}

/** The compiled TR-098 gateway (compile once, share between devices). */
export function tr098Gateway(): DeviceModel {
  return compileModel(tr098Source());
}
