// Chromium (Debian's package, driven by playwright-core) with knobs as a user bundles it: an app
// built by esbuild from the package's export map, with the one entry-point line the README gives
// for the worker script and the kernels, and by Vite with no configuration. Trained on a cross-origin isolated page (shared memory)
// and a plain one (message fallback), loaded from another origin (a CDN: the worker starts
// through a same-origin blob), and with the worker script missing (the error names it).
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../chromium';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_SMALL, consumerProject } from './helpers';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };

const APP = `${TRAIN_SMALL}
import * as knobs from 'knobs';
window.run = async (workers) => {
  await knobs.ready();
  return { ...(await trainSmall(knobs, workers)), isolated: crossOriginIsolated, shared: knobs.sharedMemorySupported() };
};
`;

let browser: Browser;
let out: string;
let appDir: string;
const servers: Server[] = [];

/** Serves `out` (the app's bundle) and a page importing `appUrl`; `hide` answers 404 for that file. */
function serve(options: { isolated: boolean; page?: (origin: string) => string; hide?: string; root?: string }): Promise<string> {
  const root = options.root ?? out;
  const server = createServer((req, res) => {
    let path = new URL(req.url ?? '/', 'http://x').pathname;
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' };
    if (options.isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    if (path === '/' && options.page) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      res.end(options.page(`http://${req.headers.host}`));
      return;
    }
    if (path === '/') path = '/index.html';
    if (path === '/favicon.ico') {
      res.writeHead(204, headers).end();
      return;
    }
    const file = normalize(join(root, path));
    if (file.startsWith(root) && existsSync(file) && path !== `/${options.hide}`) {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
      return;
    }
    res.writeHead(404, headers);
    res.end('not found');
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(String((server.address() as { port: number }).port))));
}

const page = (appUrl: string) => (): string =>
  `<!doctype html><meta charset="utf-8"><script type="module">import ${JSON.stringify(appUrl)}; window.appReady = true;</script>`;

async function runIn(url: string, workers: number): Promise<{ result?: Record<string, unknown>; error?: string; warnings: string[] }> {
  const p = await browser.newPage();
  const warnings: string[] = [];
  p.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text());
  });
  p.on('pageerror', (e) => warnings.push(`pageerror: ${e.message}`));
  try {
    await p.goto(url);
    await p.waitForFunction(() => (globalThis as { appReady?: boolean }).appReady === true, undefined, { timeout: 30_000 });
    const r = await p.evaluate(async (w) => {
      try {
        return { result: (await (globalThis as unknown as { run(w: number): Promise<Record<string, unknown>> }).run(w)) as Record<string, unknown> };
      } catch (err) {
        return { error: String((err as Error).message ?? err) };
      }
    }, workers);
    return { ...r, warnings };
  } finally {
    await p.close();
  }
}

beforeAll(async () => {
  const dir = consumerProject({
    'app.js': APP,
    'index.html': '<!doctype html><meta charset="utf-8"><script type="module">import "./app.js"; window.appReady = true;</script>',
  });
  appDir = dir;
  out = join(dir, 'out');
  // the README's esbuild line: the worker script and the kernels as entry points beside the app
  await esbuild.build({
    absWorkingDir: dir,
    entryPoints: [
      { in: './app.js', out: 'app' },
      { in: 'knobs/browser-worker', out: 'browser-worker' },
      { in: 'knobs/wasm/knobs.wasm', out: 'knobs' },
      { in: 'knobs/wasm/knobs-shared.wasm', out: 'knobs-shared' },
    ],
    loader: { '.wasm': 'copy' },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // no top-level await in the package: it bundles for targets without it
    target: 'es2020',
    logLevel: 'error',
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const s of servers) s.close();
});

describe('Chromium, knobs bundled by esbuild and Vite', () => {
  it('trains on a cross-origin isolated page with 2 workers on shared memory, like one thread', async () => {
    const port = await serve({ isolated: true, page: page('./app.js') });
    const one = await runIn(`http://127.0.0.1:${port}/`, 1);
    const two = await runIn(`http://127.0.0.1:${port}/`, 2);
    expect(one.error).toBeUndefined();
    expect(two.error).toBeUndefined();
    expect(two.result).toMatchObject({ isolated: true, shared: true, epochs: 25 });
    expect(one.result!.accuracy).toBeGreaterThan(0.9);
    expect(two.result!.accuracy).toBeCloseTo(one.result!.accuracy as number, 1);
    expect(two.warnings).toEqual([]);
  });

  it('trains on a plain page with 2 workers through the message fallback, saying why once', async () => {
    const port = await serve({ isolated: false, page: page('./app.js') });
    const r = await runIn(`http://127.0.0.1:${port}/`, 2);
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ isolated: false, shared: false, epochs: 25 });
    expect(r.result!.accuracy).toBeGreaterThan(0.9);
    expect(r.warnings.filter((w) => w.includes('not cross-origin isolated'))).toHaveLength(1);
  });

  it('loads from another origin (a CDN): kernels fetched from there, workers started through a same-origin blob', async () => {
    const cdn = await serve({ isolated: false });
    for (const isolated of [false, true]) {
      // 127.0.0.1 and localhost are different origins
      const port = await serve({ isolated, page: page(`http://localhost:${cdn}/app.js`) });
      const r = await runIn(`http://127.0.0.1:${port}/`, 2);
      expect(r.error).toBeUndefined();
      expect(r.result).toMatchObject({ isolated, epochs: 25 });
      expect(r.result!.accuracy).toBeGreaterThan(0.9);
      expect(r.warnings.filter((w) => /SecurityError|pageerror/.test(w))).toEqual([]);
    }
  });

  it('Vite builds the app with no configuration (it emits the worker script and kernels) and it trains with 2 workers', async () => {
    const dist = join(appDir, 'vite-dist');
    await viteBuild({ root: appDir, logLevel: 'error', build: { outDir: dist, emptyOutDir: true } });
    const port = await serve({ isolated: true, root: dist });
    const r = await runIn(`http://127.0.0.1:${port}/`, 2);
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ isolated: true, shared: true, epochs: 25 });
    expect(r.result!.accuracy).toBeGreaterThan(0.9);
    expect(r.warnings).toEqual([]);
  });

  it('a worker script that fails to load: fit rejects naming its URL and the workerUrl option', async () => {
    const port = await serve({ isolated: true, page: page('./app.js'), hide: 'browser-worker.js' });
    const r = await runIn(`http://127.0.0.1:${port}/`, 2);
    expect(r.error).toContain(`failed to load its script http://127.0.0.1:${port}/browser-worker.js`);
    expect(r.error).toContain('workerUrl');
  });
});
