/**
 * The model-level forms (suspectMislabels, learningCurve(buildModel, ...), cleaningLoop(buildModel,
 * ...), errorFocusedWeights(model, ...)) over a small stub model (a nearest-centroid classifier
 * with fit and predict): which rows each training gets, that every model built is freed, that
 * the results match the callback forms, and that bad input gets a clear error.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  errorFocusedWeights,
  outOfFoldProbabilities,
  rankSuspectedMislabels,
  suspectMislabels,
  cleaningLoop,
  confidentRelabel,
  type TrainableModel,
} from '../../src/analyze';
import { learningCurve } from '../../src/diagnose';
import { rng } from '../metrics/helpers';

interface FitCall {
  rows: number;
  y: Int32Array | Float32Array;
  sampleWeight?: Float32Array;
  verbose?: number;
}

/** A nearest-centroid classifier: softmax of minus the squared distance to each class mean. */
class Centroids implements TrainableModel {
  disposed = 0;
  readonly calls: FitCall[] = [];
  private means: Float64Array;
  constructor(
    readonly inputSize: number,
    readonly outputSize: number,
    readonly loss?: string,
  ) {
    this.means = new Float64Array(inputSize * outputSize);
  }
  trainingState(): { loss: string } | undefined {
    return this.loss ? { loss: this.loss } : undefined;
  }
  dispose(): void {
    this.disposed++;
  }
  async fit(x: Float32Array, y: Int32Array | Float32Array, options: { sampleWeight?: Float32Array | number[]; verbose?: number } = {}): Promise<void> {
    const d = this.inputSize,
      k = this.outputSize,
      rows = x.length / d;
    this.calls.push({
      rows,
      y,
      ...(options.sampleWeight ? { sampleWeight: Float32Array.from(options.sampleWeight) } : {}),
      ...(options.verbose === undefined ? {} : { verbose: options.verbose }),
    });
    const sum = new Float64Array(d * k),
      total = new Float64Array(k);
    for (let i = 0; i < rows; i++) {
      const c = y.length === rows ? y[i]! : y.subarray(i * k, i * k + k).indexOf(1);
      const w = options.sampleWeight ? options.sampleWeight[i]! : 1;
      total[c] += w;
      for (let j = 0; j < d; j++) sum[c * d + j] += w * x[i * d + j]!;
    }
    this.means = sum.map((v, i) => v / Math.max(1e-12, total[Math.floor(i / d)]!));
  }
  predict(x: Float32Array): Float32Array {
    const d = this.inputSize,
      k = this.outputSize,
      rows = x.length / d,
      out = new Float32Array(rows * k);
    for (let i = 0; i < rows; i++) {
      const s = Array.from(
        { length: k },
        (_, c) => -Array.from({ length: d }, (_, j) => (x[i * d + j]! - this.means[c * d + j]!) ** 2).reduce((a, b) => a + b),
      );
      const m = Math.max(...s),
        e = s.map((v) => Math.exp(v - m)),
        z = e.reduce((a, b) => a + b);
      e.forEach((v, c) => {
        out[i * k + c] = v / z;
      });
    }
    return out;
  }
}

/** n points of 3 well separated 2-D blobs (class i % 3), the labels of `flipped` moved to the next class. */
function blobs(n: number, flipped: number[] = [], seed = 1): { x: Float32Array; y: Int32Array; truth: Int32Array } {
  const r = rng(seed),
    x = new Float32Array(n * 2),
    truth = Int32Array.from({ length: n }, (_, i) => i % 3);
  for (let i = 0; i < n; i++) {
    x[i * 2] = 4 * truth[i]! + r() - 0.5;
    x[i * 2 + 1] = (truth[i]! % 2) * 4 + r() - 0.5;
  }
  const y = truth.slice();
  for (const i of flipped) y[i] = (y[i]! + 1) % 3;
  return { x, y, truth };
}

/** The models `build` made in this test. */
const models: Centroids[] = [];
beforeEach(() => {
  models.length = 0;
});
const build = (loss?: string) => (): Centroids => {
  const m = new Centroids(2, 3, loss);
  models.push(m);
  return m;
};
const freed = (): void => {
  expect(
    models.map((m) => m.disposed),
    'every model built is freed once',
  ).toEqual(models.map(() => 1));
};

