/**
 * Wrappers of assembly/kernels/f32_batchnorm.ts: batch normalization over the rows of a
 * rows x cols batch (Keras conventions: normalize with the biased batch variance M2 / count;
 * moving = momentum * moving + (1 - momentum) * batch).
 *
 * Training step, with the batch split in row shards:
 *   f32_bn_moments per shard -> f32_bn_merge of the shards in shard order -> variance = M2 / count
 *   -> f32_bn_normalize; backward: f32_bn_backward_sums per shard -> add the shards' sums ->
 *   f32_bn_backward with the total count; then f32_bn_update_moving once.
 * Per-column buffers (mean, variance, gamma, ...) hold cols floats; gamma and beta may be 0
 * (meaning 1 and 0).
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkRegion } from '../check';
import { checkSameOrDisjoint } from './f32_elementwise';

type Named = [string, number];

/** Every output disjoint from every input and from the other outputs (0 pointers skipped). */
function checkOutputs(K: string, outs: Named[], outFloats: number[], ins: Named[], inFloats: number[]): void {
  outs.forEach(([on, op], i) => {
    if (op === 0) return;
    ins.forEach(([inName, ip], k) => {
      if (ip !== 0) checkDisjoint(K, on, op, outFloats[i]!, inName, ip, inFloats[k]!);
    });
    for (let k = 0; k < i; k++) if (outs[k]![1] !== 0) checkDisjoint(K, on, op, outFloats[i]!, outs[k]![0], outs[k]![1], outFloats[k]!);
  });
}

function checkEps(K: string, eps: number): void {
  if (!(Number.isFinite(eps) && eps >= 0)) throw new RangeError(`${K}: eps must be a finite number >= 0, got ${eps}`);
}

function checkShape(K: string, rows: number, cols: number): void {
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
}

/** Column means and M2 (sum of squared deviations, two-pass) of a rows x cols batch. rows = 0 gives zeros. */
export function f32_bn_moments(e: Engine, x: number, rows: number, cols: number, mean: number, m2: number): void {
  const K = 'f32_bn_moments';
  checkShape(K, rows, cols);
  checkRegion(e, K, 'x', x, rows * cols);
  checkRegion(e, K, 'mean', mean, cols);
  checkRegion(e, K, 'm2', m2, cols);
  checkOutputs(
    K,
    [
      ['mean', mean],
      ['m2', m2],
    ],
    [cols, cols],
    [['x', x]],
    [rows * cols],
  );
  e.k.f32_bn_moments(x, rows, cols, mean, m2);
}

/**
 * Merges shard B's (mean, M2, count) into A's in place (Chan et al.); merging the shards in a
 * fixed order gives every worker the same batch moments. nB = 0 leaves A alone, nA = 0 copies B.
 */
export function f32_bn_merge(e: Engine, meanA: number, m2A: number, nA: number, meanB: number, m2B: number, nB: number, cols: number): void {
  const K = 'f32_bn_merge';
  checkDim(K, 'nA', nA);
  checkDim(K, 'nB', nB);
  checkDim(K, 'cols', cols);
  for (const [name, p] of [
    ['meanA', meanA],
    ['m2A', m2A],
    ['meanB', meanB],
    ['m2B', m2B],
  ] as Named[])
    checkRegion(e, K, name, p, cols);
  checkOutputs(
    K,
    [
      ['meanA', meanA],
      ['m2A', m2A],
    ],
    [cols, cols],
    [
      ['meanB', meanB],
      ['m2B', m2B],
    ],
    [cols, cols],
  );
  e.k.f32_bn_merge(meanA, m2A, nA, meanB, m2B, nB, cols);
}

/**
 * y = gamma * (x - mean) / sqrt(variance + eps) + beta per column (training with the batch
 * statistics, inference with the moving ones). y may be x; gamma / beta may be 0.
 */
export function f32_bn_normalize(
  e: Engine,
  x: number,
  y: number,
  rows: number,
  cols: number,
  mean: number,
  variance: number,
  gamma: number,
  beta: number,
  eps: number,
): void {
  const K = 'f32_bn_normalize';
  checkShape(K, rows, cols);
  const n = rows * cols;
  checkRegion(e, K, 'x', x, n);
  checkRegion(e, K, 'y', y, n);
  checkSameOrDisjoint(K, 'y', y, n, 'x', x, n);
  const c = rows === 0 ? 0 : cols;
  const params: Named[] = [
    ['mean', mean],
    ['variance', variance],
    ['gamma', gamma],
    ['beta', beta],
  ];
  for (const [name, p] of params) if (p !== 0 || (name !== 'gamma' && name !== 'beta')) checkRegion(e, K, name, p, c);
  checkOutputs(K, [['y', y]], [n], params, [c, c, c, c]);
  checkEps(K, eps);
  e.k.f32_bn_normalize(x, y, rows, cols, mean, variance, gamma, beta, eps);
}

