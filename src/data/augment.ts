/**
 * Data augmentation pipelines over image rows, run by the WebAssembly kernel
 * `f32_augment` (assembly/kernels/f32_augment.ts).
 *
 * Augmentation makes the training set look more like the data the model will meet: rotated,
 * scaled and shifted digits; noisy, blurred or darker photos. Each operation takes a
 * probability `p` and a range its parameter is drawn from, per example.
 *
 * Randomness is keyed by (seed, epoch, example index), never by thread or batch position: the
 * same seed gives the same augmented batch whatever the number of workers, and each epoch
 * sees new variants. The trainer calls {@link AugmentationPipeline.apply} per batch on engine
 * memory; {@link AugmentationPipeline.applyTo} does the same on a plain Float32Array.
 * @module
 */
import { engine as defaultEngine, type Engine } from '../engine/engine';
import { AUG_KIND, AUG_OP_FLOATS, AUG_PARAM_FLOATS, f32_augment } from '../engine/kernels/f32_augment';
import { ShapeError, describe } from '../errors';
import { Dataset, type ImageShape } from './dataset';
import { encodePng, imageGrid } from '../image/png';

/** A range [lo, hi], or one number whose meaning each operation states. */
export type Range = number | readonly [number, number];

/** One augmentation. `p` is the probability it applies to an example (default 1; flip 0.5). */
export type AugmentationSpec =
  /** Rotation by an angle in degrees drawn from [-degrees, degrees] (or [lo, hi]); positive turns counterclockwise. */
  | { type: 'rotate'; degrees: Range; p?: number }
  /** Zoom by a factor drawn from `range` ([lo, hi], or s for [1 - s, 1 + s]); above 1 the content grows. */
  | { type: 'scale'; range: Range; p?: number }
  /** Shift by up to `pixels` in x and y (one number for both, or [x, y]), uniform in [-max, max]. */
  | { type: 'translate'; pixels: number | readonly [number, number]; p?: number }
  /** Mirror image, horizontally (the default) or vertically. Default p 0.5. */
  | { type: 'flip'; direction?: 'horizontal' | 'vertical'; p?: number }
  /** Random crop of a `scale` fraction of each side (a number, or [lo, hi]), at a random position, resized back. */
  | { type: 'crop'; scale: Range; p?: number }
  /** A square of side `size` pixels (a number, or [lo, hi]) at a random center set to `value` (default 0). */
  | { type: 'cutout'; size: Range; value?: number; p?: number }
  /** Gaussian noise of standard deviation `std` (a number, or [lo, hi] drawn per example). */
  | { type: 'noise'; std: Range; p?: number }
  /** Gaussian blur of `sigma` pixels (a number, or [lo, hi]), at most 8; edges replicated. */
  | { type: 'blur'; sigma: Range; p?: number }
  /**
   * Elastic distortion (Simard et al. 2003): a random displacement field, uniform in [-1, 1]
   * per pixel, smoothed with a Gaussian of `sigma` pixels (default 4, at most 8) and scaled by
   * `alpha` pixels (a number, or [lo, hi]). On MNIST, alpha 34 and sigma 4 are the classic values.
   */
  | { type: 'elastic'; alpha: Range; sigma?: number; p?: number }
  /** Adds a value drawn from [-delta, delta] (or [lo, hi]) to every pixel. */
  | { type: 'brightness'; delta: Range; p?: number }
  /** Scales the distance from the image mean by a factor from `range` ([lo, hi], or f for [1 - f, 1 + f]). */
  | { type: 'contrast'; range: Range; p?: number };

/**
 * The image shape and the pipeline-wide options. The shape may be left out entirely: `fit`
 * then takes height, width and channels from the model's `inputShape` ([h, w, c], or [h, w]
 * for one channel).
 */
export interface AugmentationOptions extends Partial<ImageShape> {
  /** Value of pixels that rotations, shifts and zooms bring in from outside the image. Default 0. */
  fill?: number;
  /** Clamp every output value to [lo, hi] at the end (say [0, 1] for pixel intensities). Default: no clamp. */
  clip?: readonly [number, number];
}

/**
 * The randomness of one call: row r is keyed by (seed, epoch, example index), the index being
 * `exampleIndexOffset + r`, or `exampleIndices[r]` when given.
 */
