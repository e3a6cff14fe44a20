/**
 * The `file://` handler for Node: a directory holding model.json and a weights file.
 *
 * Saving is atomic. The weights go to a new file with a unique name (`weights-<id>.bin`), flushed
 * to disk; then model.json, naming that file, is written to a temporary file, flushed, and renamed
 * over the old model.json (a rename replaces a file atomically). A crash at any point leaves
 * either the old model.json with its old weights file, or the new pair. Old weights files are
 * removed after the switch.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { registerIOScheme, type IOHandler, type ModelArtifacts, type ModelJson } from '../io/io';

function writeDurable(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some platforms cannot open directories; the rename is still atomic there
  }
}

/** The handler for a directory. */
export function fileHandler(dirPath: string): IOHandler {
  const dir = resolve(dirPath);
  return {
    async save(a: ModelArtifacts) {
      mkdirSync(dir, { recursive: true });
      const weightsName = `weights-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.bin`;
      writeDurable(join(dir, weightsName), new Uint8Array(a.weightData));
      const json: ModelJson = { ...a.modelJson, weightsManifest: a.modelJson.weightsManifest.map((g) => ({ ...g, paths: [weightsName] })) };
      const text = new TextEncoder().encode(JSON.stringify(json, null, 1));
      const tmp = join(dir, `model.json.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      writeDurable(tmp, text);
      renameSync(tmp, join(dir, 'model.json'));
      syncDir(dir);
      for (const f of readdirSync(dir)) {
        if ((/^weights-.*\.bin$/.test(f) && f !== weightsName) || /^model\.json\..*\.tmp$/.test(f)) {
          try {
            unlinkSync(join(dir, f));
          } catch {
            /* another process may be cleaning up too */
          }
        }
      }
      return { url: `file://${dirPath}`, modelJsonBytes: text.length, weightDataBytes: a.weightData.byteLength };
    },
    async load() {
      let modelJson: ModelJson;
      try {
        modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
      } catch (err) {
        throw new Error(`loadModel: cannot read ${join(dir, 'model.json')}: ${(err as Error).message}`);
      }
      const parts = modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dir, p)));
      const total = parts.reduce((s, b) => s + b.length, 0);
      const data = new Uint8Array(total);
      let o = 0;
      for (const b of parts) {
        data.set(b, o);
        o += b.length;
      }
      return { modelJson, weightData: data.buffer };
    },
  };
}

registerIOScheme('file', (path) => fileHandler(path));
