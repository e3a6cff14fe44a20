/**
 * A model's artifacts (model.json and its weights) and `toArrayBuffer`'s one-buffer format: the
 * part of saving that needs no layer class, apart from io.ts, which rebuilds any layer from a
 * save and loads with the first save or load (issue 15: an app that only trains never loads it).
 * @internal
 * @module
 */
import { crc32 } from '../util/crc32';
import type { LayersModel } from '../model/layers-model';
import type { ModelArtifacts, ModelJson, WeightEntry, WeightGroup } from './io';

/** The artifacts of a model: architecture, weights, optimizer state and progress. */
export function toArtifacts(model: LayersModel, metadata?: Record<string, unknown>): { modelJson: ModelJson; weightData: ArrayBuffer } {
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
    modelTopology: { className: model.graph ? 'Model' : 'Sequential', config: model.getConfig() },
    ...(ts
      ? {
          trainingConfig: { loss: ts.loss, metrics: ts.metrics, optimizer: ts.optimizer, ...(ts.outputs ? { outputs: ts.outputs } : {}) },
          training: { iterations: ts.iterations, epochsCompleted: ts.epochsCompleted },
        }
      : {}),
    weightsManifest: [{ paths: ['weights.bin'], weights: entries }],
    ...(metadata ? { userDefinedMetadata: metadata } : {}),
  };
  return { modelJson, weightData: data.buffer };
}

const MAGIC = 'KNOBSMDL';

/** The artifacts with each manifest group's CRC-32 filled in (synchronous, unlike SHA-256 in WebCrypto). */
function withCrc32(a: { modelJson: ModelJson; weightData: ArrayBuffer }): { modelJson: ModelJson; weightData: ArrayBuffer } {
  const groups: WeightGroup[] = [];
  let o = 0;
  for (const g of a.modelJson.weightsManifest) {
    const n = g.weights.reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1) * 4, 0);
    groups.push({ ...g, crc32: crc32(new Uint8Array(a.weightData, o, n)) });
    o += n;
  }
  return { ...a, modelJson: { ...a.modelJson, weightsManifest: groups } };
}

/**
 * Packs a model (architecture, weights, optimizer state) into one ArrayBuffer. Synchronous, so
 * each weight group carries a CRC-32 instead of the SHA-256 that `save()` writes (WebCrypto only
 * hashes asynchronously); `loadModel` checks either.
 */
export function toArrayBuffer(
  model: LayersModel,
  metadata: Record<string, unknown> | undefined = Object.keys(model.metadata).length ? model.metadata : undefined,
): ArrayBuffer {
  const a = withCrc32(toArtifacts(model, metadata));
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
  if (magic !== MAGIC || bytes.length < 12) throw new RangeError('not a knobs model buffer (bad magic bytes)');
  const n = new DataView(buffer).getUint32(8, true);
  if (12 + n > bytes.length) throw new RangeError(`knobs model buffer: its model.json claims ${n} bytes but only ${bytes.length - 12} follow`);
  let modelJson: ModelJson;
  try {
    modelJson = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + n))) as ModelJson;
  } catch (e) {
    throw new RangeError(`knobs model buffer: its model.json is not valid JSON: ${(e as Error).message}`);
  }
  return { modelJson, weightData: buffer.slice(12 + n) };
}
