/**
 * `knobs.tune` for Node: everything in `src/tune`, plus journal files. Importing this module
 * registers the `journal:` storage scheme, so `createStudy({ storage: 'journal:./study.jsonl' })`
 * works. The Node entry of knobs exports this module as `tune` (`export * as tune from
 * './tune/node'`); the browser entry exports `src/tune` itself, which carries no `fs`.
 *
 * @example
 * ```ts
 * const study = knobs.tune.createStudy({ storage: 'journal:./study.jsonl', studyName: 'mlp' });
 * const same = knobs.tune.createStudy({ storage: knobs.tune.journalFileStorage('./study.jsonl', { fsync: false }), studyName: 'mlp' });
 * ```
 * @module
 */
import { registerStorageScheme } from '../storages/registry';
import { journalFileStorage } from './journalFile';

export * from '../index';
export { JournalFileBackend, journalFileStorage, type JournalFileOptions } from './journalFile';

registerStorageScheme('journal', (path) => journalFileStorage(path));
