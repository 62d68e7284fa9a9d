// Random bytes handed out a few at a time from a larger block. A Digest challenge's nonce takes 6 and a
// session id 18, once per session each: asked of the system one call at a time, each was a call into
// OpenSSL costing more than the HMAC beside it. One call now fills the block for hundreds of them;
// no byte is handed out twice.
import { randomFillSync } from "node:crypto";

export class RandomPool {
  private readonly block: Buffer;
  private at: number;

  constructor(size = 4096) {
    this.block = Buffer.allocUnsafe(size);
    this.at = size;
  }

  /** `n` fresh random bytes, a copy of the caller's own. */
  take(n: number): Buffer {
    if (n > this.block.length) return randomFillSync(Buffer.allocUnsafe(n));
    if (this.at + n > this.block.length) {
      randomFillSync(this.block);
      this.at = 0;
    }
    const out = Buffer.from(this.block.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }
}