describe('suspectMislabels', () => {
  it('trains one fresh model per fold on the other folds, frees it, and ranks as the callback form', async () => {
    const { x, y } = blobs(30, [4, 17]);
    const suspects = await suspectMislabels(build(), x, y, { k: 3, seed: 5 });
    expect(models).toHaveLength(3);
    expect(models.map((m) => m.calls.map((c) => [c.rows, c.verbose]))).toEqual([[[20, 0]], [[20, 0]], [[20, 0]]]);
    freed();
    const oof = await outOfFoldProbabilities(30, 3, 5, async (trainIdx, valIdx) => {
      const m = new Centroids(2, 3);
      await m.fit(
        Float32Array.from([...trainIdx].flatMap((i) => [x[i * 2]!, x[i * 2 + 1]!])),
        Int32Array.from(trainIdx, (i) => y[i]!),
      );
      return m.predict(Float32Array.from([...valIdx].flatMap((i) => [x[i * 2]!, x[i * 2 + 1]!])));
    });
    expect(suspects).toEqual(rankSuspectedMislabels(oof, y, 3));
    expect(
      suspects
        .slice(0, 2)
        .map((s) => s.index)
        .sort((a, b) => a - b),
    ).toEqual([4, 17]);
  });

  it('gives one-hot targets to a categorical cross-entropy model, and each fold the weights of its rows', async () => {
    const { x, y } = blobs(12);
    const w = Float32Array.from({ length: 12 }, (_, i) => i + 1);
    await suspectMislabels(build('categoricalCrossentropy'), x, y, { k: 2, seed: 1, fit: { sampleWeight: w, verbose: 2 } });
    for (const m of models) {
      const call = m.calls[0]!;
      expect(call.y).toBeInstanceOf(Float32Array);
      expect(call.y).toHaveLength(6 * 3);
      expect(call.verbose).toBe(2);
      expect(call.sampleWeight).toHaveLength(6);
    }
    expect(models[0]!.calls[0]!.sampleWeight!.reduce((a, b) => a + b) + models[1]!.calls[0]!.sampleWeight!.reduce((a, b) => a + b)).toBe(78);
    freed();
  });

  it('rejects bad input with messages that name it, and frees the models it built', async () => {
    const { x, y } = blobs(12);
    const same = new Centroids(2, 3);
    await expect(suspectMislabels('model' as never, x, y)).rejects.toThrow(/buildModel must be a function/);
    await expect(suspectMislabels(() => same, x, y, { k: 2 })).rejects.toThrow(/returned the same model twice/);
    await expect(suspectMislabels(build(), x.subarray(1), y, { k: 2 })).rejects.toThrow(
      /x must hold one row of model.inputSize = 2 values per label \(12\), got 23/,
    );
    await expect(
      suspectMislabels(
        build(),
        x,
        Int32Array.from(y, (l, i) => (i === 3 ? 7 : l)),
        { k: 2 },
      ),
    ).rejects.toThrow(/labels\[3\] = 7 is not a class in \[0, 3\)/);
    await expect(suspectMislabels(build(), x, y, { fit: { sampleWeight: new Float32Array(5) } })).rejects.toThrow(
      /options.fit.sampleWeight must have one weight per training row \(12\), got 5/,
    );
    await expect(suspectMislabels(build(), x, y, { top: -1 })).rejects.toThrow(/options.top must be an integer >= 0/);
    await expect(suspectMislabels(() => ({ predict: () => new Float32Array(0), inputSize: 2, outputSize: 3 }) as never, x, y, { k: 2 })).rejects.toThrow(
      /must return a model with a fit method/,
    );
    await expect(suspectMislabels(() => new Centroids(2, 1), x, y, { k: 2 })).rejects.toThrow(/outputSize >= 2/);
    freed();
  });
});

describe('learningCurve(buildModel, { train, dev })', () => {
  it('fits one fresh model per size on the nested subset, measures train and dev error, and frees it', async () => {
    const train = blobs(40, [0, 3, 6, 9]),
      dev = blobs(30, [], 2);
    const curve = await learningCurve(build(), { train, dev }, { sizes: [10, 20, 40], seed: 3 });
    expect(models.map((m) => m.calls.map((c) => c.rows))).toEqual([[10], [20], [40]]);
    freed();
    // the callback form over the same subsets gives the same points
    const again = await learningCurve(
      async (idx) => {
        const m = new Centroids(2, 3);
        await m.fit(
          Float32Array.from([...idx].flatMap((i) => [train.x[i * 2]!, train.x[i * 2 + 1]!])),
          Int32Array.from(idx, (i) => train.y[i]!),
        );
        const err = (p: Float32Array, labels: ArrayLike<number>): number =>
          labels.length === 0
            ? 0
            : Array.from(labels).filter((l, r) => {
                const row = p.subarray(r * 3, r * 3 + 3);
                return row.indexOf(Math.max(...row)) !== l;
              }).length / labels.length;
        return {
          trainError: err(
            m.predict(Float32Array.from([...idx].flatMap((i) => [train.x[i * 2]!, train.x[i * 2 + 1]!]))),
            Array.from(idx, (i) => train.y[i]!),
          ),
          devError: err(m.predict(dev.x), dev.y),
        };
      },
      40,
      { sizes: [10, 20, 40], seed: 3 },
    );
    expect(curve.points).toEqual(again.points);
    expect(curve.points.at(-1)!.trainError).toBeCloseTo(4 / 40, 12);
  });

  it('rejects bad input, freeing the model built to check it', async () => {
    const train = blobs(12),
      dev = blobs(6);
    await expect(learningCurve(build(), { train, dev }, { sizes: [5] })).rejects.toThrow(/at least 2 sizes/);
    await expect(learningCurve(build(), { train, dev: undefined as never })).rejects.toThrow(/data.dev must be \{ x: Float32Array, y: labels \}/);
    await expect(learningCurve(build(), { train, dev: { x: new Float32Array(0), y: [] } })).rejects.toThrow(/data.dev is empty/);
    await expect(learningCurve(build(), { train: { x: train.x, y: train.y.subarray(1) }, dev })).rejects.toThrow(
      /data.train.x has 12 rows but data.train.y has 11 labels/,
    );
    await expect(learningCurve(async () => ({ trainError: 0, devError: 0 }), 10, { fit: { epochs: 1 } } as never)).rejects.toThrow(
      /options.fit is for the model form/,
    );
    freed();
  });
});

