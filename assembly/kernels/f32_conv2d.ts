// 2-D convolution over NHWC batches (channels last, as Keras and tfjs), with the filter in
// Keras / tfjs layout [kh, kw, inC, outC]:
//
//   y[n, oy, ox, o] = act(bias[o] + sum_{ky, kx, c} x[n, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, c] * w[ky, kx, c, o])
//
// (taps that fall in the padding read 0). The caller computes the output size and the padding
// (top/left; 'same' puts the extra row/column at the bottom/right, so only pt/pl matter here).
//
// Method: im2col + the packed gemm of f32_gemm.ts. The output pixels (n, oy, ox) are the rows of a
// gemm, the taps (ky, kx, c) its depth, in exactly the order of the filter's rows, so the filter is
// the gemm's B as stored (K x outC, no repacking) and the output is C as stored (NHWC):
//   forward          Y[rows x outC]   = col[rows x K] * W[K x outC]   (+ bias, activation in the epilogue)
//   input gradient   dcol[rows x K]   = dY * W^T, then col2im adds dcol into dX
//   weight gradient  dW[K x outC]    += col^T * dY, bias gradient = column sums of dY
// The col matrix is built a chunk of rows at a time in a caller-given buffer of colRows x K floats
// (a few hundred KB, so it stays in L2 between im2col and the gemm's packing), instead of one
// col matrix for the whole batch (18 MB for the second layer of the Keras MNIST convnet).
// A 1x1 filter with stride 1 and no padding needs no im2col: x itself is the col matrix.
//
// Why im2col + gemm and not a direct convolution: measured with `npm run bench -- conv` (batch 128,
// one thread, forward with bias and relu, GFLOP/s, two runs on a machine shared by ~10 jobs, load
// average 11 on 2 cores, so only the ratios within a run mean something):
//   13x13x32 -> 64 3x3:  im2col+gemm 12.3 / 10.6, direct 10.3 / 9.2, gemm alone on the product 11.5 / 11.5
//   28x28x1  -> 32 3x3:  im2col+gemm  4.4 /  2.5, direct  5.6 / 3.7, gemm alone on the product  7.9 / 7.6
// (bench_conv_direct.ts: the gemm's 4x8 register tile reading the input and filter unpacked). The
// second layer, which holds over 90% of the network's arithmetic, runs as fast as the gemm alone,
// and faster than direct: the packed panels stay in L1, the unpacked filter rows do not. Direct wins
// the 1-channel first layer (K = 9, so im2col's copies and the gemm's packing dominate): a direct
// path for thin K is the next step for that layer.
//
// Rows of the output do not depend on the chunking (the gemm's row results do not depend on
// which rows share a call), so forward results are the same bits for every shard split. The
// weight gradient sums over rows in chunk order; the same split gives the same bits.
import { f32_gemm } from './f32_gemm';
import { f32_col_sum } from './f32_elementwise';
import { ACT_LINEAR } from './f32_activation';

// Copies n floats (n >= 0) from s to d.
// @ts-ignore: decorator
@inline function copyF(d: usize, s: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), v128.load(s + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>i << 2)));
}

// d[0..n) += s[0..n).
// @ts-ignore: decorator
@inline function addF(d: usize, s: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = d + (<usize>i << 2);
    v128.store(p, f32x4.add(v128.load(p), v128.load(s + (<usize>i << 2))));
  }
  for (; i < n; i++) {
    const p = d + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>i << 2)));
  }
}

// Builds rows [r0, r0 + rows) of the col matrix (row = output pixel, K = kh*kw*c taps) at col.
function im2col(x: usize, col: usize, r0: i32, rows: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32,
                sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32): void {
  const K = kh * kw * c;
  const plane = oh * ow;
  let n = r0 / plane;
  const rem = r0 - n * plane;
  let oy = rem / ow, ox = rem - (rem / ow) * ow;
  const imgB = <usize>(h * w * c) << 2, rowB = <usize>(w * c) << 2, pixB = <usize>c << 2;
  const kwcB = <usize>(kw * c) << 2;
  for (let r = 0; r < rows; r++) {
    let d = col + <usize>r * (<usize>K << 2);
    const img = x + <usize>n * imgB;
    const iy0 = oy * sh - pt, ix0 = ox * sw - pl;
    // the whole tap row lies inside the image and is contiguous: one copy of kw*c floats
    const contiguous = dw == 1 && ix0 >= 0 && ix0 + kw <= w;
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky * dh;
      if (iy < 0 || iy >= h) { memory.fill(d, 0, kwcB); d += kwcB; continue; }
      const line = img + <usize>iy * rowB;
      if (contiguous) { copyF(d, line + <usize>ix0 * pixB, kw * c); d += kwcB; continue; }
      for (let kx = 0; kx < kw; kx++) {
        const ix = ix0 + kx * dw;
        if (ix < 0 || ix >= w) memory.fill(d, 0, pixB);
        else copyF(d, line + <usize>ix * pixB, c);
        d += pixB;
      }
    }
    if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; n++; } }
  }
}

