// Saving and loading: round trips, resuming fit exactly, and atomic saves under kill -9.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { randomArray } from '../helpers';

function model(seed = 3): knobs.Sequential {
  const m = knobs.sequential({
    inputShape: [6],
    seed,
    layers: [
      knobs.layers.dense({ units: 8, activation: 'relu', kernelRegularizer: knobs.regularizers.l2(1e-3) }),
      knobs.layers.batchNormalization(),
      knobs.layers.dropout({ rate: 0.2 }),
      knobs.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const x = randomArray(60 * 6, 1);
const y = Int32Array.from({ length: 60 }, (_, i) => (x[i * 6]! > 0.3 ? 2 : x[i * 6 + 1]! > 0 ? 1 : 0));
const bytesOf = (ws: Float32Array[]): Buffer[] => ws.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength));

describe('save and load', () => {
  it('round-trips architecture, weights, optimizer state and progress through file://', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-io-'));
    const m = model();
    await m.fit(x, y, { batchSize: 16, epochs: 2, verbose: 0 });
    const res = await m.save(`file://${dir}`);
    expect(res.weightDataBytes).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['model.json']));
    const loaded = await knobs.loadModel(`file://${dir}`);
    expect(bytesOf(loaded.getWeights())).toEqual(bytesOf(m.getWeights()));
    expect(bytesOf(loaded.getOptimizerState())).toEqual(bytesOf(m.getOptimizerState()));
    expect(loaded.optimizer!.iterations).toBe(m.optimizer!.iterations);
    expect(loaded.epochsCompleted).toBe(2);
    expect(Array.from(loaded.predict(x))).toEqual(Array.from(m.predict(x)));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology.config.layers.map((l: { className: string }) => l.className)).toEqual(['Dense', 'BatchNormalization', 'Dropout', 'Dense']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain('optimizer/m');
  });

  it('a fit resumed from a save gives the same weights as one uninterrupted fit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-resume-'));
    const whole = model(9);
    await whole.fit(x, y, { batchSize: 16, epochs: 4, verbose: 0 });
    const first = model(9);
    await first.fit(x, y, { batchSize: 16, epochs: 2, verbose: 0 });
    await first.save(`file://${dir}`);
    // Keras' way: initialEpoch says where the run stands, epochs where it ends
    const resumed = await knobs.loadModel(`file://${dir}`);
    const h = await resumed.fit(x, y, { batchSize: 16, epochs: 4, initialEpoch: resumed.epochsCompleted, verbose: 0 });
    expect(h.epoch).toEqual([2, 3]);
    expect(bytesOf(resumed.getWeights())).toEqual(bytesOf(whole.getWeights()));
    // or "two more epochs": numbered 0 and 1 as in Keras, trained as epochs 2 and 3 of the run
    const more = await knobs.loadModel(`file://${dir}`);
    const h2 = await more.fit(x, y, { batchSize: 16, epochs: 2, verbose: 0 });
    expect(h2.epoch).toEqual([0, 1]);
    expect(more.epochsCompleted).toBe(4);
    expect(bytesOf(more.getWeights())).toEqual(bytesOf(whole.getWeights()));
  });

  it('round-trips through an ArrayBuffer', async () => {
    const m = model(4);
    await m.fit(x, y, { batchSize: 32, epochs: 1, verbose: 0 });
    const loaded = await knobs.loadModel(knobs.toArrayBuffer(m));
    expect(bytesOf(loaded.getWeights())).toEqual(bytesOf(m.getWeights()));
  });

  it('reports missing and corrupt saves clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-bad-'));
    await expect(knobs.loadModel(`file://${dir}`)).rejects.toThrow(/cannot read .*model\.json/);
    const m = model();
    await m.save(`file://${dir}`);
    const wf = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
    writeFileSync(join(dir, wf), Buffer.alloc(12));
    await expect(knobs.loadModel(`file://${dir}`)).rejects.toThrow(/the save is incomplete or corrupt/);
    await expect(knobs.loadModel('ftp://x')).rejects.toThrow(/no handler for ftp:\/\//);
    await expect(m.save('nowhere')).rejects.toThrow(/has no scheme/);
  });

  it('a process killed with SIGKILL while saving leaves a readable, consistent save', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-kill-'));
    // the child saves again and again, each time with every weight set to the save's number
    const script = join(dir, 'saver.mjs');
    const entry = new URL('../../build/dist/node/knobs.js', import.meta.url).pathname;
    writeFileSync(
      script,
      `
      import * as knobs from ${JSON.stringify(entry)};
      const m = knobs.sequential({ inputShape: [64], seed: 1, layers: [knobs.layers.dense({ units: 256 }), knobs.layers.dense({ units: 64 })] });
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      for (let k = 1; ; k++) {
        m.setWeights(m.getWeights().map((w) => w.fill(k)));
        await m.save('file://${dir}/model');
        if (k === 1) process.stdout.write('saved\\n');
      }`,
    );
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 30 + 37 * round));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const loaded = await knobs.loadModel(`file://${dir}/model`);
      const values = new Set(loaded.getWeights().flatMap((w) => Array.from(new Set(w))));
      expect(values.size, `round ${round}: weights from one save only`).toBe(1);
      loaded.dispose();
    }
  });
});
