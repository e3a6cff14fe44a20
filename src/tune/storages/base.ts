/**
 * The storage interface: where studies and trials live (Optuna's `BaseStorage`, in
 * camelCase).
 *
 * knobs ships a journal storage (an append-only log of operations, Optuna's JournalStorage
 * format) over several backends: memory, a file (Node), IndexedDB (browsers). A networked
 * backend for workers on many machines can implement either this interface or the smaller
 * {@link JournalBackend} (two methods: read logs, append logs).
 *
 * Methods split in three kinds, so trials can call them from synchronous code
 * (`trial.suggestFloat` returns a value, not a promise):
 * - **creations and state changes** may answer later (`MaybePromise`): their result (an id,
 *   whether a trial was claimed) depends on what other writers did;
 * - **writes to a trial or study the caller owns** (params, intermediate values, attributes)
 *   return nothing: they are visible at once locally and made durable in order (synchronously
 *   for files; `flush()` waits for asynchronous backends);
 * - **reads** answer from the local view, which `refresh()` brings up to date with other
 *   writers (file storages refresh on every read).
 * @module
 */
import type { Distribution } from '../distributions';
import type { FrozenTrial, JsonValue, StudyDirection, TrialState, TrialTemplate } from '../frozenTrial';
import type { MaybePromise } from '../maybe';

/** A study as a storage records it (Optuna's `FrozenStudy`). */
export interface FrozenStudy {
  readonly studyId: number;
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
}

/**
 * Where studies and trials are kept. See the module documentation for the three kinds of
 * methods.
 *
 * @example
 * ```ts
 * // Any object with these methods can back a study:
 * const study = tune.createStudy({ storage: myStorage, studyName: 'remote' });
 * ```
 */
export interface Storage {
  /** Creates a study; throws DuplicatedStudyError when the name is taken. */
  createNewStudy(directions: readonly StudyDirection[], studyName: string): MaybePromise<number>;
  deleteStudy(studyId: number): MaybePromise<void>;
  /** The id of the study with that name, or undefined. */
  getStudyIdFromName(studyName: string): MaybePromise<number | undefined>;
  getAllStudies(): MaybePromise<FrozenStudy[]>;
  /** The study as known locally; throws StorageError when there is no such study. */
  getStudy(studyId: number): FrozenStudy;
  setStudyUserAttr(studyId: number, key: string, value: JsonValue): void;
  setStudySystemAttr(studyId: number, key: string, value: JsonValue): void;

  /** Creates a trial (RUNNING, or as the template says) and answers its id. */
  createNewTrial(studyId: number, template?: TrialTemplate): MaybePromise<number>;
  setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): void;
  /**
   * Sets a trial's state (and values when it finishes). Answers whether this call took
   * effect: false when another writer claimed the WAITING trial first (state RUNNING) or
   * finished it first.
   */
  setTrialStateValues(trialId: number, state: TrialState, values?: readonly number[] | null): MaybePromise<boolean>;
  setTrialIntermediateValue(trialId: number, step: number, value: number): void;
  setTrialUserAttr(trialId: number, key: string, value: JsonValue): void;
  setTrialSystemAttr(trialId: number, key: string, value: JsonValue): void;

  /** The trial as known locally; throws StorageError when there is no such trial. */
  getTrial(trialId: number): FrozenTrial;
  /** The study's trials in number order, optionally of some states only. */
  getAllTrials(studyId: number, states?: readonly TrialState[]): readonly FrozenTrial[];

  /** Brings the local view up to date with other writers. */
  refresh?(): MaybePromise<void>;
  /** Resolves when every write made so far is durable. */
  flush?(): Promise<void>;
  /** Releases files, handles, connections. */
  close?(): MaybePromise<void>;

  /** An id of this writer; it owns the trials it creates or claims. */
  readonly workerId?: string;
  /** Where the studies are, for messages (e.g. a server and its keys). */
  readonly location?: string;
  /** The writer that runs a RUNNING trial (the one that created or claimed it). */
  getTrialOwner?(trialId: number): string | undefined;
  /**
   * Whether that writer still runs: true, false (it is gone: its RUNNING trials are stale),
   * or undefined when the storage cannot tell (another machine, an unknown writer).
   */
  isWorkerAlive?(workerId: string): boolean | undefined;
}

/** One record of a journal: an operation, who wrote it, and its fields (Optuna's format). */
export interface JournalLog {
  op_code: number;
  worker_id: string;
  [field: string]: unknown;
}

/**
 * Where a journal's records are kept: the smallest thing a new backend must provide (Optuna's
 * `BaseJournalLogStorage`). Both methods may answer synchronously or with a promise.
 * Backends must keep the records of all writers in one order that every reader sees, and must
 * not interleave or lose records when several processes append at once.
 *
 * @example
 * ```ts
 * const logs: tune.JournalLog[] = [];
 * const backend: tune.JournalBackend = {
 *   readLogs: (from) => logs.slice(from),
 *   appendLogs: (more) => { logs.push(...more); },
 * };
 * const storage = new tune.JournalStorage(backend);
 * ```
 */
export interface JournalBackend {
  /** The records numbered `from` (0 = the first) onwards. */
  readLogs(from: number): MaybePromise<JournalLog[]>;
  /** Appends records atomically, in order. */
  appendLogs(logs: JournalLog[]): MaybePromise<void>;
  /** A tag for this process that worker ids carry (e.g. `knobs-1234@host`). */
  workerTag?(): string;
  /** Where the records are, for messages (e.g. a server and its keys). */
  readonly location?: string;
  /** Whether the writer of that worker id still runs (see Storage.isWorkerAlive). */
  isWorkerAlive?(workerId: string): boolean | undefined;
  close?(): MaybePromise<void>;
}
