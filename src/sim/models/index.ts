// The built-in device models, by name.

import type { DeviceModel } from "../model.js";
import { tr098Gateway } from "./tr098.js";
import { tr181Gateway } from "./tr181.js";

export { tr181Gateway, tr181Source } from "./tr181.js";
export { tr098Gateway, tr098Source } from "./tr098.js";

export const builtinModels: Readonly<Record<string, () => DeviceModel>> = {
  "tr181-gateway": tr181Gateway,
  "tr098-gateway": tr098Gateway,
};
