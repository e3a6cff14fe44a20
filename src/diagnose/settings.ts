/**
 * What a model already does (optimizer, initializers, regularization, dropout, batch
 * normalization, size), read from its configuration, so that the diagnosis does not suggest a
 * knob the model has already turned: Adam to a model trained with Adam, He initialization to
 * ReLU layers that have it, less regularization to a model that has none.
 * @module
 */
import type { Focus, Knob } from './knobs';

/**
 * A model whose settings can be read: knobs' `sequential` models (and loaded ones) have both
 * methods; any object with the same shapes works.
 */
export interface ConfiguredModel {
  getConfig(): { inputShape?: readonly number[]; layers: readonly { className: string; config: Record<string, unknown> }[] };
  trainingState?(): { optimizer: { className: string; config: Record<string, unknown> } } | undefined;
}

/** One fully connected layer, as far as the knobs care. */
export interface DenseSettings {
  /** The layer's name (as in the training-health record). */
  name: string;
  units: number;
  activation: string;
  kernelInitializer: string;
  /** Kernel regularization factors (0 when none). */
  l1: number;
  l2: number;
}

/** The settings of a model that decide which knobs apply. */
export interface ModelSettings {
  /** The optimizer's class name as in model.json ('SGD', 'Momentum', 'RMSprop', 'Adam', 'AdamW'); null before compile. */
  optimizer: string | null;
  /** The optimizer's weight decay (0 when none or not compiled). */
  weightDecay: number;
  /** The Dense layers in order; the last is the output layer. */
  dense: DenseSettings[];
  /** The rates of the Dropout layers. */
  dropoutRates: number[];
  batchNormalization: boolean;
  /** A Normalization layer (standardized inputs). */
  inputNormalization: boolean;
  /** Height, width and channels of an input that looks like an image (from inputShape), else null. */
  imageShape: { height: number; width: number; channels: number } | null;
}

/** A knob the diagnosis left out for this model, and why. */
export interface OmittedKnob {
  knob: string;
  reason: string;
}

const ADAPTIVE = new Set(['adam', 'adamw', 'rmsprop', 'adagrad', 'adamax', 'nadam']);
// ReLU-like units want He initialization (variance 2 / fanIn); the saturating ones Glorot's
const HE_ACTIVATIONS = new Set(['relu', 'relu6', 'leakyrelu', 'elu', 'selu', 'gelu', 'swish', 'mish']);
const GLOROT_ACTIVATIONS = new Set(['tanh', 'sigmoid', 'hardsigmoid', 'softsign', 'linear', 'softplus']);

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function imageShape(inputShape: readonly number[] | undefined): ModelSettings['imageShape'] {
  if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d > 0)) return null;
  if (inputShape.length === 3) return { height: inputShape[0]!, width: inputShape[1]!, channels: inputShape[2]! };
  if (inputShape.length === 2) return { height: inputShape[0]!, width: inputShape[1]!, channels: 1 };
  if (inputShape.length !== 1) return null;
  // a flat input: a square grey or RGB image if the size is one (784 = 28 x 28, 3072 = 32 x 32 x 3)
  for (const channels of [1, 3]) {
    const side = Math.round(Math.sqrt(inputShape[0]! / channels));
    if (side >= 4 && side * side * channels === inputShape[0]) return { height: side, width: side, channels };
  }
  return null;
}

/**
 * Reads the settings of `model`, or null when it does not expose its configuration (a bare
 * {@link Predictor} stub).
 *
 * @example
 * ```ts
 * readModelSettings(model); // { optimizer: 'Adam', dense: [{ units: 128, activation: 'relu', kernelInitializer: 'heNormal', ... }], ... }
 * ```
 */
