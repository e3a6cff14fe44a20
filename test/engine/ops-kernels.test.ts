// 'knobs/ops' runs on its own kernel file, knobs-ops.wasm (assembly/ops.ts: the matrix product
// and the activations), compiled from the same sources as the full kernels. The built bundle
// (build/dist/node/ops.js, as the package exports it to Node) must load that file and give the
// same numbers as the library's ops on the full kernels, on random inputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index';
import { ACTIVATION, activationNeedsInput } from '../../src/engine/kernels/f32_activation';
import type * as OpsEntry from '../../build/entry.ops';
import { randomArray } from '../helpers';

const bundle = (): Promise<typeof OpsEntry> => import(new URL('../../build/dist/node/ops.js', import.meta.url).href) as Promise<typeof OpsEntry>;

/** The functions assembly/ops.ts exports, read from its source text. */
function opsKernelNames(): string[] {
  const text = readFileSync(new URL('../../assembly/ops.ts', import.meta.url), 'utf8');
  const names = [...text.matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()));
  return [...names, ...[...text.matchAll(/^export function (\w+)/gm)].map((m) => m[1]!)].sort();
}

describe("knobs/ops' own kernels", () => {
  it('the bundle loads knobs-ops.wasm: the functions of assembly/ops.ts, a subset of the full kernels, in a plain memory', async () => {
    const ops = await bundle();
    const e = await ops.ready();
    const functions = WebAssembly.Module.exports(e.module)
      .filter((x) => x.kind === 'function')
      .map((x) => x.name)
      .sort();
    expect(functions).toEqual(opsKernelNames());
    expect(functions).toContain('f32_gemm');
    const full = WebAssembly.Module.exports((await knobs.ready()).module).map((x) => x.name);
    expect(functions.filter((f) => !full.includes(f))).toEqual([]);
    expect(full.length).toBeGreaterThan(functions.length * 5);
    expect(e.shared).toBe(false);
  });

  it('matMul (transposes, bias, every activation), activation, activationGrad and softmax equal the full kernels bit for bit', async () => {
    const { ops } = await bundle();
    const [m, k, n] = [17, 33, 9];
    for (const name of Object.keys(ACTIVATION) as (keyof typeof ACTIVATION)[]) {
      for (const transposeA of [false, true])
        for (const transposeB of [false, true]) {
          const a = randomArray(m * k, 1 + ACTIVATION[name]),
            b = randomArray(k * n, 2 + ACTIVATION[name]),
            bias = randomArray(n, 3);
          const options = { m, k, n, transposeA, transposeB, bias, activation: name };
          expect(Array.from(ops.matMul(a, b, options)), `matMul ${name} ${transposeA} ${transposeB}`).toEqual(Array.from(knobs.ops.matMul(a, b, options)));
        }
      const x = randomArray(257, 10 + ACTIVATION[name], -4, 4);
      const y = knobs.ops.activation(name, x);
      expect(Array.from(ops.activation(name, x)), `activation ${name}`).toEqual(Array.from(y));
      const dy = randomArray(257, 20);
      // gradients from the output exist for the activations that do not need their input
      if (!activationNeedsInput(ACTIVATION[name]))
        expect(Array.from(ops.activationGrad(name, y, dy)), `activationGrad ${name}`).toEqual(Array.from(knobs.ops.activationGrad(name, y, dy)));
    }
    const logits = randomArray(12 * 10, 7, -6, 6);
    const p = ops.softmax(logits, { cols: 10 });
    expect(Array.from(p)).toEqual(Array.from(knobs.ops.softmax(logits, { cols: 10 })));
    // and the numbers are right: each row sums to 1
    for (let r = 0; r < 12; r++) expect(p.subarray(r * 10, r * 10 + 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(Array.from(ops.matMul(new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([1, 0, 0, 1, 1, 1]), { m: 2, k: 3, n: 2 }))).toEqual([4, 5, 10, 11]);
  });
});
