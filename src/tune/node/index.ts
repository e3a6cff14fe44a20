/**
 * The Node-only part of `knobs.tune`: journal files. Importing this module registers the
 * `journal:` storage scheme, so `createStudy({ storage: 'journal:./study.jsonl' })` works.
 * The Node entry of knobs imports it; browser bundles never do, so they carry no `fs`.
 *
 * @example
 * ```ts
 * import 'knobs/src/tune/node'; // done by the Node entry of knobs
 * const study = knobs.tune.createStudy({ storage: 'journal:./study.jsonl', studyName: 'mlp' });
 * ```
 * @module
 */
import { registerStorageScheme } from '../storages/registry';
import { journalFileStorage } from './journalFile';

export { JournalFileBackend, journalFileStorage, type JournalFileOptions } from './journalFile';

registerStorageScheme('journal', (path) => journalFileStorage(path));
