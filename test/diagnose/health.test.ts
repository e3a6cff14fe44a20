/**
 * Training health: each problem flagged from a synthetic record, with its knobs; a healthy
 * record is not flagged.
 */
import { describe, expect, it } from 'vitest';
import { diagnoseHealth, type LayerHealth, type TrainingHealth } from '../../src/diagnose';
import { expectThrows } from '../metrics/helpers';

const N = 20;
const steps = Array.from({ length: N }, (_, i) => (i + 1) * 50);
const series = (f: (i: number) => number): number[] => Array.from({ length: N }, (_, i) => f(i));
const falling = series((i) => 2.3 * Math.exp(-0.15 * i));
const layer = (name: string, activation: string, gradNorm: number[], extra: Partial<LayerHealth> = {}): LayerHealth => ({
  name,
  activation,
  gradNorm,
  ...extra,
});
const healthy = (): TrainingHealth => ({
  steps,
  loss: falling,
  layers: [
    layer(
      'dense1',
      'relu',
      series(() => 0.8),
      { deadReluFraction: series(() => 0.1) },
    ),
    layer(
      'dense2',
      'tanh',
      series(() => 0.5),
      { saturatedFraction: series(() => 0.05) },
    ),
    layer(
      'out',
      'softmax',
      series(() => 1.2),
    ),
  ],
});
const withLayer = (i: number, l: LayerHealth, loss = falling): TrainingHealth => {
  const h = healthy();
  h.layers[i] = l;
  h.loss = loss;
  return h;
};

const CASES: [string, TrainingHealth, string[], string[]][] = [
  [
    'vanishing: a layer 1e-5 of the largest',
    withLayer(
      0,
      layer(
        'dense1',
        'sigmoid',
        series(() => 1e-5),
      ),
    ),
    ['vanishingGradients:dense1'],
    ['initialization', 'activation', 'batch normalization'],
  ],
  [
    'vanishing: gradient ~0 while the loss is high',
    {
      steps,
      loss: series(() => 2.3 - 1e-9),
      layers: [
        layer(
          'd',
          'relu',
          series(() => 1e-9),
        ),
      ],
    },
    ['vanishingGradients:d', 'lossPlateau'],
    ['initialization'],
  ],
  [
    'exploding: norm above 1e3',
    withLayer(
      2,
      layer(
        'out',
        'softmax',
        series((i) => 10 ** (i / 4)),
      ),
    ),
    ['explodingGradients:out'],
    ['learning rate', 'gradient clipping'],
  ],
  [
    'exploding: NaN gradient',
    withLayer(
      1,
      layer(
        'dense2',
        'tanh',
        series((i) => (i === 12 ? NaN : 0.5)),
      ),
    ),
    ['explodingGradients:dense2'],
    ['learning rate'],
  ],
  [
    'exploding: grew 5000x',
    withLayer(
      1,
      layer(
        'dense2',
        'tanh',
        series((i) => (i < 5 ? 0.01 : 50)),
      ),
    ),
    ['explodingGradients:dense2'],
    ['gradient clipping'],
  ],
  [
    'dead ReLUs',
    withLayer(
      0,
      layer(
        'dense1',
        'relu',
        series(() => 0.8),
        { deadReluFraction: series((i) => i / 25) },
      ),
    ),
    ['deadRelu:dense1'],
    ['learning rate', 'activation'],
  ],
  [
    'saturated tanh',
    withLayer(
      1,
      layer(
        'dense2',
        'tanh',
        series(() => 0.5),
        { saturatedFraction: series(() => 0.9) },
      ),
    ),
    ['saturation:dense2'],
    ['initialization', 'input normalization'],
  ],
  [
    'loss plateau',
    withLayer(
      2,
      layer(
        'out',
        'softmax',
        series(() => 1),
      ),
      series((i) => (i < 5 ? 2.3 - 0.2 * i : 1.3)),
    ),
    ['lossPlateau'],
    ['learning rate schedule'],
  ],
  [
    'loss diverging',
    withLayer(
      2,
      layer(
        'out',
        'softmax',
        series(() => 1),
      ),
      series((i) => (i < 10 ? 2.3 - 0.2 * i : 0.5 + 0.3 * (i - 10))),
    ),
    ['lossDiverging'],
    ['learning rate'],
  ],
  [
    'loss NaN',
    withLayer(
      2,
      layer(
        'out',
        'softmax',
        series(() => 1),
      ),
      series((i) => (i === 15 ? NaN : 1)),
    ),
    ['lossDiverging'],
    ['gradient clipping'],
  ],
];

describe('diagnoseHealth', () => {
  it('does not flag a healthy record', () => {
    const r = diagnoseHealth(healthy());
    expect(r.flags).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.summary).toContain('Healthy over 20 records');
  });

  for (const [name, record, problems, knobs] of CASES) {
    it(name, () => {
      const r = diagnoseHealth(record);
      expect(r.flags.map((f) => (f.layer ? `${f.problem}:${f.layer}` : f.problem))).toEqual(problems);
      const first = r.flags[0]!;
      for (const k of knobs) expect(first.knobs.map((x) => x.knob)).toContain(k);
      expect(first.knobs.every((k) => k.option.length > 0)).toBe(true);
      expect(r.ok).toBe(false);
    });
  }

  it('ignores unit statistics that do not apply to the activation', () => {
    const h = healthy();
    h.layers[1] = layer(
      'dense2',
      'tanh',
      series(() => 0.5),
      { deadReluFraction: series(() => 0.9) },
    );
    h.layers[0] = layer(
      'dense1',
      'relu',
      series(() => 0.8),
      { saturatedFraction: series(() => 0.9) },
    );
    expect(diagnoseHealth(h).flags).toEqual([]);
  });

  it('does not call a converged loss a plateau', () => {
    expect(
      diagnoseHealth({
        steps,
        loss: series(() => 1e-4),
        layers: [
          layer(
            'd',
            'relu',
            series(() => 1e-3),
          ),
        ],
      }).flags,
    ).toEqual([]);
  });

  it('states each flag with value and threshold, and takes thresholds as options', () => {
    const h = withLayer(
      1,
      layer(
        'dense2',
        'tanh',
        series(() => 0.5),
        { saturatedFraction: series(() => 0.3) },
      ),
    );
    expect(diagnoseHealth(h).flags).toEqual([]);
    const r = diagnoseHealth(h, { thresholds: { saturated: 0.2 } });
    expect(r.flags[0]).toMatchObject({ problem: 'saturation', layer: 'dense2', value: 0.3, threshold: 0.2 });
    expect(r.flags[0]!.message).toBe('dense2: 30% of the tanh units are saturated (their gradient is near 0)');
  });

  it('rejects malformed records', () => {
    expectThrows(() => diagnoseHealth({ steps, loss: [1, 2], layers: [] }), RangeError, 'health.loss', '(20)', 'got 2');
    expectThrows(() => diagnoseHealth({ steps, loss: falling, layers: {} as never }), TypeError, 'health.layers');
    expectThrows(() => diagnoseHealth({ steps, loss: falling, layers: [{ name: 'a', activation: 'relu', gradNorm: [1] }] }), RangeError, 'layers[0].gradNorm');
    expectThrows(() => diagnoseHealth(healthy(), { thresholds: { deadRelus: 0.1 } as never }), RangeError, 'options.thresholds.deadRelus');
  });
});
