// A GenieACS precondition (or NBI query) in either of its syntaxes, as a Provisio filter's text.

import { FilterError, parse, print, type FilterNode } from "../query/index.js";
import { reasonOf, Unmappable } from "./errors.js";
import { expressionFilter } from "./expression.js";
import { mongoFilter } from "./mongo-query.js";

export type Syntax = "mongodb" | "expression";

export type Translated = { ok: true; filter: string; syntax: Syntax } | { ok: false; reason: string; syntax: Syntax };

/**
 * A MongoDB-style query is a JSON object (GenieACS stores it as text); anything else is the expression
 * syntax. GenieACS tells them apart the same way, trying one and then the other, and no expression
 * starts with "{".
 */
export function syntaxOf(precondition: string | Record<string, unknown>): Syntax {
  return typeof precondition === "object" || precondition.trimStart().startsWith("{") ? "mongodb" : "expression";
}

/** The filter text ("" for every device), or why there is none. */
export function translatePrecondition(precondition: string | Record<string, unknown> | null | undefined): Translated {
  if (precondition === null || precondition === undefined || (typeof precondition === "string" && precondition.trim() === "")) return { ok: true, filter: "", syntax: "expression" };
  const syntax = syntaxOf(precondition);
  try {
    let node: FilterNode | null;
    if (syntax === "mongodb") {
      let query: unknown = precondition;
      if (typeof precondition === "string") {
        try {
          query = JSON.parse(precondition);
        } catch (err) {
          throw new Unmappable(`not valid JSON: ${reasonOf(err)}`);
        }
      }
      node = mongoFilter(query);
    } else {
      node = expressionFilter(precondition as string);
    }
    if (node === null) return { ok: true, filter: "", syntax };
    // Printed and read back: Provisio's own checks (paths, types, limits) have the last word.
    const text = print(node);
    return { ok: true, filter: print(parse(text)), syntax };
  } catch (err) {
    if (err instanceof Unmappable || err instanceof FilterError) return { ok: false, reason: reasonOf(err), syntax };
    throw err;
  }
}