export interface AugmentCall {
  /** Default 0. */
  seed?: number;
  /** Default 0. */
  epoch?: number;
  /** Example index of the first row (a worker's shard passes where its rows start). Default 0. */
  exampleIndexOffset?: number;
}

/** Options of {@link AugmentationPipeline.applyTo}. */
export interface ApplyToOptions extends AugmentCall {
  /** The example index of each row (say, the dataset rows a shuffled batch holds). */
  exampleIndices?: Int32Array | readonly number[];
  engine?: Engine;
}

/** Options of {@link AugmentationPipeline.apply}. */
export interface ApplyOptions extends AugmentCall {
  /**
   * Byte offset of `rows` int32 example indices in engine memory: row r is example
   * exampleIndices[r] (the dataset row a shuffled batch gathered), so an example's augmentation
   * in an epoch depends neither on the shuffle nor on the batch it lands in. Default: none,
   * rows are exampleIndexOffset + r.
   */
  exampleIndices?: number;
  /**
   * Byte offset of `pipeline.workspaceBytes(engine)` bytes (16-byte aligned) this call may use.
   * Required on an engine that cannot allocate (a worker attached to shared memory); otherwise
   * the pipeline keeps one workspace per engine.
   */
  workspace?: number;
  /** Byte offset of rows x ops x 8 floats receiving the drawn parameters, or 0 (default). */
  params?: number;
}

const TYPES = Object.keys(AUG_KIND).filter((k) => k !== 'clip');
const MAX_SIGMA = 8;

/** A range option as [lo, hi], checked. */
function rangeOf(
  where: string,
  name: string,
  v: unknown,
  single: (x: number) => [number, number],
  check: (x: number) => boolean,
  rule: string,
): [number, number] {
  let r: [number, number];
  if (typeof v === 'number') r = single(v);
  else if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') r = [v[0], v[1]];
  else throw new TypeError(`${where}: ${name} must be a number or [lo, hi], got ${describe(v)}`);
  if (!Number.isFinite(r[0]) || !Number.isFinite(r[1]) || r[0] > r[1] || !check(r[0]) || !check(r[1])) {
    throw new RangeError(`${where}: ${name} must give a range lo <= hi with ${rule}, got ${JSON.stringify(v)}`);
  }
  return r;
}

/** Encodes one spec as its table record [kind, p, a0, a1, a2]. */
function encode(spec: AugmentationSpec, i: number): number[] {
  const where = `augmentation: step ${i} (${describe((spec as { type?: unknown })?.type)})`;
  if (spec === null || typeof spec !== 'object') throw new TypeError(`augmentation: step ${i} must be an object {type, ...}, got ${describe(spec)}`);
  const type = spec.type;
  if (!TYPES.includes(type)) throw new RangeError(`augmentation: step ${i} has type ${describe(type)}; the types are ${TYPES.join(', ')}`);
  const p = spec.p ?? (type === 'flip' ? 0.5 : 1);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${where}: p must be a probability in [0, 1], got ${describe(p)}`);
  const any = (_: number): boolean => true;
  const sym = (x: number): [number, number] => [-Math.abs(x), Math.abs(x)];
  const fixed = (x: number): [number, number] => [x, x];
  const around1 = (x: number): [number, number] => [1 - x, 1 + x];
  const kind = AUG_KIND[type];
  switch (spec.type) {
    case 'rotate':
      return [kind, p, ...rangeOf(where, 'degrees', spec.degrees, sym, any, 'finite degrees')];
    case 'scale':
      return [kind, p, ...rangeOf(where, 'range', spec.range, around1, (x) => x > 0, 'factors > 0')];
    case 'translate': {
      const px = spec.pixels;
      const [x, y] = typeof px === 'number' ? [px, px] : Array.isArray(px) && px.length === 2 ? px : [NaN, NaN];
      if (!(x! >= 0 && y! >= 0 && Number.isFinite(x) && Number.isFinite(y)))
        throw new RangeError(`${where}: pixels must be a number >= 0 or [x, y] maxima >= 0, got ${describe(px)}`);
      return [kind, p, x!, y!];
    }
    case 'flip': {
      const dir = spec.direction ?? 'horizontal';
      if (dir !== 'horizontal' && dir !== 'vertical') throw new RangeError(`${where}: direction must be 'horizontal' or 'vertical', got ${describe(dir)}`);
      return [kind, p, dir === 'horizontal' ? 0 : 1];
    }
    case 'crop':
      return [kind, p, ...rangeOf(where, 'scale', spec.scale, fixed, (x) => x > 0 && x <= 1, 'side fractions in (0, 1]')];
    case 'cutout': {
      const r = rangeOf(where, 'size', spec.size, fixed, (x) => x >= 0, 'sizes >= 0 pixels');
      const value = spec.value ?? 0;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${where}: value must be a finite number, got ${describe(value)}`);
      return [kind, p, ...r, value];
    }
    case 'noise':
      return [kind, p, ...rangeOf(where, 'std', spec.std, fixed, (x) => x >= 0, 'standard deviations >= 0')];
    case 'blur':
      return [kind, p, ...rangeOf(where, 'sigma', spec.sigma, fixed, (x) => x >= 0 && x <= MAX_SIGMA, `sigmas in [0, ${MAX_SIGMA}] pixels`)];
    case 'elastic': {
      const sigma = spec.sigma ?? 4;
      if (typeof sigma !== 'number' || !(sigma > 0 && sigma <= MAX_SIGMA))
        throw new RangeError(`${where}: sigma must be in (0, ${MAX_SIGMA}] pixels, got ${describe(sigma)}`);
      return [kind, p, ...rangeOf(where, 'alpha', spec.alpha, fixed, (x) => x >= 0, 'alpha >= 0 pixels'), sigma];
    }
    case 'brightness':
      return [kind, p, ...rangeOf(where, 'delta', spec.delta, sym, any, 'finite deltas')];
    case 'contrast':
      return [kind, p, ...rangeOf(where, 'range', spec.range, around1, (x) => x >= 0, 'factors >= 0')];
  }
  throw new RangeError(`augmentation: step ${i} has unknown type ${describe(type)}`);
}