export function readModelSettings(model: unknown): ModelSettings | null {
  const m = model as Partial<ConfiguredModel> | null;
  if (m === null || typeof m !== 'object' || typeof m.getConfig !== 'function') return null;
  let config: ReturnType<ConfiguredModel['getConfig']>;
  try {
    config = m.getConfig();
  } catch {
    return null; // a disposed model, say: no settings, every knob stays
  }
  if (config === null || typeof config !== 'object' || !Array.isArray(config.layers)) return null;
  const state = typeof m.trainingState === 'function' ? m.trainingState() : undefined;
  const settings: ModelSettings = {
    optimizer: state?.optimizer?.className ?? null,
    weightDecay: num(state?.optimizer?.config?.weightDecay),
    dense: [],
    dropoutRates: [],
    batchNormalization: false,
    inputNormalization: false,
    imageShape: imageShape(config.inputShape ?? (config.layers[0]?.config.inputShape as number[] | undefined)),
  };
  for (const { className, config: c } of config.layers) {
    if (className === 'Dense') {
      const init = c.kernelInitializer as { name?: unknown } | string | undefined;
      const reg = c.kernelRegularizer as { l1?: unknown; l2?: unknown } | undefined;
      settings.dense.push({
        name: typeof c.name === 'string' ? c.name : '',
        units: num(c.units),
        activation: typeof c.activation === 'string' ? c.activation : 'linear',
        kernelInitializer: typeof init === 'string' ? init : typeof init?.name === 'string' ? init.name : 'glorotUniform',
        l1: num(reg?.l1),
        l2: num(reg?.l2),
      });
    } else if (className === 'Dropout') settings.dropoutRates.push(num(c.rate));
    else if (className === 'BatchNormalization') settings.batchNormalization = true;
    else if (className === 'Normalization') settings.inputNormalization = true;
  }
  return settings;
}

/** Whether every hidden Dense layer has the initializer its activation wants (He for ReLU-like, Glorot for saturating ones). */
function initializersFit(s: ModelSettings): boolean {
  const hidden = s.dense.slice(0, -1);
  if (hidden.length === 0) return false;
  return hidden.every((l) => {
    const act = l.activation.toLowerCase(),
      init = l.kernelInitializer.toLowerCase();
    if (HE_ACTIVATIONS.has(act)) return init.startsWith('he');
    if (GLOROT_ACTIVATIONS.has(act)) return init.startsWith('glorot') || init.startsWith('lecun');
    return true;
  });
}

const fmtNum = (v: number): string => String(Number(v.toPrecision(3)));

/**
 * The knobs of `focus` that apply to a model with settings `s`: knobs it has already turned
 * are left out (with the reason), and knobs it has turned part-way are restated from where it
 * stands. The rules:
 * - better optimizer: left out when the optimizer is adaptive (Adam, AdamW, RMSprop, ...);
 * - initialization: left out when every hidden Dense layer has He initialization before a
 *   ReLU-like activation and Glorot (or LeCun) before a saturating one;
 * - batch normalization: left out when the model has a BatchNormalization layer;
 * - less regularization: left out when the model has no L1/L2 penalty, no dropout and no
 *   weight decay;
 * - L2 regularization / dropout: restated as "stronger" / "higher rate" from the current
 *   factor or rate when the model has them; dropout is left out at a rate of 0.5 or more;
 * - smaller network: left out when the model has no hidden layer;
 * - data augmentation: its snippet gets the model's image shape when the input looks like one.
 *
 * @example
 * ```ts
 * const { knobs, omitted } = knobsForModel('bias', KNOBS.bias, readModelSettings(model)!);
 * omitted; // [{ knob: 'better optimizer', reason: 'the model already trains with Adam' }, ...]
 * ```
 */
