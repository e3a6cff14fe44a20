/**
 * Training health: problems visible in a record the trainer keeps during `fit`, every few
 * batches (per-layer gradient norms, dead ReLUs, saturated sigmoid/tanh units, the loss),
 * each flagged with the knobs that act on it.
 * @module
 */
import { describe } from '../errors';
import { HEALTH_KNOBS, type Knob } from './knobs';
import { healthKnobsForModel, readModelSettings, type ConfiguredModel, type OmittedKnob } from './settings';

/** One layer's record, aligned with {@link TrainingHealth.steps}. */
export interface LayerHealth {
  name: string;
  /** The layer's activation ('relu', 'sigmoid', 'tanh', 'linear', ...). */
  activation: string;
  /** L2 norm of the gradient of the layer's parameters at each recorded step. */
  gradNorm: number[];
  /** Share of ReLU units that output 0 for every example of the batch. */
  deadReluFraction?: number[];
  /** Share of sigmoid/tanh units in their flat ends (e.g. |tanh| > 0.99) for most of the batch. */
  saturatedFraction?: number[];
}

/** What the trainer records during fit: the step (batch) numbers, the loss, and each layer. */
export interface TrainingHealth {
  steps: number[];
  loss: number[];
  layers: LayerHealth[];
}

/**
 * When a record is flagged. "Recent" is the last quarter of the records (at least one): a
 * problem must persist, not appear once.
 */
export interface HealthThresholds {
  /** A layer's recent gradient norm below this fraction of the largest layer's: vanishing. Default 1e-3. */
  vanishingRatio: number;
  /** A layer's recent gradient norm below this while the loss is above 1e-3: vanishing. Default 1e-7. */
  vanishingNorm: number;
  /** A recent gradient norm above this, or not finite: exploding. Default 1e3. */
  explodingNorm: number;
  /** Recent gradient norm over the first quarter's above this: exploding. Default 1e3. */
  explodingGrowth: number;
  /** Share of dead ReLU units above this at the last record. Default 0.5. */
  deadRelu: number;
  /** Share of saturated sigmoid/tanh units above this at the last record. Default 0.5. */
  saturated: number;
  /** Relative loss decrease over the last quarter below this: a plateau (when the loss is above 1e-3). Default 0.01. */
  plateau: number;
  /** Recent mean loss above (1 + this) x the lowest earlier mean: diverging. Default 0.5. */
  diverging: number;
}

/**
 * The default {@link HealthThresholds}.
 *
 * @example
 * ```ts
 * diagnoseHealth(record, { thresholds: { deadRelu: DEFAULT_HEALTH_THRESHOLDS.deadRelu / 2 } });
 * ```
 */
export const DEFAULT_HEALTH_THRESHOLDS: Readonly<HealthThresholds> = {
  vanishingRatio: 1e-3,
  vanishingNorm: 1e-7,
  explodingNorm: 1e3,
  explodingGrowth: 1e3,
  deadRelu: 0.5,
  saturated: 0.5,
  plateau: 0.01,
  diverging: 0.5,
};

/** A training-health problem. */
export type HealthProblem = 'explodingGradients' | 'lossDiverging' | 'vanishingGradients' | 'deadRelu' | 'saturation' | 'lossPlateau';

/** One flagged problem, with the knobs that act on it. */
export interface HealthFlag {
  problem: HealthProblem;
  /** The layer, for per-layer problems. */
  layer?: string;
  /** The measured value the threshold applies to. */
  value: number;
  threshold: number;
  message: string;
  knobs: Knob[];
  /** Knobs left out because the model (options.model) has already turned them, each with the reason. */
  omittedKnobs: OmittedKnob[];
}

/** The outcome of {@link diagnoseHealth}. */
export interface HealthReport {
  ok: boolean;
  /** Most severe first: exploding and diverging, vanishing, dead, saturated, plateau. */
  flags: HealthFlag[];
  summary: string;
  thresholds: HealthThresholds;
}

const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(3) : v.toExponential(2)) : String(v));
const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y),
    m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;

function checkSeries(name: string, v: unknown, n: number): number[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new TypeError(`diagnoseHealth: health.${name} must be an array of numbers, got ${describe(v)}`);
  const a = Array.from(v as ArrayLike<unknown>);
  if (a.length !== n) throw new RangeError(`diagnoseHealth: health.${name} must have one value per step (${n}), got ${a.length}`);
  a.forEach((x, i) => {
    if (typeof x !== 'number') throw new TypeError(`diagnoseHealth: health.${name}[${i}] must be a number, got ${describe(x)}`);
  });
  return a as number[];
}

