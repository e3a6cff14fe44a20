import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import {
  f32_adagrad,
  f32_adam,
  f32_adamax,
  f32_clip_by_global_norm,
  f32_nadam,
  f32_rmsprop,
  f32_sgd,
  f32_sgd_momentum,
  nadamCoefficients,
} from '../../src/engine/kernels/f32_optimizer';
import { SIZES, expectClose, randomArray } from '../helpers';
import { Arena, expectSameBits } from './arena';

const arena = new Arena();
afterEach(() => arena.free());
const STEPS = 12;

/**
 * An optimizer under test: `ref` updates float64 state arrays in place (the rule written out
 * independently of the kernel), `kernel` runs one step on engine buffers. state[0] is p.
 */
interface OptCase {
  name: string;
  /** Number of state buffers besides p (buf, sq/mom/gavg, m/v). */
  slots: number;
  ref: (s: Float64Array[], g: Float64Array, t: number) => void;
  kernel: (ptrs: number[], g: number, n: number, t: number) => void;
}

const e = () => engine();

function sgdCase(lr: number, wd: number): OptCase {
  return {
    name: `sgd lr=${lr} wd=${wd}`,
    slots: 0,
    ref: ([p], g) => {
      for (let i = 0; i < g.length; i++) p![i]! -= lr * (g[i]! + wd * p![i]!);
    },
    kernel: ([p], g, n) => f32_sgd(e(), p!, g, n, lr, wd),
  };
}

function momentumCase(lr: number, mu: number, damp: number, nesterov: boolean, wd: number): OptCase {
  return {
    name: `sgd momentum lr=${lr} momentum=${mu} dampening=${damp} nesterov=${nesterov} wd=${wd}`,
    slots: 1,
    ref: ([p, buf], g, t) => {
      for (let i = 0; i < g.length; i++) {
        const d = g[i]! + wd * p![i]!;
        buf![i] = t === 1 ? d : mu * buf![i]! + (1 - damp) * d;
        p![i]! -= lr * (nesterov ? d + mu * buf![i]! : buf![i]!);
      }
    },
    kernel: ([p, buf], g, n, t) => f32_sgd_momentum(e(), p!, g, buf!, n, lr, mu, damp, nesterov, wd, t === 1),
  };
}

function rmspropCase(lr: number, alpha: number, eps: number, wd: number, mu: number, centered: boolean): OptCase {
  return {
    name: `rmsprop alpha=${alpha} wd=${wd} momentum=${mu} centered=${centered}`,
    slots: 3,
    ref: ([p, sq, mom, gavg], g) => {
      for (let i = 0; i < g.length; i++) {
        const d = g[i]! + wd * p![i]!;
        sq![i] = alpha * sq![i]! + (1 - alpha) * d * d;
        let avg: number;
        if (centered) {
          gavg![i] = alpha * gavg![i]! + (1 - alpha) * d;
          avg = Math.sqrt(sq![i]! - gavg![i]! ** 2) + eps;
        } else avg = Math.sqrt(sq![i]!) + eps;
        if (mu > 0) {
          mom![i] = mu * mom![i]! + d / avg;
          p![i]! -= lr * mom![i]!;
        } else p![i]! -= (lr * d) / avg;
      }
    },
    kernel: ([p, sq, mom, gavg], g, n) => f32_rmsprop(e(), p!, g, sq!, mom!, gavg!, n, lr, alpha, eps, wd, mu, centered),
  };
}

function adamCase(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): OptCase {
  return {
    name: `adam${decoupled ? 'w' : ''} b1=${b1} b2=${b2} wd=${wd}`,
    slots: 2,
    ref: ([p, m, v], g, t) => {
      const bc1 = 1 - b1 ** t,
        bc2 = 1 - b2 ** t;
      for (let i = 0; i < g.length; i++) {
        let d = g[i]!;
        if (decoupled) p![i]! *= 1 - lr * wd;
        else d += wd * p![i]!;
        m![i] = b1 * m![i]! + (1 - b1) * d;
        v![i] = b2 * v![i]! + (1 - b2) * d * d;
        p![i]! -= (lr / bc1) * (m![i]! / (Math.sqrt(v![i]!) / Math.sqrt(bc2) + eps));
      }
    },
    kernel: ([p, m, v], g, n, t) => f32_adam(e(), p!, g, m!, v!, n, lr, b1, b2, eps, wd, decoupled, 1 - b1 ** t, 1 - b2 ** t),
  };
}

