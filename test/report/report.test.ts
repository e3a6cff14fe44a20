// The HTML report and the live dashboard in Debian's Chromium (playwright-core): report.html of a
// real run (digits: curves, ladder, confusion, galleries, health, first-layer weights, learning
// curve, a study) opened from file:// with every network request refused; no console error; each
// chart holds the number of points of its data; a screenshot of every section, saved under
// test-artifacts/report/ and checked not blank; the EWMA beta slider redraws; 100,000 batch
// points; and the dashboard of `knobs train --dashboard` updating while training runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import * as report from '../../build/entry.report.node';
import * as tune from '../../build/entry.tune.node';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(root, 'test-artifacts', 'report');
const dir = mkdtempSync(join(tmpdir(), 'knobs-report-'));

let browser: Browser;
let data: report.ReportData;
let reportPath: string;
let trainRows: number;

async function digitsRun(): Promise<{ path: string; data: report.ReportData; trainRows: number }> {
  const all = await knobs.data.fromCsv({ path: join(root, 'test/fixtures/digits.csv') }, { labelColumn: 'digit' });
  const { train: t0, dev, test } = knobs.data.trainDevTestSplit(all, { ratios: [0.7, 0.15, 0.15], seed: 1 });
  const { train, trainDev } = knobs.data.trainDevSplit(t0, { ratio: 0.1, seed: 1 });
  const build = (): knobs.Sequential => {
    const m = knobs.sequential({
      inputShape: [64],
      seed: 2,
      layers: [knobs.layers.dense({ units: 32, activation: 'relu', kernelInitializer: 'heNormal' }), knobs.layers.dense({ units: 10, activation: 'softmax' })],
    });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.003 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  const scaled = (d: knobs.data.Dataset): { x: Float32Array; y: Int32Array } => ({ x: d.x.map((v) => v / 16), y: d.y as Int32Array });
  const [tr, td, dv, te] = [train, trainDev, dev, test].map(scaled) as [
    ReturnType<typeof scaled>,
    ReturnType<typeof scaled>,
    ReturnType<typeof scaled>,
    ReturnType<typeof scaled>,
  ];
  const model = build();
  const batchLoss: number[] = [];
  const history = await model.fit(tr.x, tr.y, {
    epochs: 12,
    batchSize: 32,
    verbose: 0,
    validationData: [dv.x, dv.y],
    health: { every: 3 },
    callbacks: [{ onBatchEnd: (_b: number, logs?: Record<string, number>) => void batchLoss.push(logs!.loss!) }],
  });
  const diagnosis = knobs.diagnose(model, { train: tr, trainDev: td, dev: dv, test: te }, { humanLevelError: 0.01 });
  const analysis = knobs.analyze.analyze(model, dv.x, dv.y);
  const learningCurve = await knobs.learningCurve(build, { train: tr, dev: dv }, { sizes: [100, 250, 566], fit: { epochs: 8, batchSize: 32 } });
  // a study with intermediate values and pruned trials, a float and a categorical parameter
  const study = tune.createStudy({
    studyName: 'quadratic',
    sampler: tune.tpeSampler({ seed: 5, nStartupTrials: 5 }),
    pruner: tune.medianPruner({ nStartupTrials: 3 }),
  });
  await study.optimize(
    (trial) => {
      const x = trial.suggestFloat('x', -3, 3);
      const kind = trial.suggestCategorical('kind', ['a', 'b']);
      const v = (x - 1) ** 2 + (kind === 'a' ? 0 : 0.5);
      for (let step = 0; step < 5; step++) {
        trial.report(v + 1 / (step + 1), step);
        if (trial.shouldPrune()) throw new tune.TrialPruned();
      }
      return v;
    },
    { nTrials: 16 },
  );
  const path = join(dir, 'report.html');
  const d = await report.write(path, {
    title: 'digits report',
    model,
    history,
    batchLoss,
    diagnosis,
    analysis,
    examples: { x: dv.x, y: dv.y, image: { height: 8, width: 8 } },
    mislabels: knobs.analyze.rankSuspectedMislabels(analysis.probabilities, dv.y, 10, { top: 6 }),
    learningCurve,
    study: Object.assign(study, { studyName: 'quadratic' }),
  });
  return { path, data: d, trainRows: tr.y.length };
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ path: reportPath, data, trainRows } = await digitsRun());
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await knobs.shutdown();
});