export function knobsForModel(focus: Focus, list: readonly Knob[], s: ModelSettings): { knobs: Knob[]; omitted: OmittedKnob[] } {
  const knobs: Knob[] = [],
    omitted: OmittedKnob[] = [];
  const hidden = s.dense.slice(0, -1);
  const maxL2 = Math.max(0, ...s.dense.map((l) => l.l2));
  const maxL1 = Math.max(0, ...s.dense.map((l) => l.l1));
  const maxDropout = Math.max(0, ...s.dropoutRates);
  const regularized = maxL2 > 0 || maxL1 > 0 || maxDropout > 0 || s.weightDecay > 0;
  for (const k of list) {
    const skip = (reason: string): void => void omitted.push({ knob: k.knob, reason });
    if (k.knob === 'better optimizer' && s.optimizer !== null && ADAPTIVE.has(s.optimizer.toLowerCase())) {
      skip(`the model already trains with ${s.optimizer}`);
    } else if (k.knob === 'initialization' && initializersFit(s)) {
      skip(`every hidden layer already has the initializer its activation wants (${[...new Set(hidden.map((l) => l.kernelInitializer))].join(', ')})`);
    } else if (k.knob === 'batch normalization' && s.batchNormalization) {
      skip('the model already has batch normalization');
    } else if (k.knob === 'less regularization' && focus === 'bias' && !regularized) {
      skip('the model has no regularization (no L1/L2 penalty, dropout or weight decay)');
    } else if (k.knob === 'smaller network' && hidden.length === 0) {
      skip('the model has no hidden layer');
    } else if (k.knob === 'L2 regularization' && maxL2 > 0) {
      knobs.push({
        knob: 'stronger L2 regularization',
        option: `kernelRegularizer: regularizers.l2(${fmtNum(maxL2 * 3)}) (now at most ${fmtNum(maxL2)})`,
        why: k.why,
      });
    } else if (k.knob === 'dropout' && maxDropout >= 0.5) {
      skip(`the model already drops ${fmtNum(maxDropout)} of its units; more rarely helps`);
    } else if (k.knob === 'dropout' && maxDropout > 0) {
      knobs.push({
        knob: 'higher dropout rate',
        option: `layers.dropout({ rate: ${fmtNum(Math.min(0.5, maxDropout + 0.2))} }) (now ${fmtNum(maxDropout)})`,
        why: k.why,
      });
    } else if (s.imageShape !== null && k.option.includes('{ height, width, channels }')) {
      const { height, width, channels } = s.imageShape;
      knobs.push({ ...k, option: k.option.replace('{ height, width, channels }', `{ height: ${height}, width: ${width}, channels: ${channels} }`) });
    } else knobs.push({ ...k });
  }
  return { knobs, omitted };
}

/** The names quoted in a knob's option: `activation: 'leakyRelu' or 'elu'` gives leakyrelu, elu. */
const quoted = (option: string): string[] => [...option.matchAll(/'([A-Za-z0-9]+)'/g)].map((m) => m[1]!.toLowerCase());

/**
 * The knobs of a training-health flag that apply to a model with settings `s`, for the flagged
 * layer (by name) or, without one, every hidden Dense layer. Left out: an initialization the
 * layers already have (same family: he*, glorot*), an activation they already use, batch
 * normalization or input normalization the model has, a better optimizer when it is adaptive.
 *
 * @example
 * ```ts
 * healthKnobsForModel(HEALTH_KNOBS.deadRelu, settings, 'dense1').omitted;
 * // [{ knob: 'initialization', reason: 'dense1 already has heNormal' }]
 * ```
 */
export function healthKnobsForModel(list: readonly Knob[], s: ModelSettings, layer?: string): { knobs: Knob[]; omitted: OmittedKnob[] } {
  const named = layer === undefined ? [] : s.dense.filter((l) => l.name === layer);
  const targets = named.length ? named : s.dense.slice(0, -1);
  const where = named.length ? layer! : 'every hidden layer';
  const knobs: Knob[] = [],
    omitted: OmittedKnob[] = [];
  for (const k of list) {
    const skip = (reason: string): void => void omitted.push({ knob: k.knob, reason });
    const names = quoted(k.option);
    if (k.knob === 'initialization' && targets.length && names.length) {
      const families = names.map((n) => n.replace(/(normal|uniform)$/, ''));
      const inits = targets.map((l) => l.kernelInitializer);
      if (inits.every((i) => families.some((f) => i.toLowerCase().startsWith(f)))) {
        skip(`${where} already has ${[...new Set(inits)].join(', ')}`);
        continue;
      }
    } else if (k.knob === 'activation' && targets.length && names.length) {
      const acts = targets.map((l) => l.activation);
      if (acts.every((a) => names.includes(a.toLowerCase()))) {
        skip(`${where} already uses ${[...new Set(acts)].join(', ')}`);
        continue;
      }
    } else if (k.knob === 'batch normalization' && s.batchNormalization) {
      skip('the model already has batch normalization');
      continue;
    } else if (k.knob === 'input normalization' && s.inputNormalization) {
      skip('the model already normalizes its inputs');
      continue;
    } else if (k.knob === 'better optimizer' && s.optimizer !== null && ADAPTIVE.has(s.optimizer.toLowerCase())) {
      skip(`the model already trains with ${s.optimizer}`);
      continue;
    }
    knobs.push({ ...k });
  }
  return { knobs, omitted };
}
