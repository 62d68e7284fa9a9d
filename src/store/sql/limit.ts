/** Appends LIMIT/OFFSET parameters to `params`; returns the clause (empty when neither is given). */
export function limitClause(params: unknown[], limit: number | undefined, offset: number | undefined): string {
  let sql = "";
  if (limit !== undefined) {
    params.push(Math.max(0, Math.floor(limit)));
    sql += ` LIMIT $${params.length}`;
  }
  if (offset !== undefined && offset > 0) {
    // SQLite accepts OFFSET only after a LIMIT, and the two spell "no limit" differently (-1, ALL):
    // a limit no table reaches works on both.
    if (limit === undefined) {
      params.push(Number.MAX_SAFE_INTEGER);
      sql += ` LIMIT $${params.length}`;
    }
    params.push(Math.floor(offset));
    sql += ` OFFSET $${params.length}`;
  }
  return sql;
}
