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
// and in a quieter run (load average 3; forward as chosen / im2col + gemm forced / bench direct /
// gemm alone; then input and filter gradients):
//   13x13x32 -> 64 3x3:  43.8 / 43.3 / 36.6 / 45.8; gradients 44.7 and 45.1
//   28x28x1  -> 32 3x3:  16.4 / 15.3 / 23.3 / 37.7; gradients 13.7 and 13.8
// (bench_conv_direct.ts: the gemm's 4x8 register tile reading the input and filter unpacked). The
// second layer, which holds over 90% of the network's arithmetic, runs as fast as the gemm alone,
// and faster than direct (probably because the packed panels are read contiguously, while direct
// strides through the filter one output-channel row at a time; not profiled further). Direct wins
// the 1-channel first layer (K = 9, so im2col's copies and the gemm's packing dominate): thin
// filters (at most 32 taps) take the direct forward below.
//
// 3x3 filters with stride 1 and no dilation over >= 8 channels (multiples of 4) go by Winograd's
// F(2x2, 3x3) instead (f32_conv2d_winograd.ts): 16 products per 2x2 outputs instead of 36, the same
// packed gemm underneath. Measured with `npm run bench -- conv` (one thread, GFLOP/s of the direct
// arithmetic, Winograd / im2col + gemm forced), quiet machine:
//   14x14x32 -> 48 3x3 'same', batch 32: forward 80.2 / 42.5, input gradient 80.6 / 43.7, filter 76.6 / 42.6
//   13x13x32 -> 64 3x3 'valid', batch 128: forward 64.3 / 43.0, input gradient 48.4 / 43.5 (the 'full'
//   padding of the input gradient leaves partial tiles), filter 58.8 / 42.6
// Thinner inputs (c < 8) keep the direct or im2col paths: their gemms would have a depth of 4 or less.
//
// Rows of the output do not depend on the chunking (the gemm's row results do not depend on
// which rows share a call), so forward results are the same bits for every shard split. The
// weight gradient sums over rows in chunk order; the same split gives the same bits.
import { f32_gemm } from './f32_gemm';
import { f32_col_sum } from './f32_elementwise';
import { act_v, ACT_LINEAR, ACT_RELU } from './f32_activation';
import { winogradApplies, winogradBackwardFilter, winogradBackwardInput, winogradForward } from './f32_conv2d_winograd';

// The `fast` argument of the kernels: which paths other than im2col + gemm may run.
const FAST_DIRECT = 1; // thin filters (<= 32 taps, oc % 8 == 0) by the direct kernels
const FAST_WINOGRAD = 2; // 3x3 filters, stride 1, no dilation, channels % 4 == 0 (f32_conv2d_winograd.ts)

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

// Direct forward for thin filters (few taps: a 3x3 filter over 1 channel has K = 9), where im2col's
// copies and the gemm's packing cost about as much as the products. Measured on 28x28x1 -> 32 3x3,
// batch 128, bias + relu, one thread, three runs: 16.1-16.6 GFLOP/s against 14.4-14.7 for
// im2col + gemm (1.14x); the bench-only kernel (bench_conv_direct.ts: starts from the bias, no
// activation, no padding support) reaches 22-23, so this path still has room. The gemm's 4x8 register tile with A
// splat straight from the input (4 neighbouring output pixels) and B read from the filter rows.
// Every output sums its taps from 0 in (ky, kx, c) order, then adds the bias, then applies the
// activation: the same operations in the same order as im2col + gemm with one K slice (K <= 256),
// so both paths give the same bits. Pixels whose window leaves the input go one at a time with
// bounds checks. Needs oc % 8 == 0.
const DIRECT_MAX_K: i32 = 32;

// @ts-ignore: decorator
@inline function useDirect(c: i32, oc: i32, kh: i32, kw: i32): bool {
  return kh * kw * c <= DIRECT_MAX_K && (oc & 7) == 0;
}

