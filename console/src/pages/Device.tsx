import type { Params } from "../router.js";

export function DevicePage(_p: { params: Params }) {
  return <h1>Device</h1>;
}
