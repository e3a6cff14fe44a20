// 2-D max and average pooling of NHWC batches (rows x h x w x c, channels last), forward and
// backward. Global pooling is the same kernels with one window covering the whole image.
//
// Geometry (computed by the wrapper, src/engine/kernels/f32_pool2d.ts): output pixel (oy, ox)
// covers input rows oy * sy - padTop .. + ph - 1 and columns ox * sx - padLeft .. + pw - 1,
// clipped to the image. Padding cells are never read: max pooling ignores them and average
// pooling divides by the number of cells inside the image (TensorFlow's 'same' rule, which is
// PyTorch's count_include_pad = False). The wrapper guarantees every window holds at least
// one input cell.
//
// Every loop runs over the channels 4 lanes at a time (the last c % 4 through the same vector
// code, f32x4_util.ts): channels are contiguous in NHWC, so a window's cells are 4-lane loads.
//
// Max pooling records, for each output element, the offset within its example of the input
// element that won (its argmax); the backward pass adds dy there. A NaN wins over any number
// (a diverging activation is never hidden by the max, as in PyTorch), ties go to the first cell
// in row-major window order. Gradients are accumulated over outputs in a fixed order, so
// overlapping windows give the same bits on every run.
import { load_partial, store_partial } from './f32x4_util';

/**
 * y = max over each window of x; argmax (when non-zero) receives the winner's offset within its
 * example ((iy * w + ix) * c + channel) as int32.
 */
export function f32_maxpool2d_forward(x: usize, y: usize, argmax: usize, rows: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
                                      ph: i32, pw: i32, sy: i32, sx: i32, padTop: i32, padLeft: i32): void {
  if (ph == 2 && pw == 2 && sy == 2 && sx == 2 && padTop == 0 && padLeft == 0 && (c & 3) == 0 && argmax != 0
      && 2 * oh <= h && 2 * ow <= w) {
    maxpool2x2(x, y, argmax, rows, h, w, c, oh, ow);
    return;
  }
  const inB = <usize>h * <usize>w * <usize>c << 2, outB = <usize>oh * <usize>ow * <usize>c << 2;
  const ninf = f32x4.splat(-Infinity), lanes = i32x4(0, 1, 2, 3);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * inB, yr = y + <usize>r * outB, ar = argmax ? argmax + <usize>r * outB : 0;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sy - padTop, ys = max(y0, 0), ye = min(y0 + ph, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sx - padLeft, xs = max(x0, 0), xe = min(x0 + pw, w);
        const ob = <usize>((oy * ow + ox) * c) << 2;
        for (let j = 0; j < c; j += 4) {
          const k = c - j;
          // start at the first cell, so a window of -Infinity still routes its gradient there
          let best = ninf, at = i32x4.add(i32x4.splat((ys * w + xs) * c + j), lanes);
          for (let iy = ys; iy < ye; iy++) {
            for (let ix = xs; ix < xe; ix++) {
              const off = (iy * w + ix) * c + j;
              const v = load_partial(xr + (<usize>off << 2), k);
              const m = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
              best = v128.bitselect(v, best, m);
              at = v128.bitselect(i32x4.add(i32x4.splat(off), lanes), at, m);
            }
          }
          store_partial(yr + ob + (<usize>j << 2), best, k);
          if (ar) store_partial(ar + ob + (<usize>j << 2), at, k);
        }
      }
    }
  }
}

// Keras' default max pooling (2x2 windows, stride 2, every window inside the image) over whole
// 4-channel groups, in training (argmax wanted): the general loop above spends most of its time on
// the window bounds, the partial loads and the argmax offsets of each cell, which here are four
// fixed pointers and four offset vectors stepped by 4 per channel group. The same comparisons in
// the same order (row-major cells; the first cell taken as it is, which is what the general loop's
// first comparison against -Infinity gives: a NaN or any number wins it, and -Infinity keeps it
// with its offset), so the same bits. Measured on 128 x 26x26x32 (the first pooling of the simple
// MNIST convnet), one thread, A/B in one run: see the commit message.
function maxpool2x2(x: usize, y: usize, argmax: usize, rows: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32): void {
  const inB = <usize>h * <usize>w * <usize>c << 2, outB = <usize>oh * <usize>ow * <usize>c << 2;
  const cB = <usize>c << 2, rowB = <usize>w * cB;
  const lanes = i32x4(0, 1, 2, 3), four = i32x4.splat(4);
  const dRight = i32x4.splat(c), dDown = i32x4.splat(w * c), dBoth = i32x4.splat(w * c + c);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * inB;
    let yo = y + <usize>r * outB, ao = argmax + <usize>r * outB;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const p0 = xr + <usize>(2 * oy) * rowB + <usize>(2 * ox) * cB;
        let a0 = i32x4.add(i32x4.splat((2 * oy * w + 2 * ox) * c), lanes);
        for (let j: usize = 0; j < cB; j += 16) {
          const p = p0 + j;
          const v0 = v128.load(p), v1 = v128.load(p + cB), v2 = v128.load(p + rowB), v3 = v128.load(p + rowB + cB);
          let best = v0, at = a0;
          let m = v128.or(f32x4.gt(v1, best), f32x4.ne(v1, v1));
          best = v128.bitselect(v1, best, m); at = v128.bitselect(i32x4.add(a0, dRight), at, m);
          m = v128.or(f32x4.gt(v2, best), f32x4.ne(v2, v2));
          best = v128.bitselect(v2, best, m); at = v128.bitselect(i32x4.add(a0, dDown), at, m);
          m = v128.or(f32x4.gt(v3, best), f32x4.ne(v3, v3));
          best = v128.bitselect(v3, best, m); at = v128.bitselect(i32x4.add(a0, dBoth), at, m);
          v128.store(yo + j, best);
          v128.store(ao + j, at);
          a0 = i32x4.add(a0, four);
        }
        yo += cB; ao += cB;
      }
    }
  }
}

