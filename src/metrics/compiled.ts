/**
 * The metrics `compile` accepts and `fit`/`evaluate` log: accuracy for classifiers, and the
 * regression errors 'mae', 'mse', 'mape' (Keras' and tfjs' names). Each is logged under the
 * name it was asked by, as tfjs does: `metrics: ['acc']` logs `acc` and `val_acc`,
 * `metrics: ['accuracy']` logs `accuracy` and `val_accuracy`.
 * @internal
 */
import { describe } from '../errors';
import { NameTable } from '../util/names';

/** What a compiled metric computes. */
export type CompiledMetricKind = 'accuracy' | 'meanAbsoluteError' | 'meanSquaredError' | 'meanAbsolutePercentageError';

/** One compiled metric: the log name the user gave, and what it computes. */
export interface CompiledMetric {
  name: string;
  kind: CompiledMetricKind;
}

/** Accepted names (tfjs camelCase, Keras snake_case and short forms), in any capitalization. */
const NAMES = new NameTable<CompiledMetricKind>(
  [
    ['accuracy', 'accuracy'],
    ['meanAbsoluteError', 'meanAbsoluteError'],
    ['meanSquaredError', 'meanSquaredError'],
    ['meanAbsolutePercentageError', 'meanAbsolutePercentageError'],
  ],
  { acc: 'accuracy', mae: 'meanAbsoluteError', mse: 'meanSquaredError', mape: 'meanAbsolutePercentageError' },
);

/** What compile knows about the model when it checks the metrics. */
export interface MetricContext {
  /** The compiled loss (a name, or a custom function). */
  loss: unknown;
  /** The output layer's activation, when the output layer has one. */
  outputActivation: string | undefined;
  /** True when the labels are class indices (no per-output targets to measure errors against). */
  sparse: boolean;
}

/**
 * A model is a classifier when its loss is a cross-entropy, or its output a softmax or sigmoid
 * (a mean squared error on probabilities, as the lecture's first networks do).
 */
function isClassifier(c: MetricContext): boolean {
  return (typeof c.loss === 'string' && /crossentropy/i.test(c.loss)) || c.outputActivation === 'softmax' || c.outputActivation === 'sigmoid';
}

/**
 * Checks compile's `metrics` option and resolves each name. Throws a TypeError for a wrong type,
 * a RangeError for an unknown name and for accuracy on a regression model (where it would
 * silently compare thresholded outputs and read 0).
 */
export function compileMetrics(where: string, metrics: unknown, context: MetricContext): CompiledMetric[] {
  if (metrics === undefined) return [];
  const list = typeof metrics === 'string' ? [metrics] : metrics;
  if (!Array.isArray(list)) throw new TypeError(`${where}: options.metrics must be an array of metric names, got ${describe(metrics)}`);
  const out: CompiledMetric[] = [];
  for (const m of list) {
    if (typeof m !== 'string') {
      throw new TypeError(`${where}: options.metrics must hold metric names (strings), got ${describe(m)}; for other metrics use knobs.metrics on predictions`);
    }
    const hit = NAMES.get(m);
    if (!hit) {
      throw new RangeError(
        `${where}: unknown metric ${describe(m)}; fit computes 'accuracy' ('acc'), 'mae', 'mse' and 'mape' (any capitalization, or Keras' snake_case names; use knobs.metrics on predictions for the others)`,
      );
    }
    const kind = hit.value;
    if (kind === 'accuracy' && !isClassifier(context)) {
      throw new RangeError(
        `${where}: metric ${describe(m)} needs a classifier (a cross-entropy loss, or a softmax or sigmoid output), but the loss is ${describe(
          typeof context.loss === 'string' ? context.loss : 'a custom function',
        )} with a ${context.outputActivation ?? 'linear'} output: a regression model's accuracy would read 0; use 'mae', 'mse' or 'mape'`,
      );
    }
    if (kind !== 'accuracy' && context.sparse) {
      throw new RangeError(
        `${where}: metric ${describe(m)} measures errors against per-output targets, but sparseCategoricalCrossentropy's labels are class indices`,
      );
    }
    if (!out.some((o) => o.name === m)) out.push({ name: m, kind });
  }
  return out;
}
