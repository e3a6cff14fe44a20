import { describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';

const f = Math.fround;
/** The smallest normal f32: results below it are subnormal (or flushed to 0) and compared absolutely. */
const FLT_MIN = 2 ** -126;

/**
 * Checks |got - want| <= rtol * |want| + atol on every sample and reports the worst one.
 * Inputs are f32 values, so Math's float64 result is the exact reference for that input.
 */
function checkAccuracy(name: string, fn: (x: number) => number, ref: (x: number) => number, xs: number[], rtol: number, atol = 0): void {
  let worst = 0, at = NaN;
  for (const x of xs) {
    const want = ref(x), got = fn(x);
    const excess = Math.abs(got - want) / (rtol * Math.abs(want) + atol);
    if (!(excess <= worst)) { worst = excess; at = x; }
  }
  expect(worst, `${name}: worst at x = ${at}: got ${fn(at)}, expected ${ref(at)}`).toBeLessThanOrEqual(1);
}

/** count f32 samples evenly over [lo, hi], plus their negatives' neighbourhood of 0 when asked. */
function linspace(lo: number, hi: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => f(lo + ((hi - lo) * i) / (count - 1)));
}
/** count f32 samples log-spaced over [lo, hi] (lo > 0), with both signs. */
function logspaceBoth(lo: number, hi: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = f(lo * (hi / lo) ** (i / (count - 1)));
    out.push(v, -v);
  }
  return out;
}

// The normal-range domains: exp's result is a normal f32 for x in [ln(FLT_MIN), EXP_HI] with
// EXP_HI = 127.5 ln 2 = 88.376 (f32_math.ts saturates to Infinity above it; the largest
// finite f32 would allow 88.72). Below ln(FLT_MIN) = -87.3365 the result is flushed to 0.
const EXP_LO = -87.3365, EXP_HI = 88.376;

describe('f32_math: exp, expm1, tanh, sigmoid against Math (float64)', () => {
  const k = engine().k;

  it('exp: relative error <= 1e-6 on [-87.33, 88.37]; below, flushed to 0 within FLT_MIN', () => {
    const xs = [...linspace(EXP_LO, EXP_HI, 1_000_001), ...logspaceBoth(1e-30, 1, 20_000)];
    checkAccuracy('exp', k.f32_exp, Math.exp, xs, 1e-6);
    checkAccuracy('exp below the normal range', k.f32_exp, Math.exp, linspace(-110, EXP_LO, 10_001), 0, FLT_MIN);
    expect(k.f32_exp(-1000)).toBe(0);
    expect(k.f32_exp(1000)).toBe(Infinity);
    expect(k.f32_exp(-Infinity)).toBe(0);
    expect(k.f32_exp(Infinity)).toBe(Infinity);
    expect(k.f32_exp(NaN)).toBeNaN();
    expect(k.f32_exp(0)).toBe(1);
  });

  it('expm1: relative error <= 1e-6 on [-87.33, 88.37], tiny and subnormal arguments included', () => {
    const xs = [...linspace(EXP_LO, EXP_HI, 1_000_001), ...linspace(-1, 1, 200_001), ...logspaceBoth(1e-44, 1, 50_000)];
    checkAccuracy('expm1', k.f32_expm1, Math.expm1, xs.filter((x) => x !== 0), 1e-6);
    expect(k.f32_expm1(0)).toBe(0);
    expect(k.f32_expm1(-1000)).toBe(-1);
    expect(k.f32_expm1(NaN)).toBeNaN();
  });

  it('tanh: relative error <= 1e-6 over the reals (sampled on [-20, 20] and down to 1e-40)', () => {
    const xs = [...linspace(-20, 20, 1_000_001), ...logspaceBoth(1e-40, 20, 50_000), ...linspace(0.6, 0.65, 10_001)];
    checkAccuracy('tanh', k.f32_tanh, Math.tanh, xs.filter((x) => x !== 0), 1e-6);
    expect(k.f32_tanh(1000)).toBe(1);
    expect(k.f32_tanh(-1000)).toBe(-1);
    expect(k.f32_tanh(Infinity)).toBe(1);
    expect(k.f32_tanh(NaN)).toBeNaN();
  });

  it('sigmoid: relative error <= 1e-6 on [-87.33, 88.37] (results above FLT_MIN); absolute FLT_MIN below', () => {
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    checkAccuracy('sigmoid', k.f32_sigmoid, sigmoid, [...linspace(EXP_LO, EXP_HI, 1_000_001), ...logspaceBoth(1e-30, 1, 20_000)], 1e-6);
    // results are subnormal here, then 0 once e^-x overflows
    checkAccuracy('sigmoid below', k.f32_sigmoid, sigmoid, linspace(-120, EXP_LO, 10_001), 0, FLT_MIN);
    expect(k.f32_sigmoid(0)).toBe(0.5);
    expect(k.f32_sigmoid(1000)).toBe(1);
    expect(k.f32_sigmoid(-1000)).toBe(0);
    expect(k.f32_sigmoid(NaN)).toBeNaN();
  });
});