/**
 * A compiled augmentation pipeline for images of one shape. Build it with {@link augmentation}.
 *
 * @example
 * ```ts
 * const pipeline = knobs.data.augmentation([{ type: 'flip' }], { height: 32, width: 32, channels: 3 });
 * pipeline.features;                 // 3072
 * pipeline.workspaceBytes();         // bytes a worker's apply() needs
 * const json = pipeline.toJSON();    // send to a worker; knobs.data.augmentation(json.steps, json) there
 * ```
 */
export class AugmentationPipeline {
  readonly steps: readonly AugmentationSpec[];
  private readonly imageShape: Readonly<ImageShape> | undefined;
  readonly fill: number;
  readonly clip: readonly [number, number] | undefined;
  /** The operation table the kernel reads: `ops` records of 16 floats. */
  readonly table: Float32Array;
  /** Number of records in the table (the steps, plus one for `clip`). */
  readonly ops: number;
  private readonly workspaces = new WeakMap<Engine, { ptr: number; bytes: number }>();

  /** @internal use {@link augmentation} */
  constructor(steps: readonly AugmentationSpec[], options: AugmentationOptions = {}) {
    if (!Array.isArray(steps)) throw new TypeError(`augmentation: steps must be an array of {type, ...}, got ${describe(steps)}`);
    if (options === null || typeof options !== 'object') throw new TypeError(`augmentation: options must be an object, got ${describe(options)}`);
    const { height, width, channels } = options;
    // no shape at all: fit() binds the pipeline to the model's inputShape
    const shaped = height !== undefined || width !== undefined || channels !== undefined;
    for (const [k, v] of shaped
      ? ([
          ['height', height],
          ['width', width],
          ['channels', channels],
        ] as const)
      : []) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
        throw new RangeError(`augmentation: options.${k} must be a positive integer, got ${describe(v)}`);
    }
    const fill = options.fill ?? 0;
    if (typeof fill !== 'number' || !Number.isFinite(fill)) throw new RangeError(`augmentation: options.fill must be a finite number, got ${describe(fill)}`);
    const records = steps.map((s, i) => encode(s, i));
    if (options.clip !== undefined) {
      const c = options.clip;
      if (!Array.isArray(c) || c.length !== 2 || !Number.isFinite(c[0]) || !Number.isFinite(c[1]) || !(c[0] <= c[1])) {
        throw new RangeError(`augmentation: options.clip must be [lo, hi] with lo <= hi, got ${describe(c)}`);
      }
      records.push([AUG_KIND.clip, 1, c[0], c[1]]);
    }
    this.steps = Object.freeze(steps.map((s) => Object.freeze({ ...s })));
    this.imageShape = shaped ? Object.freeze({ height: height!, width: width!, channels: channels! }) : undefined;
    this.fill = fill;
    this.clip = options.clip ? [options.clip[0], options.clip[1]] : undefined;
    this.ops = records.length;
    this.table = new Float32Array(records.length * AUG_OP_FLOATS);
    records.forEach((r, i) => this.table.set(r, i * AUG_OP_FLOATS));
  }

  /** The image shape; a pipeline made without one gets it from the model in `fit` ({@link withShape}). */
  get shape(): Readonly<ImageShape> {
    if (!this.imageShape) {
      throw new ShapeError(
        'augmentation: this pipeline has no image shape: give options {height, width, channels}, or pass it to fit() of a model with inputShape [height, width, channels]',
      );
    }
    return this.imageShape;
  }

  /** Whether the pipeline was given an image shape. */
  get hasShape(): boolean {
    return this.imageShape !== undefined;
  }

  /**
   * The same steps and options for images of `shape` (what `fit` does with a pipeline made
   * without a shape, from the model's inputShape).
   *
   * @example
   * ```ts
   * const flips = knobs.data.augmentation([{ type: 'flip' }]);
   * flips.withShape({ height: 32, width: 32, channels: 3 }).features; // 3072
   * ```
   */
  withShape(shape: ImageShape): AugmentationPipeline {
    return new AugmentationPipeline(this.steps, { ...shape, fill: this.fill, ...(this.clip ? { clip: this.clip } : {}) });
  }

  /** Floats per image row: height x width x channels. */
  get features(): number {
    return this.shape.height * this.shape.width * this.shape.channels;
  }

  /** Bytes of workspace one {@link apply} call needs (the operation table and the kernel's scratch). */
  workspaceBytes(e: Engine = defaultEngine()): number {
    return this.tableBytes() + e.k.f32_augment_workspace_bytes(this.shape.height, this.shape.width, this.shape.channels);
  }

  private tableBytes(): number {
    return Math.ceil((this.table.length * 4) / 64) * 64;
  }

  /**
   * Augments `rows` images at byte offset `src` into `dst` (both in the engine's memory,
   * not overlapping). Row r is example `exampleIndexOffset + r`, or `exampleIndices[r]`: a
   * worker handling rows 64..127 of a batch passes the batch's offset + 64 (or the pointer to
   * index 64 of the batch's index array) and gets the same bits as a single thread doing the
   * whole batch.
   *
   * @example
   * ```ts
   * // in the trainer, per batch (x and out are engine allocations of rows * features floats,
   * // idx the batch's int32 dataset row indices, also in engine memory)
   * pipeline.apply(engine, xPtr, outPtr, rows, { seed, epoch, exampleIndices: idxPtr });
   * pipeline.apply(engine, xPtr, outPtr, rows, { seed, epoch, exampleIndexOffset: batchStart }); // or by position
   * ```
   */
  apply(e: Engine, src: number, dst: number, rows: number, options: ApplyOptions = {}): void {
    const where = 'augmentation.apply';
    if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
    const need = this.workspaceBytes(e);
    let ws = options.workspace;
    if (ws === undefined) {
      let cached = this.workspaces.get(e);
      if (!cached || cached.bytes < need) {
        if (cached) e.free(cached.ptr);
        let ptr: number;
        try {
          ptr = e.alloc(need);
        } catch (err) {
          throw new Error(
            `${where}: this engine cannot allocate a workspace (${(err as Error).message}); pass options.workspace, ${need} bytes allocated by the thread that owns the memory`,
          );
        }
        cached = { ptr, bytes: need };
        this.workspaces.set(e, cached);
      }
      ws = cached.ptr;
    } else if (!Number.isInteger(ws) || ws <= 0 || ws % 16 !== 0 || ws + need > e.byteLength) {
      throw new RangeError(
        `${where}: options.workspace must be a 16-byte aligned byte offset of ${need} bytes inside the engine's memory, got ${describe(ws)}`,
      );
    }
    // the table goes at the start of the workspace, so a worker needs no allocation of its own
    e.f32.set(this.table, ws >> 2);
    f32_augment(e, {
      src,
      dst,
      rows,
      height: this.shape.height,
      width: this.shape.width,
      channels: this.shape.channels,
      ops: ws,
      nOps: this.ops,
      seed: options.seed ?? 0,
      epoch: options.epoch ?? 0,
      index0: options.exampleIndexOffset ?? 0,
      indices: options.exampleIndices ?? 0,
      fill: this.fill,
      ws: ws + this.tableBytes(),
      params: options.params ?? 0,
    });
  }

  /**
   * Augments image rows in a plain Float32Array (rows x height x width x channels) and returns
   * a new array; `x` is not changed.
   *
   * @example
   * ```ts
   * const pipeline = knobs.data.augmentation([{ type: 'rotate', degrees: 15 }], { height: 28, width: 28, channels: 1 });
   * const out = pipeline.applyTo(train.x, { seed: 1, epoch: 3 });
   * ```
   */
  applyTo(x: Float32Array, options: ApplyToOptions = {}): Float32Array {
    return this.run(x, options, false).x;
  }

  /**
   * Like {@link applyTo}, and also returns the parameters each example drew: `params[(row * ops
   * + op) * 8 + k]`, k = 0 is 1 when the op applied, then its values (rotate: degrees; scale:
   * factor; translate: dx, dy; crop: fraction, left, top; elastic: alpha; cutout: side, x, y;
   * noise: std; blur: sigma; brightness: delta; contrast: factor, mean).
   */
  applyWithParams(x: Float32Array, options: ApplyToOptions = {}): { x: Float32Array; params: Float32Array } {
    return this.run(x, options, true) as { x: Float32Array; params: Float32Array };
  }

  private run(x: Float32Array, options: ApplyToOptions, withParams: boolean): { x: Float32Array; params?: Float32Array } {
    const where = 'augmentation.applyTo';
    if (!(x instanceof Float32Array)) throw new TypeError(`${where}: x must be a Float32Array, got ${describe(x)}`);
    const f = this.features;
    if (x.length % f !== 0)
      throw new ShapeError(`${where}: x has ${x.length} values, not a multiple of ${this.shape.height} x ${this.shape.width} x ${this.shape.channels} = ${f}`);
    const rows = x.length / f;
    const e = options.engine ?? defaultEngine();
    const out = new Float32Array(x.length);
    if (rows === 0) return { x: out, ...(withParams ? { params: new Float32Array(0) } : {}) };
    const pn = withParams ? rows * this.ops * AUG_PARAM_FLOATS : 0;
    const ids = options.exampleIndices;
    if (ids !== undefined) {
      if (!(ids instanceof Int32Array) && !Array.isArray(ids))
        throw new TypeError(`${where}: options.exampleIndices must be an Int32Array or an array, got ${describe(ids)}`);
      if (ids.length !== rows) throw new ShapeError(`${where}: options.exampleIndices has ${ids.length} values for ${rows} rows`);
      for (let i = 0; i < rows; i++) {
        const v = ids[i]!;
        if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff)
          throw new RangeError(`${where}: options.exampleIndices[${i}] must be a non-negative integer, got ${describe(v)}`);
      }
    }
    const src = e.alloc(x.length * 4),
      dst = e.alloc(x.length * 4),
      params = pn ? e.alloc(pn * 4) : 0;
    const idx = ids !== undefined ? e.alloc(rows * 4) : 0;
    try {
      e.f32.set(x, src >> 2);
      if (idx) e.i32.set(ids!, idx >> 2);
      const { engine: _engine, exampleIndices: _ids, ...call } = options;
      this.apply(e, src, dst, rows, { ...call, params, ...(idx ? { exampleIndices: idx } : {}) });
      out.set(e.f32.subarray(dst >> 2, (dst >> 2) + x.length));
      return { x: out, ...(pn ? { params: e.f32.slice(params >> 2, (params >> 2) + pn) } : {}) };
    } finally {
      e.free(src);
      e.free(dst);
      if (params) e.free(params);
      if (idx) e.free(idx);
    }
  }

  /** The steps and options, as JSON: `augmentation(json.steps, json)` rebuilds the pipeline (in a worker, say). */
  toJSON(): { steps: AugmentationSpec[]; height: number; width: number; channels: number; fill: number; clip?: [number, number] } {
    return {
      steps: this.steps.map((s) => ({ ...s })),
      ...this.shape,
      fill: this.fill,
      ...(this.clip ? { clip: [this.clip[0], this.clip[1]] as [number, number] } : {}),
    };
  }
}

