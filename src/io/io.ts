/**
 * Saving and loading models: model.json (architecture, training configuration and progress, and
 * a manifest of the weights) plus one binary file of float32 weights followed by the optimizer's
 * state, so that a loaded model resumes `fit` exactly where it stopped.
 *
 * `save(url, { format: 'tfjs' })` and `loadModel` also speak TensorFlow.js' layers format
 * (`./tfjs.ts`): what tf.loadLayersModel reads, and what tfjs-layers and the Keras converter write.
 *
 * Where things go is chosen by the URL scheme: `file://` (Node), `indexeddb://` (browsers); the
 * platform entries register their handlers. `toArrayBuffer` / `loadModel(arrayBuffer)` pack both
 * parts into one buffer anywhere.
 *
 * Loading trusts nothing in model.json: every field is checked before anything is built (a
 * hand-edited or damaged file gets an error naming the field, never a JavaScript-internal
 * one), the weights named by the manifest must be exactly the weights the rebuilt layers have,
 * with the same shapes, and a save made by `save()` carries the SHA-256 of its weights, checked
 * at load (saves without one, from older versions or `toArrayBuffer`, still load). A layer
 * field missing from model.json is an error, not a default: knobs writes every field, so a
 * missing one means the file was edited or damaged (Keras would rebuild a Dense layer without
 * `activation` as linear; silently training a different model is worse than an error).
 * @module
 */
import { describe, ShapeError } from '../errors';
import { crc32 } from '../util/crc32';
import { artifactsFromArrayBuffer, toArtifacts } from './artifacts';
import { handlerFor } from './schemes';
import { array, checkWeightPath, count, isTfjsModelJson, MAX_FLOATS, object, own, shapeOf, string, within, type Plain } from './check';
import type { Layer } from '../layers/layer';
import { Normalization } from '../layers/normalization';
import { layoutLayers } from '../model/layout';
import { graphFromConfig, layerFromConfig, modelFromConfig } from '../model/from-config';
import type { LayersModel } from '../model/layers-model';
import type { ModelConfig } from '../model/config';
import type { GraphModelConfig } from '../model/graph';
import { optimizerFromConfig, type OptimizerConfig } from '../optimizers/index';
import type { TfjsModelJson } from './tfjs';

// TensorFlow.js' format (tfjs.ts, a third of the model storage code) loads with the first tfjs
// model saved or loaded: a chunk of its own in the bundles, parsed only then (issue 15)
const tfjs = (): Promise<typeof import('./tfjs')> => import('./tfjs');

/** One weight in the manifest. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** One group of the manifest: files holding the weights listed, in order. */
export interface WeightGroup {
  paths: string[];
  weights: WeightEntry[];
  /** SHA-256 (hex) of the group's bytes, written by `save()` and checked by `loadModel`. */
  sha256?: string;
  /** CRC-32 of the group's bytes, written by the synchronous `toArrayBuffer` and checked by `loadModel`. */
  crc32?: number;
}

/** The JSON part of a saved model. */
export interface ModelJson {
  format: 'knobs-layers-model';
  formatVersion: 1;
  generatedBy: string;
  /** A stack (`Sequential`), or a graph (`Model`: Keras' functional config, with `input_layers`, `output_layers` and each layer's `inbound_nodes`). */
  modelTopology: { className: 'Sequential' | 'Model'; config: ModelConfig };
  /** `outputs`: a model with several outputs, each output's loss and weight, and metrics by output name. */
  trainingConfig?: {
    loss: string;
    metrics: string[];
    optimizer: OptimizerConfig;
    outputs?: { losses: string[]; lossWeights: number[]; metrics: Record<string, string[]> };
  };
  /** Training progress: optimizer steps and epochs completed. */
  training?: { iterations: number; epochsCompleted: number };
  /** The weights file: model weights in getWeights() order, then `optimizer/<slot>` buffers. */
  weightsManifest: WeightGroup[];
  /** Anything else a user saves with the model (e.g. a data normalization from knobs.data). */
  userDefinedMetadata?: Record<string, unknown>;
}

/** A saved model in memory: knobs' model.json or TensorFlow.js' (`format: 'layers-model'`), and the weights. */
export interface ModelArtifacts {
  modelJson: ModelJson | TfjsModelJson;
  weightData: ArrayBuffer;
}

