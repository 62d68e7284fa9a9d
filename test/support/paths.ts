import { join, resolve } from "node:path";

/** Tests run from the repository root (npm test does so). */
export const repoRoot = resolve(process.env.PROVISIO_ROOT ?? process.cwd());
/** The material beside the project: Broadband Forum schemas and data models, the corpus. */
export const sharedDir = resolve(repoRoot, "..", "shared");
export const corpusDir = join(sharedDir, "corpus");
export const bbfDir = join(sharedDir, "bbf");
