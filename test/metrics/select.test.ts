/**
 * Optimizing and satisficing: the lecture's table of classifiers with accuracy and
 * classification time, and measured latency of a stub model.
 */
import { describe, expect, it } from 'vitest';
import { measureLatency, selectModel } from '../../src/metrics';
import type { Predictor } from '../../src/analyze';
import { expectThrows } from './helpers';

// The lecture: "the accuracy must be the highest but available at the acceptable time, e.g. < 100 ms"
const LECTURE = [
  { name: 'A', metrics: { accuracy: 0.945, latencyMs: 70 } },
  { name: 'B', metrics: { accuracy: 0.95, latencyMs: 95 } },
  { name: 'C', metrics: { accuracy: 0.943, latencyMs: 35 } },
  { name: 'D', metrics: { accuracy: 0.955, latencyMs: 240 } },
  { name: 'E', metrics: { accuracy: 0.968, latencyMs: 980 } },
  { name: 'F', metrics: { accuracy: 0.945, latencyMs: 60 } },
];

describe('selectModel', () => {
  it("picks the lecture's classifier B: the most accurate within 100 ms", () => {
    const s = selectModel(LECTURE, { optimize: 'accuracy', constraints: { latencyMs: { max: 100 } } });
    expect(s.best?.name).toBe('B');
    expect(s.direction).toBe('maximize');
    expect(s.ranking.map((r) => `${r.rank}${r.candidate.name}`)).toEqual(['1B', '2A', '2F', '4C']);
    expect(s.rejected.map((r) => [r.candidate.name, r.reasons])).toEqual([
      ['D', ['latencyMs 240 > max 100']],
      ['E', ['latencyMs 980 > max 100']],
    ]);
    expect(s.explanation).toBe(
      [
        'Optimizing accuracy (maximize) subject to latencyMs <= 100.',
        'Chosen: B (accuracy 0.95).',
        'Satisfying every constraint: 1. B (0.95), 2. A (0.945), 2. F (0.945), 4. C (0.943).',
        'Rejected D: latencyMs 240 > max 100.',
        'Rejected E: latencyMs 980 > max 100.',
      ].join('\n'),
    );
  });

  it('without constraints picks E; minimizes cost-like metrics by default', () => {
    expect(selectModel(LECTURE, { optimize: 'accuracy' }).best?.name).toBe('E');
    const fastest = selectModel(LECTURE, { optimize: 'latencyMs', constraints: { accuracy: { min: 0.945 } } });
    expect(fastest.direction).toBe('minimize');
    expect(fastest.best?.name).toBe('F');
    expect(fastest.rejected.map((r) => r.candidate.name)).toEqual(['C']);
  });

  it('reports ties on the optimized metric and missing metrics', () => {
    const s = selectModel(
      [
        { name: 'x', metrics: { accuracy: 0.9 } },
        { name: 'y', metrics: { accuracy: 0.3 * 3 } }, // 0.8999999999999999: rounding noise is a tie
        { name: 'z', metrics: { sizeBytes: 10 } },
      ],
      { optimize: 'accuracy', constraints: { sizeBytes: { max: 100 } } },
    );
    expect(s.best).toBeNull();
    expect(s.rejected.map((r) => r.reasons)).toEqual([['has no sizeBytes'], ['has no sizeBytes'], ['has no accuracy (the optimized metric)']]);
    const t = selectModel(
      [
        { name: 'x', metrics: { accuracy: 0.9 } },
        { name: 'y', metrics: { accuracy: 0.3 * 3 } },
      ],
      { optimize: 'accuracy' },
    );
    expect(t.ranking.map((r) => r.rank)).toEqual([1, 1]);
    expect(t.explanation).toContain('Chosen: x (accuracy 0.9), tied with y (first listed wins).');
  });

  it('returns null when nothing satisfies the constraints', () => {
    const s = selectModel(LECTURE, { optimize: 'accuracy', constraints: { latencyMs: { max: 10 } } });
    expect(s.best).toBeNull();
    expect(s.explanation).toContain('No candidate satisfies every constraint.');
  });

  it('rejects malformed options', () => {
    expectThrows(() => selectModel(LECTURE, {} as never), TypeError, 'options.optimize');
    expectThrows(() => selectModel(LECTURE, { optimize: 'accuracy', direction: 'up' as never }), RangeError, 'options.direction', '"up"');
    expectThrows(() => selectModel([{ name: 'a' }] as never, { optimize: 'accuracy' }), TypeError, 'candidates[0]');
  });
});

describe('measureLatency', () => {
  it('times predict calls after a warmup and summarizes them', () => {
    let calls = 0,
      lastBatch = 0;
    const model: Predictor = {
      inputSize: 4,
      outputSize: 2,
      predict: (x) => {
        calls++;
        lastBatch = x.length / 4;
        const end = performance.now() + 0.2;
        while (performance.now() < end) {
          /* busy: about 0.2 ms */
        }
        return new Float32Array(lastBatch * 2);
      },
    };
    const l = measureLatency(model, { batchSize: 8, runs: 20, warmup: 3 });
    expect(calls).toBe(23);
    expect(lastBatch).toBe(8);
    expect(l.samplesMs).toHaveLength(20);
    expect(l.minMs).toBeGreaterThanOrEqual(0.19);
    expect(l.minMs <= l.medianMs && l.medianMs <= l.p95Ms && l.p95Ms <= l.maxMs).toBe(true);
    expect(l.perExampleMs).toBeCloseTo(l.medianMs / 8, 12);
  });

  it('rejects a non-model and a wrong input', () => {
    expectThrows(() => measureLatency({} as never), TypeError, 'predict');
    const model: Predictor = { inputSize: 3, outputSize: 1, predict: () => new Float32Array(1) };
    expectThrows(() => measureLatency(model, { input: new Float32Array(2) }), RangeError, 'options.input', '3 values');
    expectThrows(() => measureLatency(model, { runs: 0 }), RangeError, 'options.runs', '0');
  });
});
