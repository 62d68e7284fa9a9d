// Types of test-deps.mjs, for the tests that import it.
export interface Need {
  what: string;
  pkg: string;
  why: string;
}
export interface Probe {
  has(what: string): boolean;
  needsPostgres: boolean;
  isRoot: boolean;
  sudoWithoutPassword(): boolean;
  hasAptGet: boolean;
}
export interface Plan {
  missing: string[];
  action: "none" | "install" | "fail";
  sudo: boolean;
  message: string;
}
export const NEEDS: readonly Need[];
export function onPath(name: string, path: string | undefined): boolean;
/** Where Debian puts daemons, searched besides PATH. */
export const SBIN_DIRS: readonly string[];
export function systemProbe(env?: NodeJS.ProcessEnv, sbinDirs?: readonly string[]): Probe;
export function checkTestDeps(probe: Probe): Plan;
export function ensureTestDeps(options?: { probe?: Probe; log?: (line: string) => void; exec?: (argv: string[], quiet: boolean) => boolean }): boolean;