// One 4-pixel x 8-filter tile whose taps all lie inside the input: `pa0` is the first pixel's
// first tap, stepB the distance between neighbouring output pixels' inputs.
// @ts-ignore: decorator
@inline function directQuad(pa0: usize, rowB: usize, dhB: usize, dwB: usize, pixB: usize, stepB: usize, pb0: usize, ocB: usize,
                    kh: i32, kw: i32, bias: usize, act: i32, actAlpha: f32, out: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let pb = pb0;
  for (let ky = 0; ky < kh; ky++) {
    const line = pa0 + <usize>ky * dhB;
    for (let kx = 0; kx < kw; kx++) {
      let pa = line + <usize>kx * dwB;
      const end = pa + pixB;
      while (pa < end) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        let a = v128.load32_splat(pa);
        c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
        a = v128.load32_splat(pa + stepB);
        c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
        a = v128.load32_splat(pa + 2 * stepB);
        c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
        a = v128.load32_splat(pa + 3 * stepB);
        c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
        pa += 4; pb += ocB;
      }
    }
  }
  if (bias) {
    const b0 = v128.load(bias), b1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1); c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
    c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1); c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
  }
  if (act == ACT_RELU) {
    // relu inline, as act_v computes it (max with 0), without the dispatch on the kind
    const z = f32x4.splat(0);
    c00 = f32x4.max(c00, z); c01 = f32x4.max(c01, z); c10 = f32x4.max(c10, z); c11 = f32x4.max(c11, z);
    c20 = f32x4.max(c20, z); c21 = f32x4.max(c21, z); c30 = f32x4.max(c30, z); c31 = f32x4.max(c31, z);
  } else if (act != ACT_LINEAR) {
    c00 = act_v(act, c00, actAlpha); c01 = act_v(act, c01, actAlpha); c10 = act_v(act, c10, actAlpha); c11 = act_v(act, c11, actAlpha);
    c20 = act_v(act, c20, actAlpha); c21 = act_v(act, c21, actAlpha); c30 = act_v(act, c30, actAlpha); c31 = act_v(act, c31, actAlpha);
  }
  v128.store(out, c00); v128.store(out, c01, 16);
  v128.store(out + ocB, c10); v128.store(out + ocB, c11, 16);
  v128.store(out + 2 * ocB, c20); v128.store(out + 2 * ocB, c21, 16);
  v128.store(out + 3 * ocB, c30); v128.store(out + 3 * ocB, c31, 16);
}

// One pixel x 8 filters, skipping the taps outside the input.
function directPixel(img: usize, iy0: i32, ix0: i32, h: i32, w: i32, rowB: usize, pixB: usize, kh: i32, kw: i32, dh: i32, dw: i32,
                     pb0: usize, tapB: usize, ocB: usize, bias: usize, act: i32, actAlpha: f32, out: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  for (let ky = 0; ky < kh; ky++) {
    const iy = iy0 + ky * dh;
    if (iy < 0 || iy >= h) continue;
    const line = img + <usize>iy * rowB;
    for (let kx = 0; kx < kw; kx++) {
      const ix = ix0 + kx * dw;
      if (ix < 0 || ix >= w) continue;
      let pa = line + <usize>ix * pixB;
      let pb = pb0 + <usize>(ky * kw + kx) * tapB;
      const end = pa + pixB;
      while (pa < end) {
        const a = v128.load32_splat(pa);
        c00 = f32x4.add(c00, f32x4.mul(a, v128.load(pb))); c01 = f32x4.add(c01, f32x4.mul(a, v128.load(pb, 16)));
        pa += 4; pb += ocB;
      }
    }
  }
  if (bias) { c00 = f32x4.add(c00, v128.load(bias)); c01 = f32x4.add(c01, v128.load(bias, 16)); }
  if (act != ACT_LINEAR) { c00 = act_v(act, c00, actAlpha); c01 = act_v(act, c01, actAlpha); }
  v128.store(out, c00); v128.store(out, c01, 16);
}

function directForward(x: usize, wt: usize, bias: usize, y: usize, n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                       sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32, act: i32, actAlpha: f32): void {
  const imgB = <usize>(h * w * c) << 2, rowB = <usize>(w * c) << 2, pixB = <usize>c << 2, ocB = <usize>oc << 2;
  const stepB = <usize>sw * pixB, dwB = <usize>dw * pixB, dhB = <usize>dh * rowB;
  const tapB = <usize>(c * oc) << 2; // filter bytes per tap
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * imgB;
    for (let oy = 0; oy < oh; oy++) {
      const yrow = y + <usize>((b * oh + oy) * ow) * ocB;
      const iy0 = oy * sh - pt;
      const rowsInside = iy0 >= 0 && iy0 + (kh - 1) * dh < h;
      let ox = 0;
      while (ox < ow) {
        const ix0 = ox * sw - pl;
        // 4 pixels at once when all their taps are inside the input
        const quad = rowsInside && ox + 4 <= ow && ix0 >= 0 && ix0 + 3 * sw + (kw - 1) * dw < w;
        const out = yrow + <usize>ox * ocB;
        if (quad) {
          const pa0 = img + <usize>iy0 * rowB + <usize>ix0 * pixB;
          for (let o = 0; o < oc; o += 8) {
            const oB = <usize>o << 2;
            directQuad(pa0, rowB, dhB, dwB, pixB, stepB, wt + oB, ocB, kh, kw, bias ? bias + oB : 0, act, actAlpha, out + oB);
          }
          ox += 4;
        } else {
          for (let o = 0; o < oc; o += 8) {
            const oB = <usize>o << 2;
            directPixel(img, iy0, ix0, h, w, rowB, pixB, kh, kw, dh, dw, wt + oB, tapB, ocB, bias ? bias + oB : 0, act, actAlpha, out + oB);
          }
          ox++;
        }
      }
    }
  }
}

