/**
 * Running a model without training it: `evaluate` (the loss with regularization and the
 * compiled metrics), `predict` (the outputs, in the user's units when the targets are scaled)
 * and `computeGradients` (the loss and trainable weights' gradients of one batch). Each runs on
 * the model's cached buffer set, one batch at a time.
 * @module
 */
import { f32_find_nonfinite } from '../engine/kernels/f32_elementwise';
import { ACTIVATION, f32_activation, f32_softmax } from '../engine/kernels/f32_activation';
import { REGRESSION_ERROR, f32_regression_error_sum, type RegressionErrorKind } from '../engine/kernels/f32_metrics';
import type { Activation } from '../layers/activation';
import type { Dense } from '../layers/dense';
import type { CompiledMetricKind } from '../metrics/compiled';
import { checkKnownOptions, positiveInt } from '../util/options';
import { nonFiniteError } from './data';
import type { EvaluateResult, ModelInput } from './options';
import { forward, gatherInputs, penaltyOnly, regularize, trainShard, zeroFrozenGradients } from './runtime';
import { nodeLayer } from './graph';
import { loadBatch, modelInputs, modelTargetScaling, stage, unstage, type StagedData } from './staging';
import { TargetScaler } from './target';
import type { LayersModel } from './layers-model';

/** The kernel's error for each compiled regression metric. */
const REGRESSION_KIND: Record<CompiledMetricKind, RegressionErrorKind> = {
  accuracy: REGRESSION_ERROR.absolute, // unused: accuracy is counted, not summed
  meanAbsoluteError: REGRESSION_ERROR.absolute,
  meanSquaredError: REGRESSION_ERROR.squared,
  meanAbsolutePercentageError: REGRESSION_ERROR.absolutePercentage,
};

/** The loss and compiled metrics on staged data, in inference mode, `batchSize` rows at a time. */
export function evaluateStaged(model: LayersModel, d: StagedData, batchSize: number): EvaluateResult {
  if (model.compiled!.heads) return evaluateHeads(model, d, batchSize);
  const c = model.compiled!;
  const e = model.engine;
  const rt = model.runtime(Math.min(batchSize, Math.max(1, d.rows)), c.sparse, false);
  const sb = rt.shard;
  const errors = c.metrics.filter((m) => m.kind !== 'accuracy');
  const errorSums = new Float64Array(errors.length);
  const scaling = errors.length ? modelTargetScaling(model, 'evaluate') : undefined;
  const scaler = scaling ? new TargetScaler(e, scaling, model.outputSize) : undefined;
  let lossSum = 0,
    correct = 0,
    weightSum = 0;
  try {
    for (let start = 0; start < d.rows; start += rt.rowsCap) {
      const rows = Math.min(rt.rowsCap, d.rows - start);
      const w = loadBatch(model, d, sb, 0, start, rows, c.sparse);
      const useWeights = d.weights !== 0;
      const r = trainShard(
        model.context(sb, rows, false, 0),
        model,
        sb,
        0,
        useWeights,
        false,
        c.metrics.some((m) => m.kind === 'accuracy'),
      );
      errors.forEach((m, i) => {
        errorSums[i] += f32_regression_error_sum(
          e,
          REGRESSION_KIND[m.kind],
          r.predictions,
          sb.labelsF32,
          useWeights ? sb.weights : 0,
          rows,
          model.outputSize,
          1e-7,
          // with a target scaling, the errors are measured in the user's units
          scaler?.scale ?? 0,
          scaler?.mean ?? 0,
        );
      });
      lossSum += r.lossSum;
      correct += r.correct;
      weightSum += w;
    }
  } finally {
    scaler?.free();
  }
  const result: EvaluateResult = { loss: (weightSum > 0 ? lossSum / weightSum : 0) + penaltyOnly(e, model, model.params) };
  const mean = (sum: number): number => (weightSum > 0 ? sum / weightSum : 0);
  for (const m of c.metrics) {
    const i = errors.indexOf(m);
    // Keras reports the percentage error in percent
    result[m.name] = i < 0 ? mean(correct) : mean(errorSums[i]!) * (m.kind === 'meanAbsolutePercentageError' ? 100 : 1);
  }
  return result;
}

/**
 * evaluateStaged for several outputs: the total loss (sum of weighted output losses plus the
 * regularization), and per output `<name>_loss` and `<name>_<metric>`, as Keras names them.
 */
