// Real headless Chromium (Debian's package, driven by playwright-core): the browser build trains
// with a pool of Web Workers on a cross-origin isolated page (shared memory) and on a plain page
// (the message-passing fallback), and ends with the same weights as the same training in Node.
import type { Browser } from 'playwright-core';
import { launchChromium } from '../chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { startServer } from './server';

function data(n: number, f: number): { x: Float32Array; y: Int32Array } {
  let s = 12345;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const x = new Float32Array(n * f).map(() => next() * 2 - 1);
  const y = Int32Array.from({ length: n }, (_, i) => (x[i * f]! > 0 ? 1 : 0) + (x[i * f + 1]! > 0 ? 2 : 0));
  return { x, y };
}

async function trainInNode(workers: number): Promise<{ weights: number[][]; health: unknown }> {
  const { x, y } = data(384, 24);
  const L = knobs.layers;
  const m = knobs.sequential({
    inputShape: [24],
    seed: 3,
    layers: [L.dense({ units: 32, activation: 'relu' }), L.dropout({ rate: 0.2 }), L.dense({ units: 4, activation: 'softmax' })],
  });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const h = await m.fit(x, y, { batchSize: 64, epochs: 3, verbose: 0, workers, health: { every: 2 } });
  return { weights: m.getWeights().map((w) => Array.from(w)), health: h.health };
}

let browser: Browser;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.server.close();
  await knobs.shutdown();
});

async function trainInPage(
  kind: 'isolated' | 'plain',
  workers: number,
  fits = [3],
): Promise<{ epochs: number[][]; isolated: boolean; shared: boolean; loss: number[]; weights: number[][]; health: unknown; warnings: string[] }> {
  const page = await browser.newPage();
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', (e) => warnings.push(`pageerror: ${e.message}`));
  await page.goto(`${server.url}/${kind}/`);
  await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true, undefined, { timeout: 30_000 });
  const r = (await page.evaluate(([w, f]) => (globalThis as unknown as { train(w: number, f: number[]): Promise<unknown> }).train(w, f), [
    workers,
    fits,
  ] as const)) as Omit<Awaited<ReturnType<typeof trainInPage>>, 'warnings'>;
  await page.close();
  return { ...r, warnings };
}

describe('browser build in headless Chromium', () => {
  it('trains with 2 Web Workers on shared memory on a cross-origin isolated page, to the same weights as Node', async () => {
    const r = await trainInPage('isolated', 2);
    expect(r.isolated).toBe(true);
    expect(r.shared).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.loss[2]).toBeLessThan(r.loss[0]!);
    const node = await trainInNode(2);
    expect(r.weights).toEqual(node.weights);
    expect(r.health).toEqual(node.health);
  });

  it('falls back to passing messages on a page that is not isolated, says so once, and still ends with the same weights', async () => {
    const r = await trainInPage('plain', 2);
    expect(r.isolated).toBe(false);
    expect(r.shared).toBe(false);
    expect(r.warnings.filter((w) => w.includes('not cross-origin isolated'))).toHaveLength(1);
    const node = await trainInNode(2);
    expect(r.weights).toEqual(node.weights);
    // the training health is recorded by messages too, the same as on shared memory
    expect((r.health as { steps: number[] }).steps).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16]); // 18 steps of 64 rows
    expect(r.health).toEqual(node.health);
  });

  it('a second fit trains on through the message fallback: fit(2) then fit(1) ends with the weights of fit(3)', async () => {
    const r = await trainInPage('plain', 2, [2, 1]);
    expect(r.shared).toBe(false);
    expect(r.epochs).toEqual([[0, 1], [0]]);
    const node = await trainInNode(2);
    expect(r.weights).toEqual(node.weights);
  });

  it('saves to and loads from IndexedDB and an ArrayBuffer, with the optimizer state', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/plain/`);
    await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
    const r = await page.evaluate(() => (globalThis as unknown as { idbRoundTrip(): Promise<unknown> }).idbRoundTrip());
    await page.close();
    expect(r).toEqual({ same: true, sameBuffer: true, iterations: 4, epochs: 2 });
  });

  it('a study on IndexedDB survives a page closed mid-trial: completed trials kept, the running one failed and rerun', async () => {
    const context = await browser.newContext(); // pages of one context share IndexedDB
    try {
      const first = await context.newPage();
      await first.goto(`${server.url}/plain/`);
      await first.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
      void first.evaluate(() => (globalThis as unknown as { tuneStudy(n: number, hang: number): Promise<unknown> }).tuneStudy(20, 6)).catch(() => {});
      await first.waitForFunction(
        () => (globalThis as unknown as { tuneProgress: { running?: number }[] }).tuneProgress.some((p) => p.running === 6),
        undefined,
        { timeout: 30_000 },
      );
      await first.close(); // the "crash": trial 6 was RUNNING

      const second = await context.newPage();
      await second.goto(`${server.url}/plain/`);
      await second.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
      await second.waitForTimeout(500); // longer than the grace period: trial 6's heartbeat has stopped
      type Row = { number: number; state: string; params: Record<string, number>; value: number | null; systemAttrs: Record<string, unknown> };
      const trials = (await second.evaluate(() =>
        (globalThis as unknown as { tuneStudy(n: number, hang: number): Promise<unknown> }).tuneStudy(6, -1),
      )) as Row[];
      await second.close();
      expect(trials.map((t) => t.number)).toEqual([...Array(13).keys()]);
      expect(trials.slice(0, 6).every((t) => t.state === 'COMPLETE' && t.value !== null)).toBe(true);
      expect(trials[6]!.state).toBe('FAIL');
      expect(trials[7]).toMatchObject({ state: 'COMPLETE', params: trials[6]!.params, systemAttrs: { failed_trial: 6, retry_history: [6] } });
      expect(trials.slice(8).every((t) => t.state === 'COMPLETE')).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('trains on one thread in the page like Node', async () => {
    const r = await trainInPage('plain', 1);
    const node = await trainInNode(1);
    expect(r.weights).toEqual(node.weights);
    expect(r.health).toEqual(node.health);
  });
});
