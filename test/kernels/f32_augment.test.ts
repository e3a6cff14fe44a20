import { describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { AUG_KIND, AUG_OP_FLOATS, AUG_PARAM_FLOATS, f32_augment } from '../../src/engine/kernels/f32_augment';
import { augmentation, type AugmentationSpec } from '../../src/data/augment';
import { expectClose, get, put, randomArray } from '../helpers';

// ---------------------------------------------------------------------------------------------
// float64 references

type Affine = [number, number, number, number, number, number]; // p -> (a x + b y + c, d x + e y + f)
const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** m o f: apply f to the output coordinate first, then m. */
function compose(m: Affine, f: Affine): Affine {
  return [
    m[0] * f[0] + m[1] * f[3],
    m[0] * f[1] + m[1] * f[4],
    m[0] * f[2] + m[1] * f[5] + m[2],
    m[3] * f[0] + m[4] * f[3],
    m[3] * f[1] + m[4] * f[4],
    m[3] * f[2] + m[4] * f[5] + m[5],
  ];
}

/** The map of one geometric op from its drawn parameters (as the kernel's params output gives them). */
function opMap(kind: number, v: Float32Array, h: number, w: number, flipVertical = false): Affine {
  const cx = (w - 1) / 2,
    cy = (h - 1) / 2;
  switch (kind) {
    case AUG_KIND.rotate: {
      const t = (v[1]! * Math.PI) / 180,
        co = Math.cos(t),
        si = Math.sin(t);
      return [co, -si, cx - co * cx + si * cy, si, co, cy - si * cx - co * cy];
    }
    case AUG_KIND.scale: {
      const q = 1 / v[1]!;
      return [q, 0, cx - q * cx, 0, q, cy - q * cy];
    }
    case AUG_KIND.translate:
      return [1, 0, -v[1]!, 0, 1, -v[2]!];
    case AUG_KIND.flip:
      return flipVertical ? [1, 0, 0, 0, -1, h - 1] : [-1, 0, w - 1, 0, 1, 0];
    case AUG_KIND.crop: {
      const s = v[1]!;
      return [s, 0, v[2]! + 0.5 * s - 0.5, 0, s, v[3]! + 0.5 * s - 0.5];
    }
  }
  throw new Error(`not geometric: ${kind}`);
}

/** Bilinear sample of channel ch at (sx, sy); neighbours outside the image read as fill. */
function bilinear(img: ArrayLike<number>, h: number, w: number, c: number, ch: number, sx: number, sy: number, fill: number): number {
  const x0 = Math.floor(sx),
    y0 = Math.floor(sy),
    fx = sx - x0,
    fy = sy - y0;
  const at = (x: number, y: number): number => (x >= 0 && x < w && y >= 0 && y < h ? img[(y * w + x) * c + ch]! : fill);
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}

function warpRef(img: ArrayLike<number>, h: number, w: number, c: number, m: Affine, fill: number): Float64Array {
  const out = new Float64Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        out[(y * w + x) * c + ch] = bilinear(img, h, w, c, ch, m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5], fill);
      }
  return out;
}

/** Separable Gaussian blur with replicated edges, radius min(ceil(3 sigma), 24, max(h, w)). */
function blurRef(img: ArrayLike<number>, h: number, w: number, c: number, sigma: number): Float64Array {
  const r = Math.max(1, Math.min(Math.ceil(3 * sigma), 24, Math.max(h, w)));
  const k: number[] = [];
  for (let i = -r; i <= r; i++) k.push(Math.exp(-(i * i) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const kw = k.map((v) => v / sum);
  const tmp = new Float64Array(h * w * c),
    out = new Float64Array(h * w * c);
  const clamp = (v: number, n: number): number => Math.min(Math.max(v, 0), n - 1);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += kw[i + r]! * img[(y * w + clamp(x + i, w)) * c + ch]!;
        tmp[(y * w + x) * c + ch] = s;
      }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += kw[i + r]! * tmp[(clamp(y + i, h) * w + x) * c + ch]!;
        out[(y * w + x) * c + ch] = s;
      }
  return out;
}

/**
 * Runs a pipeline of geometric steps on random images and checks every row against the float64
 * reference built from the parameters the kernel reports it drew.
 */
