// Types for two modules of node-postgres's lib/ (exported by its package, without types) that the
// statement batch uses: the Result that parses rows, and the parameter encoder of its Query.

declare module "pg/lib/result.js" {
  const Result: unknown;
  export default Result;
}

declare module "pg/lib/utils.js" {
  const utils: { prepareValue(value: unknown): unknown };
  export default utils;
}
