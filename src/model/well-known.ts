// Parameters Provisio reads by name in either data model's root (TR-181 Device:2, TR-098
// InternetGatewayDevice): one list, so that every reader agrees on which it looks at first.

/** Where a device reports its software (firmware) version, TR-181's first. */
export const SOFTWARE_VERSION_PATHS = ["Device.DeviceInfo.SoftwareVersion", "InternetGatewayDevice.DeviceInfo.SoftwareVersion"] as const;
