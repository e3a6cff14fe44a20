/**
 * Storage URLs: `storage: 'journal:./study.jsonl'` or `'indexeddb:tuning'` in `createStudy`.
 *
 * A scheme maps to a factory. `indexeddb:` and `memory:` are always known; `journal:` (a file)
 * is registered by the Node entry (`src/tune/node/index.ts`), so that browser bundles never
 * import Node's `fs`. A networked backend registers its own scheme the same way.
 * @module
 */
import { describe } from '../validate';
import type { Storage } from './base';
import { indexedDbStorage } from './indexedDb';
import { inMemoryStorage } from './journal/storage';

/** Makes a storage from what follows `scheme:` in a storage URL. */
export type StorageFactory = (location: string) => Storage;

const schemes = new Map<string, StorageFactory>([
  ['memory', () => inMemoryStorage()],
  ['indexeddb', (name) => indexedDbStorage(name)],
]);

/**
 * Registers a storage URL scheme (replacing any factory registered for it before).
 *
 * @example
 * ```ts
 * tune.registerStorageScheme('remote', (url) => new tune.JournalStorage(myHttpBackend(url)));
 * const study = tune.createStudy({ storage: 'remote:https://tuning.example/journal', studyName: 'mlp' });
 * ```
 */
export function registerStorageScheme(scheme: string, factory: StorageFactory): void {
  if (typeof scheme !== 'string' || !/^[a-z][a-z0-9+.-]*$/i.test(scheme))
    throw new TypeError(`registerStorageScheme: scheme must be a word like "journal", got ${describe(scheme)}`);
  if (typeof factory !== 'function') throw new TypeError(`registerStorageScheme: factory must be a function, got ${describe(factory)}`);
  schemes.set(scheme.toLowerCase(), factory);
}

/**
 * The schemes known now.
 *
 * @example
 * ```ts
 * tune.storageSchemes(); // ['memory', 'indexeddb', 'journal'] in Node
 * ```
 */
export function storageSchemes(): string[] {
  return [...schemes.keys()];
}

/** A storage from a URL (`scheme:location`). */
export function storageFromUrl(url: string, fn = 'createStudy'): Storage {
  const i = url.indexOf(':');
  const scheme = i > 0 ? url.slice(0, i).toLowerCase() : '';
  const factory = schemes.get(scheme);
  if (!factory) {
    const hint = scheme === 'journal' ? ' (journal files need Node: import the Node entry of knobs, or src/tune/node, which registers "journal:")' : '';
    throw new RangeError(
      `${fn}: options.storage ${JSON.stringify(url)} has no known scheme${hint}; known schemes: ${storageSchemes()
        .map((s) => `"${s}:"`)
        .join(', ')}`,
    );
  }
  return factory(url.slice(i + 1));
}