function checkGeometric(steps: AugmentationSpec[], h: number, w: number, c: number, rows: number, seed: number, fill = 0): void {
  const pipeline = augmentation(steps, { height: h, width: w, channels: c, fill });
  const x = randomArray(rows * h * w * c, seed, 0, 1);
  const { x: out, params } = pipeline.applyWithParams(x, { seed, epoch: 2, exampleIndexOffset: 5 });
  const n = h * w * c;
  const label = `${JSON.stringify(steps)} on ${h}x${w}x${c}`;
  for (let r = 0; r < rows; r++) {
    let m = IDENTITY;
    steps.forEach((s, j) => {
      const rec = params.subarray((r * steps.length + j) * AUG_PARAM_FLOATS, (r * steps.length + j + 1) * AUG_PARAM_FLOATS);
      if (rec[0] === 1) m = compose(m, opMap(AUG_KIND[s.type], rec, h, w, s.type === 'flip' && s.direction === 'vertical'));
    });
    const expected = warpRef(x.subarray(r * n, (r + 1) * n), h, w, c, m, fill);
    expectClose(out.subarray(r * n, (r + 1) * n), expected, { rtol: 0, atol: 5e-5 }, `${label}, row ${r}`);
  }
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [4, 4, 1],
  [5, 7, 1],
  [7, 5, 1],
  [8, 8, 3],
  [13, 4, 2],
  [28, 28, 1],
];