/** Options of `model.save`. */
export interface SaveOptions {
  /**
   * `'knobs'` (the default) keeps everything for an exact resume: optimizer state, progress,
   * seed, Normalization statistics. `'tfjs'` writes TensorFlow.js' layers format, which
   * `tf.loadLayersModel` reads (architecture and weights; see {@link toTfjsArtifacts}).
   */
  format?: 'knobs' | 'tfjs';
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

export { registerIOScheme } from './schemes';
export { artifactsFromArrayBuffer, toArrayBuffer, toArtifacts } from './artifacts';

// ---- checking model.json -------------------------------------------------------------------

export { checkWeightPath };

/**
 * Names inherited from Object.prototype (`__proto__`, `constructor`, `toString`...) are never
 * knobs names, but a lookup such as `table[name]` finds them: refuse them anywhere in a saved
 * configuration, as keys and as string values (a layer may still be named so).
 */
function checkNoPrototypeNames(where: string, field: string, v: unknown, nameAllowed = false): void {
  if (typeof v === 'string') {
    if (!nameAllowed && v in Object.prototype) throw new RangeError(`${where}: ${field} ${describe(v)} is not a knobs name`);
  } else if (Array.isArray(v)) {
    v.forEach((c, i) => checkNoPrototypeNames(where, `${field}[${i}]`, c));
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      if (k in Object.prototype) throw new RangeError(`${where}: ${field} has a key ${JSON.stringify(k)}, which is not a knobs field`);
      checkNoPrototypeNames(where, `${field}.${k}`, (v as Plain)[k]);
    }
  }
}

/** A checked manifest group: its files and how many bytes they hold together. */
export interface CheckedGroup {
  paths: string[];
  weights: WeightEntry[];
  bytes: number;
  sha256?: string;
  crc32?: number;
}

/**
 * Checks the structure and every value of a parsed model.json (not yet against the layers:
 * {@link fromArtifacts} does that) and returns its manifest with the byte size of each group.
 * `where` names the file in messages.
 * @internal
 */
