/**
 * Saving and loading models: model.json (architecture, training configuration and progress, and
 * a manifest of the weights) plus one binary file of float32 weights followed by the optimizer's
 * state, so that a loaded model resumes `fit` exactly where it stopped.
 *
 * Where things go is chosen by the URL scheme: `file://` (Node), `indexeddb://` (browsers); the
 * platform entries register their handlers. `toArrayBuffer` / `loadModel(arrayBuffer)` pack both
 * parts into one buffer anywhere.
 * @module
 */
import { describe } from '../errors';
import { modelFromConfig, type Sequential } from '../model/sequential';
import { optimizerFromConfig, type OptimizerConfig } from '../optimizers/index';
import type { LayerConfig } from '../layers/layer';
import { Normalization } from '../layers/normalization';

/** One weight in the manifest. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** The JSON part of a saved model. */
export interface ModelJson {
  format: 'knobs-layers-model';
  formatVersion: 1;
  generatedBy: string;
  modelTopology: { className: 'Sequential'; config: { name: string; seed: number; inputShape: number[]; layers: LayerConfig[] } };
  trainingConfig?: { loss: string; metrics: string[]; optimizer: OptimizerConfig };
  /** Training progress: optimizer steps and epochs completed. */
  training?: { iterations: number; epochsCompleted: number };
  /** The weights file: model weights in getWeights() order, then `optimizer/<slot>` buffers. */
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  /** Anything else a user saves with the model (e.g. a data normalization from knobs.data). */
  userDefinedMetadata?: Record<string, unknown>;
}

/** A saved model in memory. */
export interface ModelArtifacts {
  modelJson: ModelJson;
  weightData: ArrayBuffer;
}

/** What save resolves to. */
export interface SaveResult {
  url: string;
  modelJsonBytes: number;
  weightDataBytes: number;
}

/** Stores and fetches artifacts for one URL scheme. */
export interface IOHandler {
  save(artifacts: ModelArtifacts): Promise<SaveResult>;
  load(): Promise<ModelArtifacts>;
}

const schemes = new Map<string, (path: string, url: string) => IOHandler>();

/** Registers the handler of a URL scheme (`file`, `indexeddb`, ...). */
export function registerIOScheme(scheme: string, make: (path: string, url: string) => IOHandler): void {
  schemes.set(scheme, make);
}

function handlerFor(url: string): IOHandler {
  if (typeof url !== 'string') throw new TypeError(`expected a URL such as 'file://./runs/model' or 'indexeddb://my-model', got ${describe(url)}`);
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
  if (!m) throw new RangeError(`${JSON.stringify(url)} has no scheme; use 'file://path' (Node) or 'indexeddb://name' (browsers)`);
  const make = schemes.get(m[1]!.toLowerCase());
  if (!make) {
    throw new RangeError(
      `no handler for ${m[1]}:// here (known: ${[...schemes.keys()].map((s) => s + '://').join(', ') || 'none'}); file:// works in Node, indexeddb:// in browsers`,
    );
  }
  return make(m[2]!, url);
}

/** The artifacts of a model: architecture, weights, optimizer state and progress. */
export function toArtifacts(model: Sequential, metadata?: Record<string, unknown>): ModelArtifacts {
  const weights = model.getWeights();
  const names = model.weightNames();
  const shapes = model.layers.flatMap((l) => l.weightSpecs().map((s) => s.shape));
  const entries: WeightEntry[] = names.map((name, i) => ({ name, shape: shapes[i]!, dtype: 'float32' }));
  const ts = model.trainingState();
  const slots = ts ? model.getOptimizerState() : [];
  if (ts) ts.slotNames.forEach((s) => entries.push({ name: `optimizer/${s}`, shape: [model.paramCount], dtype: 'float32' }));
  const all = [...weights, ...slots];
  const total = all.reduce((a, w) => a + w.length, 0);
  const data = new Float32Array(total);
  let o = 0;
  for (const w of all) {
    data.set(w, o);
    o += w.length;
  }
  const modelJson: ModelJson = {
    format: 'knobs-layers-model',
    formatVersion: 1,
    generatedBy: 'knobs',
    modelTopology: { className: 'Sequential', config: model.getConfig() },
    ...(ts
      ? {
          trainingConfig: { loss: ts.loss, metrics: ts.metrics, optimizer: ts.optimizer },
          training: { iterations: ts.iterations, epochsCompleted: ts.epochsCompleted },
        }
      : {}),
    weightsManifest: [{ paths: ['weights.bin'], weights: entries }],
    ...(metadata ? { userDefinedMetadata: metadata } : {}),
  };
  return { modelJson, weightData: data.buffer };
}

