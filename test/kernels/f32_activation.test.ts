import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import {
  ACTIVATION,
  type ActivationName,
  DEFAULT_ACTIVATION_ALPHA,
  activationKind,
  activationNeedsInput,
  f32_activation,
  f32_activation_grad,
  f32_activation_grad_input,
  f32_softmax,
  f32_softmax_grad,
} from '../../src/engine/kernels/f32_activation';
import { SIZES, expectClose, randomArray } from '../helpers';
import { Arena, expectSameBits } from './arena';
import { REF, REF_GRAD } from './activation-reference';

const arena = new Arena();
afterEach(() => arena.free());

const NAMES = Object.keys(ACTIVATION) as ActivationName[];

/** The kinks where a finite difference straddles two slopes. */
const KINKS = [0, 6, -2.5, 2.5];

function activate(name: ActivationName, x: ArrayLike<number>, alpha = DEFAULT_ACTIVATION_ALPHA[name]): Float32Array {
  const y = arena.guarded(x.length);
  f32_activation(engine(), ACTIVATION[name], arena.f32(x), y.ptr, x.length, alpha);
  y.checkGuards(name);
  return y.read();
}

/** dx = dy * act'(x) from y = act(x), through the kernel. */
function activateGrad(name: ActivationName, y: ArrayLike<number>, dy: ArrayLike<number>, alpha = DEFAULT_ACTIVATION_ALPHA[name]): Float32Array {
  const dx = arena.guarded(y.length);
  f32_activation_grad(engine(), ACTIVATION[name], arena.f32(y), arena.f32(dy), dx.ptr, y.length, alpha);
  dx.checkGuards(`${name} grad`);
  return dx.read();
}

/** dx = dy * act'(x) from the input x, through the kernel. */
function activateGradInput(name: ActivationName, x: ArrayLike<number>, dy: ArrayLike<number>, alpha = DEFAULT_ACTIVATION_ALPHA[name]): Float32Array {
  const dx = arena.guarded(x.length);
  f32_activation_grad_input(engine(), ACTIVATION[name], arena.f32(x), arena.f32(dy), dx.ptr, x.length, alpha);
  dx.checkGuards(`${name} grad from input`);
  return dx.read();
}

/** The derivative the way a layer takes it: from the output when the kind allows, else from the input. */
function layerGrad(name: ActivationName, x: Float32Array, dy: ArrayLike<number>): Float32Array {
  return activationNeedsInput(ACTIVATION[name]) ? activateGradInput(name, x, dy) : activateGrad(name, activate(name, x), dy);
}

