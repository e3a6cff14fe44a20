/**
 * The knobs a diagnosis lists fit the model: knobs it has already turned are left out (Adam,
 * He initialization, batch normalization, no regularization to lessen), knobs it has turned
 * part-way are restated from where it stands, and the augmentation snippet runs as printed.
 */
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { readModelSettings } from '../../src/diagnose/settings';
import { randomArray } from '../helpers';

const BIAS = { humanLevelError: 0.01, trainError: 0.1, devError: 0.11 };
const VARIANCE = { humanLevelError: 0.01, trainError: 0.01, devError: 0.1 };
const names = (d: knobs.Diagnosis): string[] => d.knobs.map((k) => k.knob);

function model(o: {
  optimizer: 'adam' | 'sgd';
  init: 'heNormal' | 'glorotUniform';
  l2?: number;
  dropout?: number;
  batchNorm?: boolean;
  inputs?: number;
}): knobs.Sequential {
  const reg = o.l2 === undefined ? {} : { kernelRegularizer: knobs.regularizers.l2(o.l2) };
  const m = knobs.sequential({
    inputShape: [o.inputs ?? 64],
    seed: 1,
    layers: [
      knobs.layers.dense({ units: 16, activation: 'relu', kernelInitializer: o.init, ...reg }),
      ...(o.batchNorm ? [knobs.layers.batchNormalization()] : []),
      ...(o.dropout === undefined ? [] : [knobs.layers.dropout({ rate: o.dropout })]),
      knobs.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: o.optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('knobs filtered by the model', () => {
  it('a plain SGD model with Glorot before ReLU, no regularization: every bias knob but "less regularization"', () => {
    const m = model({ optimizer: 'sgd', init: 'glorotUniform' });
    const d = knobs.diagnose(BIAS, { model: m });
    expect(d.focus).toBe('bias');
    expect(names(d)).toEqual(knobs.KNOBS.bias.map((k) => k.knob).filter((k) => k !== 'less regularization'));
    expect(d.omittedKnobs).toEqual([{ knob: 'less regularization', reason: 'the model has no regularization (no L1/L2 penalty, dropout or weight decay)' }]);
    m.dispose();
  });

  it('Adam, He before ReLU, batch normalization: none of them is suggested again, and the report says why', () => {
    const m = model({ optimizer: 'adam', init: 'heNormal', batchNorm: true, l2: 1e-3 });
    const d = knobs.diagnose(BIAS, { model: m });
    expect(names(d)).not.toContain('better optimizer');
    expect(names(d)).not.toContain('initialization');
    expect(names(d)).not.toContain('batch normalization');
    expect(names(d)).toContain('less regularization'); // it has L2
    expect(names(d)).toContain('bigger network');
    expect(d.omittedKnobs.map((k) => k.reason)).toEqual([
      'the model already trains with Adam',
      'every hidden layer already has the initializer its activation wants (heNormal)',
      'the model already has batch normalization',
    ]);
    const text = knobs.formatDiagnosis(d);
    expect(text).toContain('Left out (the model has them already):\n  - better optimizer: the model already trains with Adam');
    m.dispose();
  });

  it('variance: L2 and dropout restated from the current factor and rate', () => {
    const m = model({ optimizer: 'adam', init: 'heNormal', l2: 1e-3, dropout: 0.2 });
    const d = knobs.diagnose(VARIANCE, { model: m });
    expect(d.focus).toBe('variance');
    const l2 = d.knobs.find((k) => k.knob === 'stronger L2 regularization')!;
    expect(l2.option).toBe('kernelRegularizer: regularizers.l2(0.003) (now at most 0.001)');
    expect(d.knobs.find((k) => k.knob === 'higher dropout rate')!.option).toBe('layers.dropout({ rate: 0.4 }) (now 0.2)');
    expect(names(d)).not.toContain('L2 regularization');
    expect(names(d)).not.toContain('dropout');
    const heavy = model({ optimizer: 'adam', init: 'heNormal', dropout: 0.5 });
    expect(names(knobs.diagnose(VARIANCE, { model: heavy }))).not.toContain('higher dropout rate');
    m.dispose();
    heavy.dispose();
  });

  it('the model form reads the settings of its model', () => {
    const m = model({ optimizer: 'adam', init: 'heNormal' });
    const x = randomArray(64 * 30, 2, 0, 1);
    const y = Int32Array.from({ length: 30 }, (_, i) => i % 3);
    const d = knobs.diagnose(m, { train: { x, y }, dev: { x, y } }, { humanLevelError: 0 });
    expect(d.counts).toEqual({ train: 30, dev: 30 });
    expect(d.focus).toBe('bias'); // an untrained model errs on about 2 in 3
    expect(names(d)).not.toContain('better optimizer');
    expect(readModelSettings(m)).toMatchObject({ optimizer: 'Adam', dense: [{ units: 16, activation: 'relu', kernelInitializer: 'heNormal' }, { units: 3 }] });
    m.dispose();
  });

  it('a bare predictor has no settings: every knob stays', () => {
    const d = knobs.diagnose(BIAS, { model: undefined });
    expect(d.knobs).toEqual(knobs.KNOBS.bias);
    expect(d.omittedKnobs).toEqual([]);
    expect(readModelSettings({ predict: () => new Float32Array(0), inputSize: 1, outputSize: 1 })).toBeNull();
  });
});

describe('the printed augmentation snippet runs as written', () => {
  /** The option of the named knob, read back from the text report. */
  const snippet = (text: string, knob: string): string => {
    const line = text.split('\n').find((l) => l.startsWith(`  - ${knob}: `));
    expect(line, `no "${knob}" line in:\n${text}`).toBeDefined();
    return line!.slice(`  - ${knob}: `.length);
  };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;

  it('with the image shape filled in from the model (8 x 8 inputs)', async () => {
    const m = model({ optimizer: 'adam', init: 'heNormal', inputs: 64 });
    const text = knobs.formatDiagnosis(knobs.diagnose(VARIANCE, { model: m }));
    const code = snippet(text, 'data augmentation');
    expect(code).toContain('{ height: 8, width: 8, channels: 1 }');
    const x = randomArray(64 * 12, 3, 0, 1),
      y = Int32Array.from({ length: 12 }, (_, i) => i % 3);
    const run = new AsyncFunction('model', 'x', 'y', 'data', `return await ${code};`);
    const history = (await run(m, x, y, knobs.data)) as { epoch: number[]; history: Record<string, number[]> };
    expect(history.epoch).toEqual([0]);
    expect(history.history.loss![0]).toBeGreaterThan(0);
    m.dispose();
  });

  it('without a model: the shape is named by variables, and runs once they exist', async () => {
    for (const [errors, knob] of [
      [VARIANCE, 'data augmentation'],
      [{ humanLevelError: 0.01, trainError: 0.02, trainDevError: 0.025, devError: 0.1 }, 'make training data like dev'],
    ] as const) {
      const code = snippet(knobs.formatDiagnosis(knobs.diagnose(errors)), knob);
      expect(code).toContain('{ height, width, channels }');
      const m = model({ optimizer: 'adam', init: 'heNormal', inputs: 48 });
      const x = randomArray(48 * 6, 4, 0, 1),
        y = Int32Array.from({ length: 6 }, (_, i) => i % 3);
      const run = new AsyncFunction('model', 'x', 'y', 'data', 'height', 'width', 'channels', `return await ${code};`);
      const history = (await run(m, x, y, knobs.data, 4, 4, 3)) as { epoch: number[]; history: Record<string, number[]> };
      expect(history.epoch, knob).toEqual([0]);
      m.dispose();
    }
  });
});

describe('training-health knobs filtered by the model', () => {
  const N = 12;
  const series = (v: number): number[] => Array.from({ length: N }, () => v);
  /** A record in which the model's first layer has 90% dead ReLUs. */
  const deadRecord = (m: knobs.Sequential): knobs.TrainingHealth => ({
    steps: Array.from({ length: N }, (_, i) => (i + 1) * 20),
    loss: Array.from({ length: N }, (_, i) => 2 * Math.exp(-0.2 * i)),
    layers: [
      { name: m.layers[0]!.name, activation: 'relu', gradNorm: series(0.5), deadReluFraction: series(0.9) },
      { name: m.layers.at(-1)!.name, activation: 'softmax', gradNorm: series(0.8) },
    ],
  });

  it('dead ReLUs in a layer with He initialization and batch normalization: only the knobs not yet turned', () => {
    const m = model({ optimizer: 'adam', init: 'heNormal', batchNorm: true });
    const plain = knobs.diagnoseHealth(deadRecord(m)).flags.find((f) => f.problem === 'deadRelu')!;
    expect(plain.knobs.map((k) => k.knob)).toEqual(['learning rate', 'activation', 'initialization', 'batch normalization']);
    const fitted = knobs.diagnoseHealth(deadRecord(m), { model: m }).flags.find((f) => f.problem === 'deadRelu')!;
    expect(fitted.knobs.map((k) => k.knob)).toEqual(['learning rate', 'activation']);
    expect(fitted.omittedKnobs).toEqual([
      { knob: 'initialization', reason: `${m.layers[0]!.name} already has heNormal` },
      { knob: 'batch normalization', reason: 'the model already has batch normalization' },
    ]);
    m.dispose();
  });

  it('a Glorot-initialized layer still gets the He suggestion', () => {
    const m = model({ optimizer: 'sgd', init: 'glorotUniform' });
    const f = knobs.diagnoseHealth(deadRecord(m), { model: m }).flags.find((x) => x.problem === 'deadRelu')!;
    expect(f.knobs.map((k) => k.knob)).toEqual(['learning rate', 'activation', 'initialization', 'batch normalization']);
    expect(f.omittedKnobs).toEqual([]);
    m.dispose();
  });
});
