/**
 * Storages: where studies live. Journal files (Node) come from `src/tune/node`.
 * @module
 */
export type { FrozenStudy, JournalBackend, JournalLog, Storage } from './base';
export { IndexedDbJournalBackend, indexedDbStorage, type IndexedDbOptions } from './indexedDb';
export { JournalOperation } from './journal/format';
export { JournalStorage, MemoryJournalBackend, inMemoryStorage } from './journal/storage';
export { registerStorageScheme, storageSchemes, type StorageFactory } from './registry';
