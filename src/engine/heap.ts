/**
 * A first-fit allocator for the engine's memory, run on the JavaScript side.
 *
 * Models lay out their buffers once (parameters, gradients, optimizer state, activations), so
 * allocation is rare and never on the training path: a sorted free list with coalescing is
 * plenty. Blocks are 64-byte aligned (a cache line, and any v128 access is aligned).
 * @internal
 */
export class Heap {
  /** Free blocks, sorted by start, never adjacent (they are merged). */
  private free: { start: number; size: number }[] = [];
  /** Sizes of live blocks by start. */
  private live = new Map<number, number>();

  constructor(
    start: number,
    private end: number,
    /** Called when no block fits: must extend the memory to at least `minEnd` and return the new end. */
    private readonly grow: (minEnd: number) => number,
  ) {
    start = align(start);
    if (end > start) this.free.push({ start, size: end - start });
  }

  /** Bytes currently allocated. */
  get usedBytes(): number {
    let n = 0;
    for (const s of this.live.values()) n += s;
    return n;
  }

  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`alloc: bytes must be a non-negative integer, got ${bytes}`);
    const size = Math.max(64, align(bytes));
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.size >= size) {
        const start = block.start;
        if (block.size === size) this.free.splice(i, 1);
        else {
          block.start += size;
          block.size -= size;
        }
        this.live.set(start, size);
        return start;
      }
    }
    // Nothing fits: grow, and add the new space (merged with a free tail block if there is one).
    const last = this.free[this.free.length - 1];
    const tailStart = last && last.start + last.size === this.end ? last.start : this.end;
    const newEnd = this.grow(tailStart + size);
    if (newEnd < tailStart + size) throw new RangeError(`alloc: out of memory for ${bytes} bytes`);
    if (last && last.start === tailStart) last.size = newEnd - tailStart;
    else this.free.push({ start: this.end, size: newEnd - this.end });
    this.end = newEnd;
    return this.alloc(bytes);
  }

  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new RangeError(`free: ${ptr} is not an allocated block`);
    this.live.delete(ptr);
    // insert sorted, then merge with neighbours
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < ptr) i++;
    this.free.splice(i, 0, { start: ptr, size });
    const next = this.free[i + 1];
    if (next && ptr + size === next.start) {
      this.free[i]!.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === ptr) {
      prev.size += this.free[i]!.size;
      this.free.splice(i, 1);
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / 64) * 64;
}
