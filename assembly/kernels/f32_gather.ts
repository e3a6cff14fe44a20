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

// Byte images: a training set kept at one byte per pixel (a quarter of the floats' memory) is
// turned into floats only a batch at a time, here. dst = f32(byte) / divisor, one IEEE division
// per value, so the result is the f32 nearest to byte / divisor: the same values as a float
// copy of the data made with Math.fround(byte / 255).

/** dst[i] = f32(src[i]) / divisor for i < n; src holds bytes. */
export function u8_to_f32(src: usize, n: i32, divisor: f32, dst: usize): void {
  const d = f32x4.splat(divisor);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const b = v128.load(src + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(b),
      hi = i16x8.extend_high_i8x16_u(b);
    const o = dst + (<usize>i << 2);
    v128.store(o, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), d));
    v128.store(o, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), d), 16);
    v128.store(o, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), d), 32);
    v128.store(o, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), d), 48);
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<u8>(src + <usize>i) / divisor);
}

/** dst[r, :] = f32(src[idx[r], :]) / divisor for r < count; src rows of `cols` bytes; idx is i32. */
export function u8_gather_rows_f32(src: usize, idx: usize, count: i32, cols: i32, divisor: f32, dst: usize): void {
  const rowFloats = <usize>cols << 2;
  for (let r = 0; r < count; r++) {
    const i = <usize>load<i32>(idx + (<usize>r << 2));
    u8_to_f32(src + i * <usize>cols, cols, divisor, dst + <usize>r * rowFloats);
  }
}
