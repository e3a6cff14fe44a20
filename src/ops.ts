/**
 * `knobs.ops`: the engine's kernels on plain Float32Arrays, for users who want the compute
 * engine alone.
 *
 * Inputs may be any Float32Array: they are copied into the engine's memory for the call.
 * Arrays from {@link alloc} already live there and are used in place, with no copy; pass one
 * as `out` to receive the result without a copy too. That is how the benchmark calls it.
 *
 * @example
 * ```ts
 * import * as knobs from 'knobs';
 * const a = new Float32Array([1, 2, 3, 4, 5, 6]);       // 2 x 3
 * const b = new Float32Array([1, 0, 0, 1, 1, 1]);       // 3 x 2
 * const c = knobs.ops.matMul(a, b, { m: 2, k: 3, n: 2 }); // [4, 5, 10, 11]
 * ```
 * @module
 */
import { ShapeError, describe } from './errors';
import { engine, type Engine } from './engine/engine';
import { f32_gemm } from './engine/kernels/f32_gemm';
import {
  type ActivationName,
  ACTIVATION_NAMES,
  DEFAULT_ACTIVATION_ALPHA,
  activationNeedsInput,
  activationKind,
  f32_activation,
  f32_activation_grad,
  f32_softmax,
} from './engine/kernels/f32_activation';

export type { ActivationName } from './engine/kernels/f32_activation';

const owned = new WeakSet<Float32Array>();

/**
 * Allocates `n` floats inside the engine's memory, zero-filled. The returned array is used
 * in place by every op (no copy). Call {@link free} when done. With a non-shared memory
 * (browsers that are not cross-origin isolated), the view is invalidated if the engine's
 * memory grows: allocate what you need first.
 */
export function alloc(n: number): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`ops.alloc: n must be a non-negative integer, got ${describe(n)}`);
  const e = engine();
  const ptr = e.allocF32(Math.max(1, n));
  const view = e.view(ptr, n);
  owned.add(view);
  return view;
}

/** Frees an array from {@link alloc}. */
export function free(array: Float32Array): void {
  if (!owned.has(array)) throw new RangeError('ops.free: the array was not allocated by ops.alloc (or was freed already)');
  owned.delete(array);
  engine().free(array.byteOffset);
}

/** Stages arrays in engine memory for one call; frees the temporaries at the end. */
class Staging {
  private temps: number[] = [];
  constructor(readonly e: Engine) {}

  /** Pointer of an input: in place when it is engine-resident, else a copy. */
  input(name: string, array: unknown, expected: number, op: string): number {
    if (!(array instanceof Float32Array)) throw new TypeError(`${op}: ${name} must be a Float32Array, got ${describe(array)}`);
    if (array.length !== expected) throw new ShapeError(`${op}: ${name} must have ${expected} elements, got ${array.length}`);
    if (expected === 0) return 0;
    if (owned.has(array) && array.buffer === this.e.memory.buffer) return array.byteOffset;
    const ptr = this.e.alloc(expected * 4);
    this.temps.push(ptr);
    this.e.f32.set(array, ptr >> 2);
    return ptr;
  }

  /** Pointer for an output of `n` floats: `out` in place when engine-resident, else a temporary. */
  output(out: Float32Array | undefined, n: number, op: string): number {
    if (out !== undefined) {
      if (!(out instanceof Float32Array)) throw new TypeError(`${op}: options.out must be a Float32Array, got ${describe(out)}`);
      if (out.length !== n) throw new ShapeError(`${op}: options.out must have ${n} elements, got ${out.length}`);
      if (owned.has(out) && out.buffer === this.e.memory.buffer) return out.byteOffset;
    }
    if (n === 0) return 0;
    const ptr = this.e.alloc(n * 4);
    this.temps.push(ptr);
    return ptr;
  }

  /** The result array: `out` (filled from the temporary if needed) or a new copy. */
  result(out: Float32Array | undefined, ptr: number, n: number): Float32Array {
    if (out && out.byteOffset === ptr && out.buffer === this.e.memory.buffer) return out;
    const target = out ?? new Float32Array(n);
    if (n > 0) target.set(this.e.f32.subarray(ptr >> 2, (ptr >> 2) + n));
    return target;
  }

  done(): void {
    for (const p of this.temps) this.e.free(p);
    this.temps.length = 0;
  }
}

function run<T>(fn: (s: Staging) => T): T {
  const s = new Staging(engine());
  try {
    return fn(s);
  } finally {
    s.done();
  }
}