function evaluateHeads(model: LayersModel, d: StagedData, batchSize: number): EvaluateResult {
  const c = model.compiled!;
  const heads = c.heads!;
  const e = model.engine;
  const rt = model.runtime(Math.min(batchSize, Math.max(1, d.rows)), false, false);
  const sb = rt.shard;
  const lossSums = new Float64Array(heads.length);
  const metricSums = heads.map((h) => new Float64Array(h.metrics.length));
  let lossSum = 0,
    weightSum = 0;
  for (let start = 0; start < d.rows; start += rt.rowsCap) {
    const rows = Math.min(rt.rowsCap, d.rows - start);
    const w = loadBatch(model, d, sb, 0, start, rows, false);
    const useWeights = d.weights !== 0;
    const r = trainShard(model.context(sb, rows, false, 0), model, sb, 0, useWeights, false, true);
    r.heads!.forEach((hr, k) => {
      const h = heads[k]!;
      lossSums[k] += hr.lossSum;
      h.metrics.forEach((m, j) => {
        metricSums[k]![j] +=
          m.kind === 'accuracy'
            ? hr.correct
            : f32_regression_error_sum(e, REGRESSION_KIND[m.kind], hr.predictions, hr.labels, useWeights ? sb.weights : 0, rows, h.cols, 1e-7, 0, 0);
      });
    });
    lossSum += r.lossSum;
    weightSum += w;
  }
  const mean = (sum: number): number => (weightSum > 0 ? sum / weightSum : 0);
  const result: EvaluateResult = { loss: mean(lossSum) + penaltyOnly(e, model, model.params) };
  heads.forEach((h, k) => {
    result[`${h.name}_loss`] = mean(lossSums[k]!);
    // Keras reports the percentage error in percent
    h.metrics.forEach((m, j) => (result[`${h.name}_${m.name}`] = mean(metricSums[k]![j]!) * (m.kind === 'meanAbsolutePercentageError' ? 100 : 1)));
  });
  return result;
}

/** {@link LayersModel.evaluate}. */
export function evaluate(
  model: LayersModel,
  x: ModelInput,
  y: unknown,
  options: { batchSize?: number; sampleWeight?: Float32Array | number[] },
): EvaluateResult {
  checkKnownOptions('evaluate', options, ['batchSize', 'sampleWeight']);
  const batchSize = positiveInt('evaluate', 'options.batchSize', options.batchSize ?? 256);
  const d = stage(model, 'evaluate', x, y, options.sampleWeight, undefined);
  try {
    return evaluateStaged(model, d, batchSize);
  } finally {
    unstage(model.engine, d);
  }
}

/** {@link LayersModel.predict}. */
export function predict(model: LayersModel, x: ModelInput, options: { batchSize?: number }): Float32Array | Float32Array[] {
  checkKnownOptions('predict', options, ['batchSize']);
  const batchSize = positiveInt('predict', 'options.batchSize', options.batchSize ?? 256);
  const { data, rows } = modelInputs(model, 'predict', 'x', x);
  if (model.graph && model.graph.outputs.length > 1) return predictOutputs(model, data, rows, batchSize);
  const e = model.engine;
  const out = new Float32Array(rows * model.outputSize);
  if (rows === 0) return out;
  const rt = model.runtime(Math.min(batchSize, rows), model.compiled?.sparse ?? false, false);
  const sb = rt.shard;
  const scaling = modelTargetScaling(model, 'predict');
  const scaler = scaling ? new TargetScaler(e, scaling, model.outputSize) : undefined;
  // bytes are staged whole (a quarter of the floats) and scaled a batch at a time by the kernel
  const bytes = data instanceof Uint8Array ? e.alloc(data.length) : 0;
  try {
    if (bytes) e.u8.set(data, bytes);
    for (let start = 0; start < rows; start += rt.rowsCap) {
      const n = Math.min(rt.rowsCap, rows - start);
      if (bytes) gatherInputs(e, { rows, x: bytes, xBytes: true }, 0, start, n, model.inputSize, sb.x);
      else {
        e.f32.set((data as Float32Array).subarray(start * model.inputSize, (start + n) * model.inputSize), sb.x >> 2);
        const bad = f32_find_nonfinite(e, sb.x, n * model.inputSize);
        if (bad >= 0) throw nonFiniteError('predict', 'x', start * model.inputSize + bad, data[start * model.inputSize + bad]!, model.inputSize);
      }
      const ctx = model.context(sb, n, false, 0);
      const { outputs } = forward(ctx, model, sb, sb.x);
      let res = outputs[outputs.length - 1]!;
      if (model.fused) {
        // the loss kernel normally applies the output activation; apply it here
        res = applyOutputActivation(model, res, sb.probs, n);
      }
      // back to the user's units (the output buffer is this batch's scratch)
      scaler?.invert(res, n);
      out.set(e.f32.subarray(res >> 2, (res >> 2) + n * model.outputSize), start * model.outputSize);
    }
  } finally {
    scaler?.free();
    if (bytes) e.free(bytes);
  }
  return out;
}

