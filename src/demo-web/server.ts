/**
 * `npm run demo:web`: serves the browser demo on 127.0.0.1. The page at `/` is cross-origin
 * isolated (COOP/COEP headers: the worker pool shares memory); `/plain/` is the same page
 * without isolation (the pool falls back to message passing, and the page says so).
 *
 *   GET /, /plain/          the demo page
 *   GET /knobs/*.js         build/dist/browser (the demo bundle and browser-worker.js)
 *   GET /data/list.json     the data sets this machine has: ["mnist", "fashion-mnist"?]
 *   GET /data/NAME.bin      u32 count, then count x 784 pixels (bytes), then count labels (bytes)
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as knobs from '../../build/entry.node';
import { DEMO_PAGE } from './page';

// application/wasm lets the page compile the kernels while they download
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.wasm': 'application/wasm',
};

function pack(d: knobs.data.Dataset): Uint8Array {
  const n = d.length;
  const out = new Uint8Array(4 + n * 784 + n);
  new DataView(out.buffer).setUint32(0, n, true);
  for (let i = 0; i < n * 784; i++) out[4 + i] = Math.round(d.x[i]! * 255);
  for (let i = 0; i < n; i++) out[4 + n * 784 + i] = d.y[i]!;
  return out;
}

/** Starts the demo server; `port` 0 lets the OS choose. */
export async function startDemoServer(port = 0, distDir?: string): Promise<{ server: Server; url: string }> {
  const dist = distDir ?? fileURLToPath(new URL('./browser/', import.meta.url));
  const sets = new Map<string, Promise<Uint8Array>>();
  sets.set(
    'mnist',
    knobs.data.loadMnist().then((d) => pack(d)),
  );
  const fashion = await knobs.data
    .loadFashionMnist({ trainCount: 10000, testCount: 1 })
    .then((s) => s.train)
    .catch(() => undefined);
  if (fashion) sets.set('fashion-mnist', Promise.resolve(pack(fashion)));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const plain = url.pathname.startsWith('/plain/');
    const path = plain ? url.pathname.slice('/plain'.length) : url.pathname;
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (!plain) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    const fail = (code: number, text: string): void => {
      res.writeHead(code, { ...headers, 'Content-Type': 'text/plain' });
      res.end(text);
    };
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html']! });
      res.end(DEMO_PAGE);
    } else if (path === '/data/list.json') {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify([...sets.keys()]));
    } else if (path.startsWith('/data/') && sets.has(path.slice(6).replace(/\.bin$/, ''))) {
      sets
        .get(path.slice(6).replace(/\.bin$/, ''))!
        .then((bytes) => {
          res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream' });
          res.end(bytes);
        })
        .catch((e: Error) => fail(500, e.message));
    } else if (path.startsWith('/knobs/')) {
      const file = normalize(join(dist, path.slice('/knobs/'.length)));
      if (!file.startsWith(dist) || !existsSync(file)) return fail(404, 'not found');
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    } else fail(404, 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` };
}

// run as the demo (build/dist/demo-web-server.js), not when a test imports this module
if (process.argv[1] && /demo-web-server\.js$/.test(process.argv[1])) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  startDemoServer(port)
    .then(({ url }) => {
      console.log(`knobs browser demo: open ${url} (cross-origin isolated: the worker pool shares memory)`);
      console.log(`                    or ${url}plain/ (not isolated: the message-passing fallback)`);
      console.log('press Ctrl-C to stop');
    })
    .catch((e: Error) => {
      console.error(`knobs demo: ${e.message}`);
      process.exitCode = 1;
    });
}
