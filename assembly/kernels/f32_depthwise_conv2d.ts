// Depthwise 2-D convolution over NHWC batches: each input channel is convolved with its own
// depthMultiplier filters, with the filter in Keras / tfjs layout [kh, kw, c, dm]:
//
//   y[n, oy, ox, ci*dm + m] = act(bias[ci*dm + m] + sum_{ky, kx} x[n, iy, ix, ci] * w[ky, kx, ci, m])
//   iy = oy*sh + ky*dh - pt, ix = ox*sw + kx*dw - pl (taps in the padding read 0)
//
// Flattened, w[ky, kx, ci, m] sits at (ky*kw + kx)*oc + o with o = ci*dm + m, the output channel:
// so for each tap, the filter row lines up with the output row and the kernels vectorize over
// output channels (4 at a time). With dm = 1 the input row lines up too; with dm > 1 the input
// value of lane o is x[..., o / dm], gathered lane by lane.
//
// Direct convolution, not im2col: there is no reduction over channels, so a gemm would have a
// depth of kh*kw (9) and one column per channel group, all packing and no arithmetic.
// Every output element sums its taps in the same (ky, kx) order on every path, so the result of
// a pixel does not depend on the batch split.
import { act_v, ACT_LINEAR } from './f32_activation';
import { f32_col_sum } from './f32_elementwise';
import { load_partial, store_partial } from './f32x4_util';

// The 4 input values feeding output channels o .. o+3 (o+l < oc) of one pixel, for dm > 1.
// @ts-ignore: decorator
@inline function gatherX(px: usize, o: i32, k: i32, dm: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(px + (<usize>(o / dm) << 2)));
  if (k > 1) v = f32x4.replace_lane(v, 1, load<f32>(px + (<usize>((o + 1) / dm) << 2)));
  if (k > 2) v = f32x4.replace_lane(v, 2, load<f32>(px + (<usize>((o + 2) / dm) << 2)));
  if (k > 3) v = f32x4.replace_lane(v, 3, load<f32>(px + (<usize>((o + 3) / dm) << 2)));
  return v;
}

/**
 * y = act(depthwiseConv2d(x, w) + bias): x is n x h x w x c, w is kh x kw x c x dm, y is
 * n x oh x ow x (c*dm). bias is 0 for none.
 */
export function f32_depthwise_conv2d_forward(x: usize, wt: usize, bias: usize, y: usize,
                                             n: i32, h: i32, w: i32, c: i32, dm: i32, kh: i32, kw: i32,
                                             sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
                                             act: i32, actAlpha: f32): void {
  const oc = c * dm;
  const imgB = <usize>(h * w * c) << 2, rowB = <usize>(w * c) << 2, pixB = <usize>c << 2;
  const ocB = <usize>oc << 2;
  let yp = y;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * imgB;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const iy0 = oy * sh - pt, ix0 = ox * sw - pl;
        for (let o = 0; o < oc; o += 4) {
          const k = min(4, oc - o);
          const oB = <usize>o << 2;
          let acc = bias ? load_partial(bias + oB, k) : f32x4.splat(0);
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            const line = img + <usize>iy * rowB;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              if (ix < 0 || ix >= w) continue;
              const px = line + <usize>ix * pixB;
              const xv = dm == 1 ? load_partial(px + oB, k) : gatherX(px, o, k, dm);
              const wv = load_partial(wt + <usize>(ky * kw + kx) * ocB + oB, k);
              acc = f32x4.add(acc, f32x4.mul(xv, wv));
            }
          }
          if (act != ACT_LINEAR) acc = act_v(act, acc, actAlpha);
          store_partial(yp + oB, acc, k);
        }
        yp += ocB;
      }
    }
  }
}

/**
 * dx = the gradient w.r.t. the input (n x h x w x c, overwritten), given dy (n x oh x ow x c*dm,
 * the gradient w.r.t. the pre-activation output).
 */
export function f32_depthwise_conv2d_backward_input(dy: usize, wt: usize, dx: usize,
                                                    n: i32, h: i32, w: i32, c: i32, dm: i32, kh: i32, kw: i32,
                                                    sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32): void {
  const oc = c * dm;
  const imgB = <usize>(h * w * c) << 2, rowB = <usize>(w * c) << 2, pixB = <usize>c << 2;
  const ocB = <usize>oc << 2;
  memory.fill(dx, 0, <usize>n * imgB);
  let dyp = dy;
  for (let b = 0; b < n; b++) {
    const img = dx + <usize>b * imgB;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const iy0 = oy * sh - pt, ix0 = ox * sw - pl;
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh;
          if (iy < 0 || iy >= h) continue;
          const line = img + <usize>iy * rowB;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const px = line + <usize>ix * pixB;
            const wrow = wt + <usize>(ky * kw + kx) * ocB;
            if (dm == 1) {
              for (let o = 0; o < oc; o += 4) {
                const k = min(4, oc - o);
                const oB = <usize>o << 2;
                const g = f32x4.mul(load_partial(dyp + oB, k), load_partial(wrow + oB, k));
                store_partial(px + oB, f32x4.add(load_partial(px + oB, k), g), k);
              }
            } else {
              for (let ci = 0; ci < c; ci++) {
                let s: f32 = 0;
                for (let m = 0; m < dm; m++) {
                  const oB = <usize>(ci * dm + m) << 2;
                  s += load<f32>(dyp + oB) * load<f32>(wrow + oB);
                }
                const p = px + (<usize>ci << 2);
                store<f32>(p, load<f32>(p) + s);
              }
            }
          }
        }
        dyp += ocB;
      }
    }
  }
}

/**
 * dW = the gradient w.r.t. the filter (kh x kw x c x dm, overwritten) and, when dbias is not 0,
 * dbias = the column sums of dy (c*dm floats, overwritten). n = 0 writes zeros.
 */
export function f32_depthwise_conv2d_backward_filter(x: usize, dy: usize, dwt: usize, dbias: usize,
                                                     n: i32, h: i32, w: i32, c: i32, dm: i32, kh: i32, kw: i32,
                                                     sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32): void {
  const oc = c * dm;
  const imgB = <usize>(h * w * c) << 2, rowB = <usize>(w * c) << 2, pixB = <usize>c << 2;
  const ocB = <usize>oc << 2;
  if (dbias) f32_col_sum(dy, n * oh * ow, oc, dbias, 0);
  memory.fill(dwt, 0, <usize>(kh * kw) * ocB);
  let dyp = dy;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * imgB;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const iy0 = oy * sh - pt, ix0 = ox * sw - pl;
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh;
          if (iy < 0 || iy >= h) continue;
          const line = img + <usize>iy * rowB;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const px = line + <usize>ix * pixB;
            const grow = dwt + <usize>(ky * kw + kx) * ocB;
            for (let o = 0; o < oc; o += 4) {
              const k = min(4, oc - o);
              const oB = <usize>o << 2;
              const xv = dm == 1 ? load_partial(px + oB, k) : gatherX(px, o, k, dm);
              const g = f32x4.mul(xv, load_partial(dyp + oB, k));
              store_partial(grow + oB, f32x4.add(load_partial(grow + oB, k), g), k);
            }
          }
        }
        dyp += ocB;
      }
    }
  }
}
