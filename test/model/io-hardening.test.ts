// Loading trusts nothing in a saved folder: paths stay inside it, the manifest must match the
// layers, missing fields and bad training numbers are errors, flipped weight bytes fail the
// checksum, a disposed model refuses every method, and concurrent saves leave a loadable folder.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { ShapeError } from '../../src/errors';
import { randomArray } from '../helpers';

function model(seed = 3): knobs.Sequential {
  const m = knobs.sequential({
    inputShape: [6],
    seed,
    layers: [knobs.layers.dense({ units: 8, activation: 'relu' }), knobs.layers.dense({ units: 3, activation: 'softmax' })],
  });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

const x = randomArray(40 * 6, 5);
const y = Int32Array.from({ length: 40 }, (_, i) => (x[i * 6]! > 0 ? 1 : 0));

/** A saved folder, and helpers to edit its model.json and weights file. */
async function savedFolder(): Promise<{ dir: string; url: string; json: () => any; write: (j: unknown) => void; weights: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'knobs-harden-'));
  const m = model();
  await m.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 });
  await m.save(`file://${dir}`);
  m.dispose();
  const weights = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
  const original = readFileSync(join(dir, 'model.json'), 'utf8');
  return {
    dir,
    url: `file://${dir}`,
    weights: join(dir, weights),
    json: () => JSON.parse(original), // the saved model.json, whatever was written since
    write: (j) => writeFileSync(join(dir, 'model.json'), JSON.stringify(j)),
  };
}

/**
 * What loading gives: the error, or a string when it loaded (a resolved model would make a
 * failed `rejects` assertion print the whole engine memory).
 */
async function loadError(url: string): Promise<Error | string> {
  return knobs.loadModel(url).then(
    (m) => {
      m.dispose();
      return 'loaded without an error';
    },
    (e: Error) => e,
  );
}

/** Asserts that loading fails with a message matching `message`. */
async function expectLoadError(url: string, message: RegExp, label = ''): Promise<Error> {
  const err = await loadError(url);
  expect(err instanceof Error ? err.message : err, label).toMatch(message);
  return err as Error;
}