function dim(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${op}: options.${name} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/** Options of {@link matMul}. */
export interface MatMulOptions {
  /** Rows of op(a) and of the result. */
  m: number;
  /** Columns of op(a), rows of op(b). */
  k: number;
  /** Columns of op(b) and of the result. */
  n: number;
  /** Use a^T: `a` is stored k x m. */
  transposeA?: boolean;
  /** Use b^T: `b` is stored n x k. */
  transposeB?: boolean;
  /** n floats added to every row of the product. */
  bias?: Float32Array;
  /** Activation applied after the bias. Default 'linear'. */
  activation?: ActivationName;
  /** Slope of leakyRelu / scale of elu. */
  alpha?: number;
  /** Where to write the m x n result. */
  out?: Float32Array;
}

/**
 * Matrix product `activation(op(a) * op(b) + bias)` of row-major matrices, with op(x) = x or x^T.
 * Returns the m x n result, row-major.
 */
export function matMul(a: Float32Array, b: Float32Array, options: MatMulOptions): Float32Array {
  const op = 'ops.matMul';
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: options {m, k, n} are required, got ${describe(options)}`);
  const m = dim(op, 'm', options.m),
    k = dim(op, 'k', options.k),
    n = dim(op, 'n', options.n);
  const act = activationKind(options.activation ?? 'linear');
  const actAlpha = options.alpha ?? defaultAlpha(options.activation ?? 'linear');
  return run((s) => {
    const pa = s.input('a', a, m * k, op);
    const pb = s.input('b', b, k * n, op);
    const pbias = options.bias === undefined ? 0 : s.input('options.bias', options.bias, n, op);
    const pc = s.output(options.out, m * n, op);
    if (m * n > 0) {
      f32_gemm(s.e, {
        m,
        n,
        k,
        a: pa,
        b: pb,
        c: pc,
        bias: pbias,
        transA: options.transposeA ?? false,
        transB: options.transposeB ?? false,
        act,
        actAlpha,
      });
    }
    return s.result(options.out, pc, m * n);
  });
}

/** The default alpha of an activation given in any capitalization. */
function defaultAlpha(name: string): number {
  const hit = ACTIVATION_NAMES.get(name);
  return hit ? DEFAULT_ACTIVATION_ALPHA[hit.name as ActivationName] : 0;
}

/** Options of the element-wise activation ops. */
export interface ActivationOptions {
  /** Slope of leakyRelu (default 0.3) / scale of elu (default 1). */
  alpha?: number;
  out?: Float32Array;
}

/** Applies an activation element-wise. */
export function activation(name: ActivationName, x: Float32Array, options: ActivationOptions = {}): Float32Array {
  const op = `ops.activation(${JSON.stringify(name)})`;
  const kind = activationKind(name);
  return run((s) => {
    const n = x instanceof Float32Array ? x.length : 0;
    const px = s.input('x', x, n, op);
    const py = s.output(options.out, n, op);
    if (n > 0) f32_activation(s.e, kind, px, py, n, options.alpha ?? defaultAlpha(name));
    return s.result(options.out, py, n);
  });
}

/**
 * The gradient through an activation: `dy * act'(x)`, computed from the activation's output
 * `y = act(x)` (which is what a layer keeps). gelu, geluNew, swish and mish are not monotonic, so
 * their output does not determine the input: they throw here (the layers keep their input).
 */
export function activationGrad(name: ActivationName, y: Float32Array, dy: Float32Array, options: ActivationOptions = {}): Float32Array {
  const op = `ops.activationGrad(${JSON.stringify(name)})`;
  const kind = activationKind(name);
  if (activationNeedsInput(kind)) throw new RangeError(`${op}: ${name}'s derivative needs its input, not its output`);
  return run((s) => {
    const n = y instanceof Float32Array ? y.length : 0;
    const py = s.input('y', y, n, op);
    const pdy = s.input('dy', dy, n, op);
    const pdx = s.output(options.out, n, op);
    if (n > 0) f32_activation_grad(s.e, kind, py, pdy, pdx, n, options.alpha ?? defaultAlpha(name));
    return s.result(options.out, pdx, n);
  });
}

/** max(x, 0) element-wise. */
export const relu = (x: Float32Array, options?: ActivationOptions): Float32Array => activation('relu', x, options);
/** x > 0 ? x : alpha * x (alpha default 0.3). */
export const leakyRelu = (x: Float32Array, options?: ActivationOptions): Float32Array => activation('leakyRelu', x, options);
/** x > 0 ? x : alpha * (e^x - 1) (alpha default 1). */
export const elu = (x: Float32Array, options?: ActivationOptions): Float32Array => activation('elu', x, options);
/** 1 / (1 + e^-x). */
export const sigmoid = (x: Float32Array, options?: ActivationOptions): Float32Array => activation('sigmoid', x, options);
/** tanh(x). */
export const tanh = (x: Float32Array, options?: ActivationOptions): Float32Array => activation('tanh', x, options);

/** Options of {@link softmax}. */
export interface SoftmaxOptions {
  /** Row length; default the whole array is one row. */
  cols?: number;
  out?: Float32Array;
}

/** Row-wise softmax of a row-major matrix with `cols` columns (numerically stable). */
export function softmax(x: Float32Array, options: SoftmaxOptions = {}): Float32Array {
  const op = 'ops.softmax';
  const n = x instanceof Float32Array ? x.length : 0;
  const cols = options.cols === undefined ? n : dim(op, 'cols', options.cols);
  if (cols === 0 ? n !== 0 : n % cols !== 0) throw new ShapeError(`${op}: x has ${n} elements, not a whole number of rows of ${cols}`);
  const rows = cols === 0 ? 0 : n / cols;
  return run((s) => {
    const px = s.input('x', x, n, op);
    const py = s.output(options.out, n, op);
    if (n > 0) f32_softmax(s.e, px, py, rows, cols);
    return s.result(options.out, py, n);
  });
}
