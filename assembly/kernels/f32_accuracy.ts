// Counting correct predictions for the `accuracy` metric during training and evaluation,
// with Keras' rules: one output column is binary accuracy at threshold 0.5; several columns
// compare the argmax of the outputs with the label (an integer label, or the argmax of a
// one-hot row). Ties go to the first maximum. Weighted by the per-example weights when given.

// @ts-ignore: decorator
@inline function argmaxRow(p: usize, cols: i32): i32 {
  let best = 0;
  let bv = load<f32>(p);
  for (let j = 1; j < cols; j++) {
    const v = load<f32>(p + (<usize>j << 2));
    if (v > bv) { bv = v; best = j; }
  }
  return best;
}

/**
 * Returns the (weighted) number of rows whose prediction is correct. out is rows x cols;
 * labelsI32 (class indices) or labelsF32 (rows x cols targets) is non-zero; weights may be 0.
 */
export function f32_count_correct(out: usize, rows: i32, cols: i32, labelsI32: usize, labelsF32: usize, weights: usize): f64 {
  let total: f64 = 0;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const o = out + <usize>r * rowBytes;
    let ok: bool;
    if (cols == 1) {
      const pred = load<f32>(o) > 0.5;
      const truth = labelsI32 ? load<i32>(labelsI32 + (<usize>r << 2)) != 0 : load<f32>(labelsF32 + (<usize>r << 2)) > 0.5;
      ok = pred == truth;
    } else {
      const truth = labelsI32 ? load<i32>(labelsI32 + (<usize>r << 2)) : argmaxRow(labelsF32 + <usize>r * rowBytes, cols);
      ok = argmaxRow(o, cols) == truth;
    }
    if (ok) total += weights ? <f64>load<f32>(weights + (<usize>r << 2)) : 1.0;
  }
  return total;
}
