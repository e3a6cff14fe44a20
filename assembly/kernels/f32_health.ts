// Cheap statistics of a layer's outputs for the training-health record: dead ReLU units and
// saturated sigmoid/tanh outputs. Both only read.

/** Columns of a rows x cols matrix whose every value is <= 0 (ReLU units dead for the whole batch). */
export function f32_dead_columns(y: usize, rows: i32, cols: i32, scratch: usize): i32 {
  // scratch holds cols floats: the column maxima, built a row at a time with f32x4.max
  const rowBytes = <usize>cols << 2;
  const cv = cols & ~3;
  for (let j = 0; j < cols; j++) store<f32>(scratch + (<usize>j << 2), -Infinity);
  for (let r = 0; r < rows; r++) {
    const yr = y + <usize>r * rowBytes;
    let j = 0;
    for (; j < cv; j += 4) {
      const o = <usize>j << 2;
      v128.store(scratch + o, f32x4.max(v128.load(scratch + o), v128.load(yr + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(scratch + o, max(load<f32>(scratch + o), load<f32>(yr + o)));
    }
  }
  let dead = 0;
  for (let j = 0; j < cols; j++) if (load<f32>(scratch + (<usize>j << 2)) <= 0) dead++;
  return dead;
}

/** Values of x outside [lo, hi] (saturated outputs). */
export function f32_count_outside(x: usize, n: i32, lo: f32, hi: f32): i32 {
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  let acc = i32x4.splat(0);
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    // each true lane is -1: subtracting counts it
    acc = i32x4.sub(acc, v128.or(f32x4.lt(v, vlo), f32x4.gt(v, vhi)));
  }
  let count = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v < lo || v > hi) count++;
  }
  return count;
}
