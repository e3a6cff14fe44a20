// Gathering rows by index: a mini-batch is the rows idx[0..count) of the training set, and
// every worker gathers its own shard straight from the shared copy of the data.

/** dst[r, :] = src[idx[r], :] for r < count; rows of `cols` floats; idx is i32. */
export function f32_gather_rows(src: usize, idx: usize, count: i32, cols: i32, dst: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < count; r++) {
    const i = <usize>load<i32>(idx + (<usize>r << 2));
    memory.copy(dst + <usize>r * rowBytes, src + i * rowBytes, rowBytes);
  }
}

/** dst[r] = src[idx[r]] for 4-byte elements (i32 labels or f32 weights). */
export function x32_gather(src: usize, idx: usize, count: i32, dst: usize): void {
  for (let r = 0; r < count; r++) {
    const i = <usize>load<i32>(idx + (<usize>r << 2));
    store<u32>(dst + (<usize>r << 2), load<u32>(src + (i << 2)));
  }
}

/** sum of src[idx[r]] for r < count, in f64 (a batch's total example weight). */
export function f32_gather_sum(src: usize, idx: usize, count: i32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < count; r++) {
    const i = <usize>load<i32>(idx + (<usize>r << 2));
    s += <f64>load<f32>(src + (i << 2));
  }
  return s;
}