export function checkModelJson(json: unknown, where = 'model.json'): { json: ModelJson; groups: CheckedGroup[] } {
  const j = object(where, 'the file', json);
  if (own(j, 'format') !== 'knobs-layers-model') throw new RangeError(`${where}: not a knobs model (format ${describe(own(j, 'format'))})`);
  if (own(j, 'formatVersion') !== 1) throw new RangeError(`${where}: unsupported knobs model format version ${describe(own(j, 'formatVersion'))}`);
  const topo = object(where, 'modelTopology', own(j, 'modelTopology'));
  const cls = own(topo, 'className');
  if (cls !== 'Sequential' && cls !== 'Model')
    throw new RangeError(`${where}: modelTopology.className must be "Sequential" or "Model" (a graph), got ${describe(own(topo, 'className'))}`);
  const cfg = object(where, 'modelTopology.config', own(topo, 'config'));
  string(where, 'modelTopology.config.name', own(cfg, 'name'));
  count(where, 'modelTopology.config.seed', own(cfg, 'seed'), 0, 2 ** 32 - 1);
  if (cls === 'Sequential') shapeOf(where, 'modelTopology.config.inputShape', own(cfg, 'inputShape'), 1);
  else {
    // a graph's connections: names and [name, 0, 0] references, checked against the layers by graphFromConfig
    for (const f of ['input_layers', 'output_layers']) {
      array(where, `modelTopology.config.${f}`, own(cfg, f)).forEach((r, i) => {
        const ref = array(where, `modelTopology.config.${f}[${i}]`, r);
        string(where, `modelTopology.config.${f}[${i}][0]`, ref[0]);
      });
    }
  }
  const layers = array(where, 'modelTopology.config.layers', own(cfg, 'layers'));
  if (layers.length === 0) throw new RangeError(`${where}: modelTopology.config.layers is empty`);
  layers.forEach((l, i) => {
    const f = `modelTopology.config.layers[${i}]`;
    const layer = object(where, f, l);
    if (cls === 'Model') {
      string(where, `${f}.name`, own(layer, 'name'));
      array(where, `${f}.inbound_nodes`, own(layer, 'inbound_nodes')).forEach((node, ni) =>
        array(where, `${f}.inbound_nodes[${ni}]`, node).forEach((ref, ri) => {
          const r = array(where, `${f}.inbound_nodes[${ni}][${ri}]`, ref);
          string(where, `${f}.inbound_nodes[${ni}][${ri}][0]`, r[0]);
        }),
      );
    }
    const layerClass = string(where, `${f}.className`, own(layer, 'className'));
    // a name inherited from Object.prototype is no layer class (`__proto__`, `constructor`)
    if (layerClass in Object.prototype) throw new RangeError(`${where}: ${f}.className ${describe(layerClass)} is not a knobs layer class`);
    const c = object(where, `${f}.config`, own(layer, 'config'));
    for (const k of Object.keys(c)) {
      if (k in Object.prototype) throw new RangeError(`${where}: ${f}.config has a key ${JSON.stringify(k)}, which is not a knobs field`);
      checkNoPrototypeNames(where, `${f}.config.${k}`, c[k], k === 'name');
    }
  });
  const tc = own(j, 'trainingConfig');
  if (tc !== undefined) {
    const t = object(where, 'trainingConfig', tc);
    string(where, 'trainingConfig.loss', own(t, 'loss'));
    array(where, 'trainingConfig.metrics', own(t, 'metrics')).forEach((m, i) => string(where, `trainingConfig.metrics[${i}]`, m));
    const outs = own(t, 'outputs');
    if (outs !== undefined) {
      const oc = object(where, 'trainingConfig.outputs', outs);
      array(where, 'trainingConfig.outputs.losses', own(oc, 'losses')).forEach((l, i) => string(where, `trainingConfig.outputs.losses[${i}]`, l));
      array(where, 'trainingConfig.outputs.lossWeights', own(oc, 'lossWeights')).forEach((w, i) => {
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
          throw new RangeError(`${where}: trainingConfig.outputs.lossWeights[${i}] must be a number >= 0, got ${describe(w)}`);
      });
      const ms = object(where, 'trainingConfig.outputs.metrics', own(oc, 'metrics'));
      for (const [k, v] of Object.entries(ms))
        array(where, `trainingConfig.outputs.metrics.${k}`, v).forEach((m, i) => string(where, `trainingConfig.outputs.metrics.${k}[${i}]`, m));
    }
    const o = object(where, 'trainingConfig.optimizer', own(t, 'optimizer'));
    const cls = string(where, 'trainingConfig.optimizer.className', own(o, 'className'));
    if (cls in Object.prototype) throw new RangeError(`${where}: trainingConfig.optimizer.className ${describe(cls)} is not a knobs optimizer`);
    object(where, 'trainingConfig.optimizer.config', own(o, 'config'));
    checkNoPrototypeNames(where, 'trainingConfig', t);
  }
  const tr = own(j, 'training');
  if (tr !== undefined) {
    const t = object(where, 'training', tr);
    count(where, 'training.iterations', own(t, 'iterations'));
    count(where, 'training.epochsCompleted', own(t, 'epochsCompleted'));
  }
  const meta = own(j, 'userDefinedMetadata');
  if (meta !== undefined) object(where, 'userDefinedMetadata', meta);
  const manifest = array(where, 'weightsManifest', own(j, 'weightsManifest'));
  const names = new Set<string>();
  let total = 0;
  const groups = manifest.map((g, gi): CheckedGroup => {
    const f = `weightsManifest[${gi}]`;
    const group = object(where, f, g);
    const paths = array(where, `${f}.paths`, own(group, 'paths')).map((p, pi) => checkWeightPath(where, `${f}.paths[${pi}]`, p));
    if (paths.length === 0) throw new RangeError(`${where}: ${f}.paths is empty`);
    const sha = own(group, 'sha256');
    if (sha !== undefined && !(typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha))) {
      throw new RangeError(`${where}: ${f}.sha256 must be 64 lowercase hex digits, got ${describe(sha)}`);
    }
    const crc = own(group, 'crc32');
    if (crc !== undefined && !(typeof crc === 'number' && Number.isInteger(crc) && crc >= 0 && crc < 2 ** 32)) {
      throw new RangeError(`${where}: ${f}.crc32 must be an integer in [0, 2^32), got ${describe(crc)}`);
    }
    let bytes = 0;
    const weights = array(where, `${f}.weights`, own(group, 'weights')).map((w, wi): WeightEntry => {
      const wf = `${f}.weights[${wi}]`;
      const e = object(where, wf, w);
      const name = string(where, `${wf}.name`, own(e, 'name'));
      if (names.has(name)) throw new RangeError(`${where}: ${wf}.name ${describe(name)} appears twice in the manifest`);
      names.add(name);
      const shape = shapeOf(where, `${wf}.shape`, own(e, 'shape'), 0);
      if (own(e, 'dtype') !== 'float32') throw new RangeError(`${where}: ${wf}.dtype must be "float32", got ${describe(own(e, 'dtype'))}`);
      const n = shape.reduce((a, b) => a * b, 1);
      total += n;
      if (total > MAX_FLOATS) throw new RangeError(`${where}: the manifest describes more than ${MAX_FLOATS} values`);
      bytes += n * 4;
      return { name, shape, dtype: 'float32' };
    });
    return { paths, weights, bytes, ...(sha !== undefined ? { sha256: sha as string } : {}), ...(crc !== undefined ? { crc32: crc as number } : {}) };
  });
  if (groups.length === 0) throw new RangeError(`${where}: weightsManifest is empty`);
  return { json: j as unknown as ModelJson, groups };
}

