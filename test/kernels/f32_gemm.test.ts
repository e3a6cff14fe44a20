import { describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { f32_gemm } from '../../src/engine/kernels/f32_gemm';
import { ACTIVATION } from '../../src/engine/kernels/f32_activation';
import { REF } from './activation-reference';
import { ShapeError } from '../../src/errors';
import { SIZES, expectClose, get, put, randomArray } from '../helpers';

/** float64 reference of act(alpha*op(A)op(B) + beta*C + bias) over strided storage. */
function reference(o: {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  a: Float32Array;
  lda: number;
  b: Float32Array;
  ldb: number;
  c: Float32Array;
  ldc: number;
  bias?: Float32Array;
  act?: (x: number) => number;
}): Float64Array {
  const out = new Float64Array(o.m * o.n);
  for (let i = 0; i < o.m; i++) {
    for (let j = 0; j < o.n; j++) {
      let s = 0;
      for (let p = 0; p < o.k; p++) {
        const av = o.transA ? o.a[p * o.lda + i]! : o.a[i * o.lda + p]!;
        const bv = o.transB ? o.b[j * o.ldb + p]! : o.b[p * o.ldb + j]!;
        s += av * bv;
      }
      let v = o.alpha * s + (o.beta === 0 ? 0 : o.beta * o.c[i * o.ldc + j]!);
      if (o.bias) v += o.bias[j]!;
      out[i * o.n + j] = o.act ? o.act(v) : v;
    }
  }
  return out;
}

interface Case {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha?: number;
  beta?: number;
  pad?: number;
  bias?: boolean;
  act?: keyof typeof ACTIVATION;
}

const ACTS: Record<string, (x: number) => number> = Object.fromEntries(
  Object.entries(REF).map(([name, f]) => [name, (x: number) => f(x, name === 'leakyRelu' ? 0.3 : 1)]),
);

/** Runs one case with guard bands around C and compares with the reference. */
function check(cs: Case, seed: number): void {
  const { transA, transB, m, n, k } = cs;
  const alpha = cs.alpha ?? 1,
    beta = cs.beta ?? 0,
    pad = cs.pad ?? 0;
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + pad,
    ldb = bCols + pad,
    ldc = n + pad;
  const a = randomArray(aRows * lda, seed),
    b = randomArray(bRows * ldb, seed + 1),
    c0 = randomArray(m * ldc, seed + 2);
  const bias = cs.bias ? randomArray(n, seed + 3) : undefined;
  const GUARD = 16;
  // C sits between guard bands of a sentinel value that must survive
  const cBuf = new Float32Array(GUARD + m * ldc + GUARD).fill(12345.5);
  cBuf.set(c0, GUARD);
  const pa = put(a),
    pb = put(b),
    pc = put(cBuf),
    pbias = bias ? put(bias) : 0;
  const act = cs.act ?? 'linear';
  f32_gemm(engine(), {
    transA,
    transB,
    m,
    n,
    k,
    alpha,
    beta,
    a: pa,
    lda,
    b: pb,
    ldb,
    c: pc + GUARD * 4,
    ldc,
    bias: pbias,
    act: ACTIVATION[act],
    actAlpha: act === 'leakyRelu' ? 0.3 : 1,
  });
  const got = get(pc, cBuf.length);
  const expected = reference({ transA, transB, m, n, k, alpha, beta, a, lda, b, ldb, c: c0, ldc, ...(bias ? { bias } : {}), act: ACTS[act]! });
  const label = JSON.stringify(cs);
  const compact = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) compact[i * n + j] = got[GUARD + i * ldc + j]!;
  expectClose(compact, expected, { rtol: 1e-5, atol: 3e-6 * Math.max(1, k) }, label);
  // guards and the padding columns of C are untouched
  for (let i = 0; i < GUARD; i++) {
    if (got[i] !== 12345.5 || got[GUARD + m * ldc + i] !== 12345.5) expect.fail(`${label}: wrote outside C`);
  }
  for (let i = 0; i < m; i++)
    for (let j = n; j < ldc; j++) {
      if (got[GUARD + i * ldc + j] !== c0[i * ldc + j]) expect.fail(`${label}: wrote into C's padding at row ${i}, column ${j}`);
    }
  for (const p of [pa, pb, pc, pbias]) if (p) engine().free(p);
}

