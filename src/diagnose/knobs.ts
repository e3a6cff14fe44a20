/**
 * The knobs of the orthogonalized method: for each problem, the settings that act on it and
 * (mostly) on nothing else, each naming the knobs option that turns it. From the lecture's
 * tables "Fit a training set / dev set / test set / real-world data" and "Bayes or
 * human-level error is high / bias is high / variance is high".
 * @module
 */

/**
 * One knob to turn: what it is, the knobs option that turns it, and why it acts on the problem.
 * An option that starts with `model.` is a complete statement that runs as written once
 * `model`, `x`, `y` and the named variables exist (the image shape `{ height, width, channels }`
 * is filled in when the diagnosis knows the model); the others name the option to change.
 */
export interface Knob {
  knob: string;
  option: string;
  why: string;
}

/** What to work on first. */
export type Focus = 'bias' | 'variance' | 'dataMismatch' | 'devOverfit' | 'dataQuality' | 'none';

const k = (knob: string, option: string, why: string): Knob => ({ knob, option, why });

const SEARCH = k(
  'hyperparameter search',
  'tune.createStudy({ direction: "minimize" })',
  'searches architecture and training settings against the dev error instead of by hand',
);

/**
 * The knobs for each focus, most effective first.
 *
 * @example
 * ```ts
 * KNOBS.variance.map((k) => k.knob); // ['more data', 'L2 regularization', 'dropout', 'data augmentation', ...]
 * ```
 */
export const KNOBS: Readonly<Record<Focus, readonly Knob[]>> = {
  bias: [
    k('bigger network', 'layers.dense({ units }) with more units, or more dense layers', 'more parameters let a too-simple model fit the training set'),
    k('train longer', 'fit({ epochs })', 'the training error may still be falling'),
    k(
      'better optimizer',
      'compile({ optimizer: optimizers.adam() }), or optimizers.rmsprop() / optimizers.momentum()',
      'adaptive steps and momentum escape plateaus and saddle points faster than plain SGD',
    ),
    k(
      'initialization',
      "kernelInitializer: 'heNormal' (ReLU) or 'glorotNormal' (Xavier, tanh)",
      'keeps activations and gradients at a trainable scale in every layer',
    ),
    k(
      'learning rate decay',
      'callbacks.learningRateScheduler(schedules.exponentialDecay({ initialLearningRate, decayRate }))',
      'large steps early, small steps to settle into the minimum',
    ),
    k('batch normalization', 'layers.batchNormalization()', 'normalized pre-activations make deep networks train faster and more reliably'),
    k(
      'less regularization',
      'a smaller kernelRegularizer: regularizers.l2(...) or layers.dropout({ rate })',
      'regularization that is too strong keeps the model from fitting the training set',
    ),
    SEARCH,
  ],
  variance: [
    k('more data', 'fit(x, y) with more training examples of the dev distribution', 'the surest cure of overfitting: more examples of the same distribution'),
    k('L2 regularization', 'kernelRegularizer: regularizers.l2(0.01)', 'weight decay keeps the weights small and the function simpler'),
    k('dropout', 'layers.dropout({ rate: 0.25 })', 'units cannot rely on each other, so the network learns redundant features'),
    k(
      'data augmentation',
      "model.fit(x, y, { augment: data.augmentation([{ type: 'rotate', degrees: 10 }, { type: 'translate', pixels: 2 }], { height, width, channels }) })",
      'rotated, scaled and shifted copies enlarge the training set at no labelling cost',
    ),
    k('early stopping', "callbacks.earlyStopping({ monitor: 'val_loss', patience: 5, restoreBestWeights: true })", 'stops before the dev error starts to grow'),
    k('smaller network', 'layers.dense({ units }) with fewer units, or fewer layers', 'fewer parameters leave less room to memorize the training set'),
    SEARCH,
  ],
  dataMismatch: [
    k(
      'make training data like dev',
      "model.fit(x, y, { augment: data.augmentation([{ type: 'noise', std: 0.1 }, { type: 'blur', sigma: 1 }], { height, width, channels }) })",
      'synthesize the noise, blur and distortions of the dev data into the training data',
    ),
    k(
      'collect data of the dev distribution',
      'fit(x, y) with examples from the dev distribution added to training',
      'the model can only learn the distributions it is trained on',
    ),
    k('weight dev-like examples', 'fit({ sampleWeight })', "the lecture's strengthening factor s(i): train harder on examples like the dev data"),
    k('error analysis by source', 'diagnoseBySource(...) and analyze.tagTally(...)', 'find which source or kind of example the dev errors come from'),
  ],
  devOverfit: [
    k('bigger dev set', 'fit({ validationData }) with more dev examples', 'a small dev set tuned against for long stops predicting the test error'),
    k('fresh dev set', 'fit({ validationData }) with new examples of the test distribution', 'the dev set has been overfit by repeated tuning'),
  ],
  dataQuality: [
    k('clean data', 'analyze.rankSuspectedMislabels(...) and analyze.cleaningLoop(...)', 'mislabeled, blurred or corrupted examples set the error floor'),
    k(
      'add discriminating features',
      'more input features in the x given to fit',
      'examples that look the same to the model but differ in label need attributes that tell them apart',
    ),
    k(
      'remove contradictory labels',
      'analyze.cleaningLoop({ decide }) returning { action: "remove" }',
      'identical inputs with different labels cannot all be fit',
    ),
    k(
      'reconstruct training data',
      'fit(x, y) with re-collected or re-labelled data',
      'when the data themselves are poor, no model does better than the humans who labelled them',
    ),
  ],
  none: [
    k(
      'representative dev and test sets',
      'fit({ validationData }) drawn from the real-world distribution',
      'if the model does well on test but not in the real world, the dev/test sets were not representative',
    ),
    k(
      'cost function',
      'compile({ loss }) and fit({ sampleWeight, classWeight })',
      'if the metric does not capture what matters, change the cost function or the example weights',
    ),
  ],
};

