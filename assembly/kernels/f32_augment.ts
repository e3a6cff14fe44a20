// Data augmentation of image rows (height x width x channels, f32, channels last), one
// pipeline of operations per call over a batch of rows.
//
//   f32_augment(src, dst, rows, h, w, c, ops, nOps, seed, epoch, index0, indices, fill, ws, params)
//
// Row r of src is example number indices[r] when `indices` (rows i32) is given, else index0 + r.
// Every random number an example uses comes from a
// counter-based hash of (seed, stream, epoch, example index), where the stream names the
// operation's position in the pipeline and the parameter: nothing depends on the row's
// position in the batch, on the batch size, or on which thread runs it. Sharding a batch by
// rows across workers (each passing its first example's index as index0) gives the same bits.
//
// The pipeline is a table of nOps records of AUG_OP_FLOATS f32 each: [kind, p, params...] (the
// layout of each kind is in src/engine/kernels/f32_augment.ts, which must match this file).
// Operations run in table order; each is applied with probability p.
//
// Geometric operations (rotate, scale, translate, flip, crop) that follow each other compose
// into ONE affine map from output pixel to source pixel, sampled once with bilinear
// interpolation: no blur from repeated resampling, and content rotated out of the canvas can
// come back with a later translation. An elastic distortion ends the group it follows: its
// displacement field d is applied in output space, source = M(p + d(p)), still one sampling.
// Pixel operations (cutout, noise, blur, brightness, contrast, clip) act on the result in place.
//
// Coordinates: pixel (x, y) has its center at (x, y); rotation and scaling are about the image
// center ((w-1)/2, (h-1)/2). A neighbour outside the image reads as `fill` (constant border),
// so a sample half outside blends with the fill, as OpenCV's BORDER_CONSTANT and torchvision do.
// Blur and the elastic field smoothing replicate the edge instead (a blur must not darken
// the border).
//
// `params`, when non-zero, receives AUG_PARAM_FLOATS floats per (row, op): [applied, values...],
// the parameters actually drawn (tests and previews read them).
import { rng_u32, rng_u32_v, rng_uniform_v, rng_normal_v } from './rng';
import { load_partial, store_partial } from './f32x4_util';

export const AUG_OP_FLOATS: i32 = 16;
export const AUG_PARAM_FLOATS: i32 = 8;
/** Largest blur / elastic smoothing kernel radius, in pixels (sigma up to 8 at 3 sigma). */
const MAX_RADIUS: i32 = 24;

// Operation kinds: must match AUG_KIND in src/engine/kernels/f32_augment.ts.
const K_ROTATE = 1; //     [2] degrees lo, [3] degrees hi
const K_SCALE = 2; //      [2] lo, [3] hi (content grows by the factor)
const K_TRANSLATE = 3; //  [2] max |dx| px, [3] max |dy| px
const K_FLIP = 4; //       [2] 0 horizontal, 1 vertical
const K_CROP = 5; //       [2] side fraction lo, [3] hi: crop that fraction of each side, resize back
const K_ELASTIC = 6; //    [2] alpha lo, [3] alpha hi (px), [4] sigma (px)
const K_CUTOUT = 7; //     [2] side lo, [3] side hi (px), [4] value
const K_NOISE = 8; //      [2] std lo, [3] std hi
const K_BLUR = 9; //       [2] sigma lo, [3] sigma hi (px)
const K_BRIGHTNESS = 10; // [2] delta lo, [3] delta hi (added)
const K_CONTRAST = 11; //  [2] factor lo, [3] factor hi (about the image mean)
const K_CLIP = 12; //      [2] lo, [3] hi

// Random numbers come from the counter-based hash of assembly/kernels/rng.ts. Streams: 'A' in
// the top byte keeps augmentation apart from other users of the same seed (dropout masks, say);
// then the op position and the draw number within the op. Per-pixel numbers (noise, elastic
// fields) hash (key, 'A', pixel, 0 or 1) with a key drawn per (op, example).
const STREAM_AUG: u32 = 0x41000000;
const DRAW_PIXELS: u32 = 15; // the draw that keys an op's per-pixel numbers