describe('f32_gemm', () => {
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`matches a float64 reference over the size grid (transA=${transA}, transB=${transB})`, () => {
      let seed = 1;
      for (const m of SIZES) for (const n of SIZES) for (const k of [1, 3, 8, 17, 100]) check({ transA, transB, m, n, k }, seed++);
    });
    it(`handles blocks larger than the cache blocking (transA=${transA}, transB=${transB})`, () => {
      check({ transA, transB, m: 131, n: 521, k: 300 }, 7);
      check({ transA, transB, m: 260, n: 9, k: 513, pad: 3 }, 8);
    });
  }

  it('applies alpha, beta, bias and every activation in the epilogue', () => {
    let seed = 100;
    for (const act of Object.keys(ACTIVATION) as (keyof typeof ACTIVATION)[]) {
      for (const [alpha, beta] of [
        [1, 0],
        [0.5, 1],
        [-2, 0.25],
      ]) {
        check({ transA: false, transB: false, m: 17, n: 33, k: 9, alpha, beta, bias: true, act }, seed++);
        check({ transA: true, transB: false, m: 5, n: 7, k: 300, alpha, beta, bias: true, act, pad: 2 }, seed++);
      }
    }
  });

  it('respects leading dimensions larger than the rows', () => {
    for (const pad of [1, 4, 5]) check({ transA: false, transB: true, m: 9, n: 17, k: 33, pad, beta: 1 }, 200 + pad);
  });

  it('with beta = 0 never reads C, even when it holds NaN', () => {
    const e = engine();
    const a = put(randomArray(4 * 5, 1)),
      b = put(randomArray(5 * 3, 2)),
      c = put(new Float32Array(12).fill(NaN));
    f32_gemm(e, { m: 4, n: 3, k: 5, a, b, c });
    expect(Array.from(get(c, 12)).some(Number.isNaN)).toBe(false);
  });

  it('propagates NaN from the inputs to exactly the affected outputs', () => {
    const e = engine();
    const av = randomArray(6 * 4, 3);
    av[2 * 4 + 1] = NaN; // row 2 of A
    const a = put(av),
      b = put(randomArray(4 * 10, 4)),
      c = put(new Float32Array(60));
    f32_gemm(e, { m: 6, n: 10, k: 4, a, b, c });
    const out = get(c, 60);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 10; j++) expect(Number.isNaN(out[i * 10 + j]), `[${i},${j}]`).toBe(i === 2);
  });

  it('with k = 0 gives act(beta*C + bias), and m = 0 or n = 0 does nothing', () => {
    const e = engine();
    const c0 = randomArray(3 * 5, 9);
    const bias = randomArray(5, 10);
    const c = put(c0),
      pbias = put(bias);
    f32_gemm(e, { m: 3, n: 5, k: 0, a: 0, b: 0, c, beta: 2, bias: pbias, act: ACTIVATION.relu });
    const expected = Array.from(c0, (v, i) => Math.max(0, 2 * v + bias[i % 5]!));
    expectClose(get(c, 15), expected, {}, 'k=0');
    const before = get(c, 15);
    f32_gemm(e, { m: 0, n: 5, k: 4, a: 0, b: 0, c });
    f32_gemm(e, { m: 3, n: 0, k: 4, a: 0, b: 0, c });
    expect(get(c, 15)).toEqual(before);
  });

  it('rejects bad shapes and regions with messages that name them', () => {
    const e = engine();
    const a = put(new Float32Array(12)),
      c = put(new Float32Array(12));
    expect(() => f32_gemm(e, { m: -1, n: 2, k: 2, a, b: a, c })).toThrow(/f32_gemm: m must be a non-negative integer, got -1/);
    expect(() => f32_gemm(e, { m: 2, n: 2, k: 3, a, lda: 2, b: a, c })).toThrow(ShapeError);
    expect(() => f32_gemm(e, { m: 2, n: 2, k: 2, a: 2, b: a, c })).toThrow(/a must be a 4-byte aligned/);
    expect(() => f32_gemm(e, { m: 2, n: 2, k: 2, a, b: a, c: e.byteLength - 8 })).toThrow(/c needs 4 floats .* past the end of memory/);
    expect(() => f32_gemm(e, { m: 2, n: 2, k: 2, a, b: c, c })).toThrow(/c overlaps b/);
    expect(() => f32_gemm(e, { m: 2, n: 2, k: 2, a, b: a, c, act: 15 })).toThrow(/act must be an activation kind 0-14, got 15/);
  });
});
