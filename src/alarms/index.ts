export * from "./severity.js";
export * from "./rules.js";
export * from "./evaluate.js";
export * from "./faultmgmt.js";
