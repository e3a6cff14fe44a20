// Winograd's minimal filtering F(2x2, 3x3) for 3x3 convolutions with stride 1 and no dilation
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): a 2x2 block of
// outputs takes 16 products per (input channel, filter) instead of im2col's 36, so the gemm work of
// all three passes of training falls by 2.25x, for some additions in the transforms.
//
// Each 2x2 output tile reads a 4x4 input tile d (rows 2ty - pt .. +3, columns 2tx - pl .. +3; taps
// outside the input read 0). With the transforms
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   (input: V = B^T d B, 4x4)
//   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] (filter: U = G g G^T, 4x4)
//   A^T = [1 1 1 0; 0 1 -1 -1]                        (output: y = A^T m A, 2x2)
// the 16 positions xi of the 4x4 transforms are 16 independent products over the channels:
//   M_xi[tile][o] = sum_c V_xi[tile][c] * U_xi[c][o]
// which are 16 calls of the packed gemm (rows = tiles, depth = input channels), then y = A^T M A.
//
// The passes of training are the same machinery:
//   forward          y = winograd(x, U(w)), with the bias and the activation on the output tiles
//   input gradient   dx = winograd(dy, U(w flipped, channels swapped)) with padding 2 - pt: the
//                    input gradient of a stride-1 convolution is a convolution of dy
//   filter gradient  y = A^T (sum_c U_c (.) V_c) A is linear in U, so dU_xi[c][o] = sum_tiles
//                    V_xi[tile][c] * Z_xi[tile][o] with Z = A dy A^T (dy zero past the output), 16
//                    gemms with the tiles as the depth, then dw = G^T dU G.
// In exact arithmetic each pass equals the direct convolution; in float32 the transforms add a few
// roundings (the kernel tests hold the results to im2col + gemm's tolerances against a float64
// reference and PyTorch).
//
// Layout: the transformed tiles of a chunk are stored tile-major ([tile][xi][channel]), so the
// transforms read and write one contiguous block per tile, and the gemm reads V_xi and writes M_xi
// with leading dimensions 16 * channels. Chunks of `tiles` tiles keep V and M in the cache between
// the transforms and the gemms. Vector code runs over 4 channels at a time: both channel counts
// must be multiples of 4. Tiles that reach past the input are copied with zeros first.
//
// Rows of the output do not depend on the chunking (tiles belong to one example, and the gemm's row
// results do not depend on which rows share a call), so the forward and input gradient give the same
// bits for every shard split; the filter gradient sums tiles in chunk order.
import { f32_gemm } from './f32_gemm';
import { act_v, ACT_LINEAR, ACT_RELU } from './f32_activation';

// Byte offset of tile position xi = 4 * i + j in a tile's block of 16 x channels (chB bytes per position).
// @ts-ignore: decorator
@inline function xiOff(xi: i32, chB: usize): usize {
  return <usize>xi * chB;
}

/**
 * Filter transform U_xi[r][s] = (G g G^T)_xi, where g is the 3x3 filter of (input channel, output
 * channel) of w (kh x kw x c x oc, Keras layout). forward: r = c, s = oc (U is 16 x c x oc). Not
 * forward (the input gradient): r = oc, s = c, and g is flipped in both axes (U is 16 x oc x c).
 */
