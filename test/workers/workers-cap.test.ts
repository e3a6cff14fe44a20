// fit({ workers }) asks for no more threads than the machine has cores (issue 11): 1000 asked
// started 1000 threads (9.6 GB) and hung.
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as knobs from '../../build/entry.node';
import { randomArray } from '../helpers';

afterAll(async () => {
  await knobs.shutdown();
});

function model(): knobs.Sequential {
  const m = knobs.sequential({
    inputShape: [8],
    seed: 3,
    layers: [knobs.layers.dense({ units: 16, activation: 'relu' }), knobs.layers.dense({ units: 2, activation: 'softmax' })],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

describe('fit({ workers }) beyond the cores', () => {
  it('caps the default pool at the cores available and says so once, naming the requested and used counts', async () => {
    const cores = availableParallelism();
    const asked = cores + 3;
    const x = randomArray(128 * 8, 1);
    const y = Int32Array.from({ length: 128 }, (_, i) => (x[i * 8]! > 0 ? 1 : 0));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const h = await model().fit(x, y, { workers: asked, batchSize: 64, epochs: 2, verbose: 0 });
      expect(h.history.loss).toHaveLength(2);
      await model().fit(x, y, { workers: asked, batchSize: 64, epochs: 1, verbose: 0 });
      const said = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('options.workers'));
      expect(said).toEqual([`knobs: fit: options.workers = ${asked} is more than the ${cores} cores available; using ${cores} workers`]);
      expect(knobs.defaultPool().size).toBe(cores);
    } finally {
      warn.mockRestore();
    }
  });
});
