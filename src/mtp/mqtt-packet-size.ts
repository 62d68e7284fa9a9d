// Follows MQTT packet boundaries in a byte stream from their fixed headers alone, so that the embedded
// broker can drop a client that announces a packet above the limit before its bytes are buffered
// (the broker's parser would otherwise wait for, and hold, the whole announced length). Pure.

export class MqttPacketSizeGuard {
  readonly #max: number;
  /** Bytes of the current packet's body still to pass. */
  #remaining = 0;
  /** Reading the fixed header: 0 before its first byte, then the Remaining Length bytes read so far + 1. */
  #headerAt = 0;
  #length = 0;

  constructor(maxPacketBytes: number) {
    this.#max = maxPacketBytes;
  }

  /** Takes the next bytes; false once a packet is above the limit or its length is malformed. */
  feed(chunk: Uint8Array): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.#remaining > 0) {
        const skip = Math.min(this.#remaining, chunk.length - i);
        this.#remaining -= skip;
        i += skip;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.#headerAt === 0) {
        this.#headerAt = 1;
        this.#length = 0;
        continue;
      }
      // Remaining Length: up to four 7-bit groups, least significant first.
      this.#length += (byte & 0x7f) * 128 ** (this.#headerAt - 1);
      if (this.#length > this.#max) return false;
      if (byte & 0x80) {
        if (++this.#headerAt > 4) return false;
        continue;
      }
      this.#headerAt = 0;
      this.#remaining = this.#length;
    }
    return true;
  }
}