// @ts-ignore: decorator
@inline function stream(op: i32, k: u32): u32 {
  return STREAM_AUG | (<u32>op << 4) | k;
}

/** Uniform in [0, 1) from the top 24 bits of a hash: the value rng_uniform gives, in f64. */
// @ts-ignore: decorator
@inline function unit(h: u32): f64 {
  return <f64>(h >>> 8) * (1.0 / 16777216.0);
}

// ---------------------------------------------------------------------------------------------
// Workspace layout (bytes from ws), for one call: the padded source, a temporary image, the two
// displacement fields and their smoothing buffer, and a blur kernel.

// @ts-ignore: decorator
@inline function up16(n: usize): usize {
  return (n + 15) & ~<usize>15;
}

// @ts-ignore: decorator
@inline function padBytes(h: i32, w: i32, c: i32): usize {
  return up16(<usize>((h + 3) * (w + 3) * c) << 2);
}
// @ts-ignore: decorator
@inline function imageBytes(h: i32, w: i32, c: i32): usize {
  return up16(<usize>(h * w * c + 4) << 2); // + 4: a vector read past the last pixel stays inside
}

// @ts-ignore: decorator
@inline function lineBytes(w: i32, c: i32): usize {
  return up16(<usize>((w + 2 * MAX_RADIUS) * c + 4) << 2); // a row with MAX_RADIUS replicated pixels each side
}

/** Bytes of workspace f32_augment needs for h x w x c images. */
export function f32_augment_workspace_bytes(h: i32, w: i32, c: i32): i32 {
  return <i32>(padBytes(h, w, c) + imageBytes(h, w, c) + 3 * imageBytes(h, w, 1) + up16(<usize>(2 * MAX_RADIUS + 1) << 2) + lineBytes(w, c));
}

// ---------------------------------------------------------------------------------------------
// The composed affine map, output pixel -> source pixel: (ma x + mb y + mc, md x + me y + mf).
// Composed in f64 (exact enough that a chain of ops matches its float64 reference), sampled in f32.
let ma: f64 = 1, mb: f64 = 0, mc: f64 = 0, md: f64 = 0, me: f64 = 1, mf: f64 = 0;
let geometric = false;

function resetMap(): void {
  ma = 1; mb = 0; mc = 0; md = 0; me = 1; mf = 0;
  geometric = false;
}

/** M = M o F, F(p) = (fa x + fb y + fc, fd x + fe y + ff): F applies to the output coordinate first. */
function compose(fa: f64, fb: f64, fc: f64, fd: f64, fe: f64, ff: f64): void {
  const na = ma * fa + mb * fd, nb = ma * fb + mb * fe, nc = ma * fc + mb * ff + mc;
  const nd = md * fa + me * fd, ne = md * fb + me * fe, nf = md * fc + me * ff + mf;
  ma = na; mb = nb; mc = nc; md = nd; me = ne; mf = nf;
  geometric = true;
}

// ---------------------------------------------------------------------------------------------
// Bilinear warp from the padded source (1 pixel of fill on the top and left, 2 on the bottom
// and right) into dst. Clamping the source coordinate to [-1, w] x [-1, h] is exact: beyond
// that every neighbour is fill anyway, and the clamped point's neighbours are all in the pad.

/**
 * An entry within 1e-9 of an integer becomes that integer: cos(90 degrees) is 6e-17, not 0, and
 * a coordinate of -1e-16 would floor to -1 and blend two pixels. Snapped, quarter turns and
 * flips copy pixels exactly.
 */
// @ts-ignore: decorator
@inline function snap(v: f64): f32 {
  const r = Math.round(v);
  return <f32>(Math.abs(v - r) < 1e-9 ? r : v);
}