// Adds rows [r0, r0 + rows) of a col-shaped gradient into dx (the transpose of im2col).
function col2im(dcol: usize, dx: usize, r0: i32, rows: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32,
                sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32): void {
  const K = kh * kw * c;
  const plane = oh * ow;
  let n = r0 / plane;
  const rem = r0 - n * plane;
  let oy = rem / ow, ox = rem - (rem / ow) * ow;
  const imgB = <usize>(h * w * c) << 2, rowB = <usize>(w * c) << 2, pixB = <usize>c << 2;
  const kwcB = <usize>(kw * c) << 2;
  for (let r = 0; r < rows; r++) {
    let s = dcol + <usize>r * (<usize>K << 2);
    const img = dx + <usize>n * imgB;
    const iy0 = oy * sh - pt, ix0 = ox * sw - pl;
    const contiguous = dw == 1 && ix0 >= 0 && ix0 + kw <= w;
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky * dh;
      if (iy < 0 || iy >= h) { s += kwcB; continue; }
      const line = img + <usize>iy * rowB;
      if (contiguous) { addF(line + <usize>ix0 * pixB, s, kw * c); s += kwcB; continue; }
      for (let kx = 0; kx < kw; kx++) {
        const ix = ix0 + kx * dw;
        if (ix >= 0 && ix < w) addF(line + <usize>ix * pixB, s, c);
        s += pixB;
      }
    }
    if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; n++; } }
  }
}

// A 1x1 filter with stride 1 and no padding: x is already the col matrix.
// @ts-ignore: decorator
@inline function isPointwise(h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, oh: i32, ow: i32): bool {
  return kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == w;
}

/**
 * y = act(conv2d(x, w) + bias): x is n x h x w x c, w is kh x kw x c x oc, y is n x oh x ow x oc.
 * bias is 0 for none. col holds colRows x (kh*kw*c) floats (colRows >= 1); ws is a gemm workspace.
 */
export function f32_conv2d_forward(x: usize, wt: usize, bias: usize, y: usize,
                                   n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                   sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
                                   act: i32, actAlpha: f32, col: usize, colRows: i32, ws: usize): void {
  const M = n * oh * ow, K = kh * kw * c;
  if (M == 0) return;
  if (isPointwise(h, w, kh, kw, sh, sw, pt, pl, oh, ow)) {
    f32_gemm(0, 0, M, oc, K, 1, x, K, wt, oc, 0, y, oc, bias, act, actAlpha, ws);
    return;
  }
  for (let r0 = 0; r0 < M; r0 += colRows) {
    const rows = min(colRows, M - r0);
    im2col(x, col, r0, rows, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow);
    f32_gemm(0, 0, rows, oc, K, 1, col, K, wt, oc, 0, y + (<usize>r0 * <usize>oc << 2), oc, bias, act, actAlpha, ws);
  }
}

/**
 * dx = the gradient of conv2d w.r.t. its input, given dy (n x oh x ow x oc, the gradient w.r.t. the
 * pre-activation output). dx (n x h x w x c) is overwritten.
 */
export function f32_conv2d_backward_input(dy: usize, wt: usize, dx: usize,
                                          n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                          sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
                                          col: usize, colRows: i32, ws: usize): void {
  const M = n * oh * ow, K = kh * kw * c;
  if (n == 0) return;
  if (isPointwise(h, w, kh, kw, sh, sw, pt, pl, oh, ow)) {
    f32_gemm(0, 1, M, K, oc, 1, dy, oc, wt, oc, 0, dx, K, 0, ACT_LINEAR, 0, ws);
    return;
  }
  memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  for (let r0 = 0; r0 < M; r0 += colRows) {
    const rows = min(colRows, M - r0);
    f32_gemm(0, 1, rows, K, oc, 1, dy + (<usize>r0 * <usize>oc << 2), oc, wt, oc, 0, col, K, 0, ACT_LINEAR, 0, ws);
    col2im(col, dx, r0, rows, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow);
  }
}

/**
 * dW = the gradient w.r.t. the filter (kh x kw x c x oc, overwritten) and, when dbias is not 0,
 * dbias = the column sums of dy (oc floats, overwritten). n = 0 writes zeros.
 */
export function f32_conv2d_backward_filter(x: usize, dy: usize, dwt: usize, dbias: usize,
                                           n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                           sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
                                           col: usize, colRows: i32, ws: usize): void {
  const M = n * oh * ow, K = kh * kw * c;
  if (dbias) f32_col_sum(dy, M, oc, dbias, 0);
  if (M == 0) { memory.fill(dwt, 0, <usize>(K * oc) << 2); return; }
  if (isPointwise(h, w, kh, kw, sh, sw, pt, pl, oh, ow)) {
    f32_gemm(1, 0, K, oc, M, 1, x, K, dy, oc, 0, dwt, oc, 0, ACT_LINEAR, 0, ws);
    return;
  }
  for (let r0 = 0; r0 < M; r0 += colRows) {
    const rows = min(colRows, M - r0);
    im2col(x, col, r0, rows, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow);
    f32_gemm(1, 0, K, oc, rows, 1, col, K, dy + (<usize>r0 * <usize>oc << 2), oc, r0 == 0 ? 0 : 1, dwt, oc, 0, ACT_LINEAR, 0, ws);
  }
}