/** Keras' Adagrad: the accumulator starts at init (the state buffer at 0, so the ref adds init on step 1). */
function adagradCase(lr: number, eps: number, init: number): OptCase {
  return {
    name: `adagrad lr=${lr} eps=${eps} init=${init}`,
    slots: 1,
    ref: ([p, acc], g, t) => {
      for (let i = 0; i < g.length; i++) {
        if (t === 1) acc![i] = init;
        acc![i]! += g[i]! * g[i]!;
        p![i]! -= (lr * g[i]!) / Math.sqrt(acc![i]! + eps);
      }
    },
    kernel: ([p, acc], g, n, t) => f32_adagrad(e(), p!, g, acc!, n, lr, eps, init, t === 1),
  };
}

/** Keras' Adamax. */
function adamaxCase(lr: number, b1: number, b2: number, eps: number): OptCase {
  return {
    name: `adamax b1=${b1} b2=${b2} eps=${eps}`,
    slots: 2,
    ref: ([p, m, u], g, t) => {
      for (let i = 0; i < g.length; i++) {
        m![i] = b1 * m![i]! + (1 - b1) * g[i]!;
        u![i] = Math.max(b2 * u![i]!, Math.abs(g[i]!));
        p![i]! -= (lr * m![i]!) / ((1 - b1 ** t) * (u![i]! + eps));
      }
    },
    kernel: ([p, m, u], g, n, t) => f32_adamax(e(), p!, g, m!, u!, n, lr, b1, b2, eps, 1 - b1 ** t),
  };
}

/** Keras' Nadam, its momentum schedule and product written out here (not through nadamCoefficients). */
function nadamCase(lr: number, b1: number, b2: number, eps: number): OptCase {
  const mu = (i: number): number => b1 * (1 - 0.5 * 0.96 ** i);
  let product = 1;
  return {
    name: `nadam b1=${b1} b2=${b2} eps=${eps}`,
    slots: 2,
    ref: ([p, m, v], g, t) => {
      if (t === 1) product = 1;
      product *= mu(t);
      const next = product * mu(t + 1);
      for (let i = 0; i < g.length; i++) {
        m![i] = b1 * m![i]! + (1 - b1) * g[i]!;
        v![i] = b2 * v![i]! + (1 - b2) * g[i]! * g[i]!;
        const mhat = (mu(t + 1) * m![i]!) / (1 - next) + ((1 - mu(t)) * g[i]!) / (1 - product);
        p![i]! -= (lr * mhat) / (Math.sqrt(v![i]! / (1 - b2 ** t)) + eps);
      }
    },
    kernel: ([p, m, v], g, n, t) => {
      const c = nadamCoefficients(b1, t);
      f32_nadam(e(), p!, g, m!, v!, n, lr, b1, b2, eps, c.coefM, c.coefG, 1 - b2 ** t);
    },
  };
}

const CASES: OptCase[] = [
  adagradCase(0.01, 1e-7, 0.1),
  adagradCase(0.1, 1e-3, 0),
  adamaxCase(0.01, 0.9, 0.999, 1e-7),
  adamaxCase(0.002, 0.8, 0.99, 1e-3),
  nadamCase(0.01, 0.9, 0.999, 1e-7),
  nadamCase(0.002, 0.8, 0.99, 1e-4),
  sgdCase(0.1, 0),
  sgdCase(0.05, 0.01),
  momentumCase(0.1, 0.9, 0, false, 0),
  momentumCase(0.05, 0.9, 0, true, 0.001),
  momentumCase(0.1, 0.8, 0.3, false, 0.01),
  rmspropCase(0.01, 0.99, 1e-8, 0, 0, false),
  rmspropCase(0.01, 0.9, 1e-6, 0.01, 0.9, false),
  rmspropCase(0.01, 0.9, 1e-8, 0, 0, true),
  rmspropCase(0.005, 0.95, 1e-7, 0.001, 0.5, true),
  adamCase(0.01, 0.9, 0.999, 1e-8, 0, false),
  adamCase(0.01, 0.9, 0.999, 1e-7, 0.01, false),
  adamCase(0.001, 0.8, 0.99, 1e-8, 0.1, true),
];