describe('cleaningLoop(buildModel, { train, dev })', () => {
  it('lists the examples out-of-fold models disagree with, relabels the confident ones, and keeps the original labels', async () => {
    const train = blobs(30, [4, 17]),
      dev = blobs(30, [], 2);
    const given = train.y.slice();
    const result = await cleaningLoop(build(), { train, dev }, { rounds: 2, k: 3, seed: 1 });
    expect(result.rounds[1]!.relabeled.map((c) => [c.index, c.to]).sort((a, b) => a[0]! - b[0]!)).toEqual([
      [4, train.truth[4]],
      [17, train.truth[17]],
    ]);
    expect(result.labels).toEqual(train.truth);
    expect(result.originalLabels).toEqual(given);
    expect(train.y).toEqual(given);
    // round 0 and round 1 train once each; round 1 lists with 3 folds; round 2 finds nothing to change
    expect(result.rounds).toHaveLength(2);
    expect(result.stopped).toBe('no changes');
    expect(models).toHaveLength(1 + 3 + 1 + 3);
    freed();
  });

  it('removes, by a rule, from the rows trained on', async () => {
    const train = blobs(30, [4, 17]),
      dev = blobs(30, [], 2);
    const result = await cleaningLoop(build(), { train, dev }, { rounds: 1, k: 3, seed: 1, decide: () => ({ action: 'remove' }) });
    expect(result.rounds[1]!.removed.sort((a, b) => a - b)).toEqual([4, 17]);
    expect(models.at(-1)!.calls[0]!.rows).toBe(28);
    expect(confidentRelabel(0.9)({ index: 0 })).toEqual({ action: 'keep' });
    freed();
  });

  it('rejects bad input, freeing the model built to check it', async () => {
    const train = blobs(12),
      dev = blobs(6);
    await expect(cleaningLoop(build(), { train, dev }, { rounds: -1 })).rejects.toThrow(/options.rounds must be an integer >= 0, got -1/);
    await expect(cleaningLoop(build(), { train, dev }, { rounds: 1, decide: 'relabel' as never })).rejects.toThrow(/options.decide must be a function/);
    await expect(cleaningLoop(build(), null as never, { rounds: 1 })).rejects.toThrow(/data must be \{ train: \{ x, y \}, dev: \{ x, y \} \}/);
    freed();
  });
});

describe('errorFocusedWeights(model, set, { shareFrom })', () => {
  it("equals the labels form over the model's predictions", async () => {
    const train = blobs(30),
      dev = blobs(30, [], 2);
    const m = new Centroids(2, 3);
    await m.fit(
      train.x,
      Int32Array.from(train.y, (l, i) => (i < 6 ? 0 : l)),
    ); // a biased model: it gets some 1s and 2s wrong
    const pred = (x: Float32Array): number[] =>
      Array.from({ length: x.length / 2 }, (_, i) => {
        const p = m.predict(x.subarray(i * 2, i * 2 + 2));
        return p.indexOf(Math.max(...p));
      });
    expect(errorFocusedWeights(m, train, { exampleBoost: 1 })).toEqual(errorFocusedWeights(train.y, pred(train.x), { exampleBoost: 1 }));
    expect(errorFocusedWeights(m, train, { shareFrom: dev })).toEqual(
      errorFocusedWeights(train.y, pred(train.x), { shareFrom: { yTrue: dev.y, yPred: pred(dev.x) } }),
    );
    expect(() => errorFocusedWeights(m, { x: train.x, y: train.y.subarray(2) })).toThrow(/set.x has 30 rows but set.y has 28 labels/);
  });
});
