// Reading and writing TensorFlow.js layers models on disk, as tfjs-node does, for the interchange
// tests: the real @tensorflow/tfjs-layers loads what knobs saves and saves what knobs loads.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';

type Json = any;

/** tfjs' weightData is one ArrayBuffer or a list of them (4.x). */
export function joinWeights(w: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(w) ? w : [w];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out;
}

/** tfjs loads a folder written by knobs: an IOHandler reading model.json and its shards from disk. */
export async function tfjsLoad(dir: string): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel({
    load: async () => {
      const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const shards = j.weightsManifest.flatMap((g: Json) => g.paths.map((p: string) => readFileSync(join(dir, p))));
      const data = joinWeights(shards.map((b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
      return {
        modelTopology: j.modelTopology,
        weightSpecs: j.weightsManifest.flatMap((g: Json) => g.weights),
        weightData: data.buffer as ArrayBuffer,
        format: j.format,
        generatedBy: j.generatedBy,
        convertedBy: j.convertedBy,
        ...(j.trainingConfig ? { trainingConfig: j.trainingConfig } : {}),
      };
    },
  });
}

/** tfjs saves a folder as tfjs-node does (`./weights.bin`). */
export async function tfjsSave(model: tfl.LayersModel, dir: string, includeOptimizer = false): Promise<void> {
  await model.save(
    {
      save: async (a) => {
        const json = {
          modelTopology: a.modelTopology,
          ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
          format: a.format,
          generatedBy: a.generatedBy,
          convertedBy: a.convertedBy ?? null,
          weightsManifest: [{ paths: ['./weights.bin'], weights: a.weightSpecs }],
        };
        writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
        writeFileSync(join(dir, 'weights.bin'), joinWeights(a.weightData as ArrayBuffer | ArrayBuffer[]));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    },
    { includeOptimizer },
  );
}
