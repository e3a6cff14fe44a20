/**
 * A journal in IndexedDB, for studies in browsers: `storage: 'indexeddb:my-study-db'`.
 *
 * Records are kept in one object store with auto-increment keys; IndexedDB serializes
 * read-write transactions on a store, so several tabs appending at once keep one order. Writes
 * are asynchronous: a trial's parameters and reports are queued and `flush()` (called by
 * `tell` and at the end of `optimize`) waits for them, so what a tab closed in the middle of a
 * trial loses is that trial's last writes, never the study.
 * @module
 */
import { StorageError } from '../errors';
import type { JournalBackend, JournalLog } from './base';
import { JournalStorage } from './journal/storage';

/** Where to find IndexedDB (defaults: the globals of the page or worker). */
export interface IndexedDbOptions {
  /** An IDBFactory (default `globalThis.indexedDB`). */
  indexedDB?: IDBFactory;
  /** The IDBKeyRange class (default `globalThis.IDBKeyRange`). */
  keyRange?: typeof IDBKeyRange;
}

const STORE = 'journal';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new StorageError('IndexedDB request failed'));
  });
}

/**
 * A {@link JournalBackend} in an IndexedDB database.
 *
 * @example
 * ```ts
 * const storage = new tune.JournalStorage(new tune.IndexedDbJournalBackend('tuning'));
 * const study = tune.createStudy({ storage, studyName: 'mnist-mlp' });
 * await study.optimize(objective, { nTrials: 20 });
 * ```
 */
export class IndexedDbJournalBackend implements JournalBackend {
  private readonly db: Promise<IDBDatabase>;
  private readonly keyRange: typeof IDBKeyRange;
  /** Key of the last record read, and how many records that was. */
  private lastKey: IDBValidKey | undefined;
  private count = 0;

  constructor(
    readonly dbName: string,
    options: IndexedDbOptions = {},
  ) {
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    const keyRange = options.keyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange;
    if (!factory || !keyRange)
      throw new StorageError(`IndexedDbJournalBackend: IndexedDB is not available here (dbName=${JSON.stringify(dbName)}); in Node use a journal file`);
    this.keyRange = keyRange;
    this.db = new Promise((resolve, reject) => {
      const req = factory.open(dbName, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { autoIncrement: true });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new StorageError(`cannot open IndexedDB database ${JSON.stringify(dbName)}`));
    });
  }

  async readLogs(from: number): Promise<JournalLog[]> {
    const db = await this.db;
    const store = db.transaction(STORE, 'readonly').objectStore(STORE);
    const incremental = from === this.count && this.lastKey !== undefined;
    const range = incremental ? this.keyRange.lowerBound(this.lastKey, true) : undefined;
    const [values, keys] = await Promise.all([request(store.getAll(range)), request(store.getAllKeys(range))]);
    let logs = values as JournalLog[];
    if (keys.length) {
      const base = incremental ? this.count : 0;
      this.lastKey = keys[keys.length - 1];
      this.count = base + keys.length;
    }
    if (!incremental) logs = logs.slice(from);
    return logs;
  }

  async appendLogs(logs: JournalLog[]): Promise<void> {
    const db = await this.db;
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    for (const log of logs) store.add(log);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new StorageError('IndexedDB append failed'));
      tx.onabort = () => reject(tx.error ?? new StorageError('IndexedDB append aborted'));
    });
  }

  async close(): Promise<void> {
    (await this.db).close();
  }
}

/**
 * A journal storage in IndexedDB (what `storage: 'indexeddb:<dbName>'` resolves to).
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ storage: tune.indexedDbStorage('tuning'), studyName: 'mlp' });
 * await study.ready();
 * ```
 */
export function indexedDbStorage(dbName: string, options: IndexedDbOptions = {}): JournalStorage {
  return new JournalStorage(new IndexedDbJournalBackend(dbName, options));
}
