// Rebuilds the wasm kernels (build/wasm/*.wasm) when assembly/ changed, and the bundles:
// most tests import src/ directly, but worker threads and child processes need built files
// (build/dist/node/node-worker.js, knobs.js).
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync(process.execPath, ['build/build.mjs', '--no-types'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the kernels and bundles failed');
}