/**
 * Per column sumDy = sum dy and sumDyXhat = sum dy * xhat (xhat = (x - mean) / sqrt(variance + eps)):
 * the gradients of beta and gamma, and the sums f32_bn_backward needs. accumulate adds to the
 * sums already there.
 */
export function f32_bn_backward_sums(
  e: Engine,
  dy: number,
  x: number,
  rows: number,
  cols: number,
  mean: number,
  variance: number,
  eps: number,
  sumDy: number,
  sumDyXhat: number,
  accumulate: boolean,
): void {
  const K = 'f32_bn_backward_sums';
  checkShape(K, rows, cols);
  const n = rows * cols;
  checkRegion(e, K, 'dy', dy, n);
  checkRegion(e, K, 'x', x, n);
  const c = rows === 0 ? 0 : cols;
  checkRegion(e, K, 'mean', mean, c);
  checkRegion(e, K, 'variance', variance, c);
  checkRegion(e, K, 'sumDy', sumDy, cols);
  checkRegion(e, K, 'sumDyXhat', sumDyXhat, cols);
  checkOutputs(
    K,
    [
      ['sumDy', sumDy],
      ['sumDyXhat', sumDyXhat],
    ],
    [cols, cols],
    [
      ['dy', dy],
      ['x', x],
      ['mean', mean],
      ['variance', variance],
    ],
    [n, n, c, c],
  );
  checkEps(K, eps);
  e.k.f32_bn_backward_sums(dy, x, rows, cols, mean, variance, eps, sumDy, sumDyXhat, accumulate ? 1 : 0);
}

/**
 * dx = gamma * invstd / count * (count * dy - sumDy - xhat * sumDyXhat), with count the batch
 * size over all shards and the sums over all shards. dx may be dy; gamma may be 0 (= 1).
 */
export function f32_bn_backward(
  e: Engine,
  dy: number,
  x: number,
  dx: number,
  rows: number,
  cols: number,
  mean: number,
  variance: number,
  eps: number,
  gamma: number,
  sumDy: number,
  sumDyXhat: number,
  count: number,
): void {
  const K = 'f32_bn_backward';
  checkShape(K, rows, cols);
  const n = rows * cols;
  checkRegion(e, K, 'dy', dy, n);
  checkRegion(e, K, 'x', x, n);
  checkRegion(e, K, 'dx', dx, n);
  checkSameOrDisjoint(K, 'dx', dx, n, 'dy', dy, n);
  const c = rows === 0 ? 0 : cols;
  const params: Named[] = [
    ['mean', mean],
    ['variance', variance],
    ['gamma', gamma],
    ['sumDy', sumDy],
    ['sumDyXhat', sumDyXhat],
  ];
  for (const [name, p] of params) if (p !== 0 || name !== 'gamma') checkRegion(e, K, name, p, c);
  checkOutputs(K, [['dx', dx]], [n], [['x', x], ...params], [n, c, c, c, c, c]);
  checkEps(K, eps);
  if (!Number.isInteger(count) || count < rows || (rows > 0 && count < 1)) {
    throw new RangeError(`${K}: count must be an integer >= rows (the batch size over all shards), got ${count}`);
  }
  e.k.f32_bn_backward(dy, x, dx, rows, cols, mean, variance, eps, gamma, sumDy, sumDyXhat, count);
}

/** movingMean = momentum * movingMean + (1 - momentum) * mean; the same for movingVar with variance. */
export function f32_bn_update_moving(e: Engine, movingMean: number, movingVar: number, mean: number, variance: number, cols: number, momentum: number): void {
  const K = 'f32_bn_update_moving';
  checkDim(K, 'cols', cols);
  for (const [name, p] of [
    ['movingMean', movingMean],
    ['movingVar', movingVar],
    ['mean', mean],
    ['variance', variance],
  ] as Named[])
    checkRegion(e, K, name, p, cols);
  checkOutputs(
    K,
    [
      ['movingMean', movingMean],
      ['movingVar', movingVar],
    ],
    [cols, cols],
    [
      ['mean', mean],
      ['variance', variance],
    ],
    [cols, cols],
  );
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`${K}: momentum must be a number in [0, 1], got ${momentum}`);
  e.k.f32_bn_update_moving(movingMean, movingVar, mean, variance, cols, momentum);
}
