/**
 * `knobs/tune` for Node: everything in `src/tune`, plus journal files and Redis journals.
 * Importing this module registers the `journal:`, `redis:` and `rediss:` storage schemes, so
 * `createStudy({ storage: 'journal:./study.jsonl' })` and `storage: 'redis://host:6379'` work
 * (the Redis client, `@redis/client`, is loaded on first use only). The package's Node build
 * exports this module as `knobs/tune` (build/entry.tune.node.ts); the browser build exports
 * `src/tune` itself, which carries no `fs`.
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ storage: 'journal:./study.jsonl', studyName: 'mlp' });
 * const same = tune.createStudy({ storage: tune.journalFileStorage('./study.jsonl', { fsync: false }), studyName: 'mlp' });
 * ```
 * @module
 */
import { registerStorageScheme } from '../storages/registry';
import { journalFileStorage } from './journalFile';
import { redisStorage } from './redis';

export * from '../index';
export { JournalFileBackend, journalFileStorage, type JournalFileOptions } from './journalFile';
export { RedisJournalBackend, redisStorage, type RedisJournalOptions, type RedisTlsOptions } from './redis';

registerStorageScheme('journal', (path) => journalFileStorage(path));
registerStorageScheme('redis', (rest) => redisStorage(`redis:${rest}`));
registerStorageScheme('rediss', (rest) => redisStorage(`rediss:${rest}`));
