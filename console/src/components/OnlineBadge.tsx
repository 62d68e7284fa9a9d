// A device's online state in words (never by colour alone).

import type { Device } from "../api/types.js";
import { ago } from "../format.js";

export function OnlineBadge({ device }: { device: Pick<Device, "online" | "lastInformAt"> }) {
  if (device.lastInformAt === null) return <span class="badge badge-never">never seen</span>;
  return device.online ? (
    <span class="badge badge-online">online</span>
  ) : (
    <span class="badge badge-offline" title={`last Inform ${ago(device.lastInformAt)}`}>
      offline
    </span>
  );
}
