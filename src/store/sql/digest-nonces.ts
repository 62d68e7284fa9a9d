import type { DigestNonceRepo } from "../types.js";
import { requiredRows, type Scope } from "./scope.js";

export class SqlDigestNonceRepo implements DigestNonceRepo {
  constructor(private readonly s: Scope) {}

  async use(nonce: string, nc: number, expiresAt: Date, options?: { failsTransaction?: boolean }): Promise<boolean> {
    // One statement decides: on PostgreSQL a racing login with the same count waits for the row lock
    // and then finds the count no longer lower, so exactly one of them gets a row back.
    const sql = `INSERT INTO digest_nonces (nonce, nc, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (nonce) DO UPDATE SET nc = excluded.nc WHERE digest_nonces.nc < excluded.nc RETURNING nonce`;
    const params = [nonce, nc, this.s.dialect.date(expiresAt)];
    return (await (options?.failsTransaction === true ? requiredRows(this.s, sql, params) : this.s.all(sql, params))).length > 0;
  }

  prune(before: Date): Promise<number> {
    return this.s.run("DELETE FROM digest_nonces WHERE expires_at < $1", [this.s.dialect.date(before)]);
  }
}
