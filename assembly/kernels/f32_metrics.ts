// Regression metrics of fit and evaluate (Keras' 'mae', 'mse', 'mape'): for each row the mean
// over its columns of an error between prediction and target, summed over the rows with the
// per-example weights. The caller divides by the total weight, so batches (and shards) add up.
// Differences are taken in f32, as the model computes; sums run in f64 so that a long epoch's
// total does not lose the small rows. With a target scaling (the model learns standardized
// targets), scale and shift map both sides back to the user's units first: v * scale[j] + shift[j].

/**
 * kind: 0 absolute error |p - t|, 1 squared error (p - t)^2, 2 absolute percentage error
 * |p - t| / max(|t|, epsilon). scale and shift (cols floats each) are both 0 or both given.
 */
export function f32_regression_error_sum(kind: i32, pred: usize, target: usize, weights: usize, rows: i32, cols: i32, epsilon: f32,
                                         scale: usize, shift: usize): f64 {
  if (cols <= 0) return 0;
  const rowB = <usize>cols << 2;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const pr = pred + <usize>r * rowB, tr = target + <usize>r * rowB;
    let sum: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      let t = load<f32>(tr + o);
      let p = load<f32>(pr + o);
      if (scale) {
        const a = load<f32>(scale + o), b = load<f32>(shift + o);
        t = t * a + b;
        p = p * a + b;
      }
      const d = p - t;
      if (kind == 0) sum += <f64>Mathf.abs(d);
      else if (kind == 1) sum += <f64>d * <f64>d;
      else sum += <f64>Mathf.abs(d) / <f64>Mathf.max(Mathf.abs(t), epsilon);
    }
    const w: f64 = weights ? <f64>load<f32>(weights + (<usize>r << 2)) : 1.0;
    total += w * (sum / <f64>cols);
  }
  return total;
}
