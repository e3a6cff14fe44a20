// The convolution layers end to end against PyTorch: one layer, mean squared error, the same
// weights; the layer's output (predict) and its weight gradients (computeGradients) against
// torch's forward and autograd (NCHW, transposed here and in the script). Without torch the
// test says so and relies on test/model/conv.test.ts's finite differences; with
// KNOBS_REQUIRE_PYTHON=1 it fails instead.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index';
import type { Layer } from '../../src/layers/layer';
import { expectClose, randomArray } from '../helpers';
import { geometryOf, pythonWithTorch, type ConvCase } from '../kernels/conv-reference';

const L = knobs.layers;

const SCRIPT = String.raw`
import json, sys, torch
import torch.nn.functional as F
torch.set_num_threads(1)
out = []
for cs in json.load(sys.stdin):
    n, h, w, c = cs['n'], cs['h'], cs['w'], cs['c']
    x = torch.tensor(cs['x']).reshape(n, h, w, c).permute(0, 3, 1, 2)
    ws = [torch.tensor(v, requires_grad=True) for v in cs['weights']]
    shapes = cs['shapes']
    xp = F.pad(x, (cs['pl'], cs['pr'], cs['pt'], cs['pb']))
    conv = dict(stride=(cs['sh'], cs['sw']), dilation=(cs['dh'], cs['dw']))
    kind = cs['kind']
    if kind == 'Conv2D':
        kh, kw, ci, oc = shapes[0]
        y = F.conv2d(xp, ws[0].reshape(kh, kw, ci, oc).permute(3, 2, 0, 1), ws[1], **conv)
    else:
        kh, kw, ci, dm = shapes[0]
        dwk = ws[0].reshape(kh, kw, ci * dm).permute(2, 0, 1).unsqueeze(1)
        if kind == 'DepthwiseConv2D':
            y = F.conv2d(xp, dwk, ws[1], groups=ci, **conv)
        else:
            y = F.conv2d(xp, dwk, None, groups=ci, **conv)
            f = shapes[1][3]
            y = F.conv2d(y, ws[1].reshape(ci * dm, f).t().reshape(f, ci * dm, 1, 1), ws[2])
    y = torch.tanh(y).permute(0, 2, 3, 1)
    t = torch.tensor(cs['target']).reshape(y.shape)
    loss = ((y - t) ** 2).mean()
    loss.backward()
    out.append({'y': y.detach().reshape(-1).tolist(), 'grads': [v.grad.reshape(-1).tolist() for v in ws]})
json.dump(out, sys.stdout)
`;

const CASES: [ConvCase, () => Layer][] = [
  [
    { n: 3, h: 9, w: 8, c: 3, oc: 4, kh: 2, kw: 3, sh: 2, sw: 1, padding: 'same' },
    () => L.conv2d({ filters: 4, kernelSize: [2, 3], strides: [2, 1], padding: 'same', activation: 'tanh', biasInitializer: 'glorotUniform' }),
  ],
  [
    { n: 2, h: 10, w: 7, c: 2, oc: 5, kh: 3, kw: 3, dh: 2, dw: 2, padding: 'valid' },
    () => L.conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, activation: 'tanh', biasInitializer: 'glorotUniform' }),
  ],
  [
    { n: 2, h: 8, w: 9, c: 3, dm: 2, kh: 4, kw: 4, sh: 2, sw: 2, padding: 'same' },
    () => L.depthwiseConv2d({ kernelSize: 4, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'tanh', biasInitializer: 'glorotUniform' }),
  ],
  [
    { n: 1, h: 7, w: 7, c: 4, dm: 2, kh: 3, kw: 3, dh: 2, dw: 1, padding: 'same' },
    () =>
      L.separableConv2d({
        filters: 3,
        kernelSize: 3,
        depthMultiplier: 2,
        dilationRate: [2, 1],
        padding: 'same',
        activation: 'tanh',
        biasInitializer: 'glorotUniform',
      }),
  ],
];

describe('convolution layers against PyTorch', () => {
  it('output and weight gradients of conv2d, depthwiseConv2d and separableConv2d match torch', () => {
    const py = pythonWithTorch();
    if (!py) {
      console.log(
        'note: python3 cannot import torch (apt-get install python3-torch); the layers are checked by finite differences only (test/model/conv.test.ts)',
      );
      return;
    }
    const runs = CASES.map(([cs, make], i) => {
      const g = geometryOf(cs);
      const m = knobs.sequential({ inputShape: [cs.h, cs.w, cs.c], seed: 20 + i, layers: [make()] });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const x = randomArray(cs.n * cs.h * cs.w * cs.c, 40 + i);
      const target = randomArray(cs.n * m.outputSize, 60 + i, -0.5, 0.5);
      return { cs, g, m, x, target };
    });
    const input = runs.map(({ cs, g, m, x, target }) => ({
      ...g,
      kind: m.layers[0]!.className,
      x: Array.from(x),
      target: Array.from(target),
      weights: m.getWeights().map((w) => Array.from(w)),
      shapes: m.layers[0]!.weightSpecs().map((s) => s.shape),
      n: cs.n,
    }));
    const r = spawnSync(py, ['-c', SCRIPT], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as { y: number[]; grads: number[][] }[];
    runs.forEach(({ m, x, target }, i) => {
      const label = m.layers[0]!.className + ` case ${i}`;
      expectClose(m.predict(x), results[i]!.y, { rtol: 1e-5, atol: 2e-6 }, `${label} output`);
      const { grads } = m.computeGradients(x, target);
      grads.forEach((gr, k) => expectClose(gr, results[i]!.grads[k]!, { rtol: 1e-4, atol: 1e-6 }, `${label} ${m.weightNames()[k]}`));
    });
  }, 60_000);
});
