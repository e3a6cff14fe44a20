// Rebuilds the wasm kernels (and build/generated/wasm.ts) when assembly/ changed, so that
// `npm test` always tests the current kernels. Bundles are not needed: tests import src/.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync(process.execPath, ['build/build.mjs', '--wasm'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the wasm kernels failed');
}