/** dx = 0, then dx[argmax] += dy for every output element (argmax from f32_maxpool2d_forward). */
export function f32_maxpool2d_backward(dy: usize, argmax: usize, dx: usize, rows: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32): void {
  const inN = h * w * c, outN = oh * ow * c;
  memory.fill(dx, 0, <usize>rows * <usize>inN << 2);
  for (let r = 0; r < rows; r++) {
    const dxr = dx + (<usize>r * <usize>inN << 2), base = <usize>r * <usize>outN << 2;
    // a scatter: wasm SIMD has no vector scatter, and one add per output element is cheap next
    // to the convolutions around a pooling layer
    for (let i = 0; i < outN; i++) {
      const o = base + (<usize>i << 2);
      const p = dxr + (<usize>load<i32>(argmax + o) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + o));
    }
  }
}

/** y = mean over each window of x, over the cells inside the image. */
export function f32_avgpool2d_forward(x: usize, y: usize, rows: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
                                      ph: i32, pw: i32, sy: i32, sx: i32, padTop: i32, padLeft: i32): void {
  const inB = <usize>h * <usize>w * <usize>c << 2, outB = <usize>oh * <usize>ow * <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * inB, yr = y + <usize>r * outB;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sy - padTop, ys = max(y0, 0), ye = min(y0 + ph, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sx - padLeft, xs = max(x0, 0), xe = min(x0 + pw, w);
        const count = f32x4.splat(<f32>((ye - ys) * (xe - xs)));
        const ob = <usize>((oy * ow + ox) * c) << 2;
        for (let j = 0; j < c; j += 4) {
          const k = c - j;
          let sum = f32x4.splat(0);
          for (let iy = ys; iy < ye; iy++) {
            for (let ix = xs; ix < xe; ix++) {
              sum = f32x4.add(sum, load_partial(xr + (<usize>((iy * w + ix) * c + j) << 2), k));
            }
          }
          // a division, not a product with 1 / count: one rounding, as TensorFlow and PyTorch
          store_partial(yr + ob + (<usize>j << 2), f32x4.div(sum, count), k);
        }
      }
    }
  }
}

/** dx = 0, then every cell of each window gets dy / (the window's count of cells inside the image). */
export function f32_avgpool2d_backward(dy: usize, dx: usize, rows: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
                                       ph: i32, pw: i32, sy: i32, sx: i32, padTop: i32, padLeft: i32): void {
  const inB = <usize>h * <usize>w * <usize>c << 2, outB = <usize>oh * <usize>ow * <usize>c << 2;
  memory.fill(dx, 0, <usize>rows * inB);
  for (let r = 0; r < rows; r++) {
    const dxr = dx + <usize>r * inB, dyr = dy + <usize>r * outB;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sy - padTop, ys = max(y0, 0), ye = min(y0 + ph, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sx - padLeft, xs = max(x0, 0), xe = min(x0 + pw, w);
        const count = f32x4.splat(<f32>((ye - ys) * (xe - xs)));
        const ob = <usize>((oy * ow + ox) * c) << 2;
        for (let j = 0; j < c; j += 4) {
          const k = c - j;
          const g = f32x4.div(load_partial(dyr + ob + (<usize>j << 2), k), count);
          for (let iy = ys; iy < ye; iy++) {
            for (let ix = xs; ix < xe; ix++) {
              const p = dxr + (<usize>((iy * w + ix) * c + j) << 2);
              store_partial(p, f32x4.add(load_partial(p, k), g), k);
            }
          }
        }
      }
    }
  }
}
