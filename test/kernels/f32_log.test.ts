import { describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';

const f = Math.fround;

/** Max relative error of an f32 function against a float64 reference over the samples. */
function worstRelative(fn: (x: number) => number, ref: (x: number) => number, xs: number[]): { err: number; at: number } {
  let err = 0,
    at = NaN;
  for (const x of xs) {
    const want = ref(x),
      got = fn(x);
    const r = Math.abs(got - want) / Math.abs(want);
    if (!(r <= err)) {
      err = r;
      at = x;
    }
  }
  return { err, at };
}

/** Every f32 in [lo, hi) spaced by `step` ulps-ish: dense log-spaced samples. */
function logSpaced(lo: number, hi: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(f(lo * (hi / lo) ** (i / (count - 1))));
  return out;
}

describe('f32_log, f32_log1p (assembly/kernels/f32_log.ts)', () => {
  const k = engine().k;
  it('log: relative error <= 1e-6 over all positive normal and subnormal floats', () => {
    const xs = [...logSpaced(1.4e-45, 3.4e38, 200_000), ...logSpaced(0.5, 2, 100_000)];
    // around 1, where log(x) is small and only a relatively accurate method passes
    for (let i = -2000; i <= 2000; i++) xs.push(f(1 + i * 2 ** -23));
    const { err, at } = worstRelative(
      k.f32_log,
      Math.log,
      xs.filter((x) => x !== 1),
    );
    expect(err, `worst at x = ${at}`).toBeLessThanOrEqual(1e-6);
    expect(k.f32_log(1)).toBe(0);
  });
  it('log: special values', () => {
    expect(k.f32_log(0)).toBe(-Infinity);
    expect(k.f32_log(-0)).toBe(-Infinity);
    expect(k.f32_log(Infinity)).toBe(Infinity);
    expect(k.f32_log(-1)).toBeNaN();
    expect(k.f32_log(-Infinity)).toBeNaN();
    expect(k.f32_log(NaN)).toBeNaN();
  });
  it('log1p: relative error <= 1e-6 on (-1, 3e38), tiny arguments included', () => {
    const xs = [...logSpaced(1e-30, 3e38, 100_000), ...logSpaced(1e-30, 0.999, 100_000).map((x) => -x), ...logSpaced(1e-8, 1, 50_000)];
    const { err, at } = worstRelative(k.f32_log1p, Math.log1p, xs);
    expect(err, `worst at x = ${at}`).toBeLessThanOrEqual(1e-6);
    expect(k.f32_log1p(1e-40)).toBe(f(1e-40));
  });
  it('log1p: special values', () => {
    expect(k.f32_log1p(0)).toBe(0);
    expect(k.f32_log1p(-1)).toBe(-Infinity);
    expect(k.f32_log1p(-2)).toBeNaN();
    expect(k.f32_log1p(Infinity)).toBe(Infinity);
    expect(k.f32_log1p(NaN)).toBeNaN();
  });
});
