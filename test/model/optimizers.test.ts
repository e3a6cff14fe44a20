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

  it('adagrad, adamax and nadam (Keras rules and defaults)', () => {
    let acc = new Float64Array(37).fill(0.1);
    compare(knobs.optimizers.adagrad(0.05), (p, g) => {
      for (let i = 0; i < p.length; i++) {
        acc[i]! += g[i]! * g[i]!;
        p[i] -= (0.05 * g[i]!) / Math.sqrt(acc[i]! + 1e-7);
      }
    });
    acc = new Float64Array(37);
    const m = new Float64Array(37),
      u = new Float64Array(37);
    compare(knobs.optimizers.adamax({ learningRate: 0.02 }), (p, g, t) => {
      for (let i = 0; i < p.length; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        u[i] = Math.max(0.999 * u[i]!, Math.abs(g[i]!));
        p[i] -= (0.02 * m[i]!) / ((1 - 0.9 ** t) * (u[i]! + 1e-7));
      }
    });
    const m2 = new Float64Array(37),
      v2 = new Float64Array(37);
    const mu = (i: number): number => 0.9 * (1 - 0.5 * 0.96 ** i);
    let prod = 1;
    compare(knobs.optimizers.nadam(0.01), (p, g, t) => {
      prod *= mu(t);
      for (let i = 0; i < p.length; i++) {
        m2[i] = 0.9 * m2[i]! + 0.1 * g[i]!;
        v2[i] = 0.999 * v2[i]! + 0.001 * g[i]! * g[i]!;
        const mhat = (mu(t + 1) * m2[i]!) / (1 - prod * mu(t + 1)) + ((1 - mu(t)) * g[i]!) / (1 - prod);
        p[i] -= (0.01 * mhat) / (Math.sqrt(v2[i]! / (1 - 0.999 ** t)) + 1e-7);
      }
    });
  });

  it("takes tfjs' positional arguments (adam(0.01) as tf.train.adam) as well as an options object", () => {
    const a = knobs.optimizers.adam(0.01, 0.8, 0.99, 1e-6);
    expect([a.learningRate, a.beta1, a.beta2, a.epsilon]).toEqual([0.01, 0.8, 0.99, 1e-6]);
    expect(knobs.optimizers.adam(0.01).getConfig().config).toEqual(knobs.optimizers.adam({ learningRate: 0.01 }).getConfig().config);
    expect(knobs.optimizers.sgd(0.3).learningRate).toBe(0.3);
    const r = knobs.optimizers.rmsprop(0.01, 0.95, 0.5, 1e-6, true);
    expect([r.rho, r.momentum, r.epsilon, r.centered]).toEqual([0.95, 0.5, 1e-6, true]);
    expect(knobs.optimizers.momentum(0.2, 0.8).beta).toBe(0.8);
    expect(knobs.optimizers.adagrad(0.1, 0.5).initialAccumulatorValue).toBe(0.5);
    expect(knobs.optimizers.adamw(0.01, 0.02).weightDecay).toBe(0.02);
    expect(knobs.optimizers.adamax(0.01, 0.8).beta1).toBe(0.8);
    expect(knobs.optimizers.nadam(0.005).learningRate).toBe(0.005);
    const sched = knobs.optimizers.adam(() => 0.5);
    expect(sched.learningRate).toBe(0.5);
    expect(() => knobs.optimizers.adam(-1)).toThrow(/learningRate must be a non-negative number/);
    expect(() => knobs.optimizers.sgd(0.1, 0.9 as never)).toThrow(/optimizers.sgd: takes at most 1 positional arguments/);
    expect(() => knobs.optimizers.adam({ learningRate: 0.1 }, 0.9 as never)).toThrow(/not both/);
    expect(() => knobs.optimizers.adam('fast' as never)).toThrow(/expected an options object or a learning rate, got "fast"/);
  });

  it('optimizer names are case-insensitive and never read through the object prototype', () => {
    const model = knobs.sequential({ inputShape: [2], layers: [knobs.layers.dense({ units: 1 })] });
    for (const [name, cls] of [
      ['Adam', 'Adam'],
      ['ADAMW', 'AdamW'],
      ['RMSProp', 'RMSprop'],
      ['SGD', 'SGD'],
      ['adagrad', 'Adagrad'],
      ['Adamax', 'Adamax'],
      ['nadam', 'Nadam'],
    ] as const) {
      model.compile({ optimizer: name, loss: 'meanSquaredError' });
      expect(model.optimizer!.className).toBe(cls);
    }
    for (const bad of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(() => model.compile({ optimizer: bad, loss: 'meanSquaredError' }), bad).toThrow(/optimizer must be one of 'sgd', 'momentum', 'rmsprop', 'adam'/);
    }
  });

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