describe('weight paths stay inside the model folder', () => {
  it('refuses absolute paths, .. and symbolic links that lead outside, reading nothing there', async () => {
    const f = await savedFolder();
    // a file of exactly the right size outside the folder: a loader that follows the path loads it
    const outside = join(f.dir, '..', `outside-${Date.now()}.bin`);
    writeFileSync(outside, readFileSync(f.weights));
    const j = f.json();
    for (const bad of [`../${outside.split('/').pop()}`, outside, 'a/../../x.bin', '']) {
      j.weightsManifest[0].paths = [bad];
      f.write(j);
      await expectLoadError(f.url, /weightsManifest\[0\]\.paths\[0\] must be a relative path inside the model's folder/, bad);
    }
    symlinkSync(outside, join(f.dir, 'link.bin'));
    j.weightsManifest[0].paths = ['link.bin'];
    f.write(j);
    await expectLoadError(f.url, /weights path "link.bin" resolves outside the model's folder/);
  });

  it('refuses a link to /dev/zero before reading it (it never ends)', async () => {
    const f = await savedFolder();
    const j = f.json();
    symlinkSync('/dev/zero', join(f.dir, 'zero.bin'));
    j.weightsManifest[0].paths = ['zero.bin'];
    f.write(j);
    await expectLoadError(f.url, /resolves outside the model's folder/);
  });

  it('reads no more than the manifest describes: a longer weights file is refused by its size', async () => {
    const f = await savedFolder();
    appendFileSync(f.weights, Buffer.alloc(1 << 20));
    await expectLoadError(f.url, /has \d+ bytes but the manifest describes \d+: the save is incomplete or corrupt/);
  });
});

describe('model.json is checked against the layers', () => {
  it('a shape that differs from the layer (same number of values) is a ShapeError naming layer, weight, expected and found', async () => {
    const f = await savedFolder();
    const j = f.json();
    expect(j.weightsManifest[0].weights[0]).toMatchObject({ name: 'dense/kernel', shape: [6, 8] });
    j.weightsManifest[0].weights[0].shape = [8, 6];
    f.write(j);
    const err = await expectLoadError(f.url, /model\.json: layer "dense" weight "kernel": expected shape \[6, 8\] float32, found \[8, 6\] float32/);
    expect(err).toBeInstanceOf(ShapeError);
  });

  it('a dtype other than float32 and weights no layer has are refused', async () => {
    const f = await savedFolder();
    const j = f.json();
    j.weightsManifest[0].weights[1].dtype = 'int32';
    f.write(j);
    await expectLoadError(f.url, /weightsManifest\[0\]\.weights\[1\]\.dtype must be "float32", got "int32"/);
    const k = f.json();
    k.weightsManifest[0].weights[0].name = 'other/kernel';
    f.write(k);
    await expectLoadError(f.url, /layer "dense" weight "kernel": expected \[6, 8\] float32 as "dense\/kernel", found nothing/);
  });

  it('a layer field missing from model.json is an error, not a default (no silent linear Dense)', async () => {
    const f = await savedFolder();
    const j = f.json();
    delete j.modelTopology.config.layers[0].config.activation;
    f.write(j);
    await expectLoadError(f.url, /modelTopology\.config\.layers\[0\]\.config\.activation is missing/);
    const k = f.json();
    delete k.trainingConfig.optimizer.config.learningRate;
    f.write(k);
    await expectLoadError(f.url, /trainingConfig\.optimizer\.config\.learningRate is missing/);
  });

  it('every number of the saved training state is checked', async () => {
    const f = await savedFolder();
    const cases: [string, unknown, RegExp][] = [
      ['iterations', -5, /training\.iterations must be an integer from 0 to \d+, got -5/],
      ['iterations', 1.5, /training\.iterations must be an integer .*got 1\.5/],
      ['iterations', '5', /training\.iterations must be an integer, got "5"/],
      ['epochsCompleted', -1, /training\.epochsCompleted must be an integer from 0/],
      ['epochsCompleted', 1e300, /training\.epochsCompleted must be an integer from 0 to \d+, got 1e\+300/],
    ];
    for (const [field, value, message] of cases) {
      const j = f.json();
      j.training[field] = value;
      f.write(j);
      await expectLoadError(f.url, message, `${field}: ${String(value)}`);
    }
  });
});

describe('the weights checksum', () => {
  it('a flipped byte in the weights file fails the SHA-256 check, naming the file', async () => {
    const f = await savedFolder();
    expect(f.json().weightsManifest[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const bytes = readFileSync(f.weights);
    bytes[100] ^= 0x10; // a mantissa bit of one weight: still a plausible float
    writeFileSync(f.weights, bytes);
    const name = f.weights.split('/').pop()!;
    await expectLoadError(f.url, new RegExp(`the weights file ${name} fails its SHA-256 check`));
  });

  it('a flipped weight byte in a toArrayBuffer pack fails its CRC-32 check; the intact pack loads the same weights', async () => {
    const m = knobs.sequential({ inputShape: [4], seed: 5, layers: [knobs.layers.dense({ units: 6, activation: 'tanh' }), knobs.layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const packed = new Uint8Array(knobs.toArrayBuffer(m));
    const jsonEnd = 12 + new DataView(packed.buffer).getUint32(8, true);
    const manifest = JSON.parse(new TextDecoder().decode(packed.subarray(12, jsonEnd))).weightsManifest;
    expect(Number.isInteger(manifest[0].crc32)).toBe(true);
    const intact = await knobs.loadModel(packed.slice().buffer);
    expect(intact.getWeights().map((w) => Array.from(w))).toEqual(m.getWeights().map((w) => Array.from(w)));
    const bad = packed.slice();
    bad[jsonEnd + 9] ^= 0x04; // a mantissa bit of the third weight: still a plausible float
    await expect(knobs.loadModel(bad.buffer)).rejects.toThrow(/loadModel: model buffer: the weights of .* fail their CRC-32 check/);
  });

  it('a save without a checksum (older versions) still loads, with the same weights', async () => {
    const f = await savedFolder();
    const j = f.json();
    delete j.weightsManifest[0].sha256;
    f.write(j);
    const loaded = await knobs.loadModel(f.url);
    const floats = new Float32Array(Uint8Array.from(readFileSync(f.weights)).buffer);
    expect(Array.from(loaded.getWeights()[0]!)).toEqual(Array.from(floats.subarray(0, 48)));
  });
});

describe('a disposed model', () => {
  it('throws "model was disposed" from every method, and save refuses to write', async () => {
    const m = model();
    m.dispose();
    m.dispose(); // twice is fine
    const calls: [string, () => unknown][] = [
      ['predict', () => m.predict(x)],
      ['evaluate', () => m.evaluate(x, y)],
      ['getWeights', () => m.getWeights()],
      ['setWeights', () => m.setWeights([])],
      ['getOptimizerState', () => m.getOptimizerState()],
      ['compile', () => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })],
      ['summary', () => m.summary(() => {})],
      ['getConfig', () => m.getConfig()],
      ['adapt', () => m.adapt(x)],
    ];
    for (const [name, call] of calls) expect(call, name).toThrow(new RegExp(`^${name}: model was disposed`));
    await expect(m.fit(x, y, { epochs: 1, verbose: 0 })).rejects.toThrow(/^fit: model was disposed/);
    const dir = join(mkdtempSync(join(tmpdir(), 'knobs-disposed-')), 'model');
    await expect(m.save(`file://${dir}`)).rejects.toThrow(/^save: model was disposed/);
    expect(existsSync(dir)).toBe(false);
    expect(() => knobs.toArrayBuffer(m)).toThrow(/model was disposed/);
  });
});

describe('concurrent saves', () => {
  it('a save removes the weights it replaced and hour-old leftovers, never a recent file another save may be writing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-sweep-'));
    const m = model();
    await m.save(`file://${dir}`);
    const first = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
    // leftovers of killed saves: one old, one recent (a save in progress looks the same)
    const old = ['weights-11111111-1111-4111-8111-111111111111.bin', 'model.json.11111111-1111-4111-8111-111111111111.tmp'];
    const recent = ['weights-22222222-2222-4222-8222-222222222222.bin', 'model.json.22222222-2222-4222-8222-222222222222.tmp'];
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const f of [...old, ...recent]) writeFileSync(join(dir, f), 'x');
    for (const f of old) utimesSync(join(dir, f), hoursAgo, hoursAgo);
    writeFileSync(join(dir, 'notes.txt'), 'mine'); // not knobs' own: never touched
    await m.save(`file://${dir}`);
    const files = readdirSync(dir);
    expect(files).not.toContain(first);
    for (const f of old) expect(files).not.toContain(f);
    for (const f of [...recent, 'notes.txt', 'model.json']) expect(files).toContain(f);
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(2); // the new save's and the recent leftover
  });

  it('two processes saving to one folder both finish, and the folder always loads as one save', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-race-'));
    const script = join(dir, 'saver.mjs');
    const entry = new URL('../../build/dist/node/knobs.js', import.meta.url).pathname;
    // each save sets every weight to a value unique to its process and round
    writeFileSync(
      script,
      `
      import * as knobs from ${JSON.stringify(entry)};
      const who = Number(process.argv[2]);
      const m = knobs.sequential({ inputShape: [32], seed: 1, layers: [knobs.layers.dense({ units: 64 }), knobs.layers.dense({ units: 8 })] });
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      for (let k = 1; k <= 60; k++) {
        m.setWeights(m.getWeights().map((w) => w.fill(who * 1000 + k)));
        await m.save('file://${dir}/model');
      }`,
    );
    const run = (who: number) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, [script, String(who)], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr!.on('data', (d) => (err += d));
        child.once('exit', (code) => resolve({ code, err }));
      });
    const both = Promise.all([run(1), run(2)]);
    // meanwhile, this process loads whatever is there: always one complete save
    let loads = 0;
    let done = false;
    void both.then(() => (done = true));
    while (!done) {
      if (existsSync(join(dir, 'model', 'model.json'))) {
        const m = await knobs.loadModel(`file://${dir}/model`);
        expect(new Set(m.getWeights().flatMap((w) => Array.from(new Set(w)))).size, 'one save per load').toBe(1);
        m.dispose();
        loads++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const results = await both;
    for (const r of results) expect(r, r.err).toMatchObject({ code: 0 });
    const last = await knobs.loadModel(`file://${dir}/model`);
    const values = new Set(last.getWeights().flatMap((w) => Array.from(new Set(w))));
    expect([...values].sort()).toSatisfy((v: number[]) => v.length === 1 && (v[0] === 1060 || v[0] === 2060));
    // every temporary model.json was renamed or removed
    expect(readdirSync(join(dir, 'model')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(loads).toBeGreaterThan(0);
  }, 60_000);
});