describe('f32_activation, f32_activation_grad, f32_activation_grad_input', () => {
  for (const name of NAMES) {
    it(`${name}: matches float64 over the size grid, with the same bits at every position`, () => {
      const alpha = DEFAULT_ACTIVATION_ALPHA[name];
      for (const n of [0, ...SIZES]) {
        const x = randomArray(n, n + 1, -6, 6);
        const y = activate(name, x);
        expectClose(
          y,
          Array.from(x, (v) => REF[name](v, alpha)),
          { rtol: 2e-6, atol: 1e-7 },
          `${name} n=${n}`,
        );
        // shifting the input by 1..3 places moves elements between vector lanes and the tail
        for (const shift of [1, 2, 3]) {
          const ys = activate(name, [...new Array(shift).fill(0.5), ...x]);
          expectSameBits(ys.subarray(shift), y, `${name} n=${n} shifted by ${shift}`);
        }
      }
    });

    it(`${name}: the derivative (from the output, or the input where it must) matches finite differences`, () => {
      const alpha = DEFAULT_ACTIVATION_ALPHA[name];
      for (const n of SIZES) {
        // away from the kinks of relu, leakyRelu, elu, relu6 and hardSigmoid
        const x = Float32Array.from(randomArray(n, n + 7, -4, 4), (v) => (KINKS.some((k) => Math.abs(v - k) < 0.05) ? v + 0.1 : v));
        const dy = randomArray(n, n + 8, -2, 2);
        const dx = layerGrad(name, x, dy);
        const h = 1e-4;
        const fd = Array.from(x, (v, i) => (dy[i]! * (REF[name](v + h, alpha) - REF[name](v - h, alpha))) / (2 * h));
        expectClose(dx, fd, { rtol: 1e-4, atol: 1e-6 }, `${name}' n=${n}`);
        // in place: dx over dy
        const pdy = arena.f32(dy);
        if (activationNeedsInput(ACTIVATION[name])) f32_activation_grad_input(engine(), ACTIVATION[name], arena.f32(x), pdy, pdy, n, alpha);
        else f32_activation_grad(engine(), ACTIVATION[name], arena.f32(activate(name, x)), pdy, pdy, n, alpha);
        expectSameBits(engine().f32.slice(pdy >> 2, (pdy >> 2) + n), dx, `${name}' in place`);
      }
    });

    it(`${name}: keeps its accuracy at large |x| and near 0`, () => {
      const alpha = DEFAULT_ACTIVATION_ALPHA[name];
      const edges = [1e4, 200, 100, 50, 30, 20, 15, 10, 7, 5, 3, 1e-3, 1e-6, 1e-20];
      const x = Float32Array.from([...edges, ...edges.map((v) => -v), 0]);
      // atol only for results below f32's normal range, which the engine flushes to 0
      expectClose(
        activate(name, x),
        Array.from(x, (v) => REF[name](v, alpha)),
        { rtol: 3e-5, atol: 1e-36 },
        `${name} edges`,
      );
      const ones = new Float32Array(x.length).fill(1);
      expectClose(
        layerGrad(name, x, ones),
        Array.from(x, (v) => REF_GRAD[name](v, alpha)),
        { rtol: 1e-4, atol: 1e-7 },
        `${name}' edges`,
      );
    });

    it(`${name}: the derivative from the input equals the layer's`, () => {
      const x = randomArray(37, 91, -8, 8),
        dy = randomArray(37, 92, -2, 2);
      expectClose(activateGradInput(name, x, dy), layerGrad(name, x, dy), { rtol: 1e-6, atol: 1e-7 }, `${name} from input`);
    });

    it(`${name}: propagates NaN`, () => {
      const x = [1, NaN, -1, 0, 2];
      const y = activate(name, x);
      expect(Array.from(y, Number.isNaN)).toEqual([false, true, false, false, false]);
      const dx = activationNeedsInput(ACTIVATION[name]) ? activateGradInput(name, x, [1, 1, 1, NaN, 1]) : activateGrad(name, y, [1, 1, 1, NaN, 1]);
      expect(Number.isNaN(dx[3])).toBe(true);
      expect(Number.isNaN(dx[0])).toBe(false);
    });
  }

  it('follows tfjs: hardSigmoid has slope 0.2, gelu is the exact erf form and geluNew the tanh one', () => {
    expectClose(activate('hardSigmoid', [1, -1, 3]), [0.7, 0.3, 1], { rtol: 1e-6 }, 'hardSigmoid');
    // gelu(1) = Phi(1) = 0.8413447460685429; the tanh form gives 0.8411919906082768
    expectClose(activate('gelu', [1]), [0.8413447460685429], { rtol: 2e-7 }, 'gelu(1)');
    expectClose(activate('geluNew', [1]), [0.8411919906082768], { rtol: 2e-7 }, 'geluNew(1)');
  });

  it('f32_activation_grad refuses the kinds whose output does not determine the input', () => {
    const a = arena.f32(new Float32Array(4));
    for (const name of ['gelu', 'geluNew', 'swish', 'mish'] as const) {
      expect(() => f32_activation_grad(engine(), ACTIVATION[name], a, a, a, 4, 0)).toThrow(/needs the input; use f32_activation_grad_input/);
    }
  });

  it('takes the derivative at 0 as 0 for relu and alpha for leakyRelu (as TF and PyTorch)', () => {
    expect(Array.from(activateGrad('relu', [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]))).toEqual([0, 0, 0, 0, 0]);
    expect(activateGrad('leakyRelu', [0], [1])[0]).toBe(Math.fround(0.3));
    expect(activateGrad('elu', [0], [1])[0]).toBe(1);
  });

  it('tanh and elu keep the sign of zero (tanh(-0) = elu(-0) = -0), in vector lanes and in the tail', () => {
    const x = [-0, 0, -0, 0, -0, 0, -0];
    for (const name of ['tanh', 'elu'] as const) {
      expect(
        Array.from(activate(name, x), (v) => Object.is(v, -0)),
        name,
      ).toEqual(x.map((v) => Object.is(v, -0)));
    }
    // sigmoid saturates through exp: e^88.5 is finite, so sigmoid(-88.5) is a subnormal, not 0
    expect(activate('sigmoid', [-88.5, -88.5, -88.5, -88.5, -88.5]).every((v) => v > 3.6e-39 && v < 3.7e-39)).toBe(true);
  });

  it('uses alpha for leakyRelu and elu', () => {
    expectClose(activate('leakyRelu', [-2, 3], 0.1), [-0.2, 3], {}, 'leakyRelu alpha 0.1');
    expectClose(activate('elu', [-2, 3], 2), [2 * Math.expm1(-2), 3], {}, 'elu alpha 2');
  });

  it('activationKind takes any capitalization and snake_case, and names the valid activations for an unknown one', () => {
    expect(activationKind('tanh')).toBe(ACTIVATION.tanh);
    expect(activationKind('ReLU')).toBe(ACTIVATION.relu);
    expect(activationKind('hard_sigmoid')).toBe(ACTIVATION.hardSigmoid);
    expect(activationKind('gelu_new')).toBe(ACTIVATION.geluNew);
    expect(activationKind('SiLU')).toBe(ACTIVATION.swish);
    expect(() => activationKind('swoosh')).toThrow(/unknown activation "swoosh"; expected one of linear, relu/);
    // never through the object prototype
    for (const bad of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(() => activationKind(bad)).toThrow(/unknown activation/);
    }
  });
});

