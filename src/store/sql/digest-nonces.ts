import type { DigestNonceRepo } from "../types.js";
import type { Scope } from "./scope.js";

export class SqlDigestNonceRepo implements DigestNonceRepo {
  constructor(private readonly s: Scope) {}

  async use(nonce: string, nc: number, expiresAt: Date): Promise<boolean> {
    // One statement decides: on PostgreSQL a racing login with the same count waits for the row lock
    // and then finds the count no longer lower, so exactly one of them gets a row back.
    const rows = await this.s.all(
      `INSERT INTO digest_nonces (nonce, nc, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (nonce) DO UPDATE SET nc = excluded.nc WHERE digest_nonces.nc < excluded.nc RETURNING nonce`,
      [nonce, nc, this.s.dialect.date(expiresAt)],
    );
    return rows.length > 0;
  }

  prune(before: Date): Promise<number> {
    return this.s.run("DELETE FROM digest_nonces WHERE expires_at < $1", [this.s.dialect.date(before)]);
  }
}