/**
 * The knobs of training-health problems (see diagnoseHealth).
 *
 * @example
 * ```ts
 * HEALTH_KNOBS.exploding.map((k) => k.option); // ['optimizers.adam({ learningRate }) with a smaller learningRate', 'fit({ clipNorm: 1 })', ...]
 * ```
 */
export const HEALTH_KNOBS = {
  vanishing: [
    k('initialization', "kernelInitializer: 'heNormal'", 'He initialization keeps the gradient scale through ReLU layers'),
    k('activation', "activation: 'relu' (instead of sigmoid or tanh in hidden layers)", 'ReLU does not shrink gradients where it is active'),
    k('batch normalization', 'layers.batchNormalization()', 'keeps pre-activations in the range where gradients flow'),
  ],
  exploding: [
    k('learning rate', 'optimizers.adam({ learningRate }) with a smaller learningRate', 'smaller steps keep weights from growing out of range'),
    k('gradient clipping', 'fit({ clipNorm: 1 })', 'caps the gradient norm of each step'),
    k('initialization', "kernelInitializer: 'glorotNormal'", 'scaled initial weights keep products of layers near 1'),
    k('batch normalization', 'layers.batchNormalization()', 'renormalizes each layer, so scales cannot compound'),
  ],
  deadRelu: [
    k(
      'learning rate',
      'optimizers.adam({ learningRate }) with a smaller learningRate',
      'a large step can push units into the region where they never fire again',
    ),
    k('activation', "activation: 'leakyRelu' or 'elu'", 'a small slope for negative inputs keeps units trainable'),
    k('initialization', "kernelInitializer: 'heNormal'", 'starts units in their active range'),
    k('batch normalization', 'layers.batchNormalization()', 'centres pre-activations so half the units fire'),
  ],
  saturated: [
    k('initialization', "kernelInitializer: 'glorotNormal'", 'Xavier initialization keeps tanh/sigmoid inputs in the near-linear middle'),
    k('input normalization', 'layers.normalization() as the first layer', 'inputs of mean 0 and variance 1 do not drive units to their flat ends'),
    k('batch normalization', 'layers.batchNormalization()', 'keeps pre-activations out of the flat ends'),
    k('activation', "activation: 'relu'", 'ReLU does not saturate for positive inputs'),
  ],
  plateau: [
    k(
      'learning rate schedule',
      'callbacks.reduceLROnPlateau() or callbacks.learningRateScheduler(schedules.cosineDecay(...))',
      'a smaller step settles a loss that oscillates; a restart leaves a flat region',
    ),
    k('better optimizer', 'compile({ optimizer: optimizers.adam() })', 'momentum and adaptive steps cross flat regions and saddle points'),
    k('batch normalization', 'layers.batchNormalization()', 'smooths the loss surface'),
  ],
  diverging: [
    k('learning rate', 'optimizers.adam({ learningRate }) with a smaller learningRate', 'the loss grows when steps overshoot'),
    k('gradient clipping', 'fit({ clipNorm: 1 })', 'caps the occasional huge step'),
  ],
} as const satisfies Record<string, readonly Knob[]>;
