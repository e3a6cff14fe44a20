/**
 * Shared helpers of the tuning tests: synthetic objectives with known optima, a synthetic
 * learning curve, a hand-driven study (trials that report chosen curves), child processes
 * that run studies from a bundled script, and the python3 that has Optuna.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tune from '../../src/tune';

/** Branin on [-5, 10] x [0, 15]; minimum 0.397887 at (-pi, 12.275), (pi, 2.275), (9.42478, 2.475). */
export function branin(x: number, y: number): number {
  const a = 1,
    b = 5.1 / (4 * Math.PI ** 2),
    c = 5 / Math.PI,
    r = 6,
    s = 10,
    t = 1 / (8 * Math.PI);
  return a * (y - b * x * x + c * x - r) ** 2 + s * (1 - t) * Math.cos(x) + s;
}
export const BRANIN_MIN = 0.397887;

/** Rosenbrock in n dimensions; minimum 0 at (1, ..., 1). */
export function rosenbrock(xs: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < xs.length - 1; i++) f += 100 * (xs[i + 1]! - xs[i]! ** 2) ** 2 + (1 - xs[i]!) ** 2;
  return f;
}

export const braninObjective: tune.Objective = (t) => branin(t.suggestFloat('x', -5, 10), t.suggestFloat('y', 0, 15));

export function rosenbrockObjective(dims: number): tune.Objective {
  return (t) => rosenbrock(Array.from({ length: dims }, (_, i) => t.suggestFloat(`x${i}`, -2, 2)));
}

/** Trials until the best value first reaches `target` (minimization), or Infinity. */
export function trialsToReach(study: tune.Study, target: number): number {
  let n = 0;
  for (const t of study.trials) {
    n++;
    if (t.state === 'COMPLETE' && t.value! <= target) return n;
  }
  return Infinity;
}

/** A study in memory whose trials are driven by hand: `run(curve)` reports the values at steps 0.. and answers each shouldPrune. */
export async function handDriven(pruner: tune.Pruner, direction: tune.StudyDirection = 'maximize', studyName = 'hand') {
  const study = tune.createStudy({ direction, pruner, sampler: tune.randomSampler({ seed: 0 }), studyName });
  /** Runs one trial; answers the step at which it was pruned (or null) and completes/prunes it. */
  const run = async (curve: readonly number[], steps?: readonly number[]): Promise<number | null> => {
    const trial = await study.ask();
    for (let i = 0; i < curve.length; i++) {
      const step = steps ? steps[i]! : i;
      trial.report(curve[i]!, step);
      if (trial.shouldPrune()) {
        await study.tell(trial, undefined, { state: 'PRUNED' });
        return step;
      }
    }
    await study.tell(trial, curve[curve.length - 1]!);
    return null;
  };
  return { study, run };
}

export function tempDir(prefix = 'knobs-tune-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

let pythonCache: string | null | undefined;
/** A python3 that can import optuna (KNOBS_PYTHON, python3, /usr/bin/python3), or null. */
export function pythonWithOptuna(): string | null {
  if (pythonCache !== undefined) return pythonCache;
  for (const py of [process.env.KNOBS_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', 'import optuna; print(optuna.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) {
      const [major, minor] = r.stdout.trim().split('.').map(Number);
      if (major! > 3 || (major === 3 && minor! >= 1)) return (pythonCache = py);
    }
  }
  if (process.env.KNOBS_REQUIRE_PYTHON) {
    throw new Error('KNOBS_REQUIRE_PYTHON is set (CI) but no python3 here imports optuna >= 3.1: apt-get install python3-optuna');
  }
  return (pythonCache = null);
}

/**
 * Bundles a TypeScript script (and what it imports) into one .mjs that node runs; `require` is
 * defined for CommonJS dependencies such as node-redis (the banner of build/build.mjs).
 */
export async function bundleScript(entry: string, outDir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const out = join(outDir, 'script.mjs');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'warning',
    // a test's script imports source modules for what they register (storage schemes); whatever
    // package.json's "sideEffects" list says of them, ignoring annotations keeps those imports
    ignoreAnnotations: true,
    banner: { js: "import { createRequire as __knobsCreateRequire } from 'node:module'; const require = __knobsCreateRequire(import.meta.url);" },
  });
  return out;
}