function warp(pad: usize, dst: usize, h: i32, w: i32, c: i32, fdx: usize, fdy: usize, elastic: bool): void {
  const pw = w + 3;
  const a = snap(ma), b = snap(mb), cc = snap(mc), d = snap(md), e = snap(me), f = snap(mf);
  const va = f32x4.splat(a), vb = f32x4.splat(b), vd = f32x4.splat(d), ve = f32x4.splat(e);
  const vc = f32x4.splat(cc), vf = f32x4.splat(f);
  const lo = f32x4.splat(-1), hiX = f32x4.splat(<f32>w), hiY = f32x4.splat(<f32>h);
  const lanes = f32x4(0, 1, 2, 3);
  const vpw = i32x4.splat(pw);
  const rowB = <usize>pw << 2;
  for (let y = 0; y < h; y++) {
    const vy = f32x4.splat(<f32>y);
    // the row's part of the map, for the non-elastic path: b*y + c and e*y + f
    const rx = f32x4.add(f32x4.mul(vb, vy), vc), ry = f32x4.add(f32x4.mul(ve, vy), vf);
    for (let x = 0; x < w; x += 4) {
      const vx = f32x4.add(f32x4.splat(<f32>x), lanes);
      let sx: v128, sy: v128;
      if (elastic) {
        const p = <usize>(y * w + x) << 2;
        const px = f32x4.add(vx, v128.load(fdx + p)), py = f32x4.add(vy, v128.load(fdy + p));
        sx = f32x4.add(f32x4.add(f32x4.mul(va, px), f32x4.mul(vb, py)), vc);
        sy = f32x4.add(f32x4.add(f32x4.mul(vd, px), f32x4.mul(ve, py)), vf);
      } else {
        sx = f32x4.add(f32x4.mul(va, vx), rx);
        sy = f32x4.add(f32x4.mul(vd, vx), ry);
      }
      sx = f32x4.min(f32x4.max(sx, lo), hiX);
      sy = f32x4.min(f32x4.max(sy, lo), hiY);
      const x0 = f32x4.floor(sx), y0 = f32x4.floor(sy);
      const fx = f32x4.sub(sx, x0), fy = f32x4.sub(sy, y0);
      // index of the top-left neighbour in the pad: (y0 + 1) * pw + x0 + 1
      const ix = i32x4.add(i32x4.trunc_sat_f32x4_s(x0), i32x4.splat(1));
      const iy = i32x4.add(i32x4.trunc_sat_f32x4_s(y0), i32x4.splat(1));
      const idx = i32x4.add(i32x4.mul(iy, vpw), ix);
      const k = min(4, w - x);
      if (c == 1) {
        const p0 = pad + (<usize>i32x4.extract_lane(idx, 0) << 2), p1 = pad + (<usize>i32x4.extract_lane(idx, 1) << 2);
        const p2 = pad + (<usize>i32x4.extract_lane(idx, 2) << 2), p3 = pad + (<usize>i32x4.extract_lane(idx, 3) << 2);
        // each lane's two horizontal neighbours are adjacent: one 64-bit load per row
        const t01 = v128.load64_lane(p1, v128.load64_zero(p0), 1), t23 = v128.load64_lane(p3, v128.load64_zero(p2), 1);
        const b01 = v128.load64_lane(p1 + rowB, v128.load64_zero(p0 + rowB), 1), b23 = v128.load64_lane(p3 + rowB, v128.load64_zero(p2 + rowB), 1);
        const v00 = i32x4.shuffle(t01, t23, 0, 2, 4, 6), v10 = i32x4.shuffle(t01, t23, 1, 3, 5, 7);
        const v01 = i32x4.shuffle(b01, b23, 0, 2, 4, 6), v11 = i32x4.shuffle(b01, b23, 1, 3, 5, 7);
        const out = lerp2(v00, v10, v01, v11, fx, fy);
        const q = dst + (<usize>(y * w + x) << 2);
        if (k == 4) v128.store(q, out);
        else for (let l = 0; l < k; l++) store<f32>(q + (<usize>l << 2), lane(out, l));
      } else {
        const cB = <usize>c << 2;
        for (let ch = 0; ch < c; ch++) {
          const chB = <usize>ch << 2;
          let v00 = f32x4.splat(0), v10 = f32x4.splat(0), v01 = f32x4.splat(0), v11 = f32x4.splat(0);
          for (let l = 0; l < 4; l++) {
            const p = pad + <usize>laneI(idx, l) * cB + chB;
            v00 = setLane(v00, l, load<f32>(p));
            v10 = setLane(v10, l, load<f32>(p + cB));
            v01 = setLane(v01, l, load<f32>(p + rowB * c));
            v11 = setLane(v11, l, load<f32>(p + rowB * c + cB));
          }
          const out = lerp2(v00, v10, v01, v11, fx, fy);
          for (let l = 0; l < k; l++) store<f32>(dst + ((<usize>(y * w + x + l) * c + ch) << 2), lane(out, l));
        }
      }
    }
  }
}