// Direct filter gradient for thin filters (the same filters as the direct forward: at most 32 taps,
// oc % 8 == 0). With K = 9 taps im2col + gemm spends its time on the col copies and on a gemm
// whose output is only K x oc (the 1-channel first layer ran at ~14 GFLOP/s against ~45 for the
// gemm on the second layer). Here each output row (n, oy) is one block: for each tap and each
// 16 (or 8) filters, the row's pixels are summed in registers (the input value splat against the
// row of dy, which stays in L1 across the taps), then added to dW. Taps in the padding are skipped
// (the pixel range of each tap is clipped to the input). The order of the sums is fixed (rows in
// order, pixels in order within a row), so the result does not depend on the chunking; it is not
// the im2col + gemm order, so the two paths agree to float rounding, not to the bit.
function directFilterGrad(x: usize, dy: usize, dwt: usize, n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                          sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32): void {
  const K = kh * kw * c;
  memory.fill(dwt, 0, <usize>(K * oc) << 2);
  const imgB = <usize>(h * w * c) << 2, rowB = <usize>(w * c) << 2, pixB = <usize>c << 2, ocB = <usize>oc << 2;
  const stepB = <usize>sw * pixB;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * imgB;
    for (let oy = 0; oy < oh; oy++) {
      const dyRow = dy + <usize>((b * oh + oy) * ow) * ocB;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - pt + ky * dh;
        if (iy < 0 || iy >= h) continue;
        const line = img + <usize>iy * rowB;
        for (let kx = 0; kx < kw; kx++) {
          // pixels ox whose column ix = ox * sw + kx * dw - pl lies in [0, w)
          const off = kx * dw - pl;
          let lo = 0;
          if (off < 0) lo = (-off + sw - 1) / sw;
          let hi = ow;
          if (w - 1 - off < 0) hi = 0;
          else if ((ow - 1) * sw + off >= w) hi = (w - 1 - off) / sw + 1;
          if (hi <= lo) continue;
          for (let ci = 0; ci < c; ci++) {
            const t = (ky * kw + kx) * c + ci;
            const pa0 = line + <usize>(lo * sw + off) * pixB + (<usize>ci << 2);
            const pd0 = dyRow + <usize>lo * ocB;
            const out = dwt + <usize>t * ocB;
            let o = 0;
            for (; o + 16 <= oc; o += 16) {
              const oB = <usize>o << 2;
              let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
              let pa = pa0, pd = pd0 + oB;
              for (let ox = lo; ox < hi; ox++) {
                const a = v128.load32_splat(pa);
                s0 = f32x4.add(s0, f32x4.mul(a, v128.load(pd)));
                s1 = f32x4.add(s1, f32x4.mul(a, v128.load(pd, 16)));
                s2 = f32x4.add(s2, f32x4.mul(a, v128.load(pd, 32)));
                s3 = f32x4.add(s3, f32x4.mul(a, v128.load(pd, 48)));
                pa += stepB; pd += ocB;
              }
              const q = out + oB;
              v128.store(q, f32x4.add(v128.load(q), s0)); v128.store(q, f32x4.add(v128.load(q, 16), s1), 16);
              v128.store(q, f32x4.add(v128.load(q, 32), s2), 32); v128.store(q, f32x4.add(v128.load(q, 48), s3), 48);
            }
            if (o < oc) { // oc % 16 == 8: the last 8 filters
              const oB = <usize>o << 2;
              let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
              let pa = pa0, pd = pd0 + oB;
              for (let ox = lo; ox < hi; ox++) {
                const a = v128.load32_splat(pa);
                s0 = f32x4.add(s0, f32x4.mul(a, v128.load(pd)));
                s1 = f32x4.add(s1, f32x4.mul(a, v128.load(pd, 16)));
                pa += stepB; pd += ocB;
              }
              const q = out + oB;
              v128.store(q, f32x4.add(v128.load(q), s0)); v128.store(q, f32x4.add(v128.load(q, 16), s1), 16);
            }
          }
        }
      }
    }
  }
}

// A 1x1 filter with stride 1 and no padding: x is already the col matrix.
// @ts-ignore: decorator
@inline function isPointwise(h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, oh: i32, ow: i32): bool {
  return kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == w;
}