/** A weight the layers expect, with where it comes from for messages. */
interface Expected {
  name: string;
  label: string;
  shape: number[];
}

function expectedWeights(layers: Layer[], slotNames: readonly string[], paramCount: number): Expected[] {
  const out: Expected[] = layers.flatMap((l) =>
    l.weightSpecs().map((s) => ({ name: `${l.name}/${s.name}`, label: `layer ${JSON.stringify(l.name)} weight ${JSON.stringify(s.name)}`, shape: s.shape })),
  );
  for (const s of slotNames) out.push({ name: `optimizer/${s}`, label: `optimizer state ${JSON.stringify(s)}`, shape: [paramCount] });
  return out;
}

/**
 * Checks the manifest against the weights the layers have: every expected weight present with
 * its shape and float32, and nothing else (optimizer state is ignored when `slotNames` is null,
 * i.e. when loading into an uncompiled model).
 */
function checkManifest(where: string, groups: CheckedGroup[], expected: Expected[], ignoreOptimizer: boolean): void {
  const found = new Map(groups.flatMap((g) => g.weights).map((w) => [w.name, w]));
  const fmt = (s: number[]) => `[${s.join(', ')}]`;
  for (const e of expected) {
    const w = found.get(e.name);
    if (!w) throw new RangeError(`${where}: ${e.label}: expected ${fmt(e.shape)} float32 as ${JSON.stringify(e.name)}, found nothing in the manifest`);
    if (w.shape.length !== e.shape.length || w.shape.some((d, i) => d !== e.shape[i])) {
      throw new ShapeError(`${where}: ${e.label}: expected shape ${fmt(e.shape)} float32, found ${fmt(w.shape)} ${w.dtype}`);
    }
    found.delete(e.name);
  }
  for (const name of found.keys()) {
    if (ignoreOptimizer && name.startsWith('optimizer/')) continue;
    throw new RangeError(`${where}: the manifest has a weight ${JSON.stringify(name)} that no layer of the model has`);
  }
}

/** Every field a rebuilt object's config has must be in the saved one (none is defaulted on load). */
function checkNoMissingFields(where: string, field: string, saved: Plain, rebuilt: Record<string, unknown>): void {
  for (const key of Object.keys(rebuilt)) {
    if (!Object.prototype.hasOwnProperty.call(saved, key)) {
      throw new RangeError(`${where}: ${field}.${key} is missing (knobs saves every field; the file was edited or damaged)`);
    }
  }
}

/** Slices the weights by the manifest's names, after checking the byte count. */
function weightArrays(where: string, groups: CheckedGroup[], weightData: ArrayBuffer): Map<string, Float32Array> {
  if (!(weightData instanceof ArrayBuffer)) throw new TypeError(`${where}: the weights must be an ArrayBuffer, got ${describe(weightData)}`);
  const total = groups.reduce((s, g) => s + g.bytes, 0);
  if (weightData.byteLength !== total) {
    throw new RangeError(
      `${where}: the weights file has ${weightData.byteLength} bytes but the manifest describes ${total}: the save is incomplete or corrupt`,
    );
  }
  const data = new Float32Array(weightData);
  const arrays = new Map<string, Float32Array>();
  let o = 0;
  for (const w of groups.flatMap((g) => g.weights)) {
    const n = w.shape.reduce((x, y) => x * y, 1);
    arrays.set(w.name, data.subarray(o, o + n));
    o += n;
  }
  return arrays;
}

/**
 * Puts saved weights, optimizer state and progress into an existing model of the same
 * architecture (compiled with the same optimizer when the save holds optimizer state). Everything
 * is checked before anything is written: on an error the model is unchanged.
 */
