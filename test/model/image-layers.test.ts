// The image layers without convolutions (issue 12): pooling, global pooling, reshape, zero
// padding, spatial dropout, and batch normalization over the channel axis. Output shapes as
// Keras reports them, gradients through whole models against finite differences, the batch
// statistics per channel against a plain reference, save/load round trips, and bad input.
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index';
import type { Sequential } from '../../src/model/sequential';
import { engine } from '../../src/engine/engine';
import { ShapeError } from '../../src/errors';
import type { LayerScratch, StepContext } from '../../src/layers/layer';
import { expectClose, randomArray, rng } from '../helpers';
import { pythonWithTorch, runTorch } from '../kernels/torch-ref';
import { checkGradients } from './gradient-check';

const L = knobs.layers;

/** Central finite differences (4-point) of the training-mode loss on sampled trainable weights. */

const labelsFor = (n: number, classes: number, seed: number): Int32Array => {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * classes));
};

describe('summary', () => {
  it('shows output shapes and parameter counts as Keras does', () => {
    const m = knobs.sequential({
      inputShape: [784],
      seed: 1,
      layers: [
        L.reshape({ targetShape: [28, -1, 1] }),
        L.zeroPadding2d({
          padding: [
            [1, 2],
            [0, 3],
          ],
        }),
        L.batchNormalization(),
        L.maxPooling2d({ poolSize: 2 }),
        L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
        L.spatialDropout2d({ rate: 0.2 }),
        L.globalMaxPooling2d({ keepdims: true }),
        L.globalAveragePooling2d(),
        L.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    const text = lines.join('\n');
    // [28, 28, 1] -> pad -> [31, 31, 1] -> pool 2 -> [15, 15, 1] -> pool 3 stride 2 same -> [8, 8, 1]
    for (const row of [
      /reshape \(Reshape\)\s+\[null, 28, 28, 1\]\s+0/,
      /zero_padding2d \(ZeroPadding2D\)\s+\[null, 31, 31, 1\]\s+0/,
      /batch_normalization \(BatchNormalization\)\s+\[null, 31, 31, 1\]\s+4/,
      /max_pooling2d \(MaxPooling2D\)\s+\[null, 15, 15, 1\]\s+0/,
      /average_pooling2d \(AveragePooling2D\)\s+\[null, 8, 8, 1\]\s+0/,
      /spatial_dropout2d \(SpatialDropout2D\)\s+\[null, 8, 8, 1\]\s+0/,
      /global_max_pooling2d \(GlobalMaxPooling2D\)\s+\[null, 1, 1, 1\]\s+0/,
      /global_average_pooling2d \(GlobalAveragePooling2D\)\s+\[null, 1\]\s+0/,
      /dense \(Dense\)\s+\[null, 10\]\s+20/,
    ])
      expect(text).toMatch(row);
    expect(text).toContain('Total params: 24');
    expect(text).toContain('Non-trainable params: 2');
  });

  it('batch normalization after an image has one gamma, beta and moving statistic per channel', () => {
    const m = knobs.sequential({ inputShape: [5, 4, 3], seed: 1, layers: [L.batchNormalization(), L.flatten(), L.dense({ units: 2 })] });
    expect(
      m
        .getWeights()
        .slice(0, 4)
        .map((w) => w.length),
    ).toEqual([3, 3, 3, 3]);
    // the dense case keeps one per feature
    const d = knobs.sequential({ inputShape: [7], seed: 1, layers: [L.batchNormalization(), L.dense({ units: 2 })] });
    expect(
      d
        .getWeights()
        .slice(0, 4)
        .map((w) => w.length),
    ).toEqual([7, 7, 7, 7]);
  });
});

describe('gradients through the image layers against finite differences', () => {
  // batch norm's gamma and beta are the only weights before the image layers: their gradients
  // pass through every layer after them, so a wrong input gradient anywhere shows up there.
  // gamma starts at 1: a positive scale never changes which cell wins a max-pooling window,
  // so the finite differences see a smooth loss
  const cases: [string, () => knobs.layers.Layer[]][] = [
    ['max pooling, valid', () => [L.maxPooling2d({ poolSize: 2 })]],
    ['max pooling 3, strides 2, same', () => [L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })]],
    ['average pooling 2 x 3, strides [1, 2], same', () => [L.averagePooling2d({ poolSize: [2, 3], strides: [1, 2], padding: 'same' })]],
    [
      'zero padding, then max pooling',
      () => [
        L.zeroPadding2d({
          padding: [
            [1, 0],
            [2, 1],
          ],
        }),
        L.maxPooling2d({ poolSize: 2 }),
      ],
    ],
    ['spatial dropout, then a second batch norm', () => [L.spatialDropout2d({ rate: 0.4, seed: 3 }), L.batchNormalization()]],
    ['global average pooling', () => [L.globalAveragePooling2d()]],
    ['global max pooling', () => [L.globalMaxPooling2d()]],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const n = 6;
      const x = randomArray(n * 7 * 5 * 3, 17, -2, 2);
      const y = labelsFor(n, 3, 2);
      const m = knobs.sequential({
        inputShape: [7, 5, 3],
        seed: 4,
        layers: [L.batchNormalization({ betaInitializer: 'randomNormal' }), ...make(), L.flatten(), L.dense({ units: 3, activation: 'softmax' })],
      });
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      expect(checkGradients(m, x, y, { seed: 5, picks: 8 })).toBeGreaterThan(8);
    });
  }
});

