/**
 * PyTorch as a reference for the image kernels: a python3 that imports torch (Debian's
 * python3-torch), run once per test file on a batch of cases (JSON in, JSON out).
 *
 * Where no python3 here imports torch, {@link pythonWithTorch} returns null and the tests fall
 * back to finite differences, saying so; with KNOBS_REQUIRE_PYTHON set (as .ci/run does) a
 * missing torch fails instead.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let cache: string | null | undefined;

/** A python3 that can import torch (KNOBS_PYTHON, python3, /usr/bin/python3), or null. */
export function pythonWithTorch(): string | null {
  if (cache !== undefined) return cache;
  for (const py of [process.env.KNOBS_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return (cache = py);
  }
  if (process.env.KNOBS_REQUIRE_PYTHON) {
    throw new Error('KNOBS_REQUIRE_PYTHON is set (CI) but no python3 here imports torch: apt-get install python3-torch');
  }
  return (cache = null);
}

/** Runs fixtures/<script> with `input` as JSON on stdin; returns its JSON output. */
export function runTorch<T>(python: string, script: string, input: unknown): T {
  const path = fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url));
  const r = spawnSync(python, [path], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${python} ${script} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