/**
 * y = act(conv2d(x, w) + bias): x is n x h x w x c, w is kh x kw x c x oc, y is n x oh x ow x oc.
 * bias is 0 for none. col holds colRows x (kh*kw*c) floats (colRows >= 1), or more for Winograd
 * (winogradTiles in f32_conv2d_winograd.ts); ws is a gemm workspace. fast is a mask: FAST_DIRECT lets thin filters
 * (kh*kw*c <= 32, oc % 8 == 0) skip im2col (same bits), FAST_WINOGRAD lets 3x3 stride-1 filters
 * run by Winograd (within float rounding); 0 forces im2col + gemm (for the tests and the benchmark).
 */
export function f32_conv2d_forward(x: usize, wt: usize, bias: usize, y: usize,
                                   n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                   sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
                                   act: i32, actAlpha: f32, col: usize, colRows: i32, ws: usize, fast: i32): void {
  const M = n * oh * ow, K = kh * kw * c;
  if (M == 0) return;
  if (isPointwise(h, w, kh, kw, sh, sw, pt, pl, oh, ow)) {
    f32_gemm(0, 0, M, oc, K, 1, x, K, wt, oc, 0, y, oc, bias, act, actAlpha, ws);
    return;
  }
  if ((fast & FAST_WINOGRAD) != 0 && winogradApplies(c, oc, kh, kw, sh, sw, dh, dw)) {
    winogradForward(x, wt, bias, y, n, h, w, c, oc, pt, pl, oh, ow, act, actAlpha, col, colRows, ws);
    return;
  }
  if ((fast & FAST_DIRECT) != 0 && useDirect(c, oc, kh, kw)) {
    directForward(x, wt, bias, y, n, h, w, c, oc, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, act, actAlpha);
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
 * pre-activation output). dx (n x h x w x c) is overwritten. fast: FAST_WINOGRAD as in the forward.
 */
export function f32_conv2d_backward_input(dy: usize, wt: usize, dx: usize,
                                          n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                          sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
                                          col: usize, colRows: i32, ws: usize, fast: i32): void {
  const M = n * oh * ow, K = kh * kw * c;
  if (n == 0) return;
  if (isPointwise(h, w, kh, kw, sh, sw, pt, pl, oh, ow)) {
    f32_gemm(0, 1, M, K, oc, 1, dy, oc, wt, oc, 0, dx, K, 0, ACT_LINEAR, 0, ws);
    return;
  }
  if ((fast & FAST_WINOGRAD) != 0 && winogradApplies(c, oc, kh, kw, sh, sw, dh, dw)) {
    winogradBackwardInput(dy, wt, dx, n, h, w, c, oc, pt, pl, oh, ow, col, colRows, ws);
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
 * dbias = the column sums of dy (oc floats, overwritten). n = 0 writes zeros. fast as in the
 * forward: FAST_DIRECT lets thin filters sum directly, FAST_WINOGRAD lets 3x3 stride-1 filters go by
 * Winograd (both within float rounding of im2col + gemm); 0 forces im2col + gemm.
 */
export function f32_conv2d_backward_filter(x: usize, dy: usize, dwt: usize, dbias: usize,
                                           n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                           sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
                                           col: usize, colRows: i32, ws: usize, fast: i32): void {
  const M = n * oh * ow, K = kh * kw * c;
  if (dbias) f32_col_sum(dy, M, oc, dbias, 0);
  if (M == 0) { memory.fill(dwt, 0, <usize>(K * oc) << 2); return; }
  if (isPointwise(h, w, kh, kw, sh, sw, pt, pl, oh, ow)) {
    f32_gemm(1, 0, K, oc, M, 1, x, K, dy, oc, 0, dwt, oc, 0, ACT_LINEAR, 0, ws);
    return;
  }
  if ((fast & FAST_WINOGRAD) != 0 && winogradApplies(c, oc, kh, kw, sh, sw, dh, dw)) {
    winogradBackwardFilter(x, dy, dwt, n, h, w, c, oc, pt, pl, oh, ow, col, colRows, ws);
    return;
  }
  if ((fast & FAST_DIRECT) != 0 && useDirect(c, oc, kh, kw)) {
    directFilterGrad(x, dy, dwt, n, h, w, c, oc, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow);
    return;
  }
  for (let r0 = 0; r0 < M; r0 += colRows) {
    const rows = min(colRows, M - r0);
    im2col(x, col, r0, rows, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow);
    f32_gemm(1, 0, K, oc, rows, 1, col, K, dy + (<usize>r0 * <usize>oc << 2), oc, r0 == 0 ? 0 : 1, dwt, oc, 0, ACT_LINEAR, 0, ws);
  }
}