export function applyArtifacts(model: LayersModel, a: ModelArtifacts, where = 'model.json'): void {
  if (a === null || typeof a !== 'object') throw new TypeError(`applyArtifacts: artifacts must be {modelJson, weightData}, got ${describe(a)}`);
  const { json: j, groups } = checkModelJson(a.modelJson, where);
  const withOptimizer = j.trainingConfig !== undefined && model.optimizer !== undefined;
  const slotNames = withOptimizer ? model.optimizer!.slotNames : [];
  checkManifest(where, groups, expectedWeights(model.layers, slotNames, model.paramCount), !withOptimizer);
  const arrays = weightArrays(where, groups, a.weightData);
  const weights = model.weightNames().map((name) => arrays.get(name)!);
  const slots = slotNames.map((s) => arrays.get(`optimizer/${s}`)!);
  // checked above: none of these can throw any more, so the model is never half-loaded
  model.setWeights(weights);
  if (withOptimizer) {
    model.setOptimizerState(slots, j.training?.iterations ?? 0);
    model.epochsCompleted = j.training?.epochsCompleted ?? 0;
  }
  // saved statistics count as adapted: a later fit must not re-adapt them on other data
  for (const l of model.layers) if (l instanceof Normalization) l.adapted = true;
  if (j.userDefinedMetadata) model.metadata = { ...j.userDefinedMetadata };
}

/**
 * Rebuilds a model (compiled, with its optimizer state, when it was saved compiled). Checks the
 * whole save before allocating the model; `where` names the source in error messages.
 */
