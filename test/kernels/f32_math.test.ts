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
  let worst = 0,
    at = NaN;
  for (const x of xs) {
    const want = ref(x),
      got = fn(x);
    const excess = Math.abs(got - want) / (rtol * Math.abs(want) + atol);
    if (!(excess <= worst)) {
      worst = excess;
      at = x;
    }
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

// The normal-range domains: exp's result is a normal f32 for x in [ln(FLT_MIN), ln(FLT_MAX)];
// EXP_HI = 88.72283 is the largest f32 below ln(FLT_MAX) = 88.7228391, the next one (88.7228394)
// overflows. Below ln(FLT_MIN) = -87.3365 the result is flushed to 0.
const EXP_LO = -87.3365,
  EXP_HI = 88.72283;
const FLT_MAX = 3.4028234663852886e38;

/** Every f32 in [lo, hi], 0 <= lo <= hi, in increasing order. */
function allFloats(lo: number, hi: number): number[] {
  const b = new Float32Array(1),
    u = new Uint32Array(b.buffer),
    out: number[] = [];
  for (b[0] = lo; b[0] <= hi; u[0]++) out.push(b[0]);
  return out;
}
/** The gap between |v| (an f32) and the next f32 up. */
function ulp(v: number): number {
  const b = new Float32Array([Math.abs(v)]);
  new Uint32Array(b.buffer)[0] += 1;
  return b[0] - Math.abs(v);
}

describe('f32_math: exp, expm1, tanh, sigmoid against Math (float64)', () => {
  const k = engine().k;

  it('exp: relative error <= 1e-6 on [-87.33, 88.72]; below, flushed to 0 within FLT_MIN', () => {
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

  it('exp up to ln(FLT_MAX): every f32 in [88, 88.72283] finite and within 1 ulp of Math.exp rounded to f32; +Infinity above', () => {
    // 127.5 ln 2 = 88.376 starts n = 128, where 2^n alone is no finite f32
    const xs = allFloats(88, EXP_HI);
    expect(xs.length).toBeGreaterThan(90_000);
    let worst = 0,
      at = NaN;
    for (const x of xs) {
      const want = f(Math.exp(x)),
        got = k.f32_exp(x);
      const err = Number.isFinite(got) ? Math.abs(got - want) / ulp(want) : Infinity;
      if (!(err <= worst)) {
        worst = err;
        at = x;
      }
    }
    expect(worst, `worst at x = ${at}: got ${k.f32_exp(at)}, expected ${f(Math.exp(at))}`).toBeLessThanOrEqual(1);
    expect(Math.abs(k.f32_exp(88.5) / Math.exp(88.5) - 1)).toBeLessThan(1e-6);
    expect(k.f32_exp(f(88.72283))).toBeLessThanOrEqual(FLT_MAX);
    expect(k.f32_exp(f(88.72283))).toBeGreaterThan(f(FLT_MAX * (1 - 2e-5)));
    // the next f32 up, 88.7228394, and everything above overflow
    for (const x of [...allFloats(f(88.7228391), f(88.7229)), ...linspace(88.7229, 200, 10_001), 1e30, 3.4e38, Infinity]) {
      expect(k.f32_exp(x), `exp(${x})`).toBe(Infinity);
    }
  });

  it('exp below ln(FLT_MIN) is +0 (flushed), NaN stays NaN', () => {
    for (const x of [-87.34, -87.5, -88, -88.5, -100, -103.97, -104, -1e4, -3.4e38, -Infinity, ...linspace(-200, -87.34, 10_001)]) {
      expect(Object.is(k.f32_exp(x), 0), `exp(${x}) = ${k.f32_exp(x)}`).toBe(true);
    }
    expect(k.f32_exp(-87.3365)).toBeGreaterThan(0);
    expect(k.f32_exp(NaN)).toBeNaN();
  });

  it('expm1: relative error <= 1e-6 on [-87.33, 88.72], tiny and subnormal arguments included', () => {
    const xs = [...linspace(EXP_LO, EXP_HI, 1_000_001), ...linspace(-1, 1, 200_001), ...logspaceBoth(1e-44, 1, 50_000)];
    checkAccuracy(
      'expm1',
      k.f32_expm1,
      Math.expm1,
      xs.filter((x) => x !== 0),
      1e-6,
    );
    expect(Object.is(k.f32_expm1(0), 0)).toBe(true);
    expect(Object.is(k.f32_expm1(-0), -0)).toBe(true);
    expect(k.f32_expm1(-1000)).toBe(-1);
    expect(k.f32_expm1(-Infinity)).toBe(-1);
    expect(Math.abs(k.f32_expm1(88.5) / Math.expm1(88.5) - 1)).toBeLessThan(1e-6);
    expect(k.f32_expm1(88.7229)).toBe(Infinity);
    expect(k.f32_expm1(NaN)).toBeNaN();
  });

  it('tanh: relative error <= 1e-6 over the reals (sampled on [-20, 20] and down to 1e-40)', () => {
    const xs = [...linspace(-20, 20, 1_000_001), ...logspaceBoth(1e-40, 20, 50_000), ...linspace(0.6, 0.65, 10_001)];
    checkAccuracy(
      'tanh',
      k.f32_tanh,
      Math.tanh,
      xs.filter((x) => x !== 0),
      1e-6,
    );
    // odd to the bit, the sign of zero included
    expect(Object.is(k.f32_tanh(-0), -0)).toBe(true);
    expect(Object.is(k.f32_tanh(0), 0)).toBe(true);
    for (const x of [...logspaceBoth(1e-40, 20, 2_000), ...linspace(0.6, 0.65, 1_001)]) {
      expect(Object.is(k.f32_tanh(-x), -k.f32_tanh(x)), `tanh(${-x})`).toBe(true);
    }
    expect(k.f32_tanh(1000)).toBe(1);
    expect(k.f32_tanh(-1000)).toBe(-1);
    expect(k.f32_tanh(Infinity)).toBe(1);
    expect(k.f32_tanh(NaN)).toBeNaN();
  });

  it('sigmoid: relative error <= 1e-6 on [-87.33, 88.72] (results above FLT_MIN); absolute FLT_MIN below', () => {
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    checkAccuracy('sigmoid', k.f32_sigmoid, sigmoid, [...linspace(EXP_LO, EXP_HI, 1_000_001), ...logspaceBoth(1e-30, 1, 20_000)], 1e-6);
    // results are subnormal here, then 0 once e^-x overflows
    checkAccuracy('sigmoid below', k.f32_sigmoid, sigmoid, linspace(-120, EXP_LO, 10_001), 0, FLT_MIN);
    expect(k.f32_sigmoid(0)).toBe(0.5);
    expect(k.f32_sigmoid(-0)).toBe(0.5);
    // e^88.5 is finite: a subnormal result, no longer 0
    expect(k.f32_sigmoid(-88.5)).toBeGreaterThan(3.6e-39);
    expect(k.f32_sigmoid(-88.7229)).toBe(0);
    expect(k.f32_sigmoid(1000)).toBe(1);
    expect(k.f32_sigmoid(-1000)).toBe(0);
    expect(k.f32_sigmoid(NaN)).toBeNaN();
  });
});