function checkHealth(health: unknown): TrainingHealth {
  if (health === null || typeof health !== 'object') throw new TypeError(`diagnoseHealth: health must be { steps, loss, layers }, got ${describe(health)}`);
  const h = health as Record<string, unknown>;
  if (!Array.isArray(h.steps)) throw new TypeError(`diagnoseHealth: health.steps must be an array of step numbers, got ${describe(h.steps)}`);
  const n = h.steps.length;
  const steps = checkSeries('steps', h.steps, n);
  const loss = checkSeries('loss', h.loss, n);
  if (!Array.isArray(h.layers)) throw new TypeError(`diagnoseHealth: health.layers must be an array, got ${describe(h.layers)}`);
  const layers = h.layers.map((l: unknown, i: number): LayerHealth => {
    if (l === null || typeof l !== 'object')
      throw new TypeError(`diagnoseHealth: health.layers[${i}] must be { name, activation, gradNorm }, got ${describe(l)}`);
    const r = l as Record<string, unknown>;
    if (typeof r.name !== 'string') throw new TypeError(`diagnoseHealth: health.layers[${i}].name must be a string, got ${describe(r.name)}`);
    if (typeof r.activation !== 'string') throw new TypeError(`diagnoseHealth: health.layers[${i}].activation must be a string, got ${describe(r.activation)}`);
    const out: LayerHealth = { name: r.name, activation: r.activation, gradNorm: checkSeries(`layers[${i}].gradNorm`, r.gradNorm, n) };
    if (r.deadReluFraction !== undefined) out.deadReluFraction = checkSeries(`layers[${i}].deadReluFraction`, r.deadReluFraction, n);
    if (r.saturatedFraction !== undefined) out.saturatedFraction = checkSeries(`layers[${i}].saturatedFraction`, r.saturatedFraction, n);
    return out;
  });
  return { steps, loss, layers };
}

