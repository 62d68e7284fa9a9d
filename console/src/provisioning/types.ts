// The shapes of presets, provisions, their versions and dry runs (docs/api.md, Presets and provisions).

export type DocKind = "presets" | "provisions";

export interface StoredDoc {
  name: string;
  version: number;
  updatedAt: string;
  document: Record<string, unknown>;
}

export interface VersionInfo {
  version: number;
  updatedAt: string;
  by: string | null;
  deleted: boolean;
}

export interface Versions {
  name: string;
  current: number | null;
  versions: VersionInfo[];
}

export interface DryRun {
  deviceId: string;
  provisions: { name: string; preset: string; args?: unknown }[];
  rpcs: ({ method?: string } & Record<string, unknown>)[];
  toRead: string[];
  faults: { code: string; message: string }[];
  virtualParameters: { path: string; value: string; type: string }[];
}

export const KIND_LABEL: Record<DocKind, { one: string; many: string }> = {
  presets: { one: "preset", many: "Presets" },
  provisions: { one: "provision", many: "Provisions" },
};