function filterTransform(wt: usize, u: usize, c: i32, oc: i32, forward: bool): void {
  const R = forward ? c : oc,
    S = forward ? oc : c;
  const plane = <usize>(R * S) << 2;
  const tapB = <usize>(c * oc) << 2;
  for (let r = 0; r < R; r++) {
    for (let s = 0; s < S; s++) {
      const ci = forward ? r : s,
        o = forward ? s : r;
      // tap (ky, kx) of w for this pair; the input gradient reads tap (2 - ky, 2 - kx)
      const p = wt + ((<usize>ci * <usize>oc + <usize>o) << 2);
      let g00 = load<f32>(p), g01 = load<f32>(p + tapB), g02 = load<f32>(p + 2 * tapB);
      let g10 = load<f32>(p + 3 * tapB), g11 = load<f32>(p + 4 * tapB), g12 = load<f32>(p + 5 * tapB);
      let g20 = load<f32>(p + 6 * tapB), g21 = load<f32>(p + 7 * tapB), g22 = load<f32>(p + 8 * tapB);
      if (!forward) {
        let q = g00; g00 = g22; g22 = q;
        q = g01; g01 = g21; g21 = q;
        q = g02; g02 = g20; g20 = q;
        q = g10; g10 = g12; g12 = q;
      }
      const at = u + (<usize>(r * S + s) << 2);
      filterRow(at, plane, 0, g00, g01, g02);
      filterRow(at, plane, 1, <f32>0.5 * (g00 + g10 + g20), <f32>0.5 * (g01 + g11 + g21), <f32>0.5 * (g02 + g12 + g22));
      filterRow(at, plane, 2, <f32>0.5 * (g00 - g10 + g20), <f32>0.5 * (g01 - g11 + g21), <f32>0.5 * (g02 - g12 + g22));
      filterRow(at, plane, 3, g20, g21, g22);
    }
  }
}

// Row i of U = t G^T from row i of t = G g.
// @ts-ignore: decorator
@inline function filterRow(at: usize, plane: usize, i: i32, t0: f32, t1: f32, t2: f32): void {
  store<f32>(at + <usize>(i * 4) * plane, t0);
  store<f32>(at + <usize>(i * 4 + 1) * plane, <f32>0.5 * (t0 + t1 + t2));
  store<f32>(at + <usize>(i * 4 + 2) * plane, <f32>0.5 * (t0 - t1 + t2));
  store<f32>(at + <usize>(i * 4 + 3) * plane, t2);
}

// The tile row of tile number `tile` (tiles run over image, tile row, tile column; th x tw per image).
// @ts-ignore: decorator
@inline function tileRow(tile: i32, th: i32, tw: i32): i32 {
  return (tile % (th * tw)) / tw;
}

// One transformed row i of a tile: V_i = (B^T d)_i B for the 4 channels at k, where the row
// (B^T d)_i = da - db, or da + db when plus, from input rows a and b (column stride colB).
// @ts-ignore: decorator
@inline function inputRow(ra: usize, rb: usize, colB: usize, plus: bool, o: usize, chB: usize): void {
  const a0 = v128.load(ra), a1 = v128.load(ra + colB), a2 = v128.load(ra + 2 * colB), a3 = v128.load(ra + 3 * colB);
  const b0 = v128.load(rb), b1 = v128.load(rb + colB), b2 = v128.load(rb + 2 * colB), b3 = v128.load(rb + 3 * colB);
  const r0 = plus ? f32x4.add(a0, b0) : f32x4.sub(a0, b0), r1 = plus ? f32x4.add(a1, b1) : f32x4.sub(a1, b1);
  const r2 = plus ? f32x4.add(a2, b2) : f32x4.sub(a2, b2), r3 = plus ? f32x4.add(a3, b3) : f32x4.sub(a3, b3);
  v128.store(o, f32x4.sub(r0, r2));
  v128.store(o + chB, f32x4.add(r1, r2));
  v128.store(o + 2 * chB, f32x4.sub(r2, r1));
  v128.store(o + 3 * chB, f32x4.sub(r1, r3));
}

/**
 * Input transform of tiles [t0, t0 + count): V[tile][xi][0..c) = (B^T d B)_xi, where d is the 4x4
 * input tile of image x (n x h x w x c). Tiles run over (image, tile row, tile column); th x tw
 * tiles per image. A tile that reaches past the input is first copied, with zeros for the taps
 * outside, into pad (16 x c floats), so the transform itself never branches.
 */