describe('f32_softmax', () => {
  const softmax = (row: ArrayLike<number>): number[] => {
    const m = Math.max(...Array.from(row));
    const e = Array.from(row, (v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  function run(x: Float32Array, rows: number, cols: number, inPlace = false): Float32Array {
    if (inPlace) {
      const p = arena.f32(x);
      f32_softmax(engine(), p, p, rows, cols);
      return engine().f32.slice(p >> 2, (p >> 2) + rows * cols);
    }
    const y = arena.guarded(rows * cols);
    f32_softmax(engine(), arena.f32(x), y.ptr, rows, cols);
    y.checkGuards('softmax');
    return y.read();
  }
  const reference = (x: Float32Array, rows: number, cols: number) => {
    const out: number[] = [];
    for (let r = 0; r < rows; r++) out.push(...softmax(x.subarray(r * cols, (r + 1) * cols)));
    return out;
  };

  it('matches float64 over the size grid, rows summing to 1, in place too', () => {
    for (const rows of [0, 1, 3, 5])
      for (const cols of SIZES) {
        const x = randomArray(rows * cols, rows * 100 + cols, -10, 10);
        const y = run(x, rows, cols);
        expectClose(y, reference(x, rows, cols), { rtol: 2e-6, atol: 1e-9 }, `${rows}x${cols}`);
        for (let r = 0; r < rows; r++) {
          const s = y.subarray(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0);
          expect(Math.abs(s - 1)).toBeLessThan(1e-5 * Math.max(1, Math.sqrt(cols)));
        }
        expectSameBits(run(x, rows, cols, true), y, `${rows}x${cols} in place`);
      }
  });

  it('is stable for large inputs', () => {
    const x = Float32Array.from([1000, 999, 998, -1000, 1e30, 1e30, -1e30, 0]);
    const y = run(x, 2, 4);
    expectClose(y.subarray(0, 4), softmax([1000, 999, 998, -1000]), { rtol: 1e-6 }, 'row 0');
    expect(Array.from(y.subarray(4))).toEqual([0.5, 0.5, 0, 0]);
  });

  it('propagates NaN to its row only', () => {
    const x = randomArray(3 * 6, 4);
    x[6 + 4] = NaN;
    const y = run(x, 3, 6);
    for (let i = 0; i < 18; i++) expect(Number.isNaN(y[i]), `[${i}]`).toBe(i >= 6 && i < 12);
  });

  it('f32_softmax_grad is the Jacobian-vector product, checked by finite differences', () => {
    for (const cols of SIZES) {
      const rows = 3;
      const x = randomArray(rows * cols, cols, -3, 3),
        dy = randomArray(rows * cols, cols + 1);
      const y = run(x, rows, cols);
      const dx = arena.guarded(rows * cols);
      f32_softmax_grad(engine(), arena.f32(y), arena.f32(dy), dx.ptr, rows, cols);
      const fd: number[] = [];
      const h = 1e-4;
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
        const g = dy.subarray(r * cols, (r + 1) * cols);
        const loss = (z: number[]) => softmax(z).reduce((s, v, j) => s + g[j]! * v, 0);
        for (let j = 0; j < cols; j++) {
          const old = row[j]!;
          row[j] = old + h;
          const lp = loss(row);
          row[j] = old - h;
          const lm = loss(row);
          row[j] = old;
          fd.push((lp - lm) / (2 * h));
        }
      }
      expectClose(dx.read(), fd, { rtol: 1e-3, atol: 1e-6 }, `softmax grad cols=${cols}`);
      dx.checkGuards('softmax grad');
    }
  });
});

describe('f32_activation wrappers', () => {
  it('reject bad sizes and regions with messages that name them', () => {
    const e = engine();
    const a = arena.f32(new Float32Array(8));
    expect(() => f32_activation(e, 1, a, a, -1, 0)).toThrow(/f32_activation: n must be a non-negative integer, got -1/);
    expect(() => f32_activation_grad(e, 1, a, 3, a, 2, 0)).toThrow(/f32_activation_grad: dy must be a 4-byte aligned/);
    expect(() => f32_softmax(e, a, a, 2, 1.5)).toThrow(/f32_softmax: cols must be a non-negative integer, got 1.5/);
    expect(() => f32_softmax(e, a, e.byteLength - 8, 2, 2)).toThrow(/f32_softmax: y needs 4 floats/);
  });
});