/** Bilinear blend: top = v00 + fx (v10 - v00), bottom likewise, then top + fy (bottom - top). */
// @ts-ignore: decorator
@inline function lerp2(v00: v128, v10: v128, v01: v128, v11: v128, fx: v128, fy: v128): v128 {
  const top = f32x4.add(v00, f32x4.mul(fx, f32x4.sub(v10, v00)));
  const bot = f32x4.add(v01, f32x4.mul(fx, f32x4.sub(v11, v01)));
  return f32x4.add(top, f32x4.mul(fy, f32x4.sub(bot, top)));
}

// Lane access by a runtime index (SIMD lane operands must be constants).
function lane(v: v128, l: i32): f32 {
  if (l == 0) return f32x4.extract_lane(v, 0);
  if (l == 1) return f32x4.extract_lane(v, 1);
  if (l == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}
function laneI(v: v128, l: i32): i32 {
  if (l == 0) return i32x4.extract_lane(v, 0);
  if (l == 1) return i32x4.extract_lane(v, 1);
  if (l == 2) return i32x4.extract_lane(v, 2);
  return i32x4.extract_lane(v, 3);
}
function setLane(v: v128, l: i32, x: f32): v128 {
  if (l == 0) return f32x4.replace_lane(v, 0, x);
  if (l == 1) return f32x4.replace_lane(v, 1, x);
  if (l == 2) return f32x4.replace_lane(v, 2, x);
  return f32x4.replace_lane(v, 3, x);
}

/** Copies an h x w x c image into the pad's interior (the border keeps the fill). */
function toPad(src: usize, pad: usize, h: i32, w: i32, c: i32): void {
  const rowB = <usize>(w * c) << 2, padRowB = <usize>((w + 3) * c) << 2;
  let d = pad + padRowB + (<usize>c << 2);
  for (let y = 0; y < h; y++) {
    memory.copy(d, src + <usize>y * rowB, rowB);
    d += padRowB;
  }
}

// ---------------------------------------------------------------------------------------------
// Separable Gaussian blur with replicated edges, in place on img (tmp: same size).

/** Writes the normalized weights exp(-i^2 / (2 sigma^2)), i = -r..r; returns r = ceil(3 sigma) capped. */
function gaussian(kern: usize, sigma: f64, limit: i32): i32 {
  let r = <i32>Math.ceil(3 * sigma);
  if (r > MAX_RADIUS) r = MAX_RADIUS;
  if (r > limit) r = limit;
  if (r < 1) r = 1;
  let sum: f64 = 0;
  for (let i = -r; i <= r; i++) sum += Math.exp(-<f64>(i * i) / (2 * sigma * sigma));
  for (let i = -r; i <= r; i++) store<f32>(kern + (<usize>(i + r) << 2), <f32>(Math.exp(-<f64>(i * i) / (2 * sigma * sigma)) / sum));
  return r;
}

// Both passes run along contiguous memory, 4 values at a time. Rows: a row of an HWC image is
// w*c floats and the horizontal neighbour of value j is j +- c; the row is first copied into
// `line` with r replicated pixels on each side, so no window needs clamping. Columns: output
// row y is a weighted sum of whole rows y-r..y+r (clamped row indices). Every output is the
// same sum in the same order (i = -r..r, f32 mul then add).
function blur(img: usize, tmp: usize, line: usize, h: i32, w: i32, c: i32, kern: usize, r: i32): void {
  const L = w * c;
  const rowB = <usize>L << 2, pixB = <usize>c << 2;
  // rows: img -> tmp
  for (let y = 0; y < h; y++) {
    const src = img + <usize>y * rowB, dst = tmp + <usize>y * rowB;
    for (let i = 0; i < r; i++) {
      memory.copy(line + <usize>i * pixB, src, pixB);
      memory.copy(line + <usize>(r + w + i) * pixB, src + <usize>(w - 1) * pixB, pixB);
    }
    memory.copy(line + <usize>r * pixB, src, rowB);
    for (let j = 0; j < L; j += 4) {
      let acc = f32x4.splat(0);
      let p = line + (<usize>j << 2);
      for (let i = 0; i <= 2 * r; i++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(kern + (<usize>i << 2)), v128.load(p)));
        p += pixB;
      }
      store_partial(dst + (<usize>j << 2), acc, min(4, L - j));
    }
  }
  // columns: tmp -> img, a whole row at a time
  for (let y = 0; y < h; y++) {
    const dst = img + <usize>y * rowB;
    for (let j = 0; j < L; j += 4) {
      const k = min(4, L - j);
      let acc = f32x4.splat(0);
      for (let i = -r; i <= r; i++) {
        const yy = min(max(y + i, 0), h - 1);
        acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(kern + (<usize>(i + r) << 2)), load_partial(tmp + <usize>yy * rowB + (<usize>j << 2), k)));
      }
      store_partial(dst + (<usize>j << 2), acc, k);
    }
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs the pipeline over `rows` images. src and dst must not overlap; ws holds
 * f32_augment_workspace_bytes(h, w, c) bytes no other call uses at the same time.
 */
