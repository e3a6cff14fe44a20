// Optimizer trajectories over 12 steps through the public Optimizer.apply, against the
// documented update rules computed independently in float64.
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index';
import { expectClose, randomArray } from '../helpers';

type Rule = (p: Float64Array, g: Float64Array, t: number) => void;

/** Runs `steps` steps of an optimizer and of a float64 rule on the same gradients (a function of p, like a real loss). */
function compare(opt: knobs.optimizers.Optimizer, rule: Rule, steps = 12): void {
  const n = 37;
  const p32 = [randomArray(20, 1), randomArray(n - 20, 2)];
  const p64 = Float64Array.from([...p32[0]!, ...p32[1]!]);
  const target = randomArray(n, 3);
  for (let t = 1; t <= steps; t++) {
    // gradient of 0.5 * sum(c_i (p_i - target_i)^2): depends on the trajectory, so errors would compound
    const g64 = Float64Array.from(p64, (v, i) => (1 + (i % 3)) * (v - target[i]!));
    const flat32 = [...p32[0]!, ...p32[1]!];
    const g32all = Float32Array.from(flat32, (v, i) => (1 + (i % 3)) * (v - target[i]!));
    opt.apply(p32, [g32all.subarray(0, 20).slice(), g32all.subarray(20).slice()]);
    rule(p64, g64, t);
    expectClose([...p32[0]!, ...p32[1]!], p64, { rtol: 2e-4, atol: 2e-5 }, `${opt.className} step ${t}`);
  }
}

describe('optimizers follow their documented rules (float64 reference, 12 steps)', () => {
  it('sgd', () => {
    compare(knobs.optimizers.sgd({ learningRate: 0.1 }), (p, g) => {
      for (let i = 0; i < p.length; i++) p[i] -= 0.1 * g[i]!;
    });
  });

  it('sgd with weight decay, momentum, dampening', () => {
    const buf = new Float64Array(37);
    compare(knobs.optimizers.sgd({ learningRate: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 0.01 }), (p, g, t) => {
      for (let i = 0; i < p.length; i++) {
        const d = g[i]! + 0.01 * p[i]!;
        buf[i] = t === 1 ? d : 0.8 * buf[i]! + 0.9 * d;
        p[i] -= 0.05 * buf[i]!;
      }
    });
  });

  it('sgd with Nesterov momentum', () => {
    const buf = new Float64Array(37);
    compare(knobs.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), (p, g, t) => {
      for (let i = 0; i < p.length; i++) {
        buf[i] = t === 1 ? g[i]! : 0.9 * buf[i]! + g[i]!;
        p[i] -= 0.05 * (g[i]! + 0.9 * buf[i]!);
      }
    });
  });

  it("the lecture's momentum: v = beta v + (1 - beta) g from 0", () => {
    const v = new Float64Array(37);
    compare(knobs.optimizers.momentum({ learningRate: 0.3, beta: 0.9 }), (p, g) => {
      for (let i = 0; i < p.length; i++) {
        v[i] = 0.9 * v[i]! + 0.1 * g[i]!;
        p[i] -= 0.3 * v[i]!;
      }
    });
  });

  it('rmsprop, plain and centered with momentum and weight decay', () => {
    const s = new Float64Array(37);
    compare(knobs.optimizers.rmsprop({ learningRate: 0.01, rho: 0.9, epsilon: 1e-7 }), (p, g) => {
      for (let i = 0; i < p.length; i++) {
        s[i] = 0.9 * s[i]! + 0.1 * g[i]! ** 2;
        p[i] -= (0.01 * g[i]!) / (Math.sqrt(s[i]!) + 1e-7);
      }
    });
    const s2 = new Float64Array(37),
      m = new Float64Array(37),
      a = new Float64Array(37);
    compare(knobs.optimizers.rmsprop({ learningRate: 0.01, rho: 0.95, epsilon: 1e-6, momentum: 0.5, centered: true, weightDecay: 0.02 }), (p, g) => {
      for (let i = 0; i < p.length; i++) {
        const d = g[i]! + 0.02 * p[i]!;
        s2[i] = 0.95 * s2[i]! + 0.05 * d * d;
        a[i] = 0.95 * a[i]! + 0.05 * d;
        const avg = Math.sqrt(s2[i]! - a[i]! ** 2) + 1e-6;
        m[i] = 0.5 * m[i]! + d / avg;
        p[i] -= 0.01 * m[i]!;
      }
    });
  });

  for (const [name, decoupled] of [
    ['adam', false],
    ['adamw', true],
  ] as const) {
    it(`${name} with bias correction and ${decoupled ? 'decoupled' : 'coupled'} weight decay`, () => {
      const m = new Float64Array(37),
        v = new Float64Array(37);
      const opt = knobs.optimizers[name]({ learningRate: 0.01, beta1: 0.85, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.05 });
      compare(opt, (p, g, t) => {
        for (let i = 0; i < p.length; i++) {
          let d = g[i]!;
          if (decoupled) p[i] *= 1 - 0.01 * 0.05;
          else d += 0.05 * p[i]!;
          m[i] = 0.85 * m[i]! + 0.15 * d;
          v[i] = 0.99 * v[i]! + 0.01 * d * d;
          const mh = m[i]! / (1 - 0.85 ** t),
            vh = v[i]! / (1 - 0.99 ** t);
          p[i] -= (0.01 * mh) / (Math.sqrt(vh) + 1e-8);
        }
      });
    });
  }

  it('rejects bad options with messages that name them', () => {
    expect(() => knobs.optimizers.adam({ beta1: 1 })).toThrow(/beta1 must be in \[0, 1\), got 1/);
    expect(() => knobs.optimizers.sgd({ learningRate: -1 })).toThrow(/learningRate/);
    expect(() => knobs.optimizers.sgd({ nesterov: true })).toThrow(/nesterov needs momentum > 0/);
    expect(() => knobs.optimizers.rmsprop({ lr: 0.1 } as never)).toThrow(/unknown option "lr"/);
    const opt = knobs.optimizers.sgd();
    expect(() => opt.apply([new Float32Array(2)], [new Float32Array(3)])).toThrow(/params\[0\] has 2 values but grads\[0\] has 3/);
  });
});

describe('schedules', () => {
  it('match their formulas', () => {
    const s = knobs.schedules;
    expect(s.inverseTimeDecay({ initialLearningRate: 0.2, decayRate: 1 })(3)).toBeCloseTo(0.05);
    expect(s.exponentialDecay({ initialLearningRate: 0.2, decayRate: 0.5 })(2)).toBeCloseTo(0.2 * Math.exp(-1));
    expect(s.inverseSqrtDecay({ initialLearningRate: 0.2, k: 0.5 })(4)).toBeCloseTo(0.05);
    expect(s.stepDecay({ initialLearningRate: 1, factor: 0.5, every: 10 })(25)).toBeCloseTo(0.25);
    expect(s.cosineDecay({ initialLearningRate: 1, decayEpochs: 10 })(5)).toBeCloseTo(0.5);
    expect(s.cosineDecay({ initialLearningRate: 1, decayEpochs: 10, alpha: 0.1 })(20)).toBeCloseTo(0.1);
  });
});
