/**
 * The training-health record `fit` keeps every few steps (history.health), for
 * `knobs.diagnoseHealth`: per layer with weights, the L2 norm of its gradient (vanishing or
 * exploding gradients), the share of dead ReLU units (no example of the batch activates them)
 * and the share of sigmoid/tanh outputs in their flat ends (|tanh| > 0.99, sigmoid outside
 * [0.01, 0.99]). Each record is a few kernel calls over buffers the step already has: cheap
 * enough to leave on.
 * @module
 */
import type { Engine } from '../engine/engine';
import { f32_sum_squares } from '../engine/kernels/f32_elementwise';
import { f32_count_outside, f32_dead_columns } from '../engine/kernels/f32_health';
import type { LayerHealth, TrainingHealth } from '../diagnose/health';
import { Activation } from '../layers/activation';
import { Dense } from '../layers/dense';
import type { ModelCore, ShardBuffers } from './runtime';

/** Steps between records, by default. */
export const HEALTH_EVERY = 20;

/** What is measured for each layer. */
export interface Probe {
  name: string;
  /** The layer's index, and the scratch of its (first) node, whose outputs are measured. */
  index: number;
  node: number;
  activation: string;
  /** Float range of the layer's trainable parameters (contiguous), or length 0. */
  from: number;
  length: number;
  cols: number;
  /** Which output statistic applies. */
  kind: 'relu' | 'saturating' | 'none';
  lo: number;
  hi: number;
}

/** The layers worth recording: those with weights, and activation layers. */
export function healthProbes(core: ModelCore): Probe[] {
  const out: Probe[] = [];
  const g = core.graph;
  for (const l of core.layers) {
    // a frozen layer's gradient is not computed: it has no gradient norm to record
    const trainable = l.frozen ? 0 : l.countParams().trainable;
    const act = l instanceof Dense || l instanceof Activation ? l.activation : 'linear';
    if (trainable === 0 && !(l instanceof Activation)) continue;
    const kind = act === 'relu' ? 'relu' : act === 'sigmoid' || act === 'tanh' ? 'saturating' : 'none';
    out.push({
      name: l.name,
      index: l.index,
      // a shared layer's outputs are measured at its first application
      node: g ? g.nodeLayers.indexOf(l.index) : l.index,
      activation: act,
      from: trainable ? l.offsets[0]! : 0,
      length: trainable,
      cols: l.outputSize,
      kind,
      lo: act === 'tanh' ? -0.99 : 0.01,
      hi: 0.99,
    });
  }
  return out;
}

/** Numbers per record: for each probe, [gradient norm, dead fraction, saturated fraction]. */
export function recordSize(probes: Probe[]): number {
  return probes.length * 3;
}

/**
 * Measures one record into `out` from a shard's step: the reduced gradient at `grads`, the
 * layers' outputs in the shard's scratch (which hold this step's values until the next step).
 * Fused output layers hold logits, not activations: their output statistic is skipped.
 */
export function measureHealth(
  e: Engine,
  core: ModelCore,
  probes: Probe[],
  sb: ShardBuffers,
  grads: number,
  rows: number,
  out: Float64Array | number[],
  at = 0,
): void {
  measureGradientNorms(e, probes, grads, out, at);
  measureOutputs(e, core, probes, sb, rows, out, at);
}

/** The gradient-norm entries of a record: per probe, the norm of its range of `grads`. */
export function measureGradientNorms(e: Engine, probes: Probe[], grads: number, out: Float64Array | number[], at = 0): void {
  probes.forEach((p, k) => {
    out[at + 3 * k] = p.length ? Math.sqrt(f32_sum_squares(e, grads + p.from * 4, p.length)) : NaN;
  });
}

/**
 * The output entries of a record (dead ReLU and saturated fractions) from a shard's layer
 * outputs; a shard can measure them without the reduced gradient (the message fallback).
 */
export function measureOutputs(e: Engine, core: ModelCore, probes: Probe[], sb: ShardBuffers, rows: number, out: Float64Array | number[], at = 0): void {
  probes.forEach((p, k) => {
    const layer = core.layers[p.index]!;
    const y = sb.layers[p.node]!.out;
    const fused = (layer as { fusedWithLoss?: boolean }).fusedWithLoss === true;
    out[at + 3 * k + 1] = p.kind === 'relu' && y && rows > 0 && !fused ? f32_dead_columns(e, y, rows, p.cols, sb.dA[1]) / p.cols : NaN;
    out[at + 3 * k + 2] = p.kind === 'saturating' && y && rows > 0 && !fused ? f32_count_outside(e, y, rows * p.cols, p.lo, p.hi) / (rows * p.cols) : NaN;
  });
}

/** Collects records into the TrainingHealth shape. */
export class HealthRecorder {
  readonly health: TrainingHealth;

  constructor(private readonly probes: Probe[]) {
    this.health = {
      steps: [],
      loss: [],
      layers: probes.map((p) => {
        const l: LayerHealth = { name: p.name, activation: p.activation, gradNorm: [] };
        if (p.kind === 'relu') l.deadReluFraction = [];
        if (p.kind === 'saturating') l.saturatedFraction = [];
        return l;
      }),
    };
  }

  add(step: number, loss: number, values: ArrayLike<number>, at = 0): void {
    this.health.steps.push(step);
    this.health.loss.push(loss);
    this.probes.forEach((_p, k) => {
      const l = this.health.layers[k]!;
      l.gradNorm.push(values[at + 3 * k]!);
      l.deadReluFraction?.push(values[at + 3 * k + 1]!);
      l.saturatedFraction?.push(values[at + 3 * k + 2]!);
    });
  }
}