/** A page that records console errors and refuses every request that is not the file itself. */
async function open(url: string, allowHttp = false): Promise<{ page: Page; errors: string[]; refused: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  const refused: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url || (allowHttp && u.startsWith(new URL(url).origin))) return route.continue();
    refused.push(u);
    return route.abort();
  });
  await page.goto(url);
  return { page, errors, refused };
}

/** Share of the pixels of a PNG screenshot that differ from its most common color, measured in the page. */
async function inkShare(page: Page, png: Buffer): Promise<number> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    for (let i = 0; i < px.length; i += 4) {
      const k = (px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const top = Math.max(...counts.values());
    return 1 - top / (px.length / 4);
  }, png.toString('base64'));
}

describe('report.html', () => {
  it('opens offline from file://, draws every chart with the points of its data, and every section', async () => {
    const url = `file://${reportPath}`;
    const { page, errors, refused } = await open(url);
    await page.waitForFunction(() => (globalThis as { knobsReport?: unknown }).knobsReport !== undefined);
    const charts = (await page.evaluate(() =>
      (globalThis as unknown as { knobsReport: { charts(): { id: string; points: number }[] } }).knobsReport.charts(),
    )) as {
      id: string;
      section: string;
      points: number;
    }[];
    const byId = new Map(charts.map((c) => [c.id, c.points]));
    const ep = data.epochs!.epoch.length;
    const batches = data.batches!.loss.length;
    expect(batches).toBe(12 * Math.ceil(trainRows / 32));
    // the batch loss and its EWMA: one point each per batch
    expect(byId.get('batch-loss')).toBe(2 * batches);
    expect(byId.get('epochs-loss')).toBe(2 * ep); // loss, val_loss
    expect(byId.get('epochs-accuracy')).toBe(2 * ep); // accuracy, val_accuracy
    expect(byId.get('ladder')).toBe(5); // human level, train, train-dev, dev, test
    const hh = data.health!;
    expect(byId.get('grad-norm')).toBe(hh.steps.length * hh.layers.length);
    expect(byId.get('dead-saturated')).toBe(hh.steps.length * hh.layers.filter((l) => l.deadReluFraction).length);
    expect(byId.get('learning-curve')).toBe(6); // 3 sizes, train and dev
    const st = data.study!;
    const complete = st.counts.COMPLETE!;
    expect(st.counts.PRUNED).toBeGreaterThan(0);
    expect(byId.get('optimization-history')).toBe(2 * complete);
    expect(byId.get('intermediate-values')).toBe(st.intermediate.reduce((s, c) => s + c.values.length, 0));
    expect(byId.get('parallel-coordinates')).toBe(complete * 3); // objective, kind, x
    expect(byId.get('importances')).toBe(2);
    expect(byId.get('slice-x')).toBe(complete);
    expect(byId.get('slice-kind')).toBe(complete);
    // the DOM agrees: one canvas per chart, and each chart box carries its count
    expect(await page.locator('[data-chart] canvas').count()).toBe(charts.length);
    // the confusion heatmaps (counts, row-normalized) and the per-class table
    expect(await page.locator('table.heatmap').count()).toBe(2);
    expect(await page.locator('table.per-class tr').count()).toBe(11);
    expect(await page.locator('#knobs-galleries img').count()).toBeGreaterThan(10);
    expect(await page.locator('#knobs-weights img').count()).toBe(32); // 32 units, as 8x8 images
    expect(await page.locator('[data-verdict]').textContent()).toBe(`Verdict: ${data.ladder!.verdict}`);

    const sections = await page.locator('[data-section]').evaluateAll((els) => els.map((e) => e.getAttribute('data-section')!));
    expect(sections).toEqual(['overview', 'curves', 'ladder', 'confusion', 'galleries', 'health', 'weights', 'learning-curve', 'study', 'model']);
    for (const s of sections) {
      const png = await page.locator(`[data-section="${s}"]`).screenshot();
      writeFileSync(join(ARTIFACTS, `${s}.png`), png);
      expect(await inkShare(page, png), s).toBeGreaterThan(0.02);
    }
    // the EWMA's beta on the page: moving the slider redraws the curve
    const before = await page.locator('[data-chart="batch-loss"]').screenshot();
    await page.locator('[data-beta]').fill('0.5');
    const after = await page.locator('[data-chart="batch-loss"]').screenshot();
    expect(after.equals(before)).toBe(false);
    expect(errors).toEqual([]);
    expect(refused).toEqual([]);
    await page.close();
  });

  it('draws 100,000 batch losses', async () => {
    const loss = Array.from({ length: 100_000 }, (_, i) => 2 * Math.exp(-i / 20000) + 0.3 * Math.sin(i * 12.9898) ** 2);
    const path = join(dir, 'big.html');
    await report.write(path, { title: 'long run', batchLoss: loss });
    const { page, errors } = await open(`file://${path}`);
    await page.waitForFunction(() => (globalThis as { knobsReport?: unknown }).knobsReport !== undefined);
    const ms = await page.evaluate(() => {
      const t = performance.now();
      const r = (globalThis as unknown as { knobsReport: { update(d: unknown): void } }).knobsReport;
      r.update(JSON.parse(document.getElementById('knobs-data')!.textContent!));
      return performance.now() - t;
    });
    console.log(`report: redrawing 100,000 batch losses and their EWMA took ${ms.toFixed(0)} ms`);
    expect(await page.locator('[data-chart="batch-loss"]').getAttribute('data-points')).toBe('200000');
    const png = await page.locator('[data-section="curves"]').screenshot();
    writeFileSync(join(ARTIFACTS, 'curves-100k.png'), png);
    expect(await inkShare(page, png)).toBeGreaterThan(0.02);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a study with two objectives', () => {
  it('draws its Pareto front with every finished trial', async () => {
    const study = tune.createStudy({ directions: ['minimize', 'minimize'], sampler: tune.randomSampler({ seed: 4 }) });
    await study.optimize((t) => [t.suggestFloat('x', 0, 1), (1 - t.suggestFloat('x', 0, 1)) ** 2], { nTrials: 25 });
    const path = join(dir, 'pareto.html');
    const d = await report.write(path, { title: 'two objectives', study });
    const { page, errors } = await open(`file://${path}`);
    await page.waitForFunction(() => (globalThis as { knobsReport?: unknown }).knobsReport !== undefined);
    expect(await page.locator('[data-chart="pareto-front"]').getAttribute('data-points')).toBe('25');
    expect(d.study!.pareto!.best.length).toBeGreaterThan(0);
    const png = await page.locator('[data-section="study"]').screenshot();
    writeFileSync(join(ARTIFACTS, 'study-pareto.png'), png);
    expect(await inkShare(page, png)).toBeGreaterThan(0.02);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('knobs train --dashboard', () => {
  it('serves a live page on 127.0.0.1 that updates while training runs and survives a reload', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'knobs-dash-'));
    const child = spawn(
      process.execPath,
      [join(root, 'build/dist/cli.js'), 'train', 'mnist', '--limit', '3000', '--conv', '--epochs', '3', '--dashboard', '--quiet', '--out', 'run'],
      { cwd },
    );
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
        if (m) {
          clearInterval(t);
          resolve(m[1]!);
        }
      }, 50);
      void exited.then(() => reject(new Error(`the CLI exited before serving: ${err}`)));
    });
    const { page, errors, refused } = await open(url, true);
    // the first state may be "starting": wait for a version with batches, while it is still running
    const versionOf = (): Promise<number> => page.evaluate(() => (globalThis as unknown as { knobsVersion: number }).knobsVersion);
    const v0 = await versionOf();
    await page.waitForFunction((v) => (globalThis as unknown as { knobsVersion: number }).knobsVersion > v, v0, { timeout: 60_000 });
    await page.waitForSelector('[data-chart="batch-loss"]', { timeout: 60_000 });
    expect(await page.locator('.knobs-report').getAttribute('data-status')).toBe('running');
    const pointsBefore = Number(await page.locator('[data-chart="batch-loss"]').getAttribute('data-points'));
    // a reload draws the latest state at once
    await page.reload();
    await page.waitForSelector('[data-chart="batch-loss"]');
    const pointsAfter = Number(await page.locator('[data-chart="batch-loss"]').getAttribute('data-points'));
    expect(pointsAfter).toBeGreaterThanOrEqual(pointsBefore);
    // the final state reaches the page before the server closes
    await page.waitForSelector('.knobs-report[data-status="done"]', { timeout: 120_000 });
    expect(await page.locator('[data-section="ladder"]').count()).toBe(1);
    writeFileSync(join(ARTIFACTS, 'dashboard-done.png'), await page.screenshot({ fullPage: false }));
    expect(await exited).toBe(0);
    expect(existsSync(join(cwd, 'run', 'report.html'))).toBe(true);
    expect(errors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
    expect(refused).toEqual([]);
    await page.close();
  });
});