/** The output layer's softmax or sigmoid on logits (a fused loss applies it in training). */
/** predict of a model with several outputs: one Float32Array per output, in output order. */
function predictOutputs(model: LayersModel, data: Float32Array | Uint8Array, rows: number, batchSize: number): Float32Array[] {
  const e = model.engine;
  const ids = model.graph!.outputs;
  const layers = ids.map((i) => nodeLayer(model.layers, model.graph!, i));
  const outs = layers.map((l) => new Float32Array(rows * l.outputSize));
  if (rows === 0) return outs;
  const rt = model.runtime(Math.min(batchSize, rows), false, false);
  const sb = rt.shard;
  const x = e.alloc(data.byteLength);
  try {
    if (data instanceof Uint8Array) e.u8.set(data, x);
    else e.f32.set(data, x >> 2);
    const staged = { rows, x, xBytes: data instanceof Uint8Array };
    for (let start = 0; start < rows; start += rt.rowsCap) {
      const n = Math.min(rt.rowsCap, rows - start);
      gatherInputs(e, staged, 0, start, n, model.inputSize, sb.x);
      if (!staged.xBytes) {
        const bad = f32_find_nonfinite(e, sb.x, n * model.inputSize);
        if (bad >= 0) throw nonFiniteError('predict', 'x', start * model.inputSize + bad, data[start * model.inputSize + bad]!, model.inputSize);
      }
      const { outputs } = forward(model.context(sb, n, false, 0), model, sb, sb.x);
      layers.forEach((l, k) => {
        let res = outputs[ids[k]!]!;
        const act = l as Dense | Activation;
        // an output whose softmax/sigmoid the loss computes: apply it here
        if (act.fusedWithLoss) {
          const dst = sb.headProbs[k]!;
          if (act.activation === 'softmax') f32_softmax(e, res, dst, n, l.outputSize);
          else f32_activation(e, ACTIVATION.sigmoid, res, dst, n * l.outputSize, 0);
          res = dst;
        }
        outs[k]!.set(e.f32.subarray(res >> 2, (res >> 2) + n * l.outputSize), start * l.outputSize);
      });
    }
  } finally {
    e.free(x);
  }
  return outs;
}

function applyOutputActivation(model: LayersModel, logits: number, dst: number, rows: number): number {
  const last = (model.graph ? nodeLayer(model.layers, model.graph, model.graph.outputs[0]!) : model.layers[model.layers.length - 1]) as Dense | Activation;
  const e = model.engine;
  if (last.activation === 'softmax') f32_softmax(e, logits, dst, rows, model.outputSize);
  else f32_activation(e, ACTIVATION.sigmoid, logits, dst, rows * model.outputSize, 0);
  return dst;
}

/** {@link LayersModel.computeGradients}. */
export function computeGradients(
  model: LayersModel,
  x: ModelInput,
  y: unknown,
  options: { sampleWeight?: Float32Array | number[]; training?: boolean; step?: number },
): { loss: number; grads: Float32Array[] } {
  const W = 'computeGradients';
  checkKnownOptions(W, options, ['sampleWeight', 'training', 'step']);
  const c = model.requireCompiled(W);
  const e = model.engine;
  const d = stage(model, W, x, y, options.sampleWeight, undefined);
  try {
    const sb = model.runtime(Math.max(1, d.rows), c.sparse, true).shard;
    const w = loadBatch(model, d, sb, 0, 0, d.rows, c.sparse);
    const ctx = model.context(sb, d.rows, options.training ?? true, options.step ?? 0);
    zeroFrozenGradients(e, model, sb.grads);
    const r = trainShard(ctx, model, sb, w > 0 ? 1 / w : 0, d.weights !== 0, true, false);
    const penalty = regularize(e, model, model.params, sb.grads, 0, model.paramCount);
    const f32 = e.f32;
    const grads: Float32Array[] = [];
    for (const l of model.layers) {
      // Keras' trainable_weights: a frozen layer (as compiled) has none
      if (l.frozen) continue;
      l.weightSpecs().forEach((spec, i) => {
        if (!spec.trainable) return;
        const base = (sb.grads >> 2) + l.offsets[i]!;
        grads.push(f32.slice(base, base + spec.shape.reduce((a, b) => a * b, 1)));
      });
    }
    return { loss: (w > 0 ? r.lossSum / w : 0) + penalty, grads };
  } finally {
    unstage(e, d);
  }
}
