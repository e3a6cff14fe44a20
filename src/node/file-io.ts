/**
 * The `file://` handler for Node: a directory holding model.json and a weights file.
 *
 * Saving is atomic, and safe when several processes save to one folder at once. Each save
 * writes its weights to a file of its own (`weights-<uuid>.bin`), flushed to disk; then
 * model.json, naming that file, goes to a temporary file of its own, is flushed, and is renamed
 * over the old model.json (a rename replaces a file atomically). So model.json always names
 * weights written completely by the same save: the last save to rename wins, and a crash at
 * any point leaves the previous pair. After its rename a save removes the weights file that the
 * model.json it replaced named (no later model.json can name it); files of saves that lost a
 * race or were killed are removed once they are an hour old (a save in progress is never).
 *
 * Loading reads only files inside the folder: the manifest's paths must be relative, without
 * `..`, and must not resolve (through symbolic links) outside it; each file must be a regular
 * file of exactly the size the manifest describes, and no more is read.
 * @module
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { IOHandler, ModelArtifacts, ModelJson } from '../io/io';
import { registerIOScheme } from '../io/schemes';
import { randomUUID } from '../util/uuid';

/** Largest model.json read (a manifest for billions of weights is still far smaller). */
const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;
/** Age after which a weights or temporary file that model.json does not name is removed. */
const ORPHAN_AGE_MS = 60 * 60 * 1000;
const OWN_FILE = /^(weights-[0-9a-z-]+\.bin|model\.json\.[0-9a-z.-]+\.tmp)$/;

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

/**
 * Reads a regular file of at most `max` bytes (exactly `exact` when given), without following
 * it past that: a file that grows (or a device such as /dev/zero) is never read to its end.
 */
function readBounded(path: string, what: string, max: number, exact?: number): Buffer {
  // checked before opening too: opening a FIFO blocks until someone writes to it
  if (!statSync(path).isFile()) throw new RangeError(`loadModel: ${what} ${path} is not a regular file`);
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new RangeError(`loadModel: ${what} ${path} is not a regular file`);
    if (exact !== undefined && st.size !== exact) {
      throw new RangeError(`loadModel: ${what} ${path} has ${st.size} bytes but the manifest describes ${exact}: the save is incomplete or corrupt`);
    }
    if (st.size > max) throw new RangeError(`loadModel: ${what} ${path} has ${st.size} bytes, more than the ${max} allowed`);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got !== buf.length) throw new RangeError(`loadModel: ${what} ${path} ended after ${got} of ${buf.length} bytes`);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** The weights files the current model.json names (none when it is missing or unreadable). */
function namedFiles(dir: string, jsonName: string): string[] {
  try {
    const j = JSON.parse(readBounded(join(dir, jsonName), 'model.json', MAX_MODEL_JSON_BYTES).toString('utf8')) as ModelJson;
    return j.weightsManifest.flatMap((g) => g.paths).filter((p) => typeof p === 'string');
  } catch {
    return [];
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* another save removed it first */
  }
}

/**
 * The handler for a directory, named by its path or by the path of its model.json (any name
 * ending in `.json`, as tfjs' converter output is often given: `web_model/model.json`).
 */
export function fileHandler(path: string): IOHandler {
  const named = /\.json$/i.test(path);
  const dirPath = named ? dirname(path) : path;
  const jsonName = named ? basename(path) : 'model.json';
  const dir = resolve(dirPath);
  const modelJsonPath = join(dir, jsonName);
  return {
    async save(a: ModelArtifacts) {
      mkdirSync(dir, { recursive: true });
      const id = randomUUID();
      const weightsName = `weights-${id}.bin`;
      writeDurable(join(dir, weightsName), new Uint8Array(a.weightData));
      const json = { ...a.modelJson, weightsManifest: a.modelJson.weightsManifest.map((g) => ({ ...g, paths: [weightsName] })) };
      const text = new TextEncoder().encode(JSON.stringify(json, null, 1));
      const previous = namedFiles(dir, jsonName);
      const tmp = join(dir, `model.json.${id}.tmp`);
      writeDurable(tmp, text);
      renameSync(tmp, modelJsonPath);
      syncDir(dir);
      // What the replaced model.json named is superseded for good: every later model.json
      // names a file of its own save.
      for (const f of previous) if (f !== weightsName && OWN_FILE.test(f)) removeQuietly(join(dir, f));
      const current = new Set(namedFiles(dir, jsonName));
      const now = Date.now();
      for (const f of readdirSync(dir)) {
        if (!OWN_FILE.test(f) || current.has(f) || f === weightsName) continue;
        try {
          if (now - statSync(join(dir, f)).mtimeMs > ORPHAN_AGE_MS) removeQuietly(join(dir, f));
        } catch {
          /* removed meanwhile */
        }
      }
      return { url: `file://${path}`, modelJsonBytes: text.length, weightDataBytes: a.weightData.byteLength };
    },
    async load() {
      // A save by another process may replace model.json and remove the weights it named
      // between our two reads: read again then (the new pair is complete).
      for (let attempt = 0; ; attempt++) {
        let text: string;
        try {
          text = readBounded(modelJsonPath, 'model.json', MAX_MODEL_JSON_BYTES).toString('utf8');
        } catch (err) {
          throw new Error(`loadModel: cannot read ${modelJsonPath}: ${(err as Error).message}`);
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new RangeError(`loadModel: ${modelJsonPath} is not valid JSON (${(err as Error).message}): the save is incomplete or corrupt`);
        }
        // io.ts (the checks of a saved model) loads with the first load, not at import
        const { checkSavedModelJson } = await import('../io/io');
        const { json, groups } = await checkSavedModelJson(parsed, modelJsonPath);
        const realDir = realpathSync(dir);
        try {
          const parts: Buffer[] = [];
          for (const g of groups) {
            let left = g.bytes;
            g.paths.forEach((p, i) => {
              const file = join(dir, p);
              const real = realpathSync(file);
              if (!real.startsWith(realDir + sep))
                throw new RangeError(`loadModel: ${modelJsonPath}: weights path ${JSON.stringify(p)} resolves outside the model's folder`);
              // one file: exactly the group's size; shards: each within what is left
              const buf = readBounded(real, 'weights file', left, g.paths.length === 1 ? g.bytes : undefined);
              left -= buf.length;
              if (i === g.paths.length - 1 && left !== 0) {
                throw new RangeError(
                  `loadModel: weights files ${g.paths.join(', ')} hold ${g.bytes - left} bytes but the manifest describes ${g.bytes}: the save is incomplete or corrupt`,
                );
              }
              parts.push(buf);
            });
          }
          const data = new Uint8Array(groups.reduce((s, g) => s + g.bytes, 0));
          let o = 0;
          for (const b of parts) {
            data.set(b, o);
            o += b.length;
          }
          return { modelJson: json, weightData: data.buffer };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 5) continue;
          if ((err as NodeJS.ErrnoException).code) throw new Error(`loadModel: ${modelJsonPath}: cannot read a weights file: ${(err as Error).message}`);
          throw err;
        }
      }
    },
  };
}

registerIOScheme('file', (path) => fileHandler(path));
