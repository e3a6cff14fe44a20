/**
 * Acting on the error analysis: per-example weights s(i) that train harder on the classes and
 * tags holding most of the errors (the lecture's J = sum s(i) L(i) / sum s(i), and "use bigger
 * learning rates for examples that are difficult to train"). Pass them to `fit({ sampleWeight })`.
 * @module
 */
import { describe } from '../errors';
import { checkPair, uniqueLabels, type Labels } from '../metrics/validate';
import { checkPredictor, type Predictor } from './predictor';
import { tagTally, tagsOf, type Tags } from './tags';
import { predictClasses, setLabels, type LabeledSet } from './trainable';

/** Options of {@link errorFocusedWeights}. */
export interface ErrorFocusedOptions {
  /** How hard to focus: 0 gives all ones. Default 1. */
  strength?: number;
  /**
   * Where the class shares of the errors come from. Default: the examples being weighted.
   * Pass the dev set's labels and predictions to train harder on the classes the dev set gets wrong.
   */
  shareFrom?: { yTrue: Labels; yPred: Labels };
  /** Tags of the examples being weighted (by index); tags holding more of their errors weigh more. */
  tags?: Tags;
  /** Extra factor for the misclassified examples themselves: weight x (1 + exampleBoost). Default 0. */
  exampleBoost?: number;
  /** Cap on a weight, after scaling the weights to mean 1. Default 10. */
  maxWeight?: number;
}

/**
 * Per-example weights that upweight the classes (and tags) holding most of the errors. With
 * K classes and share_c the share of the errors whose true class is c, an example of class c
 * gets 1 + strength x K x share_c (the average class gets 1 + strength); each tag t of the
 * example multiplies by 1 + strength x share_t; misclassified examples by 1 + exampleBoost.
 * The weights are then scaled to mean 1, so the loss keeps its scale, and capped at maxWeight.
 * Two forms:
 * - labels form, `errorFocusedWeights(yTrue, yPred, options)`: the labels and predictions of
 *   the examples to weight (`options.shareFrom`: labels and predictions of another set);
 * - model form, `errorFocusedWeights(model, { x, y }, options)`: the model predicts the set to
 *   weight, and `options.shareFrom` is another labelled set `{ x, y }` it predicts (the dev set).
 *
 * @example
 * ```ts
 * // labels form
 * const w = errorFocusedWeights(yTrain, predTrain, { shareFrom: { yTrue: yDev, yPred: predDev } });
 * await model.fit(xTrain, yTrain, { sampleWeight: w });
 *
 * // model form: train harder on the classes the model gets wrong on the dev set
 * const w2 = knobs.analyze.errorFocusedWeights(model, { x: xTrain, y: yTrain }, { shareFrom: { x: xDev, y: yDev } });
 * await fresh.fit(xTrain, yTrain, { sampleWeight: w2, epochs: 5 });
 * ```
 */
export function errorFocusedWeights(yTrue: Labels, yPred: Labels, options?: ErrorFocusedOptions): Float32Array;
export function errorFocusedWeights(model: Predictor, set: LabeledSet, options?: ModelErrorFocusedOptions): Float32Array;
export function errorFocusedWeights(a: Labels | Predictor, b: Labels | LabeledSet, options: ErrorFocusedOptions | ModelErrorFocusedOptions = {}): Float32Array {
  if (a !== null && typeof a === 'object' && typeof (a as Predictor).predict === 'function') {
    const fn = 'errorFocusedWeights';
    const model = checkPredictor(fn, a);
    if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
    const { shareFrom, ...rest } = options as ModelErrorFocusedOptions;
    const own = setLabels(fn, b, 'set', model.inputSize, model.outputSize);
    const pred = predictClasses(fn, model, own.x, 'set.x');
    if (shareFrom === undefined) return labelsErrorFocusedWeights(own.labels, pred, rest);
    const other = setLabels(fn, shareFrom, 'options.shareFrom', model.inputSize, model.outputSize);
    return labelsErrorFocusedWeights(own.labels, pred, {
      ...rest,
      shareFrom: { yTrue: other.labels, yPred: predictClasses(fn, model, other.x, 'options.shareFrom.x') },
    });
  }
  return labelsErrorFocusedWeights(a as Labels, b as Labels, options as ErrorFocusedOptions);
}

/**
 * Options of the model form of {@link errorFocusedWeights}: `shareFrom` is a labelled set the model predicts.
 *
 * @example
 * ```ts
 * const options: ModelErrorFocusedOptions = { shareFrom: { x: xDev, y: yDev }, strength: 1 };
 * ```
 */
export interface ModelErrorFocusedOptions extends Omit<ErrorFocusedOptions, 'shareFrom'> {
  /** Take the class shares of the errors from the model's errors on this set (e.g. the dev set). Default: the set being weighted. */
  shareFrom?: LabeledSet;
}

function labelsErrorFocusedWeights(yTrue: Labels, yPred: Labels, options: ErrorFocusedOptions = {}): Float32Array {
  const fn = 'errorFocusedWeights';
  const [t, p] = checkPair(fn, yTrue, yPred);
  const strength = options.strength ?? 1,
    boost = options.exampleBoost ?? 0,
    maxWeight = options.maxWeight ?? 10;
  for (const [name, v] of [
    ['strength', strength],
    ['exampleBoost', boost],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
      throw new RangeError(`${fn}: options.${name} must be a finite number >= 0, got ${describe(v)}`);
  }
  if (typeof maxWeight !== 'number' || !(maxWeight >= 1)) throw new RangeError(`${fn}: options.maxWeight must be a number >= 1, got ${describe(maxWeight)}`);
  const [st, sp] =
    options.shareFrom === undefined
      ? [t, p]
      : checkPair(fn, options.shareFrom.yTrue, options.shareFrom.yPred, ['options.shareFrom.yTrue', 'options.shareFrom.yPred']);

  const classes = uniqueLabels(t, st);
  const errorsOf = new Map<number, number>();
  let wrong = 0;
  for (let i = 0; i < st.length; i++) {
    if (st[i] === sp[i]) continue;
    wrong++;
    errorsOf.set(st[i]!, (errorsOf.get(st[i]!) ?? 0) + 1);
  }
  const classFactor = (c: number): number => (wrong === 0 ? 1 : 1 + strength * classes.length * ((errorsOf.get(c) ?? 0) / wrong));

  const tagFactor = new Map<string, number>();
  if (options.tags !== undefined) {
    const errorsIdx: number[] = [];
    for (let i = 0; i < t.length; i++) if (t[i] !== p[i]) errorsIdx.push(i);
    for (const s of tagTally(errorsIdx, options.tags).tags) tagFactor.set(s.tag, 1 + strength * s.share);
  }

  const w = new Float64Array(t.length);
  let sum = 0;
  for (let i = 0; i < t.length; i++) {
    let v = classFactor(t[i]!);
    if (options.tags !== undefined) for (const tag of new Set(tagsOf(fn, options.tags, i))) v *= tagFactor.get(tag) ?? 1;
    if (t[i] !== p[i]) v *= 1 + boost;
    w[i] = v;
    sum += v;
  }
  const scale = t.length ? t.length / sum : 1;
  return Float32Array.from(w, (v) => Math.min(maxWeight, v * scale));
}
