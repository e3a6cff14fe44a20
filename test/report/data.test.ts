// The report's numbers: the bias-corrected EWMA of the lecture, the per-class rates derived from
// a confusion matrix (against knobs.metrics on the same labels), the page's escaping of its JSON,
// and a study with two objectives (the Pareto front).
import { describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import * as report from '../../build/entry.report.node';
import * as tune from '../../build/entry.tune.node';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

describe('ewma', () => {
  it('is v_t = beta v_(t-1) + (1 - beta) x_t from 0, divided by 1 - beta^t', () => {
    const r = rng(1);
    const x = Array.from({ length: 200 }, () => 1 + r());
    for (const beta of [0, 0.5, 0.9, 0.98]) {
      const got = report.ewma(x, beta);
      let v = 0;
      for (let t = 1; t <= x.length; t++) {
        v = beta * v + (1 - beta) * x[t - 1]!;
        expect(got[t - 1]).toBeCloseTo(v / (1 - beta ** t), 10);
      }
    }
    // the correction keeps the first values on the data's scale, not pulled to 0
    expect(report.ewma([5, 5, 5], 0.98)[0]).toBeCloseTo(5, 10);
  });
});

describe('perClassRows', () => {
  it('gives the precision, recall and F1 of knobs.metrics, and the error rates of the confusion matrix', () => {
    const r = rng(7);
    const k = 4;
    const yTrue = Int32Array.from({ length: 500 }, () => Math.floor(r() * k));
    const yPred = yTrue.map((t) => (r() < 0.7 ? t : Math.floor(r() * k)));
    const cm = knobs.metrics.confusionMatrix(yTrue, yPred, { labels: [0, 1, 2, 3] });
    const rows = report.perClassRows(cm, ['a', 'b', 'c', 'd']);
    const opts = { average: null, labels: Int32Array.from([0, 1, 2, 3]), zeroDivision: 0 } as const;
    const p = knobs.metrics.precisionScore(yTrue, yPred, opts) as unknown as number[];
    const rc = knobs.metrics.recallScore(yTrue, yPred, opts) as unknown as number[];
    const f = knobs.metrics.f1Score(yTrue, yPred, opts) as unknown as number[];
    for (let c = 0; c < k; c++) {
      const row = rows[c]!;
      expect(row.label).toBe('abcd'[c]);
      expect(row.support).toBe(yTrue.filter((t) => t === c).length);
      expect(row.precision).toBeCloseTo(p[c]!, 5);
      expect(row.recall).toBeCloseTo(rc[c]!, 5);
      expect(row.f1).toBeCloseTo(f[c]!, 5);
      const negatives = yTrue.filter((t) => t !== c).length;
      const fp = yTrue.filter((t, i) => t !== c && yPred[i] === c).length;
      expect(row.fpr).toBeCloseTo(fp / negatives, 5);
      expect(row.specificity).toBeCloseTo(1 - fp / negatives, 5);
      expect(row.fnr).toBeCloseTo(1 - rc[c]!, 5);
    }
  });
});

describe('html', () => {
  it('embeds the data so that no string in it can end the script', () => {
    const d = report.reportData({ title: '</script><script>alert(1)</script>', notes: ['<!-- x -->', '\u2028'] });
    const html = report.html(d);
    const json = /<script type="application\/json" id="knobs-data">([^]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json).title).toBe('</script><script>alert(1)</script>');
    expect(JSON.parse(json).notes).toEqual(['<!-- x -->', '\u2028']);
    expect(html).toContain('<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
  });
  it('rejects a bad path and input with messages naming them', async () => {
    await expect(report.write('' as string, {})).rejects.toThrow(/report\.write: path must be a file path, got ""/);
    expect(() => report.reportData(null as never)).toThrow(/report: expected \{ model, history, diagnosis, analysis, study \}, got null/);
  });
});

describe('a study with two objectives', () => {
  it('gives the Pareto front and the other trials', async () => {
    const study = tune.createStudy({ directions: ['minimize', 'minimize'], sampler: tune.randomSampler({ seed: 2 }) });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        return [x, (1 - x) ** 2 + 0.1 * t.suggestFloat('y', 0, 1)];
      },
      { nTrials: 20 },
    );
    const d = report.reportData({ study }).study!;
    expect(d.pareto!.best.length + d.pareto!.others.length).toBe(20);
    // no point of the front is dominated by any trial
    const all = [...d.pareto!.best, ...d.pareto!.others];
    for (const b of d.pareto!.best)
      expect(
        all.some((o) => o.values[0]! <= b.values[0]! && o.values[1]! <= b.values[1]! && (o.values[0]! < b.values[0]! || o.values[1]! < b.values[1]!)),
      ).toBe(false);
    expect(d.history).toBeNull();
  });
});
