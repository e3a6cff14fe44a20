/**
 * Wrapper of assembly/kernels/f32_augment.ts: a pipeline of augmentations over a batch of
 * image rows, seeded per (seed, epoch, example index).
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkRegion } from '../check';

/** Floats per operation record in the table; must match AUG_OP_FLOATS in the kernel. */
export const AUG_OP_FLOATS = 16;
/** Floats per (row, op) in the optional parameter output; must match AUG_PARAM_FLOATS. */
export const AUG_PARAM_FLOATS = 8;

/**
 * Operation kinds and their record layout, [kind, p, ...params]; must match the K_* constants
 * of assembly/kernels/f32_augment.ts.
 */
export const AUG_KIND = {
  rotate: 1, //     degrees lo, hi
  scale: 2, //      factor lo, hi
  translate: 3, //  max |dx|, max |dy| in pixels
  flip: 4, //       0 horizontal, 1 vertical
  crop: 5, //       side fraction lo, hi
  elastic: 6, //    alpha lo, hi, sigma
  cutout: 7, //     side lo, hi in pixels, value
  noise: 8, //      std lo, hi
  blur: 9, //       sigma lo, hi
  brightness: 10, // delta lo, hi
  contrast: 11, //  factor lo, hi
  clip: 12, //      lo, hi
} as const;

/** Arguments of {@link f32_augment}; pointers are byte offsets into the engine's memory. */
export interface AugmentArgs {
  src: number;
  dst: number;
  rows: number;
  height: number;
  width: number;
  channels: number;
  /** The operation table: nOps records of AUG_OP_FLOATS floats. */
  ops: number;
  nOps: number;
  seed: number;
  epoch: number;
  /** Example index of row 0 (rows are index0, index0 + 1, ...), when `indices` is 0. */
  index0: number;
  /** Byte offset of `rows` int32 example indices (row r is example indices[r]), or 0. */
  indices?: number;
  /** Value of pixels sampled from outside the image. */
  fill: number;
  /** f32_augment_workspace_bytes(height, width, channels) bytes, 16-byte aligned. */
  ws: number;
  /** rows x nOps x AUG_PARAM_FLOATS floats receiving the drawn parameters, or 0. */
  params?: number;
}

/** Bytes of workspace one call needs for images of this shape. */
export function f32_augment_workspace_bytes(e: Engine, height: number, width: number, channels: number): number {
  return e.k.f32_augment_workspace_bytes(height, width, channels);
}

function checkU32(kernel: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${kernel}: ${name} must be an integer in [0, 2^32), got ${v}`);
}

/** Checks the shapes and regions, then runs the kernel. */
export function f32_augment(e: Engine, g: AugmentArgs): void {
  const K = 'f32_augment';
  checkDim(K, 'rows', g.rows);
  for (const [name, v] of [
    ['height', g.height],
    ['width', g.width],
    ['channels', g.channels],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${K}: ${name} must be a positive integer, got ${v}`);
  }
  checkDim(K, 'nOps', g.nOps);
  checkU32(K, 'seed', g.seed);
  checkU32(K, 'epoch', g.epoch);
  checkU32(K, 'index0', g.index0);
  if (g.index0 + g.rows > 2 ** 32) throw new RangeError(`${K}: example indices index0 + rows must stay below 2^32, got ${g.index0} + ${g.rows}`);
  if (!Number.isFinite(g.fill)) throw new RangeError(`${K}: fill must be finite, got ${g.fill}`);
  const n = g.rows * g.height * g.width * g.channels;
  checkRegion(e, K, 'src', g.src, n);
  checkRegion(e, K, 'dst', g.dst, n);
  checkDisjoint(K, 'dst', g.dst, n, 'src', g.src, n);
  checkRegion(e, K, 'ops', g.ops, g.nOps * AUG_OP_FLOATS);
  const wsBytes = e.k.f32_augment_workspace_bytes(g.height, g.width, g.channels);
  if (g.ws % 16 !== 0) throw new RangeError(`${K}: ws must be 16-byte aligned, got ${g.ws}`);
  checkRegion(e, K, 'ws', g.ws, wsBytes / 4);
  checkDisjoint(K, 'ws', g.ws, wsBytes / 4, 'src', g.src, n);
  checkDisjoint(K, 'ws', g.ws, wsBytes / 4, 'dst', g.dst, n);
  checkDisjoint(K, 'ws', g.ws, wsBytes / 4, 'ops', g.ops, g.nOps * AUG_OP_FLOATS);
  const indices = g.indices ?? 0;
  if (indices) checkRegion(e, K, 'indices', indices, g.rows);
  const params = g.params ?? 0;
  if (params) {
    const pn = g.rows * g.nOps * AUG_PARAM_FLOATS;
    checkRegion(e, K, 'params', params, pn);
    checkDisjoint(K, 'params', params, pn, 'dst', g.dst, n);
    checkDisjoint(K, 'params', params, pn, 'ws', g.ws, wsBytes / 4);
  }
  if (n === 0) return;
  e.k.f32_augment(g.src, g.dst, g.rows, g.height, g.width, g.channels, g.ops, g.nOps, g.seed, g.epoch, g.index0, indices, g.fill, g.ws, params);
}