function inputTransform(x: usize, v: usize, t0: i32, count: i32, h: i32, w: i32, c: i32, th: i32, tw: i32,
                        pt: i32, pl: i32, pad: usize): void {
  const chB = <usize>c << 2;
  for (let t = 0; t < count; t++) {
    const tile = t0 + t, img = tile / (th * tw), ty = tileRow(tile, th, tw), tx = tile % tw;
    const iy0 = 2 * ty - pt,
      ix0 = 2 * tx - pl;
    const image = x + <usize>img * <usize>(h * w) * chB;
    let base: usize, rowB: usize;
    if (iy0 >= 0 && ix0 >= 0 && iy0 + 4 <= h && ix0 + 4 <= w) {
      base = image + <usize>(iy0 * w + ix0) * chB;
      rowB = <usize>w * chB;
    } else {
      for (let i = 0; i < 4; i++) {
        const iy = iy0 + i;
        for (let j = 0; j < 4; j++) {
          const ix = ix0 + j;
          const dst = pad + <usize>(i * 4 + j) * chB;
          if (iy >= 0 && iy < h && ix >= 0 && ix < w) copyF(dst, image + <usize>(iy * w + ix) * chB, chB);
          else memory.fill(dst, 0, chB);
        }
      }
      base = pad;
      rowB = 4 * chB;
    }
    const out = v + <usize>t * 16 * chB;
    for (let k: usize = 0; k < chB; k += 16) {
      const r0 = base + k,
        r1 = r0 + rowB,
        r2 = r1 + rowB,
        r3 = r2 + rowB;
      const o = out + k;
      inputRow(r0, r2, chB, false, o, chB);
      inputRow(r1, r2, chB, true, o + 4 * chB, chB);
      inputRow(r2, r1, chB, false, o + 8 * chB, chB);
      inputRow(r1, r3, chB, false, o + 12 * chB, chB);
    }
  }
}

// Copies bytes (a multiple of 16) from s to d.
// @ts-ignore: decorator
@inline function copyF(d: usize, s: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 16) v128.store(d + i, v128.load(s + i));
}

// One out-of-line copy of the activations other than relu (act_v inlined four times added 20 KB to
// each kernel file).
function actOne(kind: i32, x: v128, alpha: f32): v128 {
  return act_v(kind, x, alpha);
}

/**
 * Output transform of tiles [t0, t0 + count): y = act(A^T M A + bias) for the outputs of each tile
 * inside the oh x ow output (n x oh x ow x oc). bias is 0 for none.
 */
function outputTransform(m: usize, y: usize, t0: i32, count: i32, oh: i32, ow: i32, oc: i32, th: i32, tw: i32,
                         bias: usize, act: i32, actAlpha: f32): void {
  const chB = <usize>oc << 2;
  for (let t = 0; t < count; t++) {
    const tile = t0 + t, img = tile / (th * tw), ty = tileRow(tile, th, tw), tx = tile % tw;
    const oy = 2 * ty,
      ox = 2 * tx;
    const row1 = oy + 1 < oh,
      col1 = ox + 1 < ow;
    const y00 = y + (<usize>img * <usize>(oh * ow) + <usize>(oy * ow + ox)) * chB;
    const y10 = y00 + <usize>ow * chB;
    const src = m + <usize>t * 16 * chB;
    for (let k: usize = 0; k < chB; k += 16) {
      const s = src + k;
      // rows: A^T M (2 x 4), a column j of M at a time
      let m0 = v128.load(s), m1 = v128.load(s + xiOff(4, chB)), m2 = v128.load(s + xiOff(8, chB)), m3 = v128.load(s + xiOff(12, chB));
      const a0 = f32x4.add(f32x4.add(m0, m1), m2), b0 = f32x4.sub(f32x4.sub(m1, m2), m3);
      m0 = v128.load(s + xiOff(1, chB)); m1 = v128.load(s + xiOff(5, chB)); m2 = v128.load(s + xiOff(9, chB)); m3 = v128.load(s + xiOff(13, chB));
      const a1 = f32x4.add(f32x4.add(m0, m1), m2), b1 = f32x4.sub(f32x4.sub(m1, m2), m3);
      m0 = v128.load(s + xiOff(2, chB)); m1 = v128.load(s + xiOff(6, chB)); m2 = v128.load(s + xiOff(10, chB)); m3 = v128.load(s + xiOff(14, chB));
      const a2 = f32x4.add(f32x4.add(m0, m1), m2), b2 = f32x4.sub(f32x4.sub(m1, m2), m3);
      m0 = v128.load(s + xiOff(3, chB)); m1 = v128.load(s + xiOff(7, chB)); m2 = v128.load(s + xiOff(11, chB)); m3 = v128.load(s + xiOff(15, chB));
      const a3 = f32x4.add(f32x4.add(m0, m1), m2), b3 = f32x4.sub(f32x4.sub(m1, m2), m3);
      // columns: (A^T M) A (2 x 2)
      let v00 = f32x4.add(f32x4.add(a0, a1), a2), v01 = f32x4.sub(f32x4.sub(a1, a2), a3);
      let v10 = f32x4.add(f32x4.add(b0, b1), b2), v11 = f32x4.sub(f32x4.sub(b1, b2), b3);
      if (bias) {
        const bv = v128.load(bias + k);
        v00 = f32x4.add(v00, bv); v01 = f32x4.add(v01, bv); v10 = f32x4.add(v10, bv); v11 = f32x4.add(v11, bv);
      }
      if (act == ACT_RELU) {
        // as act_v's relu, inline: the common case
        const z = f32x4.splat(0);
        v00 = f32x4.max(v00, z); v01 = f32x4.max(v01, z); v10 = f32x4.max(v10, z); v11 = f32x4.max(v11, z);
      } else if (act != ACT_LINEAR) {
        v00 = actOne(act, v00, actAlpha); v01 = actOne(act, v01, actAlpha);
        v10 = actOne(act, v10, actAlpha); v11 = actOne(act, v11, actAlpha);
      }
      v128.store(y00 + k, v00);
      if (col1) v128.store(y00 + chB + k, v01);
      if (row1) {
        v128.store(y10 + k, v10);
        if (col1) v128.store(y10 + chB + k, v11);
      }
    }
  }
}

