// Types of usp-descriptor.mjs, for the test that imports it.
export const protoFiles: readonly string[];
export function descriptorSource(dir: string): string;
