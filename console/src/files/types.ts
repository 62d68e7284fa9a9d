// The shapes of files and campaigns (docs/api.md, Files and Campaigns).

export interface StoredFile {
  id: string;
  name: string;
  fileType: string;
  oui: string;
  productClass: string;
  version: string;
  description: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export type CampaignStatus = "running" | "paused" | "completed" | "aborted";
export type DeviceState = "pending" | "in_progress" | "succeeded" | "failed" | "skipped" | "cancelled";

export interface Campaign {
  id: string;
  name: string;
  filter: string;
  fileId: string;
  status: CampaignStatus;
  pauseReason: string | null;
  batchSize: number;
  concurrency: number;
  counts: Record<DeviceState, number>;
  total: number;
  batch: number;
  enumerated: boolean;
  createdAt: string;
  completedAt: string | null;
}

export interface CampaignDevice {
  deviceId: string;
  state: DeviceState;
  batch: number;
  attempts: number;
  fault: { code: string; message: string } | null;
  updatedAt: string;
  waitingForInformSince: string | null;
  nextAttemptAt: string | null;
}

export const FILE_TYPES = ["1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "4 Tone File", "5 Ringer File"];

export const STATES: [DeviceState, string][] = [
  ["pending", "Pending"],
  ["in_progress", "In progress"],
  ["succeeded", "Succeeded"],
  ["failed", "Failed"],
  ["skipped", "Skipped"],
  ["cancelled", "Cancelled"],
];

/** Devices settled (whatever the outcome) out of those taken in. */
export function settled(c: Campaign): number {
  return c.counts.succeeded + c.counts.failed + c.counts.skipped + c.counts.cancelled;
}
