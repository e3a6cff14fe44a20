// Fuzzing the loader: a few hundred seeded mutations of a saved model folder (type changes,
// deletions, wrong shapes, prototype keys, huge numbers, truncated or longer weights). Every
// failure must be one of knobs' own errors naming the file or field, never a JavaScript-internal
// one, and a failed applyArtifacts must leave the model it loads into unchanged.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { ShapeError } from '../../src/errors';
import { applyArtifacts } from '../../src/io/io';
import { randomArray, rng } from '../helpers';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Messages JavaScript itself gives for a value of the wrong kind: a loader must never let one out. */
const INTERNAL =
  /is not a function|is not iterable|Cannot read propert|Cannot set propert|Cannot convert|Cannot create property|is not an object|Invalid array length|Invalid typed array length|Array buffer allocation failed|Reduce of empty array|Maximum call stack|should be a multiple of|out of bounds/;

/** Every path to a value in a JSON tree. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((c, i) => paths(c, [...at, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k]!, [...at, k], out);
  return out;
}

function parentOf(root: Json, path: (string | number)[]): { parent: any; key: string | number } {
  let parent: any = root;
  for (const k of path.slice(0, -1)) parent = parent[k];
  return { parent, key: path[path.length - 1]! };
}

/** Replacements for a value: other types, edge numbers, prototype names, wrong shapes. */
const REPLACEMENTS: Json[] = [
  null,
  true,
  0,
  -1,
  -5,
  1.5,
  2 ** 31,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  '7',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  [],
  [1],
  [-1, 3],
  [1e9, 1e9],
  [8, 6],
  { length: 3 },
  {},
];

interface Mutant {
  text: string;
  weights: Uint8Array;
  what: string;
}

/** One seeded mutation of model.json's text or of the weights. */
function mutate(json: Json, weights: Uint8Array, r: () => number): Mutant {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const copy = structuredClone(json);
  const kind = Math.floor(r() * 10);
  if (kind === 0) {
    const cut = Math.floor(r() * weights.length);
    return { text: JSON.stringify(copy), weights: weights.subarray(0, cut), what: `weights truncated to ${cut} bytes` };
  }
  if (kind === 1) {
    const longer = new Uint8Array(weights.length + 1 + Math.floor(r() * 64));
    longer.set(weights);
    return { text: JSON.stringify(copy), weights: longer, what: `weights extended to ${longer.length} bytes` };
  }
  if (kind === 2) {
    // raw text: things JSON.stringify cannot make (an own __proto__ key, 1e999 = Infinity, truncation)
    const text = JSON.stringify(copy);
    const raw = pick([
      () => text.replace('"className":"Dense"', '"className":"__proto__"'),
      () => text.replace('"config":{', '"config":{"__proto__":{"units":1e9},'),
      () => text.replace(/"units":\d+/, '"units":1e999'),
      () => text.replace(/"iterations":\d+/, '"iterations":1e999'),
      () => text.replace(/"seed":\d+/, '"seed":-1e999'),
      () => text.slice(0, Math.floor(r() * text.length)),
      () => text.replace('"weightsManifest":[', '"weightsManifest":[{"__proto__":[]},'),
      () => text.replace('"optimizer":{', '"optimizer":{"__proto__":null,'),
    ])();
    return { text: raw, weights, what: `raw edit of model.json` };
  }
  const all = paths(copy).filter((p) => p.length > 0);
  const target = pick(all);
  const { parent, key } = parentOf(copy, target);
  const where = target.join('.');
  if (kind === 3) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
    return { text: JSON.stringify(copy), weights, what: `deleted ${where}` };
  }
  if (kind === 4) {
    // a weight's shape changed (same count or not)
    const entries = (copy as any).weightsManifest[0].weights as { shape: number[] }[];
    const e = pick(entries);
    e.shape = pick([[...e.shape].reverse(), [...e.shape, 1], e.shape.slice(1), [e.shape[0]! + 1, ...e.shape.slice(1)], [0]]);
    return { text: JSON.stringify(copy), weights, what: `a weight's shape set to [${e.shape.join(', ')}]` };
  }
  const value = pick(REPLACEMENTS);
  parent[key] = structuredClone(value);
  return { text: JSON.stringify(copy), weights, what: `${where} = ${JSON.stringify(value)}` };
}

/** Asserts an error is knobs' own: a known class, a message naming the file or a field, nothing internal. */
function expectKnobsError(e: unknown, what: string): void {
  expect(e, what).toBeInstanceOf(Error);
  const err = e as Error;
  expect(
    [TypeError, RangeError, ShapeError, Error].some((c) => err.constructor === c),
    `${what}: class ${err.constructor.name}`,
  ).toBe(true);
  expect(err.message, `${what}: internal error`).not.toMatch(INTERNAL);
  expect(err.message, `${what}: names the file`).toMatch(/model\.json|weights/);
}

function snapshot(m: knobs.LayersModel): unknown {
  return {
    weights: m.getWeights().map((w) => Array.from(w)),
    slots: m.getOptimizerState().map((w) => Array.from(w)),
    iterations: m.optimizer!.iterations,
    epochs: m.epochsCompleted,
    metadata: JSON.stringify(m.metadata),
  };
}