/**
 * Builds an augmentation pipeline for images of the given shape. Steps run in order; each
 * applies with its probability `p`. Consecutive geometric steps (rotate, scale, translate,
 * flip, crop, and an elastic distortion ending them) are fused into one bilinear resampling.
 * Without a shape, `fit({ augment })` takes it from the model's inputShape [h, w, c].
 *
 * @example
 * ```ts
 * const pipeline = knobs.data.augmentation([
 *   { type: 'rotate', degrees: 15 },             // [-15, 15] degrees, always
 *   { type: 'scale', range: [0.9, 1.1] },
 *   { type: 'translate', pixels: 2 },
 *   { type: 'noise', std: [0, 0.05], p: 0.5 },
 * ], { height: 28, width: 28, channels: 1, clip: [0, 1] });
 * const augmented = pipeline.applyTo(train.x, { seed: 1, epoch: 0 });
 * // for a model with inputShape [28, 28, 1] the shape can come from the model:
 * await model.fit(train.x, train.y, { augment: knobs.data.augmentation([{ type: 'translate', pixels: 2 }]) });
 * ```
 */
export function augmentation(steps: readonly AugmentationSpec[], options: AugmentationOptions = {}): AugmentationPipeline {
  return new AugmentationPipeline(steps, options);
}

/** Options of {@link preview}. */
export interface PreviewOptions {
  /** Source images shown, one per grid row. Default 8. */
  count?: number;
  /** Augmented variants per image, next to the original. Default 7. */
  variants?: number;
  /** Default 0. */
  seed?: number;
  /** Pixel magnification. Default 3. */
  scale?: number;
  /** Value range mapped to black..white. Default [0, 1]. */
  range?: [number, number];
  engine?: Engine;
}