/** Runs `steps` steps of the kernel and of the float64 rule from the same start; compares every buffer after every step. */
function trajectory(c: OptCase, n: number, seed: number, steps = STEPS): void {
  const p0 = randomArray(n, seed, -1, 1);
  const ref = [Float64Array.from(p0), ...Array.from({ length: c.slots }, () => new Float64Array(n))];
  const bufs = [arena.guarded(n, p0), ...Array.from({ length: c.slots }, () => arena.guarded(n, new Float32Array(n)))];
  for (let t = 1; t <= steps; t++) {
    const g = randomArray(n, seed * 1000 + t, -1, 1);
    const pg = arena.f32(g);
    c.kernel(
      bufs.map((b) => b.ptr),
      pg,
      n,
      t,
    );
    c.ref(ref, Float64Array.from(g), t);
    const label = `${c.name} n=${n} step ${t}`;
    expectSameBits(engine().f32.subarray(pg >> 2, (pg >> 2) + n), g, `${label}: g must not change`);
    ref.forEach((r, k) => expectClose(bufs[k]!.read(), r, { rtol: 1e-5, atol: 1e-6 }, `${label} buffer ${k}`));
  }
  bufs.forEach((b) => b.checkGuards(c.name));
}

describe('optimizers: trajectories against the float64 rules', () => {
  for (const c of CASES) {
    it(`${c.name}, ${STEPS} steps over the size grid`, () => {
      for (const n of SIZES) trajectory(c, n, n + 3);
    });
  }

  it('n = 0 changes nothing', () => {
    for (const c of CASES) trajectory(c, 0, 1, 2);
  });

  it('a NaN gradient makes only its own parameter NaN', () => {
    for (const c of CASES) {
      const n = 9;
      const bufs = [arena.guarded(n, randomArray(n, 1)), ...Array.from({ length: c.slots }, () => arena.guarded(n, new Float32Array(n)))];
      const g = randomArray(n, 2);
      g[6] = NaN;
      c.kernel(
        bufs.map((b) => b.ptr),
        arena.f32(g),
        n,
        1,
      );
      expect(Array.from(bufs[0]!.read(), Number.isNaN), c.name).toEqual(Array.from({ length: n }, (_, i) => i === 6));
    }
  });
});

describe('nadamCoefficients', () => {
  it('carries the momentum product from step to step, the same as recomputing it', () => {
    let carried: number | undefined;
    for (let t = 1; t <= 300; t++) {
      const fresh = nadamCoefficients(0.9, t);
      const c = nadamCoefficients(0.9, t, carried);
      expect(c.coefM, `coefM at step ${t}`).toBeCloseTo(fresh.coefM, 12);
      expect(c.coefG, `coefG at step ${t}`).toBeCloseTo(fresh.coefG, 12);
      expect(c.before).toBe(carried ?? 1);
      carried = c.product;
    }
    // mu_t -> beta1 quickly (0.96^t, Keras' schedule): by step 300 the correction is that of Adam's momentum
    expect(nadamCoefficients(0.9, 300).coefG).toBeCloseTo(0.1, 4);
  });
});

describe('f32_sgd_momentum', () => {
  it("with momentum = dampening = beta and firstStep = false is the lecture's v = beta v + (1 - beta) g", () => {
    const n = 17,
      beta = 0.9,
      lr = 0.05;
    const p0 = randomArray(n, 5);
    const p = arena.f32(p0),
      buf = arena.f32(new Float32Array(n));
    const pr = Float64Array.from(p0),
      v = new Float64Array(n);
    for (let t = 1; t <= STEPS; t++) {
      const g = randomArray(n, 100 + t);
      f32_sgd_momentum(engine(), p, arena.f32(g), buf, n, lr, beta, beta, false, 0, false);
      for (let i = 0; i < n; i++) {
        v[i] = beta * v[i]! + (1 - beta) * g[i]!;
        pr[i]! -= lr * v[i]!;
      }
      expectClose(engine().f32.slice(buf >> 2, (buf >> 2) + n), v, { rtol: 1e-5, atol: 1e-7 }, `v at step ${t}`);
      expectClose(engine().f32.slice(p >> 2, (p >> 2) + n), pr, { rtol: 1e-5, atol: 1e-7 }, `p at step ${t}`);
    }
  });
  it('copies d into the buffer on the first step (no dampening there), as PyTorch', () => {
    const p = arena.f32([1, 2, 3, 4, 5]),
      g = arena.f32([1, 1, 1, 1, 1]),
      buf = arena.f32([9, 9, 9, 9, 9]);
    f32_sgd_momentum(engine(), p, g, buf, 5, 0.5, 0.9, 0.5, false, 0, true);
    expect(Array.from(engine().f32.slice(buf >> 2, (buf >> 2) + 5))).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(engine().f32.slice(p >> 2, (p >> 2) + 5))).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
  });
});

