/**
 * Fashion-MNIST facts that need no file access (browser-safe): its class names and the
 * human-level accuracy its authors published. `knobs.data.loadFashionMnist()` (Node) reads the
 * images themselves.
 *
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) is 70,000 28 x 28 grayscale images of Zalando
 * articles in 10 classes: a drop-in replacement for MNIST that is harder (a good MLP makes about
 * 11% errors, a small conv net 7-9%).
 * @module
 */

/**
 * The ten classes, in label order (label 0 is 'T-shirt/top').
 *
 * @example
 * ```ts
 * knobs.data.FASHION_MNIST_CLASS_NAMES[9]; // 'Ankle boot'
 * ```
 */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/**
 * Human-level accuracy on Fashion-MNIST as its authors published it: 83.5%, from crowd-sourced
 * labels of people without fashion expertise (the benchmark table of the dataset's README).
 * Not a team of experts, so a model can surpass it; `diagnose` then says that human-level
 * error no longer stands for Bayes error.
 *
 * @example
 * ```ts
 * knobs.diagnose(model, { train, dev }, { humanLevelError: knobs.data.FASHION_MNIST_HUMAN_LEVEL_ERROR });
 * ```
 */
export const FASHION_MNIST_HUMAN_LEVEL_ACCURACY = 0.835;

/** 1 - {@link FASHION_MNIST_HUMAN_LEVEL_ACCURACY}: 16.5%, the `humanLevelError` to give `diagnose`. */
export const FASHION_MNIST_HUMAN_LEVEL_ERROR = 0.165;