/**
 * Output-gradient transform of tiles [t0, t0 + count): Z[tile][xi][0..oc) = (A dy A^T)_xi, where
 * dy is the tile's 2x2 block of the output gradient (n x oh x ow x oc), 0 past the output.
 */
function gradTransform(dy: usize, z: usize, t0: i32, count: i32, oh: i32, ow: i32, oc: i32, th: i32, tw: i32, zero: usize): void {
  const chB = <usize>oc << 2;
  for (let t = 0; t < count; t++) {
    const tile = t0 + t, img = tile / (th * tw), ty = tileRow(tile, th, tw), tx = tile % tw;
    const oy = 2 * ty,
      ox = 2 * tx;
    const p00 = dy + (<usize>img * <usize>(oh * ow) + <usize>(oy * ow + ox)) * chB;
    const col1 = ox + 1 < ow,
      row1 = oy + 1 < oh;
    const p01 = col1 ? p00 + chB : zero;
    const p10 = row1 ? p00 + <usize>ow * chB : zero;
    const p11 = row1 && col1 ? p00 + <usize>(ow + 1) * chB : zero;
    const out = z + <usize>t * 16 * chB;
    for (let k: usize = 0; k < chB; k += 16) {
      const e00 = v128.load(p00 + k), e01 = v128.load(p01 + k), e10 = v128.load(p10 + k), e11 = v128.load(p11 + k);
      // rows: A e (4 x 2), A = [1 0; 1 1; 1 -1; 0 -1]
      const s0 = f32x4.add(e00, e10), s1 = f32x4.add(e01, e11);
      const d0 = f32x4.sub(e00, e10), d1 = f32x4.sub(e01, e11);
      const n0 = f32x4.neg(e10), n1 = f32x4.neg(e11);
      // columns: (A e) A^T (4 x 4)
      const o = out + k;
      v128.store(o + xiOff(0, chB), e00); v128.store(o + xiOff(1, chB), f32x4.add(e00, e01));
      v128.store(o + xiOff(2, chB), f32x4.sub(e00, e01)); v128.store(o + xiOff(3, chB), f32x4.neg(e01));
      v128.store(o + xiOff(4, chB), s0); v128.store(o + xiOff(5, chB), f32x4.add(s0, s1));
      v128.store(o + xiOff(6, chB), f32x4.sub(s0, s1)); v128.store(o + xiOff(7, chB), f32x4.neg(s1));
      v128.store(o + xiOff(8, chB), d0); v128.store(o + xiOff(9, chB), f32x4.add(d0, d1));
      v128.store(o + xiOff(10, chB), f32x4.sub(d0, d1)); v128.store(o + xiOff(11, chB), f32x4.neg(d1));
      v128.store(o + xiOff(12, chB), n0); v128.store(o + xiOff(13, chB), f32x4.add(n0, n1));
      v128.store(o + xiOff(14, chB), f32x4.sub(n0, n1)); v128.store(o + xiOff(15, chB), f32x4.neg(n1));
    }
  }
}