describe('loading fuzzed model folders', () => {
  it('400 mutations: every failure is a clear knobs error, and a failed apply changes nothing', async () => {
    const make = (seed: number) => {
      const m = knobs.sequential({
        inputShape: [5],
        seed,
        layers: [
          knobs.layers.dense({ units: 6, activation: 'relu', kernelRegularizer: knobs.regularizers.l2(1e-3) }),
          knobs.layers.batchNormalization(),
          knobs.layers.dropout({ rate: 0.1 }),
          knobs.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const x = randomArray(30 * 5, 2);
    const y = Int32Array.from({ length: 30 }, (_, i) => (x[i * 5]! > 0 ? 2 : 0));
    const saved = make(1);
    await saved.fit(x, y, { batchSize: 10, epochs: 2, verbose: 0 });
    saved.metadata = { note: 'fuzz' };
    const base = mkdtempSync(join(tmpdir(), 'knobs-fuzz-'));
    await saved.save(`file://${base}/m`);
    const json = JSON.parse(readFileSync(join(base, 'm', 'model.json'), 'utf8')) as Json;
    const weightsFile = readdirSync(join(base, 'm')).find((f) => f.endsWith('.bin'))!;
    const weights = new Uint8Array(readFileSync(join(base, 'm', weightsFile)));

    // the model loads into: another of the same architecture, trained differently
    const target = make(2);
    await target.fit(x, y, { batchSize: 15, epochs: 1, verbose: 0 });
    target.metadata = { keep: true };
    const before = snapshot(target);

    const r = rng(20261204);
    let failures = 0;
    for (let i = 0; i < 400; i++) {
      const m = mutate(json, weights, r);
      const what = `mutation ${i}: ${m.what}`;
      const dir = join(base, `f${i}`);
      writeFileSync(join(base, 'tmp.json'), m.text); // keep the last one for a failing run
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      writeFileSync(join(dir, 'model.json'), m.text);
      writeFileSync(join(dir, weightsFile), m.weights);
      const loaded = await knobs.loadModel(`file://${dir}`).then(
        (model) => model,
        (e: unknown) => e,
      );
      if (loaded instanceof knobs.LayersModel) {
        loaded.dispose();
      } else {
        failures++;
        expectKnobsError(loaded, what);
      }
      // the same artifacts applied to an existing model: all or nothing
      let parsed: unknown;
      try {
        parsed = JSON.parse(m.text);
      } catch {
        continue; // not JSON: there is nothing to apply
      }
      const w = m.weights.slice().buffer;
      try {
        applyArtifacts(target, { modelJson: parsed as never, weightData: w });
        // applied: put the model back for the next round
        target.setWeights((before as { weights: number[][] }).weights.map((a) => Float32Array.from(a)));
        target.setOptimizerState(
          (before as { slots: number[][] }).slots.map((a) => Float32Array.from(a)),
          (before as { iterations: number }).iterations,
        );
        target.epochsCompleted = (before as { epochs: number }).epochs;
        target.metadata = { keep: true };
      } catch (e) {
        expectKnobsError(e, `${what} (applyArtifacts)`);
        expect(snapshot(target), `${what}: the model was changed by a failed apply`).toEqual(before);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    // most mutations break something; a few (metadata, a name) load fine
    expect(failures).toBeGreaterThan(200);
    rmSync(base, { recursive: true, force: true });
  }, 120_000);

  it('200 mutations of a toArrayBuffer pack (cuts, flipped bytes, a wrong length): knobs errors only', async () => {
    const m = knobs.sequential({ inputShape: [4], seed: 3, layers: [knobs.layers.dense({ units: 5, activation: 'tanh' }), knobs.layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const packed = new Uint8Array(knobs.toArrayBuffer(m));
    const jsonEnd = 12 + new DataView(packed.buffer).getUint32(8, true);
    const r = rng(7);
    let failures = 0;
    for (let i = 0; i < 200; i++) {
      const b = packed.slice();
      const kind = i % 4;
      let what: string;
      let buf: ArrayBuffer;
      if (kind === 0) {
        const cut = Math.floor(r() * packed.length);
        buf = b.slice(0, cut).buffer;
        what = `cut at ${cut}`;
      } else if (kind === 1) {
        const at = 12 + Math.floor(r() * (jsonEnd - 12)); // inside model.json
        b[at] = Math.floor(r() * 256);
        buf = b.buffer;
        what = `model.json byte ${at} = ${b[at]}`;
      } else if (kind === 2) {
        new DataView(b.buffer).setUint32(8, Math.floor(r() * 2 ** 32), true);
        buf = b.buffer;
        what = 'header length';
      } else {
        const at = Math.floor(r() * 12);
        b[at] ^= 1 << Math.floor(r() * 8);
        buf = b.buffer;
        what = `header byte ${at}`;
      }
      const out = await knobs.loadModel(buf).then(
        (model) => model,
        (e: unknown) => e,
      );
      if (out instanceof knobs.LayersModel) {
        out.dispose();
        continue;
      }
      failures++;
      expect(out, what).toBeInstanceOf(Error);
      expect((out as Error).message, what).not.toMatch(INTERNAL);
      expect((out as Error).message, what).toMatch(/model buffer|model\.json/);
    }
    expect(failures).toBeGreaterThan(100);
    m.dispose();
  });
});