describe('batch normalization over the channel axis', () => {
  const n = 10,
    h = 4,
    w = 3,
    c = 5;
  const x = randomArray(n * h * w * c, 8, -1, 3);
  /** Per-channel mean and biased variance over examples and pixels, in float64. */
  function channelStats(): { mean: number[]; variance: number[] } {
    const mean = new Array<number>(c).fill(0),
      variance = new Array<number>(c).fill(0);
    for (let i = 0; i < x.length; i++) mean[i % c]! += x[i]! / (n * h * w);
    for (let i = 0; i < x.length; i++) variance[i % c]! += (x[i]! - mean[i % c]!) ** 2 / (n * h * w);
    return { mean, variance };
  }

  it('training uses the statistics of each channel over the batch and all pixels (moving statistics with momentum 0)', async () => {
    const m = knobs.sequential({
      inputShape: [h, w, c],
      seed: 2,
      layers: [L.batchNormalization({ momentum: 0 }), L.flatten(), L.dense({ units: 2, activation: 'softmax' })],
    });
    m.compile({ optimizer: knobs.optimizers.sgd({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy' });
    await m.fit(x, labelsFor(n, 2, 1), { batchSize: n, epochs: 1, verbose: 0, shuffle: false });
    const [, , movingMean, movingVariance] = m.getWeights();
    const ref = channelStats();
    expectClose(movingMean!, ref.mean, { rtol: 1e-5, atol: 1e-6 }, 'moving mean');
    expectClose(movingVariance!, ref.variance, { rtol: 1e-4, atol: 1e-6 }, 'moving variance');
  });

  it('inference normalizes each channel with its moving statistics, gamma and beta', () => {
    const m = knobs.sequential({ inputShape: [h, w, c], seed: 2, layers: [L.batchNormalization({ epsilon: 0.01 })] });
    const gamma = randomArray(c, 1, 0.5, 2),
      beta = randomArray(c, 2),
      mean = randomArray(c, 3),
      variance = randomArray(c, 4, 0.2, 3);
    m.setWeights([gamma, beta, mean, variance]);
    const want = Array.from(x, (v, i) => ((v - mean[i % c]!) / Math.sqrt(variance[i % c]! + 0.01)) * gamma[i % c]! + beta[i % c]!);
    expectClose(m.predict(x), want, { rtol: 1e-5, atol: 1e-5 }, 'inference');
  });
});

describe('save and load', () => {
  it('round-trips every image layer with its options, weights and predictions', async () => {
    const make = (): Sequential => {
      const m = knobs.sequential({
        inputShape: [100],
        seed: 7,
        layers: [
          L.reshape({ targetShape: [10, 5, -1] }),
          L.zeroPadding2d({ padding: [1, 2] }),
          L.batchNormalization({ momentum: 0.9 }),
          L.maxPooling2d({ poolSize: [2, 3], strides: [2, 1], padding: 'same', name: 'pool' }),
          L.spatialDropout2d({ rate: 0.3, seed: 11 }),
          L.averagePooling2d({ poolSize: 2 }),
          L.globalMaxPooling2d({ keepdims: true }),
          L.globalAveragePooling2d(),
          L.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const m = make();
    const x = randomArray(40 * 100, 3);
    await m.fit(x, labelsFor(40, 3, 4), { batchSize: 8, epochs: 1, verbose: 0 });
    const loaded = await knobs.loadModel(knobs.toArrayBuffer(m));
    expect(loaded.getConfig()).toEqual(m.getConfig());
    expect(loaded.layers.map((l) => l.outputShape)).toEqual(m.layers.map((l) => l.outputShape));
    expect(loaded.getWeights()).toEqual(m.getWeights());
    expect(Array.from(loaded.predict(x))).toEqual(Array.from(m.predict(x)));
    const cfg = m.getConfig().layers.find((l) => l.className === 'MaxPooling2D')!.config;
    expect(cfg).toMatchObject({ name: 'pool', poolSize: [2, 3], strides: [2, 1], padding: 'same' });
  });
});

describe('bad input', () => {
  it('rejects bad options when the layer is made, naming the layer and the value', () => {
    expect(() => L.maxPooling2d({ poolSize: 0 })).toThrow(RangeError);
    expect(() => L.maxPooling2d({ poolSize: 0, name: 'p1' })).toThrow(/layers\.maxPooling2d \(p1\): poolSize must hold positive integers, got 0/);
    expect(() => L.averagePooling2d({ strides: [2, -1] })).toThrow(/layers\.averagePooling2d: strides must hold positive integers, got \[2,-1\]/);
    expect(() => L.maxPooling2d({ padding: 'full' as never })).toThrow(/padding must be one of "valid", "same", got "full"/);
    expect(() => L.maxPooling2d({ dataFormat: 'channelsFirst' as never })).toThrow(/dataFormat must be 'channelsLast'/);
    expect(() => L.reshape({ targetShape: [-1, -1] })).toThrow(/at most one -1, got \[-1, -1\]/);
    expect(() => L.reshape({} as never)).toThrow(TypeError);
    expect(() => L.zeroPadding2d({ padding: -1 })).toThrow(/layers\.zeroPadding2d: padding must be a non-negative integer/);
    expect(() => L.spatialDropout2d({ rate: 1 })).toThrow(/rate must be in \[0, 1\), got 1/);
    expect(() => L.globalMaxPooling2d({ pool: 2 } as never)).toThrow(/unknown option "pool"/);
  });

  it('rejects shapes that do not fit when the model is built, before any training, naming the layer and the shapes', () => {
    const build =
      (inputShape: number[], ...layers: knobs.layers.Layer[]) =>
      () =>
        knobs.sequential({ inputShape, layers: [...layers, L.flatten(), L.dense({ units: 2 })] });
    expect(build([784], L.reshape({ targetShape: [28, 27, 1] }))).toThrow(ShapeError);
    expect(build([784], L.reshape({ targetShape: [28, 27, 1], name: 'r' }))).toThrow(
      /layers\.reshape \(r\): cannot reshape input \[784\] \(784 values\) to targetShape \[28, 27, 1\] \(756 values\)/,
    );
    expect(build([784], L.reshape({ targetShape: [-1, 5] }))).toThrow(/784 is not a multiple of 5/);
    expect(build([2, 2, 4], L.maxPooling2d({ poolSize: 3 }))).toThrow(
      /layers\.maxPooling2d \(max_pooling2d\): a 3 x 3 pool does not fit its input \[2, 2, 4\] with padding 'valid'/,
    );
    expect(build([784], L.maxPooling2d())).toThrow(
      /layers\.maxPooling2d \(max_pooling2d\): expects an input of shape \[height, width, channels\], got \[784\]; add layers\.reshape/,
    );
    expect(build([28, 28], L.globalAveragePooling2d())).toThrow(/expects an input of shape \[height, width, channels\], got \[28, 28\]/);
    expect(build([4], L.spatialDropout2d({ rate: 0.5 }))).toThrow(ShapeError);
    expect(build([4, 4], L.zeroPadding2d())).toThrow(ShapeError);
    // batch normalization: only the last axis, as -1 or counted with the batch dimension
    expect(build([5, 4, 3], L.batchNormalization({ axis: 1, name: 'bn' }))).toThrow(
      /layers\.batchNormalization \(bn\): axis 1 is not the last axis of its input \[batch, 5, 4, 3\]/,
    );
    expect(build([5, 4, 3], L.batchNormalization({ axis: 3 }))).not.toThrow();
    expect(build([5, 4, 3], L.batchNormalization({ axis: -1 }))).not.toThrow();
    expect(() => L.batchNormalization({ axis: 0.5 })).toThrow(/axis must be an integer, got 0.5/);
    // 'same' fits any input
    expect(build([2, 2, 4], L.maxPooling2d({ poolSize: 3, padding: 'same' }))).not.toThrow();
  });
});

describe('batch normalization over the channel axis, one step of the layer against PyTorch', () => {
  /** Runs the layer's training forward and backward on one shard; returns y, dx, dgamma, dbeta. */
  function step(rows: number, h: number, w: number, c: number, x: Float32Array, dy: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number) {
    const e = engine();
    const layer = L.batchNormalization({ epsilon });
    layer.build([h, w, c]);
    layer.offsets = [0, c, 0, c]; // gamma, beta in the parameters; moving mean, variance in the state
    const params = e.allocF32(2 * c),
      state = e.allocF32(2 * c),
      grads = e.allocF32(2 * c);
    e.f32.set(gamma, params >> 2);
    e.f32.set(beta, (params >> 2) + c);
    const spec = layer.scratchSpec(rows);
    const sc: LayerScratch = { out: e.allocF32(spec.out), extra: {} };
    for (const [k, n] of Object.entries(spec.extra)) sc.extra[k] = e.allocF32(n);
    layer.initScratch({ e }, sc);
    const ctx: StepContext = {
      e,
      params,
      state,
      grads,
      training: true,
      rows,
      batchRows: rows,
      rowOffset: 0,
      seed: 1,
      step: 0,
      shard: 0,
      shards: 1,
      shardRows: () => rows,
      scratchOf: () => sc,
      barrier: () => {},
      gemmWs: e.gemmWorkspace,
    };
    const px = e.allocF32(x.length),
      pdy = e.allocF32(dy.length),
      pdx = e.allocF32(x.length);
    e.f32.set(x, px >> 2);
    e.f32.set(dy, pdy >> 2);
    const out = layer.forward(ctx, sc, px);
    const y = e.f32.slice(out >> 2, (out >> 2) + x.length);
    // the input gradient is where backward says (batch norm writes it over dy)
    const dxAt = layer.backward(ctx, sc, px, out, pdy, pdx);
    return {
      y,
      dx: e.f32.slice(dxAt >> 2, (dxAt >> 2) + x.length),
      dgamma: e.f32.slice(grads >> 2, (grads >> 2) + c),
      dbeta: e.f32.slice((grads >> 2) + c, (grads >> 2) + 2 * c),
    };
  }

  /** The same in float64, from the textbook formulas, statistics per channel over rows, h and w. */
  function reference(
    rows: number,
    h: number,
    w: number,
    c: number,
    x: Float32Array,
    dy: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    epsilon: number,
  ) {
    const m = rows * h * w;
    const mean = new Float64Array(c),
      vr = new Float64Array(c),
      sdy = new Float64Array(c),
      sdyx = new Float64Array(c);
    x.forEach((v, i) => (mean[i % c]! += v / m));
    x.forEach((v, i) => (vr[i % c]! += (v - mean[i % c]!) ** 2 / m));
    const xhat = Array.from(x, (v, i) => (v - mean[i % c]!) / Math.sqrt(vr[i % c]! + epsilon));
    dy.forEach((g, i) => {
      sdy[i % c]! += g;
      sdyx[i % c]! += g * xhat[i]!;
    });
    return {
      y: xhat.map((v, i) => v * gamma[i % c]! + beta[i % c]!),
      dx: xhat.map((v, i) => ((gamma[i % c]! / Math.sqrt(vr[i % c]! + epsilon)) * (m * dy[i]! - sdy[i % c]! - v * sdyx[i % c]!)) / m),
      dgamma: Array.from(sdyx),
      dbeta: Array.from(sdy),
    };
  }

  const SHAPES: [number, number, number, number][] = [
    [1, 5, 5, 1],
    [4, 7, 3, 3],
    [2, 9, 9, 16],
    [3, 4, 6, 33],
  ];
  const python = pythonWithTorch();
  if (!python)
    console.warn('image-layers.test.ts: PyTorch comparison of batch normalization SKIPPED (apt-get install python3-torch); the float64 reference still runs.');

  it('forward output and the gradients of x, gamma and beta match a float64 reference and PyTorch', () => {
    const cases = SHAPES.map(([rows, h, w, c], k) => ({
      rows,
      height: h,
      width: w,
      channels: c,
      epsilon: 1e-3,
      x: randomArray(rows * h * w * c, 40 + k, -1, 3),
      dy: randomArray(rows * h * w * c, 50 + k),
      gamma: randomArray(c, 60 + k, 0.5, 1.5),
      beta: randomArray(c, 70 + k),
    }));
    const torch = python
      ? runTorch<{ y: number[]; dx: number[]; dgamma: number[]; dbeta: number[] }[]>(
          python,
          'batchnorm_torch.py',
          cases.map((c) => ({ ...c, x: Array.from(c.x), dy: Array.from(c.dy), gamma: Array.from(c.gamma), beta: Array.from(c.beta) })),
        )
      : undefined;
    cases.forEach((c, k) => {
      const got = step(c.rows, c.height, c.width, c.channels, c.x, c.dy, c.gamma, c.beta, c.epsilon);
      const refs: [string, Record<'y' | 'dx' | 'dgamma' | 'dbeta', ArrayLike<number>>][] = [
        ['float64', reference(c.rows, c.height, c.width, c.channels, c.x, c.dy, c.gamma, c.beta, c.epsilon)],
      ];
      if (torch) refs.push(['PyTorch', torch[k]!]);
      for (const [name, want] of refs)
        for (const key of ['y', 'dx', 'dgamma', 'dbeta'] as const)
          expectClose(got[key], want[key], { rtol: 1e-4, atol: 2e-5 }, `${c.rows}x${c.height}x${c.width}x${c.channels} ${key} vs ${name}`);
    });
  });
});