/**
 * Tiles per chunk for a col buffer of colRows rows. The col buffer (sized by conv2dColFloats in
 * src/engine/kernels/f32_conv2d.ts, which must follow this layout) holds the transformed filter or
 * its gradient (16 x c x oc), a chunk of transformed inputs and of products or output gradients
 * (tiles x 16 x (c + oc)), a padded copy of one input tile (16 x max(c, oc)), a row of zeros
 * (max(c, oc)) and 48 floats for the last transform of the filter gradient.
 */
// @ts-ignore: decorator
@inline export function winogradTiles(colRows: i32): i32 {
  return max(4, (colRows >> 2) & ~3);
}

/**
 * Whether the Winograd passes apply: a 3x3 filter, stride 1, no dilation, channels in multiples of 4,
 * at least 8. conv2dWinograd in src/engine/kernels/f32_conv2d.ts is the same test (it sizes the col buffer).
 */
// @ts-ignore: decorator
@inline export function winogradApplies(c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32): bool {
  return kh == 3 && kw == 3 && sh == 1 && sw == 1 && dh == 1 && dw == 1 && (c & 3) == 0 && (oc & 3) == 0 && c >= 8 && oc >= 8;
}

/**
 * y = act(conv(x, g) + bias) for a 3x3 stride-1 convolution of x (n x h x w x c) into y (n x oh x
 * ow x oc) with padding pt / pl before the input; U holds the transformed filter (16 x c x oc).
 */
function winogradConv(x: usize, u: usize, bias: usize, y: usize, n: i32, h: i32, w: i32, c: i32, oc: i32,
                      pt: i32, pl: i32, oh: i32, ow: i32, act: i32, actAlpha: f32, scratch: usize, tiles: i32, ws: usize): void {
  const th = (oh + 1) >> 1,
    tw = (ow + 1) >> 1;
  const total = n * th * tw;
  const v = scratch,
    m = v + (<usize>(tiles * 16 * c) << 2),
    pad = m + (<usize>(tiles * 16 * oc) << 2);
  for (let t0 = 0; t0 < total; t0 += tiles) {
    const count = min(tiles, total - t0);
    inputTransform(x, v, t0, count, h, w, c, th, tw, pt, pl, pad);
    for (let xi = 0; xi < 16; xi++) {
      f32_gemm(0, 0, count, oc, c, 1, v + (<usize>(xi * c) << 2), 16 * c, u + (<usize>(xi * c * oc) << 2), oc, 0,
               m + (<usize>(xi * oc) << 2), 16 * oc, 0, ACT_LINEAR, 0, ws);
    }
    outputTransform(m, y, t0, count, oh, ow, oc, th, tw, bias, act, actAlpha);
  }
}

/** Forward by Winograd (see f32_conv2d_forward); col as winogradTiles describes. */
export function winogradForward(x: usize, wt: usize, bias: usize, y: usize, n: i32, h: i32, w: i32, c: i32, oc: i32,
                                pt: i32, pl: i32, oh: i32, ow: i32, act: i32, actAlpha: f32, col: usize, colRows: i32, ws: usize): void {
  const u = col;
  filterTransform(wt, u, c, oc, true);
  winogradConv(x, u, bias, y, n, h, w, c, oc, pt, pl, oh, ow, act, actAlpha, u + (<usize>(16 * c * oc) << 2), winogradTiles(colRows), ws);
}

/**
 * Input gradient by Winograd: dx (n x h x w x c, overwritten) is the stride-1 convolution of dy
 * (n x oh x ow x oc) with the flipped filter, channels swapped, padding 2 - pt before.
 */