/** Checks the artifacts and slices the weights file by the manifest's names. */
function weightArrays(a: ModelArtifacts): Map<string, Float32Array> {
  const j = a.modelJson;
  if (!j || j.format !== 'knobs-layers-model') throw new RangeError(`not a knobs model (format ${describe(j?.format)})`);
  if (j.formatVersion !== 1) throw new RangeError(`unsupported knobs model format version ${describe(j.formatVersion)}`);
  const entries = j.weightsManifest.flatMap((g) => g.weights);
  const total = entries.reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1), 0);
  if (a.weightData.byteLength !== total * 4) {
    throw new RangeError(`the weights file has ${a.weightData.byteLength} bytes but the manifest describes ${total * 4}: the save is incomplete or corrupt`);
  }
  const data = new Float32Array(a.weightData);
  const arrays = new Map<string, Float32Array>();
  let o = 0;
  for (const w of entries) {
    const n = w.shape.reduce((x, y) => x * y, 1);
    arrays.set(w.name, data.subarray(o, o + n));
    o += n;
  }
  return arrays;
}

/**
 * Puts saved weights, optimizer state and progress into an existing model of the same
 * architecture (compiled with the same optimizer when the save holds optimizer state).
 */
export function applyArtifacts(model: Sequential, a: ModelArtifacts): void {
  const arrays = weightArrays(a);
  const j = a.modelJson;
  model.setWeights(
    model.weightNames().map((name) => {
      const w = arrays.get(name);
      if (!w) throw new RangeError(`the saved model has no weight ${JSON.stringify(name)}`);
      return w;
    }),
  );
  if (j.trainingConfig && model.optimizer) {
    const slots = model.optimizer.slotNames.map((s) => {
      const w = arrays.get(`optimizer/${s}`);
      if (!w) throw new RangeError(`the saved model has no optimizer state ${JSON.stringify(s)}`);
      return w;
    });
    model.setOptimizerState(slots, j.training?.iterations ?? 0);
    model.epochsCompleted = j.training?.epochsCompleted ?? 0;
  }
  // saved statistics count as adapted: a later fit must not re-adapt them on other data
  for (const l of model.layers) if (l instanceof Normalization) l.adapted = true;
  if (j.userDefinedMetadata) model.metadata = { ...j.userDefinedMetadata };
}

/** Rebuilds a model (compiled, with its optimizer state, when it was saved compiled). */
export function fromArtifacts(a: ModelArtifacts): Sequential {
  weightArrays(a); // reject a bad save before building anything
  const j = a.modelJson;
  // no initializers: every weight is about to be overwritten
  const model = modelFromConfig(j.modelTopology.config, false);
  if (j.trainingConfig) {
    model.compile({ optimizer: optimizerFromConfig(j.trainingConfig.optimizer), loss: j.trainingConfig.loss as never, metrics: j.trainingConfig.metrics });
  }
  applyArtifacts(model, a);
  return model;
}

/** Saves a model to a URL (see {@link Sequential.save}). */
export async function saveModel(model: Sequential, url: string, metadata?: Record<string, unknown>): Promise<SaveResult> {
  return handlerFor(url).save(toArtifacts(model, metadata));
}

const MAGIC = 'KNOBSMDL';

/** Packs a model (architecture, weights, optimizer state) into one ArrayBuffer. */
export function toArrayBuffer(
  model: Sequential,
  metadata: Record<string, unknown> | undefined = Object.keys(model.metadata).length ? model.metadata : undefined,
): ArrayBuffer {
  const a = toArtifacts(model, metadata);
  const json = new TextEncoder().encode(JSON.stringify(a.modelJson));
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const out = new Uint8Array(12 + json.length + pad + a.weightData.byteLength);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(8, json.length + pad, true);
  out.set(json, 12);
  out.fill(32, 12 + json.length, 12 + json.length + pad); // spaces keep the JSON valid
  out.set(new Uint8Array(a.weightData), 12 + json.length + pad);
  return out.buffer;
}

/** Unpacks {@link toArrayBuffer}'s format. */
export function artifactsFromArrayBuffer(buffer: ArrayBuffer): ModelArtifacts {
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new RangeError('not a knobs model buffer (bad magic bytes)');
  const n = new DataView(buffer).getUint32(8, true);
  const modelJson = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + n))) as ModelJson;
  return { modelJson, weightData: buffer.slice(12 + n) };
}

/**
 * Loads a model saved with `model.save(url)` or packed with `toArrayBuffer`.
 * @example
 * ```ts
 * const model = await knobs.loadModel('file://./runs/mnist');
 * await model.fit(x, y, { epochs: 20, initialEpoch: model.epochsCompleted }); // resumes at the saved epoch, with the optimizer's state
 * ```
 */
export async function loadModel(source: string | ArrayBuffer): Promise<Sequential> {
  if (source instanceof ArrayBuffer) return fromArtifacts(artifactsFromArrayBuffer(source));
  return fromArtifacts(await handlerFor(source).load());
}