export function fromArtifacts(a: ModelArtifacts, where = 'model.json'): LayersModel {
  if (a === null || typeof a !== 'object') throw new TypeError(`fromArtifacts: artifacts must be {modelJson, weightData}, got ${describe(a)}`);
  const { json: j, groups } = checkModelJson(a.modelJson, where);
  const config = j.modelTopology.config;
  // A throwaway copy of the layers, laid out without allocating: checks each layer's config and
  // the manifest against the weights they have before the model takes any engine memory.
  // a graph is connected by name, checked for cycles and dangling layers, then laid out the same way
  const collected =
    config.input_layers !== undefined
      ? within(`${where}: modelTopology.config`, () => graphFromConfig('graph', config as unknown as GraphModelConfig))
      : undefined;
  const probe = config.layers.map((c, i) =>
    within(`${where}: modelTopology.config.layers[${i}] (${c.className})`, () => {
      const layer = collected ? collected.layers.find((l) => l.name === (c as { name?: string }).name)! : layerFromConfig(c);
      checkNoMissingFields(where, `modelTopology.config.layers[${i}].config`, c.config, layer.getConfig());
      return layer;
    }),
  );
  const layout = within(`${where}: modelTopology.config`, () =>
    collected ? layoutLayers(collected.layers, [], collected.graph) : layoutLayers(probe, config.inputShape),
  );
  let slotNames: readonly string[] = [];
  const tc = j.trainingConfig;
  if (tc) {
    const o = within(`${where}: trainingConfig.optimizer`, () => optimizerFromConfig(tc.optimizer));
    checkNoMissingFields(where, 'trainingConfig.optimizer.config', tc.optimizer.config, o.getConfig().config);
    slotNames = o.slotNames;
  }
  checkManifest(where, groups, expectedWeights(collected ? collected.layers : probe, slotNames, layout.paramCount), !tc);
  weightArrays(where, groups, a.weightData);
  // no initializers: every weight is about to be overwritten
  const model = within(`${where}: modelTopology.config`, () => modelFromConfig(config, false));
  try {
    if (tc) {
      within(`${where}: trainingConfig`, () =>
        model.compile(
          tc.outputs
            ? {
                optimizer: optimizerFromConfig(tc.optimizer),
                loss: tc.outputs.losses as never,
                lossWeights: tc.outputs.lossWeights,
                metrics: tc.outputs.metrics,
              }
            : { optimizer: optimizerFromConfig(tc.optimizer), loss: tc.loss as never, metrics: tc.metrics },
        ),
      );
    }
    applyArtifacts(model, a, where);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

// ---- checksums -----------------------------------------------------------------------------

interface Subtle {
  digest(algorithm: string, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer>;
}

/** SHA-256 (hex) with the platform's WebCrypto (Node 20's globalThis.crypto, browsers). */
async function sha256Hex(bytes: Uint8Array): Promise<string | undefined> {
  const subtle = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  // WebCrypto is missing only on insecure (plain http) browser pages: save without a checksum there
  if (!subtle) return undefined;
  const d = new Uint8Array(await subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The artifacts with each manifest group's SHA-256 filled in. */
async function withChecksums(a: { modelJson: ModelJson; weightData: ArrayBuffer }): Promise<ModelArtifacts> {
  const groups: WeightGroup[] = [];
  let o = 0;
  for (const g of a.modelJson.weightsManifest) {
    const n = g.weights.reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1) * 4, 0);
    const sha256 = await sha256Hex(new Uint8Array(a.weightData, o, n));
    groups.push({ ...g, ...(sha256 ? { sha256 } : {}) });
    o += n;
  }
  return { ...a, modelJson: { ...a.modelJson, weightsManifest: groups } };
}

/** Checks each group's SHA-256, when the save has one. */
async function verifyChecksums(a: ModelArtifacts, where: string): Promise<void> {
  const { groups } = checkModelJson(a.modelJson, where);
  weightArrays(where, groups, a.weightData); // byte count first: slicing needs it
  let o = 0;
  for (const g of groups) {
    if (g.crc32 !== undefined) {
      const got = crc32(new Uint8Array(a.weightData, o, g.bytes));
      if (got !== g.crc32) {
        throw new RangeError(
          `${where}: the weights of ${g.paths.join(', ')} fail their CRC-32 check (manifest ${hex32(g.crc32)}, data ${hex32(got)}): the buffer is damaged or was changed after packing`,
        );
      }
    }
    if (g.sha256) {
      const got = await sha256Hex(new Uint8Array(a.weightData, o, g.bytes));
      if (got !== undefined && got !== g.sha256) {
        throw new RangeError(
          `${where}: the weights file ${g.paths.join(', ')} fails its SHA-256 check (manifest ${g.sha256.slice(0, 12)}..., file ${got.slice(0, 12)}...): the file is damaged or was changed after saving`,
        );
      }
    }
    o += g.bytes;
  }
}

/** Saves a model to a URL (see {@link LayersModel.save}). */
export async function saveModel(model: LayersModel, url: string, metadata?: Record<string, unknown>, options: SaveOptions = {}): Promise<SaveResult> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`save: options must be an object such as { format: 'tfjs' }, got ${describe(options)}`);
  const format = options.format ?? 'knobs';
  if (format !== 'knobs' && format !== 'tfjs') throw new RangeError(`save: options.format must be 'knobs' or 'tfjs', got ${describe(format)}`);
  const handler = handlerFor(url);
  // converted before anything is written: a layer tfjs lacks fails here, leaving the folder as it was
  return handler.save(format === 'tfjs' ? (await tfjs()).toTfjsArtifacts(model, metadata) : await withChecksums(toArtifacts(model, metadata)));
}

/**
 * Checks a parsed model.json of either format far enough for a storage handler to read its
 * weight files: their paths (relative, inside the model's folder) and how many bytes each group
 * holds. The full check against the layers comes when the model is built.
 * @internal
 */
export async function checkSavedModelJson(
  json: unknown,
  where: string,
): Promise<{ json: ModelJson | TfjsModelJson; groups: { paths: string[]; bytes: number }[] }> {
  if (isTfjsModelJson(json)) return { json: json as TfjsModelJson, groups: (await tfjs()).checkTfjsManifest(json, where) };
  return checkModelJson(json, where);
}

/** Builds the model from loaded artifacts of either format. */
async function fromAnyArtifacts(a: ModelArtifacts, where: string): Promise<LayersModel> {
  if (isTfjsModelJson(a.modelJson)) return (await tfjs()).fromTfjsArtifacts(a, where);
  await verifyChecksums(a, where);
  return fromArtifacts(a, where);
}

/** A 32-bit value as 8 hex digits. */
const hex32 = (v: number): string => v.toString(16).padStart(8, '0');

/** What `knobs.loadModel` (load.ts) does, once it has imported this file. */
export async function loadModel(source: string | ArrayBuffer): Promise<LayersModel> {
  if (source instanceof ArrayBuffer) {
    const a = artifactsFromArrayBuffer(source);
    await verifyChecksums(a, 'loadModel: model buffer');
    return fromArtifacts(a, 'loadModel: model buffer');
  }
  const handler = handlerFor(source);
  const a = await handler.load();
  return fromAnyArtifacts(a, /\.json$/i.test(source) ? `loadModel: ${source}` : `loadModel: ${source}/model.json`);
}