describe('f32_augment', () => {
  it('rotate, scale, translate, flip and crop each match a float64 bilinear reference', () => {
    let seed = 1;
    for (const [h, w, c] of SHAPES) {
      checkGeometric([{ type: 'rotate', degrees: 30 }], h, w, c, 6, seed++);
      checkGeometric([{ type: 'rotate', degrees: [90, 90] }], h, w, c, 2, seed++);
      checkGeometric([{ type: 'scale', range: [0.5, 1.7] }], h, w, c, 6, seed++);
      checkGeometric([{ type: 'translate', pixels: [3, 1.5] }], h, w, c, 6, seed++);
      checkGeometric([{ type: 'flip', p: 1 }], h, w, c, 2, seed++);
      checkGeometric([{ type: 'flip', direction: 'vertical', p: 1 }], h, w, c, 2, seed++);
      checkGeometric([{ type: 'crop', scale: [0.5, 0.9] }], h, w, c, 6, seed++);
    }
  });

  it('fuses a chain of geometric steps into one warp equal to the composed reference', () => {
    let seed = 100;
    for (const [h, w, c] of SHAPES) {
      checkGeometric(
        [
          { type: 'rotate', degrees: 15 },
          { type: 'scale', range: [0.9, 1.1] },
          { type: 'translate', pixels: 2 },
        ],
        h,
        w,
        c,
        8,
        seed++,
      );
      checkGeometric([{ type: 'crop', scale: [0.7, 1], p: 0.5 }, { type: 'flip' }, { type: 'rotate', degrees: 180, p: 0.7 }], h, w, c, 8, seed++, 0.25);
    }
  });

  it('uses the fill value for pixels brought in from outside, and is exact for whole-pixel moves', () => {
    const h = 6,
      w = 5;
    const x = randomArray(h * w, 3, 0, 1);
    // 90 degrees is a whole-pixel move on a square: exact copies, no blending
    const rot = augmentation([{ type: 'rotate', degrees: [90, 90] }], { height: h, width: h, channels: 1, fill: -7 });
    const sq = randomArray(h * h, 4, 0, 1);
    const out = rot.applyTo(sq);
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < h; xx++) {
        // counterclockwise on screen: output (x, y) reads source (h - 1 - y, x)
        expect(out[y * h + xx]).toBe(sq[xx * h + (h - 1 - y)]);
      }
    // a shift of at least one pixel leaves a border column of pure fill
    const shift = augmentation([{ type: 'translate', pixels: [2, 0] }], { height: h, width: w, channels: 1, fill: -7 });
    let seen = 0;
    for (let seed = 0; seed < 20; seed++) {
      const { x: o, params } = shift.applyWithParams(x, { seed });
      const dx = params[1]!;
      expect(Math.abs(dx)).toBeLessThanOrEqual(2);
      const col = dx >= 1 ? 0 : dx <= -1 ? w - 1 : -1;
      if (col < 0) continue;
      seen++;
      for (let y = 0; y < h; y++) expect(o[y * w + col]).toBe(-7);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('blur matches a float64 separable Gaussian with replicated edges', () => {
    let seed = 200;
    for (const [h, w, c] of SHAPES) {
      for (const sigma of [0.5, 1, 2.5]) {
        const x = randomArray(2 * h * w * c, seed++, 0, 1);
        const out = augmentation([{ type: 'blur', sigma }], { height: h, width: w, channels: c }).applyTo(x);
        const n = h * w * c;
        for (let r = 0; r < 2; r++)
          expectClose(
            out.subarray(r * n, (r + 1) * n),
            blurRef(x.subarray(r * n, (r + 1) * n), h, w, c, sigma),
            { rtol: 0, atol: 2e-6 },
            `blur ${sigma} ${h}x${w}x${c}`,
          );
      }
    }
  });

  it('brightness, contrast, cutout and clip apply their drawn parameters exactly', () => {
    const h = 9,
      w = 7,
      c = 2,
      n = h * w * c,
      rows = 20;
    const x = randomArray(rows * n, 5, 0, 1);
    const steps: AugmentationSpec[] = [
      { type: 'brightness', delta: 0.2 },
      { type: 'contrast', range: [0.5, 1.5] },
      { type: 'cutout', size: [2, 4], value: 0.5 },
    ];
    const p = augmentation(steps, { height: h, width: w, channels: c, clip: [0.1, 0.9] });
    const { x: out, params } = p.applyWithParams(x, { seed: 3 });
    for (let r = 0; r < rows; r++) {
      const rec = (j: number): Float32Array => params.subarray((r * 4 + j) * AUG_PARAM_FLOATS, (r * 4 + j + 1) * AUG_PARAM_FLOATS);
      const delta = rec(0)[1]!,
        factor = rec(1)[1]!,
        [, side, cx, cy] = rec(2);
      expect(Math.abs(delta)).toBeLessThanOrEqual(0.2);
      const img = Array.from(x.subarray(r * n, (r + 1) * n), (v) => Math.fround(v + delta));
      const mean = img.reduce((a, b) => a + b, 0) / n;
      const expected = img.map((v) => mean + factor * (v - mean));
      const half = Math.floor(side! / 2);
      for (let y = Math.max(0, cy! - half); y < Math.min(h, cy! - half + side!); y++) {
        for (let xx = Math.max(0, cx! - half); xx < Math.min(w, cx! - half + side!); xx++) for (let ch = 0; ch < c; ch++) expected[(y * w + xx) * c + ch] = 0.5;
      }
      expectClose(
        out.subarray(r * n, (r + 1) * n),
        expected.map((v) => Math.min(0.9, Math.max(0.1, v))),
        { rtol: 1e-5, atol: 1e-6 },
        `row ${r}`,
      );
    }
  });

  it('noise adds zero-mean Gaussian noise of the drawn standard deviation', () => {
    const h = 28,
      w = 28,
      rows = 50;
    const x = new Float32Array(rows * h * w).fill(0.5);
    const out = augmentation([{ type: 'noise', std: 0.1 }], { height: h, width: w, channels: 1 }).applyTo(x, { seed: 1 });
    let s = 0,
      s2 = 0,
      s4 = 0;
    for (let i = 0; i < out.length; i++) {
      const d = out[i]! - 0.5;
      s += d;
      s2 += d * d;
      s4 += d ** 4;
    }
    const m = s / out.length,
      v = s2 / out.length;
    expect(Math.abs(m)).toBeLessThan(0.002);
    expect(Math.sqrt(v)).toBeGreaterThan(0.098);
    expect(Math.sqrt(v)).toBeLessThan(0.102);
    expect(s4 / out.length / (v * v)).toBeCloseTo(3, 0); // Gaussian kurtosis
  });

  it('elastic with alpha 0 is the identity; with alpha > 0 it moves pixels but stays a convex blend', () => {
    const h = 28,
      w = 28;
    const x = randomArray(4 * h * w, 6, 0, 1);
    expect(augmentation([{ type: 'elastic', alpha: 0, sigma: 4 }], { height: h, width: w, channels: 1 }).applyTo(x)).toEqual(x);
    const out = augmentation([{ type: 'elastic', alpha: 34, sigma: 4 }], { height: h, width: w, channels: 1 }).applyTo(x, { seed: 2 });
    let changed = 0;
    for (let i = 0; i < x.length; i++) {
      if (out[i] !== x[i]) changed++;
      expect(out[i]).toBeGreaterThanOrEqual(0); // fill 0 and pixels in [0, 1]
      expect(out[i]).toBeLessThanOrEqual(1);
    }
    expect(changed).toBeGreaterThan(x.length * 0.9);
  });

  it('gives the same bits for a batch computed whole or in row shards with an example offset', () => {
    const h = 12,
      w = 10,
      c = 1,
      n = h * w * c,
      rows = 37;
    const steps: AugmentationSpec[] = [
      { type: 'rotate', degrees: 20 },
      { type: 'scale', range: [0.8, 1.2] },
      { type: 'translate', pixels: 2 },
      { type: 'elastic', alpha: 8, sigma: 3, p: 0.5 },
      { type: 'flip' },
      { type: 'crop', scale: [0.8, 1], p: 0.3 },
      { type: 'noise', std: [0, 0.1] },
      { type: 'blur', sigma: [0, 1], p: 0.3 },
      { type: 'cutout', size: 3, p: 0.5 },
      { type: 'brightness', delta: 0.1 },
      { type: 'contrast', range: 0.2 },
    ];
    const pipeline = augmentation(steps, { height: h, width: w, channels: c, clip: [0, 1] });
    const x = randomArray(rows * n, 8, 0, 1);
    const whole = pipeline.applyTo(x, { seed: 42, epoch: 3, exampleIndexOffset: 1000 });
    for (const cuts of [
      [0, 1, 37],
      [0, 16, 17, 30, 37],
      [0, 5, 10, 15, 20, 25, 30, 35, 37],
    ]) {
      for (let s = 0; s + 1 < cuts.length; s++) {
        const a = cuts[s]!,
          b = cuts[s + 1]!;
        const part = pipeline.applyTo(x.subarray(a * n, b * n), { seed: 42, epoch: 3, exampleIndexOffset: 1000 + a });
        expect(part, `rows ${a}..${b}`).toEqual(whole.subarray(a * n, b * n));
      }
    }
    // keyed by example index: a shuffled batch with its indices gives each example the same bits
    const perm = Int32Array.from({ length: rows }, (_, i) => (i * 17 + 5) % rows);
    const shuffled = new Float32Array(rows * n);
    perm.forEach((k, r) => shuffled.set(x.subarray(k * n, (k + 1) * n), r * n));
    const byIndex = pipeline.applyTo(shuffled, { seed: 42, epoch: 3, exampleIndices: Int32Array.from(perm, (k) => 1000 + k) });
    perm.forEach((k, r) => expect(byIndex.subarray(r * n, (r + 1) * n), `example ${k}`).toEqual(whole.subarray(k * n, (k + 1) * n)));
    // another seed or epoch changes the batch
    expect(pipeline.applyTo(x, { seed: 43, epoch: 3, exampleIndexOffset: 1000 })).not.toEqual(whole);
    expect(pipeline.applyTo(x, { seed: 42, epoch: 4, exampleIndexOffset: 1000 })).not.toEqual(whole);
  });

  it('gives the same bits on a second engine instance over the same memory (a worker)', async () => {
    const { attachEngine, createEngineSync } = await import('../../src/engine/engine');
    const owner = createEngineSync({ shared: true });
    const worker = attachEngine(owner.module, owner.memory, true);
    const pipeline = augmentation(
      [
        { type: 'rotate', degrees: 15 },
        { type: 'noise', std: 0.05 },
      ],
      { height: 8, width: 8, channels: 1 },
    );
    const rows = 10,
      n = 64;
    const x = randomArray(rows * n, 11, 0, 1);
    const src = owner.alloc(rows * n * 4),
      d1 = owner.alloc(rows * n * 4),
      d2 = owner.alloc(rows * n * 4),
      ws = owner.alloc(pipeline.workspaceBytes(owner));
    owner.f32.set(x, src >> 2);
    pipeline.apply(owner, src, d1, rows, { seed: 5, epoch: 1 });
    // the worker: two shards, its own workspace handed over by the owner
    pipeline.apply(worker, src, d2, 4, { seed: 5, epoch: 1, workspace: ws });
    pipeline.apply(worker, src + 4 * n * 4, d2 + 4 * n * 4, 6, { seed: 5, epoch: 1, exampleIndexOffset: 4, workspace: ws });
    expect(owner.f32.slice(d2 >> 2, (d2 >> 2) + rows * n)).toEqual(owner.f32.slice(d1 >> 2, (d1 >> 2) + rows * n));
    expect(() => pipeline.apply(worker, src, d2, 1, { seed: 5 })).toThrow(/pass options.workspace/);
  });

  it('respects each step probability statistically', () => {
    const rows = 4000;
    const steps: AugmentationSpec[] = [
      { type: 'rotate', degrees: 10, p: 0.3 },
      { type: 'flip' },
      { type: 'noise', std: 0.1, p: 0.9 },
      { type: 'brightness', delta: 0.1, p: 0 },
    ];
    const { params } = augmentation(steps, { height: 2, width: 2, channels: 1 }).applyWithParams(new Float32Array(rows * 4), { seed: 7 });
    const expectedP = [0.3, 0.5, 0.9, 0];
    expectedP.forEach((p, j) => {
      let applied = 0;
      for (let r = 0; r < rows; r++) applied += params[(r * steps.length + j) * AUG_PARAM_FLOATS]!;
      const sd = Math.sqrt((p * (1 - p)) / rows);
      // within 4 standard deviations of the binomial proportion
      expect(Math.abs(applied / rows - p), `step ${j}`).toBeLessThanOrEqual(4 * sd + 1e-12);
    });
    // and the drawn angles are uniform over [-10, 10]
    const angles: number[] = [];
    for (let r = 0; r < rows; r++) if (params[r * 4 * AUG_PARAM_FLOATS]) angles.push(params[r * 4 * AUG_PARAM_FLOATS + 1]!);
    expect(Math.min(...angles)).toBeGreaterThanOrEqual(-10);
    expect(Math.max(...angles)).toBeLessThanOrEqual(10);
    expect(Math.abs(angles.reduce((a, b) => a + b, 0) / angles.length)).toBeLessThan(0.6); // sd of the mean: 5.8 / sqrt(1200)
  });

  it('rejects bad arguments with messages that name them', () => {
    const e = engine();
    const table = put(new Float32Array(AUG_OP_FLOATS));
    const src = put(new Float32Array(16)),
      dst = put(new Float32Array(16));
    const ws = e.alloc(e.k.f32_augment_workspace_bytes(4, 4, 1));
    const base = { src, dst, rows: 1, height: 4, width: 4, channels: 1, ops: table, nOps: 1, seed: 0, epoch: 0, index0: 0, fill: 0, ws };
    expect(() => f32_augment(e, { ...base, height: 0 })).toThrow(/height must be a positive integer, got 0/);
    expect(() => f32_augment(e, { ...base, seed: -1 })).toThrow(/seed must be an integer in \[0, 2\^32\)/);
    expect(() => f32_augment(e, { ...base, dst: src + 8 })).toThrow(/dst overlaps src/);
    expect(() => f32_augment(e, { ...base, ws: ws + 4 })).toThrow(/ws must be 16-byte aligned/);
    expect(() => f32_augment(e, { ...base, rows: 1e9 })).toThrow(/past the end of memory/);
    expect(() => f32_augment(e, { ...base, index0: 2 ** 32 - 1, rows: 2 })).toThrow(/below 2\^32/);
    expect(() => f32_augment(e, { ...base, indices: 2 })).toThrow(/indices must be a 4-byte aligned/);
    // a zero kind is a no-op record: the kernel copies
    e.f32.set(randomArray(16, 1), src >> 2);
    f32_augment(e, { ...base });
    expect(get(dst, 16)).toEqual(get(src, 16));
  });
});
