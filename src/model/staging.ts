/**
 * Staging a model's data in engine memory: checking x, y and the example weights against the
 * model (`stage`), copying them in once per fit or evaluation (`stageArrays`, bytes kept as
 * bytes), freeing them (`unstage`), and copying a batch of them into a shard's buffers
 * (`loadBatch`). Also the model's target scaling as stored in its metadata.
 * @module
 */
import type { Engine } from '../engine/engine';
import { joinColumns, ports } from './graph';
import { joinTargets, targetCols } from './heads';
import { f32_gather_rows, f32_gather_sum, x32_gather } from '../engine/kernels/f32_gather';
import { f32_find_nonfinite, f32_sum } from '../engine/kernels/f32_elementwise';
import { ShapeError } from '../errors';
import { checkExamples, exampleWeights, nonFiniteError, toInputs, toLabels, type Labels } from './data';
import { gatherInputs, type ShardBuffers } from './runtime';
import { TargetScaler, readTargetScaling, type TargetScaling } from './target';
import type { LayersModel } from './layers-model';

/** Data copied into engine memory for one fit or evaluation. */
export interface StagedData {
  rows: number;
  x: number;
  /** x holds one byte per value (read as byte / 255). */
  xBytes: boolean;
  labelsF32: number;
  labelsI32: number;
  weights: number;
  totalWeight: number;
}

/** y of a model with several outputs (one array per output, or an object keyed by output name), joined side by side; else y as given. */
export function modelTargets(m: LayersModel, where: string, y: unknown): unknown {
  return m.heads ? joinTargets(where, 'y', y, m.layers, m.graph!, m.heads) : y;
}

/** x checked against the model's input: floats, bytes or rows. */
export function modelInputs(m: LayersModel, where: string, name: string, x: unknown): { data: Float32Array | Uint8Array; rows: number } {
  // several inputs: one array each, joined side by side into the rows that are staged
  if (m.graph && m.graph.inputs.length > 1) {
    return joinColumns(where, name, x, ports(m.layers, m.graph, m.graph.inputs), (w, f, v, p) => toInputs(w, f, v, p.size, p.shape, `${p.name} (InputLayer)`));
  }
  const first = m.layers[0]!;
  return toInputs(where, name, x, m.inputSize, m.inputShape, `${first.name} (${first.className})`);
}

/**
 * Checks x, y and the example weights (sampleWeight times classWeight) against the compiled
 * model and copies them into engine memory, targets scaled when the model scales them.
 */
export function stage(
  m: LayersModel,
  where: string,
  x: unknown,
  y: unknown,
  sampleWeight: unknown,
  classWeight: Record<number, number> | 'balanced' | undefined,
): StagedData {
  const c = m.requireCompiled(where);
  const { data, rows } = modelInputs(m, where, 'x', x);
  // Keras too refuses class weights for several outputs: which output's class would weigh an example?
  if (classWeight !== undefined && m.heads)
    throw new TypeError(
      `${where}: options.classWeight weighs the classes of a model with one output; this model has ${m.heads.length} (use options.sampleWeight)`,
    );
  const labels = toLabels(where, modelTargets(m, where, y), targetCols(m), c.sparse, c.loss);
  if (labels.rows !== rows) throw new ShapeError(`${where}: x has ${rows} examples but y has ${labels.rows}`);
  const w = exampleWeights(where, rows, labels, m.outputSize, sampleWeight, classWeight);
  checkExamples(
    where,
    rows,
    w,
    [sampleWeight !== undefined && 'options.sampleWeight', classWeight !== undefined && 'options.classWeight'].filter(Boolean).join(' x '),
  );
  const staged = stageArrays(m, where, data, rows, labels, w);
  const scaling = modelTargetScaling(m, where);
  if (scaling && staged.labelsF32) withScaler(m, scaling, (t) => t.transform(staged.labelsF32, rows));
  return staged;
}