describe('f32_clip_by_global_norm', () => {
  it('returns the norm and clips as clip_grad_norm_, over the size grid', () => {
    for (const n of SIZES) {
      const g0 = randomArray(n, n, -2, 2);
      const norm = Math.hypot(...g0);
      for (const maxNorm of [norm / 3, norm * 2]) {
        const g = arena.guarded(n, g0);
        const total = f32_clip_by_global_norm(engine(), g.ptr, n, maxNorm);
        expect(Math.abs(total - norm)).toBeLessThanOrEqual(1e-12 * norm);
        const coef = maxNorm / (norm + 1e-6);
        const expected = coef < 1 ? Array.from(g0, (v) => Math.fround(v * Math.fround(coef))) : Array.from(g0);
        expectSameBits(g.read(), expected, `n=${n} maxNorm=${maxNorm}`);
        g.checkGuards(`n=${n}`);
      }
    }
  });
  it('leaves g alone and returns NaN or Infinity for a non-finite gradient; n = 0 gives 0', () => {
    const g = arena.f32([1, NaN, 3]);
    expect(f32_clip_by_global_norm(engine(), g, 3, 0.1)).toBeNaN();
    expect(Array.from(engine().f32.slice(g >> 2, (g >> 2) + 3))).toEqual([1, NaN, 3]);
    const h = arena.f32([1, Infinity]);
    expect(f32_clip_by_global_norm(engine(), h, 2, 0.1)).toBe(Infinity);
    expect(f32_clip_by_global_norm(engine(), 0, 0, 1)).toBe(0);
  });
});

describe('f32_optimizer wrappers', () => {
  it('reject bad buffers and hyperparameters with messages that name them', () => {
    const k = engine();
    const a = arena.f32(new Float32Array(16)),
      b = arena.f32(new Float32Array(16)),
      c = arena.f32(new Float32Array(16)),
      d = arena.f32(new Float32Array(16));
    expect(() => f32_sgd(k, a, b, -4, 0.1, 0)).toThrow(/f32_sgd: n must be a non-negative integer, got -4/);
    expect(() => f32_sgd(k, a, a + 4, 8, 0.1, 0)).toThrow(/f32_sgd: g overlaps p/);
    expect(() => f32_sgd(k, a, b, 8, NaN, 0)).toThrow(/f32_sgd: lr must be a finite number, got NaN/);
    expect(() => f32_sgd(k, a, 0, 8, 0.1, 0)).toThrow(/f32_sgd: g must be a 4-byte aligned, non-zero byte offset, got 0/);
    expect(() => f32_sgd_momentum(k, a, b, b, 8, 0.1, 0.9, 0, false, 0, false)).toThrow(/buf overlaps g/);
    expect(() => f32_sgd_momentum(k, a, b, c, 8, 0.1, 0.9, 2, false, 0, false)).toThrow(/dampening must be a finite number in \[0, 1\], got 2/);
    expect(() => f32_rmsprop(k, a, b, c, 0, 0, 8, 0.1, 0.9, 1e-8, 0, 0.9, false)).toThrow(/mom must point to n floats when momentum > 0/);
    expect(() => f32_rmsprop(k, a, b, c, 0, 0, 8, 0.1, 0.9, 1e-8, 0, 0, true)).toThrow(/gavg must point to n floats when centered/);
    expect(() => f32_rmsprop(k, a, b, c, 0, 0, 8, 0.1, 1.5, 1e-8, 0, 0, false)).toThrow(/alpha must be a finite number in \[0, 1\], got 1.5/);
    expect(() => f32_rmsprop(k, a, b, c, 0, 0, 8, 0.1, 0.9, 1e-8, 0, 0, false)).not.toThrow();
    expect(() => f32_adam(k, a, b, c, d, 8, 0.1, 0.9, 0.999, 1e-8, -1, false, 0.1, 0.001)).toThrow(
      /f32_adam: weightDecay must be a finite number >= 0, got -1/,
    );
    expect(() => f32_adam(k, a, b, c, d, 8, 0.1, 0.9, 0.999, 1e-8, 0, false, 0, 0.001)).toThrow(/biasCorrection1 must be in \(0, 1\], got 0/);
    expect(() => f32_adam(k, a, b, c, c, 8, 0.1, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001)).toThrow(/v overlaps m/);
    expect(() => f32_clip_by_global_norm(k, a, 8, 0)).toThrow(/maxNorm must be a positive number, got 0/);
  });
});
