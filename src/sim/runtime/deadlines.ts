// One priority queue for the deadlines of every device: an indexed binary min-heap keyed by device
// index, so the runtime arms a single timer (for the earliest deadline) however many devices it runs,
// and moving one device's deadline costs O(log n) without leaving stale entries behind.

export class DeadlineHeap {
  /** Device indexes in heap order. */
  private readonly heap: Int32Array;
  /** Position of each device in `heap`, -1 when it has no deadline. */
  private readonly pos: Int32Array;
  private readonly at: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.heap = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
    this.at = new Float64Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** The deadline of a device, or undefined. */
  get(index: number): number | undefined {
    return this.pos[index]! < 0 ? undefined : this.at[index];
  }

  /** Sets (or with undefined, removes) a device's deadline. */
  set(index: number, at: number | undefined): void {
    const p = this.pos[index]!;
    if (at === undefined) {
      if (p >= 0) this.removeAt(p);
      return;
    }
    if (p < 0) {
      this.at[index] = at;
      this.heap[this.n] = index;
      this.pos[index] = this.n;
      this.up(this.n++);
      return;
    }
    const before = this.at[index]!;
    this.at[index] = at;
    if (at < before) this.up(p);
    else if (at > before) this.down(p);
  }

  /** The earliest deadline and its device, without removing it. */
  peek(): { index: number; at: number } | undefined {
    if (this.n === 0) return undefined;
    const index = this.heap[0]!;
    return { index, at: this.at[index]! };
  }

  /** Removes and returns the device with the earliest deadline if it is at or before `now`. */
  popDue(now: number): number | undefined {
    if (this.n === 0) return undefined;
    const index = this.heap[0]!;
    if (this.at[index]! > now) return undefined;
    this.removeAt(0);
    return index;
  }

  private removeAt(p: number): void {
    const index = this.heap[p]!;
    this.pos[index] = -1;
    this.n--;
    if (p === this.n) return;
    const last = this.heap[this.n]!;
    this.heap[p] = last;
    this.pos[last] = p;
    this.down(p);
    this.up(this.pos[last]!);
  }

  private less(a: number, b: number): boolean {
    const x = this.at[this.heap[a]!]!;
    const y = this.at[this.heap[b]!]!;
    return x < y || (x === y && this.heap[a]! < this.heap[b]!);
  }

  private swap(a: number, b: number): void {
    const ia = this.heap[a]!;
    const ib = this.heap[b]!;
    this.heap[a] = ib;
    this.heap[b] = ia;
    this.pos[ib] = a;
    this.pos[ia] = b;
  }

  private up(p: number): void {
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (!this.less(p, parent)) return;
      this.swap(p, parent);
      p = parent;
    }
  }

  private down(p: number): void {
    for (;;) {
      const l = 2 * p + 1;
      if (l >= this.n) return;
      const r = l + 1;
      const c = r < this.n && this.less(r, l) ? r : l;
      if (!this.less(c, p)) return;
      this.swap(p, c);
      p = c;
    }
  }
}
