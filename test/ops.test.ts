// knobs.ops: the engine on plain Float32Arrays, and on engine-resident arrays without copies.
import { describe, expect, it } from 'vitest';
import * as knobs from '../src/index';
import { ShapeError } from '../src/errors';
import { expectClose, randomArray } from './helpers';

function matmulRef(a: Float32Array, b: Float32Array, m: number, k: number, n: number, ta = false, tb = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * n + j]!);
      c[i * n + j] = s;
    }
  return c;
}

describe('knobs.ops', () => {
  it('matMul matches a float64 reference, with transposes, bias and activation', () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 5, 7],
      [17, 33, 9],
      [64, 100, 65],
    ] as const) {
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          const a = randomArray(m * k, m + k),
            b = randomArray(k * n, k + n);
          expectClose(
            knobs.ops.matMul(a, b, { m, k, n, transposeA: ta, transposeB: tb }),
            matmulRef(a, b, m, k, n, ta, tb),
            { rtol: 1e-5, atol: 1e-5 },
            `${m}x${k}x${n} ${ta} ${tb}`,
          );
        }
    }
    const c = knobs.ops.matMul(new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([1, 0, 0, 1, 1, 1]), {
      m: 2,
      k: 3,
      n: 2,
      bias: new Float32Array([-5, 0]),
      activation: 'relu',
    });
    expect(Array.from(c)).toEqual([0, 5, 5, 11]);
  });

  it('uses engine-resident arrays in place and writes into out', () => {
    const a = knobs.ops.alloc(6),
      b = knobs.ops.alloc(6),
      out = knobs.ops.alloc(4);
    a.set([1, 2, 3, 4, 5, 6]);
    b.set([1, 0, 0, 1, 1, 1]);
    const r = knobs.ops.matMul(a, b, { m: 2, k: 3, n: 2, out });
    expect(r).toBe(out);
    expect(Array.from(out)).toEqual([4, 5, 10, 11]);
    const plainOut = new Float32Array(4);
    expect(knobs.ops.matMul(a, b, { m: 2, k: 3, n: 2, out: plainOut })).toBe(plainOut);
    knobs.ops.free(a);
    knobs.ops.free(b);
    knobs.ops.free(out);
    expect(() => knobs.ops.free(a)).toThrow(/not allocated by ops.alloc/);
  });

  it('activations, their gradients and softmax match Math', () => {
    const x = randomArray(101, 3, -4, 4);
    const ref: Record<string, (v: number) => number> = {
      relu: (v) => Math.max(v, 0),
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      tanh: Math.tanh,
      elu: (v) => (v > 0 ? v : Math.expm1(v)),
      leakyRelu: (v) => (v > 0 ? v : 0.3 * v),
    };
    for (const [name, f] of Object.entries(ref)) {
      expectClose(knobs.ops.activation(name as knobs.ops.ActivationName, x), Array.from(x, f), { rtol: 1e-6, atol: 1e-7 }, name);
    }
    const y = knobs.ops.tanh(x),
      dy = randomArray(101, 4);
    expectClose(
      knobs.ops.activationGrad('tanh', y, dy),
      Array.from(x, (v, i) => dy[i]! * (1 - Math.tanh(v) ** 2)),
      { rtol: 1e-5, atol: 1e-6 },
      'tanh grad',
    );
    const s = knobs.ops.softmax(new Float32Array([1, 2, 3, 1000, 1000, 1000]), { cols: 3 });
    expectClose(s, [0.09003057, 0.24472847, 0.66524096, 1 / 3, 1 / 3, 1 / 3], { rtol: 1e-6 }, 'softmax');
  });

  it('rejects bad arguments with messages that name them', () => {
    expect(() => knobs.ops.matMul(new Float32Array(5), new Float32Array(6), { m: 2, k: 3, n: 2 })).toThrow(ShapeError);
    expect(() => knobs.ops.matMul(new Float32Array(6), new Float32Array(6), { m: 2, k: 3, n: -2 })).toThrow(/options.n must be a non-negative integer, got -2/);
    expect(() => knobs.ops.matMul([1, 2] as never, new Float32Array(2), { m: 1, k: 2, n: 1 })).toThrow(/a must be a Float32Array, got an array of length 2/);
    expect(() => knobs.ops.activation('swoosh' as never, new Float32Array(2))).toThrow(/unknown activation "swoosh"/);
    expect(() => knobs.ops.softmax(new Float32Array(5), { cols: 2 })).toThrow(/not a whole number of rows of 2/);
  });
});
