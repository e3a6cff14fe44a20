/**
 * One call for the whole error analysis of a model on a labelled set.
 * @module
 */
import { describe } from '../errors';
import { classificationReport } from '../metrics/report';
import { confusionMatrix } from '../metrics/confusion';
import { errorsByClass, topConfusions, type ConfusionGroup, type ErrorsByClass } from './confusions';
import { misclassifiedGallery, type Gallery, type GalleryOptions, type ImageShape } from './gallery';
import { hesitantPredictions, type HesitantPrediction } from './hesitant';
import { argmaxRows, checkPredictor, predictRows, type Predictor } from './predictor';
import { checkClassLabels } from './probabilities';

/** Options of {@link analyze}. */
export interface AnalyzeOptions {
  /** Draw a gallery of the misclassified examples: the rows of x are images of this shape. */
  images?: ImageShape & GalleryOptions;
  /** Largest top-two margin that counts as hesitant. Default 0.1. */
  hesitantMargin?: number;
  /** Keep the `top` largest confusion groups and smallest-margin hesitant predictions. Default 20. */
  top?: number;
}

/** The outcome of {@link analyze}. */
export interface Analysis {
  /** rows x classes, as the model returned them. */
  probabilities: Float32Array;
  predictions: Int32Array;
  accuracy: number;
  errorRate: number;
  /** Rows true classes 0..classes-1, columns predicted. */
  confusion: number[][];
  topConfusions: ConfusionGroup[];
  errorsByClass: ErrorsByClass;
  hesitant: HesitantPrediction[];
  /** The classification report, as text. */
  report: string;
  /** When `options.images` is given. */
  gallery?: Gallery;
}

/**
 * Runs `model` over `x` and analyzes its errors against `yTrue`: accuracy, confusion matrix,
 * the largest (true, predicted) confusions, each class's share of the errors and ceiling,
 * hesitant predictions, the classification report, and optionally a PNG gallery of the
 * misclassified images.
 *
 * @example
 * ```ts
 * const a = analyze(model, xTest, yTest, { images: { height: 28, width: 28 } });
 * a.topConfusions[0];        // { trueLabel: 4, predLabel: 9, count: 12, ... }
 * a.errorsByClass.classes[0]; // the class to work on first, with its ceiling
 * fs.writeFileSync('errors.png', a.gallery!.png);
 * ```
 */
export function analyze(model: Predictor, x: Float32Array, yTrue: ArrayLike<number>, options: AnalyzeOptions = {}): Analysis {
  const fn = 'analyze';
  const m = checkPredictor(fn, model);
  const { out, rows } = predictRows(fn, m, x);
  const classes = m.outputSize;
  if (classes < 2) throw new RangeError(`${fn}: model.outputSize must be at least 2 (one probability per class), got ${classes}`);
  const y = checkClassLabels(fn, 'yTrue', yTrue, rows, classes);
  const predictions = argmaxRows(out, classes);
  const top = options.top ?? 20;
  const labels = Array.from({ length: classes }, (_, i) => i);
  const byClass = errorsByClass(y, predictions, { labels });
  const result: Analysis = {
    probabilities: out,
    predictions,
    accuracy: rows ? (rows - byClass.errors) / rows : 0,
    errorRate: byClass.errorRate,
    confusion: confusionMatrix(y, predictions, { labels }),
    topConfusions: topConfusions(y, predictions, { top }),
    errorsByClass: byClass,
    hesitant: hesitantPredictions(out, classes, { maxMargin: options.hesitantMargin ?? 0.1, labels: y, top }),
    report: classificationReport(y, predictions, { labels, zeroDivision: 0 }),
  };
  if (options.images !== undefined) {
    const img = options.images;
    if (img === null || typeof img !== 'object') throw new TypeError(`${fn}: options.images must be { height, width, channels? }, got ${describe(img)}`);
    const size = img.height * img.width * (img.channels ?? 1);
    if (size !== m.inputSize)
      throw new RangeError(
        `${fn}: options.images is ${img.height} x ${img.width} x ${img.channels ?? 1} = ${size} values, but model.inputSize is ${m.inputSize}`,
      );
    result.gallery = misclassifiedGallery(x, img, y, predictions, img);
  }
  return result;
}