/**
 * A PNG grid showing what the model is fed: each row is one image, first as it is, then
 * `variants` augmented versions (epochs 0, 1, ... of the same example). Returns the PNG
 * bytes; in Node, `knobs.data.preview(pipeline, images, { path })` also writes the file.
 *
 * @example
 * ```ts
 * const png = knobs.data.preview(pipeline, train, { count: 6, variants: 9 });
 * ```
 */
export function preview(pipeline: AugmentationPipeline, images: Float32Array | Dataset, options: PreviewOptions = {}): Uint8Array {
  const where = 'preview';
  if (!(pipeline instanceof AugmentationPipeline)) throw new TypeError(`${where}: pipeline must come from knobs.data.augmentation, got ${describe(pipeline)}`);
  const x = images instanceof Dataset ? images.x : images;
  if (!(x instanceof Float32Array)) throw new TypeError(`${where}: images must be a Float32Array or a Dataset, got ${describe(images)}`);
  const { height, width, channels } = pipeline.shape;
  if (channels !== 1 && channels !== 3) throw new RangeError(`${where}: PNG previews show 1 or 3 channels, the pipeline has ${channels}`);
  const f = pipeline.features;
  if (x.length % f !== 0) throw new ShapeError(`${where}: images have ${x.length} values, not a multiple of ${f}`);
  const count = Math.min(options.count ?? 8, x.length / f),
    variants = options.variants ?? 7;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`${where}: there must be at least one image and options.count >= 1, got ${count}`);
  if (!Number.isInteger(variants) || variants < 0) throw new RangeError(`${where}: options.variants must be a non-negative integer, got ${describe(variants)}`);
  const tiles: Float32Array[] = [];
  const originals = x.subarray(0, count * f);
  const augmented = Array.from({ length: variants }, (_, epoch) =>
    pipeline.applyTo(originals, { seed: options.seed ?? 0, epoch, ...(options.engine ? { engine: options.engine } : {}) }),
  );
  for (let i = 0; i < count; i++) {
    tiles.push(originals.subarray(i * f, (i + 1) * f));
    for (const a of augmented) tiles.push(a.subarray(i * f, (i + 1) * f));
  }
  const [lo, hi] = options.range ?? [0, 1];
  const grid = imageGrid(tiles, { height, width, channels }, { columns: variants + 1, lo, hi, scale: options.scale ?? 3 });
  return encodePng(grid.pixels, grid.width, grid.height, grid.channels);
}
