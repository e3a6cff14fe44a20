/**
 * The `indexeddb://name` handler for browsers: model.json and the weights in one record of one
 * object store, written in one transaction, so a save is atomic.
 * @module
 */
import type { IOHandler, ModelArtifacts } from '../io/io';
import { registerIOScheme } from '../io/schemes';

const DB = 'knobs-models';
const STORE = 'models';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('indexeddb:// needs IndexedDB, which this environment lacks'));
      return;
    }
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The handler for one model name. */
export function indexedDbHandler(name: string): IOHandler {
  return {
    async save(a: ModelArtifacts) {
      const db = await open();
      try {
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction(STORE, 'readwrite');
          tx.objectStore(STORE).put({ modelJson: a.modelJson, weightData: a.weightData }, name);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
          tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
        });
      } finally {
        db.close();
      }
      return { url: `indexeddb://${name}`, modelJsonBytes: JSON.stringify(a.modelJson).length, weightDataBytes: a.weightData.byteLength };
    },
    async load() {
      const db = await open();
      try {
        const rec = await new Promise<ModelArtifacts | undefined>((resolve, reject) => {
          const req = db.transaction(STORE, 'readonly').objectStore(STORE).get(name);
          req.onsuccess = () => resolve(req.result as ModelArtifacts | undefined);
          req.onerror = () => reject(req.error);
        });
        if (!rec) throw new Error(`loadModel: no model named ${JSON.stringify(name)} in IndexedDB`);
        return rec;
      } finally {
        db.close();
      }
    },
  };
}

registerIOScheme('indexeddb', (path) => indexedDbHandler(path));