export function winogradBackwardInput(dy: usize, wt: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oc: i32,
                                      pt: i32, pl: i32, oh: i32, ow: i32, col: usize, colRows: i32, ws: usize): void {
  const u = col;
  filterTransform(wt, u, c, oc, false);
  winogradConv(dy, u, 0, dx, n, oh, ow, oc, c, 2 - pt, 2 - pl, h, w, ACT_LINEAR, 0, u + (<usize>(16 * c * oc) << 2), winogradTiles(colRows), ws);
}

/** Filter gradient by Winograd: dwt (3 x 3 x c x oc) is overwritten; the caller sums the bias gradient. */
export function winogradBackwardFilter(x: usize, dy: usize, dwt: usize, n: i32, h: i32, w: i32, c: i32, oc: i32,
                                       pt: i32, pl: i32, oh: i32, ow: i32, col: usize, colRows: i32, ws: usize): void {
  const tiles = winogradTiles(colRows);
  const du = col,
    v = du + (<usize>(16 * c * oc) << 2),
    z = v + (<usize>(tiles * 16 * c) << 2),
    pad = z + (<usize>(tiles * 16 * oc) << 2),
    zero = pad + (<usize>(16 * c) << 2);
  memory.fill(zero, 0, <usize>oc << 2);
  const th = (oh + 1) >> 1,
    tw = (ow + 1) >> 1;
  const total = n * th * tw;
  for (let t0 = 0; t0 < total; t0 += tiles) {
    const count = min(tiles, total - t0);
    inputTransform(x, v, t0, count, h, w, c, th, tw, pt, pl, pad);
    gradTransform(dy, z, t0, count, oh, ow, oc, th, tw, zero);
    for (let xi = 0; xi < 16; xi++) {
      f32_gemm(1, 0, c, oc, count, 1, v + (<usize>(xi * c) << 2), 16 * c, z + (<usize>(xi * oc) << 2), 16 * oc,
               t0 == 0 ? 0 : 1, du + (<usize>(xi * c * oc) << 2), oc, 0, ACT_LINEAR, 0, ws);
    }
  }
  // dw = G^T dU G per (c, o), 4 filters at a time
  const plane = <usize>(c * oc) << 2;
  const half = f32x4.splat(0.5);
  // 12 vectors of scratch after the zero row
  const rowScratch = zero + (<usize>oc << 2);
  for (let ci = 0; ci < c; ci++) {
    for (let o = 0; o < oc; o += 4) {
      const at = du + ((<usize>(ci * oc + o)) << 2);
      // dW[a][b] = sum_ij G[i][a] dU[i][j] G[j][b]: first over i for each column j
      const tapB = <usize>(c * oc) << 2;
      const dst = dwt + ((<usize>ci * <usize>oc + <usize>o) << 2);
      for (let j = 0; j < 4; j++) {
        const u0 = v128.load(at + <usize>j * plane), u1 = v128.load(at + <usize>(4 + j) * plane);
        const u2 = v128.load(at + <usize>(8 + j) * plane), u3 = v128.load(at + <usize>(12 + j) * plane);
        const hs = f32x4.mul(half, f32x4.add(u1, u2));
        // the rows a = 0..2 for column j go to a scratch row of dW's taps (column j of 4 per row)
        v128.store(rowScratch + <usize>j * 16, f32x4.add(u0, hs));
        v128.store(rowScratch + <usize>(4 + j) * 16, f32x4.mul(half, f32x4.sub(u1, u2)));
        v128.store(rowScratch + <usize>(8 + j) * 16, f32x4.add(hs, u3));
      }
      for (let a = 0; a < 3; a++) {
        const rs = rowScratch + <usize>(a * 4) * 16;
        const q0 = v128.load(rs), q1 = v128.load(rs, 16), q2 = v128.load(rs, 32), q3 = v128.load(rs, 48);
        const hq = f32x4.mul(half, f32x4.add(q1, q2));
        const d = dst + <usize>(a * 3) * tapB;
        v128.store(d, f32x4.add(q0, hq));
        v128.store(d + tapB, f32x4.mul(half, f32x4.sub(q1, q2)));
        v128.store(d + 2 * tapB, f32x4.add(hq, q3));
      }
    }
  }
}
