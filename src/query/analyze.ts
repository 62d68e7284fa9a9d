// What a filter reads: presets use it to know which parameters to fetch from a device before they can
// evaluate the filter, and callers to know whether they must supply a time or an online window.
import { FIELD_NAMES, type FieldName, type FilterNode } from "./ast.js";
import { compareText } from "./values.js";

export interface FilterInfo {
  /** Parameter and object paths the filter reads, sorted, each once (object paths end with "."). */
  parameters: string[];
  /** Device fields the filter reads, in FIELD_NAMES order (`online` reads lastInform). */
  fields: FieldName[];
  /** Uses `online`: evaluating it needs the online window. */
  online: boolean;
  /** Uses now, now-15m, ... or `online`: the result depends on the time of evaluation. */
  timeDependent: boolean;
}

export function analyze(node: FilterNode): FilterInfo {
  const parameters = new Set<string>();
  const fields = new Set<FieldName>();
  let online = false;
  let relative = false;
  const walk = (n: FilterNode): void => {
    switch (n.kind) {
      case "and":
      case "or":
        n.operands.forEach(walk);
        return;
      case "not":
        walk(n.operand);
        return;
      case "online":
        online = true;
        fields.add("lastInform");
        return;
      case "compare":
      case "in":
      case "exists":
        if (n.target.kind === "parameter") parameters.add(n.target.path);
        else fields.add(n.target.name);
        if (n.kind === "compare" && n.value.kind === "now") relative = true;
        if (n.kind === "in" && n.values.some((v) => v.kind === "now")) relative = true;
        return;
    }
  };
  walk(node);
  return {
    parameters: [...parameters].sort(compareText),
    fields: FIELD_NAMES.filter((f) => fields.has(f)),
    online,
    timeDependent: online || relative,
  };
}
