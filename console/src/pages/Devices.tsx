import type { Params } from "../router.js";

export function DevicesPage(_p: { params: Params }) {
  return <h1>Devices</h1>;
}
