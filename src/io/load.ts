/**
 * `knobs.loadModel`, which imports io.ts (the checks of a save, every layer class, TensorFlow.js'
 * format behind it) on its first call, so that an app that never loads a model never loads
 * them: bundlers make io.ts a chunk of its own (issue 15).
 * @module
 */
import type { LayersModel } from '../model/layers-model';

/**
 * Loads a model saved with `model.save(url)` or packed with `toArrayBuffer`, or a TensorFlow.js
 * layers model (tfjs-layers' `model.save`, or Keras through the tfjs converter): the URL names the
 * folder or its model.json (`file://./web_model/model.json`). A tfjs model loads uncompiled,
 * with its weights and batch-norm statistics; a layer class knobs lacks is an error naming it.
 * The model is of the class that was saved: a {@link Sequential} for a chain, a
 * {@link LayersModel} for a graph (as tfjs' `loadLayersModel`, cast to call `add`).
 * @example
 * ```ts
 * const model = await knobs.loadModel('file://./runs/mnist');
 * await model.fit(x, y, { epochs: 20, initialEpoch: model.epochsCompleted }); // resumes at the saved epoch, with the optimizer's state
 * const fromKeras = await knobs.loadModel('file://./web_model/model.json');  // tensorflowjs_converter output
 * ```
 */
export async function loadModel(source: string | ArrayBuffer): Promise<LayersModel> {
  return (await import('./io')).loadModel(source);
}
