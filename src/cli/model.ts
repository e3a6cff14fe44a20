/**
 * Models for the command line: built from flags (`--layers 128,64`, `--conv`), or loaded from a
 * run folder or a model.json; and what a trained model remembers about its data
 * (`model.metadata.knobs`), so `evaluate` and `predict` read new data the way training did.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as knobs from '../../build/entry.node';
import { CliError, UsageError } from './args';

/** What the CLI stores in model.metadata.knobs. */
export interface CliModelMeta {
  task: 'classification' | 'regression';
  label?: string;
  encoding?: knobs.data.TabularEncoding;
  image?: { height: number; width: number; channels: number };
  classNames?: string[];
  humanLevelError?: number;
  source: string;
}

export const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'momentum', 'rmsprop', 'adagrad', 'adamax', 'nadam'] as const;

/** Parses '128,64' into unit counts. */
export function parseLayers(s: string): number[] {
  const parts = s.split(',').map((p) => p.trim());
  const units = parts.map(Number);
  if (!parts.length || units.some((u, i) => !/^\d+$/.test(parts[i]!) || !Number.isSafeInteger(u) || u < 1))
    throw new UsageError(`--layers must be positive unit counts separated by commas (e.g. 128,64), got ${JSON.stringify(s)}`);
  return units;
}

/** Options of {@link buildModel}. */
export interface BuildOptions {
  features: number;
  outputs: number;
  task: 'classification' | 'regression';
  layers: number[];
  conv: boolean;
  image?: { height: number; width: number; channels: number } | undefined;
  seed: number;
  dropout?: number;
}

/**
 * A new model: standardization adapted on the training set (the first layer, saved with the
 * model), then dense layers (ReLU, He initialization), or with `conv` two conv + pool blocks;
 * softmax over the classes, or a linear output for regression.
 */
export function buildModel(o: BuildOptions): knobs.LayersModel {
  const L = knobs.layers;
  const layers: knobs.layers.Layer[] = [L.normalization()];
  if (o.conv) {
    if (!o.image) throw new UsageError('--conv needs images: DATA mnist, fashion-mnist, an IDX pair, or a CSV with --image HxW');
    const { height, width, channels } = o.image;
    layers.push(
      L.reshape({ targetShape: [height, width, channels] }),
      L.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same', kernelInitializer: 'heNormal' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same', kernelInitializer: 'heNormal' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
    );
  }
  for (const units of o.layers) {
    layers.push(L.dense({ units, activation: 'relu', kernelInitializer: 'heNormal' }));
    if (o.dropout) layers.push(L.dropout({ rate: o.dropout }));
  }
  layers.push(L.dense({ units: o.outputs, activation: o.task === 'classification' ? 'softmax' : 'linear' }));
  return knobs.sequential({ inputShape: [o.features], seed: o.seed, layers });
}

/** Compiles for the task with the named optimizer. */
export function compileModel(model: knobs.LayersModel, task: 'classification' | 'regression', optimizer: string, lr: number): void {
  const opt = (knobs.optimizers as unknown as Record<string, (o: { learningRate: number }) => unknown>)[optimizer]!({ learningRate: lr });
  if (task === 'classification') model.compile({ optimizer: opt as never, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  else model.compile({ optimizer: opt as never, loss: 'meanSquaredError', metrics: ['mae'], targetScaling: 'standardize' });
}

/** The folder of a model given as a run folder, a model folder or a model.json path. */
export function modelDir(path: string): string {
  if (!existsSync(path)) throw new CliError(`${path}: no such file or folder (MODEL is a run folder or its model.json)`);
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  if (!existsSync(resolve(dir, 'model.json'))) throw new CliError(`${path}: no model.json there (MODEL is a run folder or its model.json)`);
  return resolve(dir);
}

/** Loads a saved model; a file that is not one is a one-line {@link CliError}. */
export async function loadCliModel(path: string): Promise<{ model: knobs.LayersModel; meta: CliModelMeta | undefined; dir: string }> {
  const dir = modelDir(path);
  let model: knobs.LayersModel;
  try {
    model = await knobs.loadModel(`file://${dir}`);
  } catch (e) {
    throw new CliError(`${path}: not a knobs model: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  const meta = model.metadata.knobs as CliModelMeta | undefined;
  return { model, meta, dir };
}