/** The model's fitted target scaling (model.metadata.targetScaling), checked; undefined when none. */
export function modelTargetScaling(m: LayersModel, where: string): TargetScaling | undefined {
  return readTargetScaling(where, m.metadata, m.outputSize);
}

/** Runs f with the target scaling's statistics in engine memory. */
function withScaler<T>(m: LayersModel, scaling: TargetScaling, f: (t: TargetScaler) => T): T {
  const t = new TargetScaler(m.engine, scaling, m.outputSize);
  try {
    return f(t);
  } finally {
    t.free();
  }
}

/** Copies checked inputs, labels and example weights into engine memory; non-finite inputs are refused. */
function stageArrays(m: LayersModel, where: string, data: Float32Array | Uint8Array, rows: number, labels: Labels, w: Float32Array | undefined): StagedData {
  const e = m.engine;
  // bytes stay bytes in engine memory (a quarter of the floats): batches are scaled as they are gathered
  const xBytes = data instanceof Uint8Array;
  const x = xBytes ? e.alloc(Math.max(1, rows * m.inputSize)) : e.allocF32(Math.max(1, rows * m.inputSize));
  if (xBytes) e.u8.set(data, x);
  else e.f32.set(data, x >> 2);
  const bad = rows && !xBytes ? f32_find_nonfinite(e, x, rows * m.inputSize) : -1;
  if (bad >= 0) {
    const v = data[bad]!;
    e.free(x);
    throw nonFiniteError(where, 'x', bad, v, m.inputSize);
  }
  let labelsF32 = 0,
    labelsI32 = 0,
    weights = 0,
    totalWeight = rows;
  if (labels.f32) {
    labelsF32 = e.allocF32(Math.max(1, labels.f32.length));
    e.f32.set(labels.f32, labelsF32 >> 2);
  }
  if (labels.i32) {
    labelsI32 = e.allocF32(Math.max(1, rows));
    e.i32.set(labels.i32, labelsI32 >> 2);
  }
  if (w) {
    weights = e.allocF32(Math.max(1, rows));
    e.f32.set(w, weights >> 2);
    totalWeight = w.reduce((a, b) => a + b, 0);
  }
  return { rows, x, xBytes, labelsF32, labelsI32, weights, totalWeight };
}

/** Frees staged data. */
export function unstage(e: Engine, d: StagedData): void {
  for (const p of [d.x, d.labelsF32, d.labelsI32, d.weights]) if (p) e.free(p);
}

/**
 * Copies rows [start, start + rows) of staged data (in order, or through `order`, an i32
 * permutation in engine memory) into a shard; returns the rows' total example weight.
 */
export function loadBatch(m: LayersModel, d: StagedData, sb: ShardBuffers, order: number, start: number, rows: number, sparse: boolean): number {
  const e = m.engine;
  if (order) {
    const idx = order + start * 4;
    gatherInputs(e, d, idx, 0, rows, m.inputSize, sb.x);
    if (sparse) x32_gather(e, d.labelsI32, d.rows, idx, rows, sb.labelsI32);
    else f32_gather_rows(e, d.labelsF32, d.rows, idx, rows, targetCols(m), sb.labelsF32);
    if (d.weights) {
      x32_gather(e, d.weights, d.rows, idx, rows, sb.weights);
      return f32_gather_sum(e, d.weights, d.rows, idx, rows);
    }
    return rows;
  }
  const u8 = e.u8;
  gatherInputs(e, d, 0, start, rows, m.inputSize, sb.x);
  if (sparse) u8.copyWithin(sb.labelsI32, d.labelsI32 + start * 4, d.labelsI32 + (start + rows) * 4);
  else u8.copyWithin(sb.labelsF32, d.labelsF32 + start * targetCols(m) * 4, d.labelsF32 + (start + rows) * targetCols(m) * 4);
  if (d.weights) {
    u8.copyWithin(sb.weights, d.weights + start * 4, d.weights + (start + rows) * 4);
    return f32_sum(e, sb.weights, rows);
  }
  return rows;
}