export function f32_augment(src: usize, dst: usize, rows: i32, h: i32, w: i32, c: i32, ops: usize, nOps: i32,
                            seed: u32, epoch: u32, index0: u32, indices: usize, fill: f32, ws: usize, params: usize): void {
  const n = h * w * c;
  const nB = <usize>n << 2;
  const pad = ws;
  const tmp = pad + padBytes(h, w, c);
  const fdx = tmp + imageBytes(h, w, c);
  const fdy = fdx + imageBytes(h, w, 1);
  const ftmp = fdy + imageBytes(h, w, 1);
  const kern = ftmp + imageBytes(h, w, 1);
  const line = kern + up16(<usize>(2 * MAX_RADIUS + 1) << 2);
  // the pad's border holds the fill for the whole call; images only overwrite its interior
  const padN = (h + 3) * (w + 3) * c;
  for (let i = 0; i < padN; i++) store<f32>(pad + (<usize>i << 2), fill);
  // the fields' tail lanes (read by the last vector of a row) stay 0
  memory.fill(fdx, 0, imageBytes(h, w, 1) * 2);
  const cx: f64 = <f64>(w - 1) * 0.5, cy: f64 = <f64>(h - 1) * 0.5;

  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * nB, d = dst + <usize>r * nB;
    const index = indices ? load<u32>(indices + (<usize>r << 2)) : index0 + <u32>r;
    let cur = s; // where the image is now: src (read only) until an operation writes dst
    resetMap();
    for (let j = 0; j < nOps; j++) {
      const op = ops + (<usize>(j * AUG_OP_FLOATS) << 2);
      const kind = <i32>load<f32>(op);
      const p = <f64>load<f32>(op, 4);
      const a0 = <f64>load<f32>(op, 8), a1 = <f64>load<f32>(op, 12), a2 = <f64>load<f32>(op, 16);
      const rec = params ? params + (<usize>((r * nOps + j) * AUG_PARAM_FLOATS) << 2) : 0;
      if (rec) memory.fill(rec, 0, <usize>AUG_PARAM_FLOATS << 2);
      // draw 0 decides whether the op applies; draws 1.. are its parameters
      if (!(unit(rng_u32(seed, stream(j, 0), epoch, index)) < p)) continue;
      const u1 = unit(rng_u32(seed, stream(j, 1), epoch, index));
      const u2 = unit(rng_u32(seed, stream(j, 2), epoch, index));
      const u3 = unit(rng_u32(seed, stream(j, 3), epoch, index));
      let v1: f64 = 0, v2: f64 = 0, v3: f64 = 0;
      if (kind == K_ROTATE) {
        v1 = a0 + (a1 - a0) * u1;
        const t = v1 * (Math.PI / 180), co = Math.cos(t), si = Math.sin(t);
        // source = center + R(t) (p - center): the content turns counterclockwise on screen (y down)
        compose(co, -si, cx - co * cx + si * cy, si, co, cy - si * cx - co * cy);
      } else if (kind == K_SCALE) {
        v1 = a0 + (a1 - a0) * u1;
        const q = 1 / v1;
        compose(q, 0, cx - q * cx, 0, q, cy - q * cy);
      } else if (kind == K_TRANSLATE) {
        v1 = a0 * (2 * u1 - 1);
        v2 = a1 * (2 * u2 - 1);
        compose(1, 0, -v1, 0, 1, -v2);
      } else if (kind == K_FLIP) {
        if (a0 == 0) compose(-1, 0, <f64>(w - 1), 0, 1, 0);
        else compose(1, 0, 0, 0, -1, <f64>(h - 1));
      } else if (kind == K_CROP) {
        v1 = a0 + (a1 - a0) * u1; // side fraction
        v2 = (1 - v1) * <f64>w * u2; // left edge of the crop box, in pixels
        v3 = (1 - v1) * <f64>h * u3; // top edge
        // output pixel x covers [x, x + 1); the box's pixel covers [v2 + x s, v2 + (x + 1) s)
        compose(v1, 0, v2 + 0.5 * v1 - 0.5, 0, v1, v3 + 0.5 * v1 - 0.5);
      } else if (kind == K_ELASTIC) {
        v1 = a0 + (a1 - a0) * u1; // alpha
        const key = rng_u32(seed, stream(j, DRAW_PIXELS), epoch, index);
        const hw = h * w;
        // uniform in [-1, 1) per pixel: counter (pixel, 0) for x, (pixel, 1) for y
        for (let i = 0; i < hw; i += 4) {
          const iv = i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3));
          const ux = rng_uniform_v(rng_u32_v(key, STREAM_AUG, iv, i32x4.splat(0)));
          const uy = rng_uniform_v(rng_u32_v(key, STREAM_AUG, iv, i32x4.splat(1)));
          const k = min(4, hw - i);
          store_partial(fdx + (<usize>i << 2), f32x4.sub(f32x4.add(ux, ux), f32x4.splat(1)), k);
          store_partial(fdy + (<usize>i << 2), f32x4.sub(f32x4.add(uy, uy), f32x4.splat(1)), k);
        }
        const rad = gaussian(kern, a2, max(h, w));
        blur(fdx, ftmp, line, h, w, 1, kern, rad);
        blur(fdy, ftmp, line, h, w, 1, kern, rad);
        const alpha = <f32>v1;
        for (let i = 0; i < hw; i++) {
          store<f32>(fdx + (<usize>i << 2), load<f32>(fdx + (<usize>i << 2)) * alpha);
          store<f32>(fdy + (<usize>i << 2), load<f32>(fdy + (<usize>i << 2)) * alpha);
        }
        toPad(cur, pad, h, w, c);
        warp(pad, d, h, w, c, fdx, fdy, true);
        cur = d;
        resetMap();
      } else {
        // a pixel operation: first resolve pending geometry, then work on dst in place
        if (geometric) {
          toPad(cur, pad, h, w, c);
          warp(pad, d, h, w, c, 0, 0, false);
          cur = d;
          resetMap();
        }
        if (cur != d) { memory.copy(d, cur, nB); cur = d; }
        if (kind == K_CUTOUT) {
          v1 = Math.round(a0 + (a1 - a0) * u1); // side
          v2 = Math.floor(u2 * <f64>w); // center
          v3 = Math.floor(u3 * <f64>h);
          const half = <i32>Math.floor(v1 * 0.5);
          const x0 = max(0, <i32>v2 - half), x1 = min(w, <i32>v2 - half + <i32>v1);
          const y0 = max(0, <i32>v3 - half), y1 = min(h, <i32>v3 - half + <i32>v1);
          const value = <f32>a2;
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let ch = 0; ch < c; ch++) {
            store<f32>(d + (<usize>((y * w + x) * c + ch) << 2), value);
          }
        } else if (kind == K_NOISE) {
          v1 = a0 + (a1 - a0) * u1;
          const key = rng_u32(seed, stream(j, DRAW_PIXELS), epoch, index);
          const std = f32x4.splat(<f32>v1);
          for (let i = 0; i < n; i += 4) {
            const iv = i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3));
            const g = rng_normal_v(rng_u32_v(key, STREAM_AUG, iv, i32x4.splat(0)));
            const q = d + (<usize>i << 2), k = min(4, n - i);
            store_partial(q, f32x4.add(load_partial(q, k), f32x4.mul(std, g)), k);
          }
        } else if (kind == K_BLUR) {
          v1 = a0 + (a1 - a0) * u1;
          if (v1 > 0) blur(d, tmp, line, h, w, c, kern, gaussian(kern, v1, max(h, w)));
        } else if (kind == K_BRIGHTNESS) {
          v1 = a0 + (a1 - a0) * u1;
          const delta = f32x4.splat(<f32>v1);
          let i = 0;
          for (; i + 4 <= n; i += 4) { const q = d + (<usize>i << 2); v128.store(q, f32x4.add(v128.load(q), delta)); }
          for (; i < n; i++) { const q = d + (<usize>i << 2); store<f32>(q, load<f32>(q) + <f32>v1); }
        } else if (kind == K_CONTRAST) {
          v1 = a0 + (a1 - a0) * u1;
          let sum: f64 = 0;
          for (let i = 0; i < n; i++) sum += <f64>load<f32>(d + (<usize>i << 2));
          const mean = <f32>(sum / <f64>n);
          v2 = mean;
          const f = <f32>v1;
          for (let i = 0; i < n; i++) { const q = d + (<usize>i << 2); store<f32>(q, mean + f * (load<f32>(q) - mean)); }
        } else if (kind == K_CLIP) {
          const lo = <f32>a0, hi = <f32>a1;
          for (let i = 0; i < n; i++) { const q = d + (<usize>i << 2); store<f32>(q, min(max(load<f32>(q), lo), hi)); }
        }
      }
      if (rec) {
        store<f32>(rec, 1);
        store<f32>(rec, <f32>v1, 4);
        store<f32>(rec, <f32>v2, 8);
        store<f32>(rec, <f32>v3, 12);
      }
    }
    if (geometric) {
      toPad(cur, pad, h, w, c);
      warp(pad, d, h, w, c, 0, 0, false);
      cur = d;
    }
    if (cur != d) memory.copy(d, cur, nB);
  }
}
