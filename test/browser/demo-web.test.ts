// npm run demo:web in Debian's Chromium, as a visitor uses it: train on MNIST in Web Workers on
// the cross-origin isolated page, watch the live report, draw digits on the canvas with
// synthesized pointer strokes and read the predictions, save to IndexedDB, reload, find and load
// the model; and the page without isolation, which trains through the message fallback and says so.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { startDemoServer } from '../../src/demo-web/server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(root, 'test-artifacts', 'demo-web');

let browser: Browser;
let server: Server;
let url: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ server, url } = await startDemoServer(0, join(root, 'build/dist/browser/')));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await knobs.shutdown();
});

async function openDemo(page: Page, at: string): Promise<string[]> {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(at);
  await page.waitForFunction(() => (globalThis as { demoReady?: boolean }).demoReady === true, undefined, { timeout: 60_000 });
  return errors;
}

async function trainIn(page: Page, count: string, epochs: string, dataset = 'mnist'): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('#dataset option').length > 0);
  await page.selectOption('#dataset', dataset);
  await page.selectOption('#count', count);
  await page.selectOption('#epochs', epochs);
  await page.click('#train');
  await page.waitForSelector('#status[data-state="done"], #status[data-state="failed"]', { timeout: 240_000 });
  expect(await page.locator('#status').getAttribute('data-state'), (await page.locator('#status').textContent()) ?? '').toBe('done');
}

/** Strokes on the pad through the mouse, in pad coordinates (280 x 280). */
async function stroke(page: Page, points: [number, number][]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(box.x + points[0]![0], box.y + points[0]![1]);
  await page.mouse.down();
  for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 2 });
  await page.mouse.up();
}

const ONE: [number, number][] = Array.from({ length: 12 }, (_, i) => [150 - i * 2, 40 + i * 18]);
const ZERO: [number, number][] = Array.from({ length: 33 }, (_, i) => [
  140 + 65 * Math.sin((i / 32) * 2 * Math.PI),
  140 - 100 * Math.cos((i / 32) * 2 * Math.PI),
]);
const SEVEN: [number, number][] = [
  [60, 50],
  [130, 50],
  [210, 50],
  [180, 110],
  [150, 170],
  [120, 240],
];

async function predictDrawing(page: Page, points: [number, number][]): Promise<{ label: number; probabilities: number[] }> {
  await page.click('#clear');
  await stroke(page, points);
  await page.click('#predict');
  return page.evaluate(() => (globalThis as unknown as { demo: { lastPrediction: { label: number; probabilities: number[] } } }).demo.lastPrediction);
}

describe('npm run demo:web', () => {
  it('trains on MNIST in workers with shared memory, draws the report, reads drawn digits, saves and loads through a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = await openDemo(page, url);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    expect(await page.locator('#isolation').getAttribute('data-mode')).toBe('shared');
    await trainIn(page, '10000', '5');
    const acc = await page.evaluate(() => (globalThis as unknown as { demo: { devAccuracy: number } }).demo.devAccuracy);
    expect(acc).toBeGreaterThan(0.93);
    // the report: live curves, then the diagnosis and the confusion matrix
    expect(Number(await page.locator('[data-chart="batch-loss"]').getAttribute('data-points'))).toBe(2 * 5 * Math.ceil(7200 / 64));
    expect(await page.locator('[data-verdict]').textContent()).toMatch(/^Verdict: /);
    expect(await page.locator('table.heatmap').count()).toBe(2);
    writeFileSync(join(ARTIFACTS, 'trained.png'), await page.screenshot({ fullPage: true }));

    const one = await predictDrawing(page, ONE);
    const zero = await predictDrawing(page, ZERO);
    const seven = await predictDrawing(page, SEVEN);
    writeFileSync(join(ARTIFACTS, 'drawn-seven.png'), await page.locator('#pad').screenshot());
    expect([one.label, zero.label, seven.label]).toEqual([1, 0, 7]);
    expect(await page.locator('#prediction').getAttribute('data-label')).toBe('7');

    await page.click('#save');
    await page.waitForSelector('#store[data-saved="true"]');
    await page.reload();
    await page.waitForFunction(() => (globalThis as { demoReady?: boolean }).demoReady === true);
    await page.waitForSelector('#store[data-found="true"]', { timeout: 30_000 });
    await page.click('#load');
    await page.waitForSelector('#store[data-loaded="true"]');
    // the loaded model reads the same drawing exactly as the trained one did
    const again = await predictDrawing(page, SEVEN);
    expect(again.label).toBe(7);
    for (let i = 0; i < 10; i++) expect(again.probabilities[i]).toBeCloseTo(seven.probabilities[i]!, 6);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works without cross-origin isolation through the message fallback, and says so', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = await openDemo(page, `${url}plain/`);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
    expect(await page.locator('#isolation').getAttribute('data-mode')).toBe('messages');
    expect(await page.locator('#isolation').textContent()).toMatch(/not cross-origin isolated: the workers fall back to message passing/);
    await trainIn(page, '2000', '2');
    expect(await page.evaluate(() => (globalThis as unknown as { demo: { devAccuracy: number } }).demo.devAccuracy)).toBeGreaterThan(0.75);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trains on Fashion-MNIST when the machine has it, and the report names its classes', async () => {
    const sets = (await (await fetch(`${url}data/list.json`)).json()) as string[];
    if (!sets.includes('fashion-mnist')) {
      if (process.env.KNOBS_REQUIRE_PYTHON) throw new Error('Fashion-MNIST is missing in CI: apt-get install dataset-fashion-mnist');
      console.warn('demo-web: Fashion-MNIST is not installed, its run is skipped');
      return;
    }
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = await openDemo(page, url);
    await trainIn(page, '2000', '2', 'fashion-mnist');
    expect(await page.evaluate(() => (globalThis as unknown as { demo: { devAccuracy: number } }).demo.devAccuracy)).toBeGreaterThan(0.65);
    expect(await page.locator('table.heatmap').first().textContent()).toContain('Ankle boot');
    expect(errors).toEqual([]);
    await page.close();
  });
});
