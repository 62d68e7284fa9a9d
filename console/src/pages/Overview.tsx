import type { Params } from "../router.js";

export function OverviewPage(_p: { params: Params }) {
  return <h1>Overview</h1>;
}
