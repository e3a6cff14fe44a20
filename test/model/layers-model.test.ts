// The model classes as tfjs has them (issue 13): LayersModel holds what every model does, and
// Sequential, its subclass, adds add and pop. knobs.model() returns a LayersModel, and loading
// returns the class of what was saved, in knobs' format and in tfjs'.
//
// layers-model.ts is imported first on purpose: the class must load whatever module is loaded
// first (Sequential extends it, and loading models needs the Sequential class).
import { LayersModel as DirectLayersModel } from '../../src/model/layers-model';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { randomArray } from '../helpers';

const L = knobs.layers;
const tmp = (): string => mkdtempSync(join(tmpdir(), 'knobs-layers-model-'));

function graph(seed = 1): knobs.LayersModel {
  const x = knobs.input({ shape: [4] });
  const h = L.dense({ units: 6, activation: 'relu' }).apply(x);
  const y = L.dense({ units: 3, activation: 'softmax' }).apply(L.add().apply([h, L.dense({ units: 6 }).apply(x)]));
  return knobs.model({ inputs: x, outputs: y, seed });
}

function chain(seed = 1): knobs.Sequential {
  return knobs.sequential({ inputShape: [4], seed, layers: [L.dense({ units: 6, activation: 'relu' }), L.dense({ units: 3, activation: 'softmax' })] });
}

const x = randomArray(10 * 4, 3);
const y = Int32Array.from({ length: 10 }, (_, i) => i % 3);

describe('LayersModel and Sequential', () => {
  it('knobs.model() is a LayersModel and not a Sequential; a sequential is both; add and pop are Sequential only', () => {
    expect(DirectLayersModel).toBe(knobs.LayersModel);
    const g = graph(),
      s = chain();
    expect(g).toBeInstanceOf(knobs.LayersModel);
    expect(g).not.toBeInstanceOf(knobs.Sequential);
    expect(g.constructor).toBe(knobs.LayersModel);
    expect(s).toBeInstanceOf(knobs.LayersModel);
    expect(s).toBeInstanceOf(knobs.Sequential);
    expect(Object.getPrototypeOf(knobs.Sequential.prototype)).toBe(knobs.LayersModel.prototype);
    expect('add' in g || 'pop' in g).toBe(false);
    expect(typeof s.add).toBe('function');
    expect(typeof s.pop).toBe('function');
    // what every model does lives on LayersModel, not on Sequential
    for (const k of ['compile', 'fit', 'evaluate', 'predict', 'save', 'summary', 'getLayer', 'getWeights', 'setWeights', 'toJSON', 'getConfig', 'dispose'])
      expect(Object.hasOwn(knobs.LayersModel.prototype, k), k).toBe(true);
    expect(Object.getOwnPropertyNames(knobs.Sequential.prototype).filter((k) => k !== 'constructor' && k !== 'relayout')).toEqual(['add', 'pop']);
    expect(typeof knobs.LayersModel.load).toBe('function');
    expect(knobs.Sequential.load).toBe(knobs.LayersModel.load);
  });

  it('every entry exports LayersModel, with Sequential its subclass (Node, browser and edge bundles)', async () => {
    for (const bundle of ['../../build/dist/node/knobs.js', '../../build/dist/browser/knobs.js', '../../build/dist/edge/knobs-edge.js']) {
      const k = (await import(/* @vite-ignore */ bundle)) as typeof knobs;
      expect(typeof k.LayersModel, bundle).toBe('function');
      expect(Object.getPrototypeOf(k.Sequential.prototype), bundle).toBe(k.LayersModel.prototype);
    }
  });

  it('toJSON: the topology as model.json holds it, a string by default (tfjs), the object with returnString false', () => {
    for (const m of [graph(), chain()]) {
      const topology = { className: m.graph ? 'Model' : 'Sequential', config: m.getConfig() };
      expect(JSON.parse(m.toJSON() as string)).toEqual(JSON.parse(JSON.stringify(topology)));
      expect(m.toJSON(null, false)).toEqual(topology);
      expect(JSON.parse(JSON.parse(JSON.stringify({ m })).m)).toEqual(JSON.parse(JSON.stringify(topology)));
    }
    expect(graph().toJSON(null, false)).toMatchObject({ className: 'Model', config: { input_layers: [[expect.any(String), 0, 0]] } });
  });

  it("loadModel and the classes' load return the class of what was saved, in knobs' format and in tfjs'", async () => {
    for (const format of ['knobs', 'tfjs'] as const) {
      for (const [make, cls] of [
        [graph, knobs.LayersModel],
        [chain, knobs.Sequential],
      ] as const) {
        const m = make(2);
        m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
        await m.fit(x, y, { epochs: 1, batchSize: 5, verbose: 0 });
        const dir = tmp();
        await m.save(`file://${dir}`, { format });
        for (const loaded of [
          await knobs.loadModel(`file://${dir}`),
          await knobs.LayersModel.load(`file://${dir}`),
          await knobs.Sequential.load(`file://${dir}`),
        ]) {
          expect(loaded.constructor, `${format}: ${cls.name}`).toBe(cls);
          expect(Array.from(loaded.predict(x))).toEqual(Array.from(m.predict(x)));
        }
        if (format === 'knobs') expect((await knobs.loadModel(knobs.toArrayBuffer(m))).constructor).toBe(cls);
      }
    }
    // a loaded chain grows as a built one does
    const dir = tmp();
    await chain(3).save(`file://${dir}`);
    const back = (await knobs.loadModel(`file://${dir}`)) as knobs.Sequential;
    back.add(L.dense({ units: 2 }));
    expect(back.predict(x)).toHaveLength(20);
  });
});