function checkThresholds(t: unknown): HealthThresholds {
  const out = { ...DEFAULT_HEALTH_THRESHOLDS };
  if (t === undefined) return out;
  if (t === null || typeof t !== 'object') throw new TypeError(`diagnoseHealth: options.thresholds must be an object, got ${describe(t)}`);
  for (const [key, v] of Object.entries(t)) {
    if (!(key in out)) throw new RangeError(`diagnoseHealth: unknown options.thresholds.${key}; known: ${Object.keys(out).join(', ')}`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
      throw new RangeError(`diagnoseHealth: options.thresholds.${key} must be a finite number >= 0, got ${describe(v)}`);
    out[key as keyof HealthThresholds] = v;
  }
  return out;
}

const RELU = /^(relu|relu6|leakyrelu|elu|selu)$/i;
const SQUASHING = /^(sigmoid|tanh|hardsigmoid|softsign)$/i;
const SEVERITY: HealthProblem[] = ['explodingGradients', 'lossDiverging', 'vanishingGradients', 'deadRelu', 'saturation', 'lossPlateau'];

/**
 * Flags training-health problems in a record from `fit`: vanishing or exploding gradients,
 * dead ReLUs, saturated sigmoid/tanh units, a loss plateau or a diverging loss. Each flag names
 * the layer, the value, the threshold (see {@link HealthThresholds}) and the knobs to turn:
 * initialization, learning rate, batch normalization, activation, gradient clipping. With
 * `options.model` (the model the record is of), knobs it has already turned are left out and
 * listed in each flag's `omittedKnobs` (He initialization the flagged layer already has, say).
 *
 * @example
 * ```ts
 * const report = diagnoseHealth({
 *   steps: [100, 200, 300, 400],
 *   loss: [2.3, 2.3, 2.3, 2.3],
 *   layers: [
 *     { name: 'dense1', activation: 'sigmoid', gradNorm: [1e-6, 1e-7, 1e-7, 1e-7], saturatedFraction: [0.7, 0.8, 0.8, 0.8] },
 *     { name: 'dense2', activation: 'softmax', gradNorm: [0.5, 0.4, 0.4, 0.4] },
 *   ],
 * });
 * report.flags.map((f) => f.problem); // ['vanishingGradients', 'saturation', 'lossPlateau']
 * ```
 */
export function diagnoseHealth(health: TrainingHealth, options: { thresholds?: Partial<HealthThresholds>; model?: ConfiguredModel } = {}): HealthReport {
  const h = checkHealth(health);
  const t = checkThresholds(options.thresholds);
  const n = h.steps.length;
  const flags: HealthFlag[] = [];
  // with the model, knobs it has already turned are left out (for the flagged layer, where named)
  const settings = readModelSettings(options.model);
  const flag = (problem: HealthProblem, value: number, threshold: number, message: string, knobs: readonly Knob[], layer?: string): void => {
    const fit = settings === null ? { knobs: knobs.map((k) => ({ ...k })), omitted: [] } : healthKnobsForModel(knobs, settings, layer);
    flags.push({ problem, ...(layer === undefined ? {} : { layer }), value, threshold, message, knobs: fit.knobs, omittedKnobs: fit.omitted });
  };
  if (n === 0) return { ok: true, flags, summary: 'No training-health records.', thresholds: t };
  const w = Math.max(1, Math.floor(n / 4));
  const recent = <T>(a: T[]): T[] => a.slice(n - w);

  // gradients
  const norms = h.layers.map((l) => {
    const bad = l.gradNorm.find((v) => !Number.isFinite(v));
    return { layer: l, bad, recent: median(recent(l.gradNorm).map((v) => (Number.isFinite(v) ? v : Infinity))), early: median(l.gradNorm.slice(0, w)) };
  });
  const lossNow = mean(recent(h.loss));
  const exploding = (x: (typeof norms)[number]): boolean =>
    x.bad !== undefined || x.recent > t.explodingNorm || (x.early > 0 && x.recent / x.early > t.explodingGrowth);
  // vanishing is relative to the largest healthy layer: an exploding layer would make every other look vanishing
  const healthy = norms.filter((x) => !exploding(x)).map((x) => x.recent);
  const largest = healthy.length ? Math.max(...healthy) : 0;
  for (const x of norms) {
    const name = x.layer.name;
    if (x.bad !== undefined) {
      flag('explodingGradients', x.bad, t.explodingNorm, `${name}: the gradient norm became ${x.bad}`, HEALTH_KNOBS.exploding, name);
    } else if (x.recent > t.explodingNorm) {
      flag('explodingGradients', x.recent, t.explodingNorm, `${name}: gradient norm ${fmt(x.recent)} > ${fmt(t.explodingNorm)}`, HEALTH_KNOBS.exploding, name);
    } else if (exploding(x)) {
      flag(
        'explodingGradients',
        x.recent / x.early,
        t.explodingGrowth,
        `${name}: the gradient norm grew ${fmt(x.recent / x.early)}x during training`,
        HEALTH_KNOBS.exploding,
        name,
      );
    } else if (largest > 0 && x.recent / largest < t.vanishingRatio) {
      flag(
        'vanishingGradients',
        x.recent / largest,
        t.vanishingRatio,
        `${name}: gradient norm ${fmt(x.recent)} is ${fmt(x.recent / largest)} of the largest layer's (${fmt(largest)})`,
        HEALTH_KNOBS.vanishing,
        name,
      );
    } else if (x.recent < t.vanishingNorm && lossNow > 1e-3) {
      flag(
        'vanishingGradients',
        x.recent,
        t.vanishingNorm,
        `${name}: gradient norm ${fmt(x.recent)} < ${fmt(t.vanishingNorm)} while the loss is ${fmt(lossNow)}`,
        HEALTH_KNOBS.vanishing,
        name,
      );
    }
  }

  // units
  for (const l of h.layers) {
    const dead = l.deadReluFraction?.[n - 1];
    if (dead !== undefined && RELU.test(l.activation) && dead > t.deadRelu) {
      flag(
        'deadRelu',
        dead,
        t.deadRelu,
        `${l.name}: ${(dead * 100).toFixed(0)}% of the ReLU units are dead (output 0 for every example)`,
        HEALTH_KNOBS.deadRelu,
        l.name,
      );
    }
    const sat = l.saturatedFraction?.[n - 1];
    if (sat !== undefined && SQUASHING.test(l.activation) && sat > t.saturated) {
      flag(
        'saturation',
        sat,
        t.saturated,
        `${l.name}: ${(sat * 100).toFixed(0)}% of the ${l.activation} units are saturated (their gradient is near 0)`,
        HEALTH_KNOBS.saturated,
        l.name,
      );
    }
  }

  // loss
  const badLoss = h.loss.findIndex((v) => !Number.isFinite(v));
  if (badLoss >= 0) {
    flag('lossDiverging', h.loss[badLoss]!, t.diverging, `the loss became ${h.loss[badLoss]} at step ${h.steps[badLoss]}`, HEALTH_KNOBS.diverging);
  } else if (n >= 2 * w && n >= 4) {
    const rolling = h.loss.map((_, i) => (i + 1 >= w ? mean(h.loss.slice(i + 1 - w, i + 1)) : NaN)).filter((v) => !Number.isNaN(v));
    const last = rolling[rolling.length - 1]!;
    const lowest = Math.min(...rolling.slice(0, rolling.length - w));
    const before = rolling[rolling.length - 1 - w]!;
    if (lowest > 0 && last > (1 + t.diverging) * lowest) {
      flag('lossDiverging', last / lowest, 1 + t.diverging, `the loss rose to ${fmt(last)} from a low of ${fmt(lowest)}`, HEALTH_KNOBS.diverging);
    } else if (last > 1e-3 && (before - last) / Math.abs(before) < t.plateau) {
      const drop = (before - last) / Math.abs(before);
      flag(
        'lossPlateau',
        drop,
        t.plateau,
        `the loss fell by ${(drop * 100).toFixed(2)}% over the last ${w} records and stays at ${fmt(last)}`,
        HEALTH_KNOBS.plateau,
      );
    }
  }

  flags.sort((a, b) => SEVERITY.indexOf(a.problem) - SEVERITY.indexOf(b.problem));
  const summary =
    flags.length === 0
      ? `Healthy over ${n} records: gradients within range, no dead or saturated units, the loss still falling.`
      : flags.map((f) => `${f.message} -> ${f.knobs.map((k) => k.knob).join(', ')}`).join('\n');
  return { ok: flags.length === 0, flags, summary, thresholds: t };
}
