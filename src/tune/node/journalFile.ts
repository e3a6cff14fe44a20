/**
 * A journal file (Node only): Optuna's `JournalFileStorage`, which `storage: 'journal:path'`
 * resolves to once `src/tune/node` is imported (the Node entry of knobs does).
 *
 * The file holds one JSON record a line, exactly as Optuna writes it, so `optuna-dashboard`
 * and `optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(path))` open a knobs
 * study, and knobs continues an Optuna one.
 *
 * Several processes may append at once (and Optuna processes with them):
 * - each append holds `<path>.lock`, the lock file Optuna's default `JournalFileSymlinkLock`
 *   uses (a symbolic link created atomically; `lock: 'open'` uses an O_EXCL file like
 *   `JournalFileOpenLock`, for file systems without symbolic links);
 * - the records of one append go out in a single `write()` on a descriptor opened with
 *   O_APPEND, then `fsync` (as Optuna does; `fsync: false` skips it: records still survive a
 *   killed process, only not a power cut);
 * - readers read up to the last newline, and a last record without one when it is complete
 *   JSON; a record being written is read when complete;
 * - before appending, a writer ends the file with a newline: a complete last record without
 *   one gets it and is kept; an incomplete one (a writer killed mid-write) is copied to
 *   `<journal>.torn-<uuid>` and cut off, with a warning naming the copy;
 * - a lock left by a killed process is broken: at once when it names a process of this
 *   machine that no longer runs, else after `staleLockMs` (appends hold it for microseconds).
 *   knobs' lock links to an owner file, so it resolves as Optuna's does (see JournalFileLock).
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { StorageError } from '../errors';
import type { JournalBackend, JournalLog } from '../storages/base';
import { journalLogToLine, lineToJournalLog } from '../storages/journal/format';
import { JournalStorage } from '../storages/journal/storage';
import { checkBoolean, checkOptions, checkPositive } from '../validate';
import { randomUUID } from '../../util/uuid';

/** Options of a journal file. */
export interface JournalFileOptions {
  /** `'symlink'` (default, Optuna's default lock) or `'open'` (an O_EXCL lock file). */
  lock?: 'symlink' | 'open';
  /** fsync after every append (default true, as Optuna). */
  fsync?: boolean;
  /** Age after which a lock whose owner cannot be checked is broken (default 10000 ms). */
  staleLockMs?: number;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

const TAG = /-knobs-(\d+)@(.+)$/;

/** The record a line holds when it is complete JSON, else undefined. */
function completeRecord(line: string): JournalLog | undefined {
  if (line.trim() === '') return undefined;
  try {
    return lineToJournalLog(line);
  } catch {
    return undefined;
  }
}

/** Whether process `pid` of this machine runs. */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A knobs lock owner: `<journal>.lock.knobs-<pid>@<host>.<uuid>` (older knobs: `knobs-lock:<pid>@<host>`). */
const OWNER = /(?:\.lock\.knobs-(\d+)@(.+)\.[0-9a-f-]{36}|^knobs-lock:(\d+)@(.*))$/;

/**
 * The lock around appends, compatible with Optuna's file locks (same path, same protocol:
 * create `<journal>.lock` atomically, release by renaming it to a unique name and unlinking).
 *
 * The symbolic link points at an empty owner file named after this process
 * (`<journal>.lock.knobs-<pid>@<host>.<uuid>`), created just before it. The name tells other
 * knobs writers whose lock it is, so a lock left by a killed process of this machine is broken
 * at once; and the link resolves to a real file, as Optuna's own link (to the journal) does,
 * so Optuna's stale-lock check (its `grace_period`, which stats the link's target) applies to a
 * lock knobs left: a dangling link would keep such an Optuna writer waiting for ever. Optuna
 * 3.1 has no stale-lock check: a lock left by any killed writer (Optuna's or knobs') holds it
 * until a knobs writer breaks it.
 * @internal
 */
export class JournalFileLock {
  private readonly lockPath: string;
  private owner: string | undefined;

  constructor(
    readonly path: string,
    private readonly kind: 'symlink' | 'open',
    private readonly staleMs: number,
  ) {
    this.lockPath = `${path}.lock`;
  }

  private tryCreate(): boolean {
    try {
      if (this.kind === 'symlink') {
        if (!this.owner) {
          this.owner = `${this.lockPath}.knobs-${process.pid}@${os.hostname()}.${randomUUID()}`;
          fs.closeSync(fs.openSync(this.owner, 'wx'));
        }
        // relative: the owner file sits next to the lock, wherever the folder is mounted
        fs.symlinkSync(basename(this.owner), this.lockPath);
      } else {
        const fd = fs.openSync(this.lockPath, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY);
        try {
          fs.writeSync(fd, `knobs-lock:${process.pid}@${os.hostname()}`);
        } finally {
          fs.closeSync(fd);
        }
      }
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      this.removeOwner();
      throw e;
    }
  }

  private removeOwner(): void {
    if (this.owner === undefined) return;
    try {
      fs.unlinkSync(this.owner);
    } catch {
      /* already gone */
    }
    this.owner = undefined;
  }

  /** Who holds the lock at `p` (a link target or a lock file's content), or undefined when it is gone. */
  private static holder(p: string): { text: string; mtimeMs: number } | undefined {
    try {
      const stat = fs.lstatSync(p);
      return { text: stat.isSymbolicLink() ? fs.readlinkSync(p) : fs.readFileSync(p, 'utf8'), mtimeMs: stat.mtimeMs };
    } catch {
      return undefined;
    }
  }

  /** Whether a lock held by `holder` was left by a writer that is gone. */
  private isStale(holder: { text: string; mtimeMs: number }): boolean {
    const m = OWNER.exec(holder.text);
    const pid = m?.[1] ?? m?.[3];
    const host = m?.[2] ?? m?.[4];
    if (pid !== undefined && host === os.hostname()) return !processAlive(Number(pid));
    return Date.now() - holder.mtimeMs > this.staleMs;
  }

  /** Breaks a stale lock: rename first (of several writers breaking it, one succeeds), then check that it was the stale one. */
  private breakLock(stale: string): void {
    const aside = `${this.lockPath}${randomUUID()}.stale`;
    try {
      fs.renameSync(this.lockPath, aside);
    } catch {
      return; // another writer broke or released it first
    }
    const took = JournalFileLock.holder(aside);
    if (took && took.text !== stale) {
      // a live writer took the lock between our check and the rename: give it back
      try {
        fs.renameSync(aside, this.lockPath);
      } catch {
        /* best effort: it released the lock meanwhile */
      }
      return;
    }
    fs.rmSync(aside, { force: true });
    if (OWNER.test(stale) && !stale.startsWith('knobs-lock:')) fs.rmSync(join(dirname(this.lockPath), basename(stale)), { force: true });
    process.emitWarning(`knobs/tune: broke a stale journal lock ${this.lockPath} (its writer is gone)`);
  }

  /**
   * Removes owner files of this machine's dead processes that no lock names: left when a
   * writer was killed between creating its owner file and its link, or when Optuna broke a
   * lock knobs left.
   */
  removeDeadOwners(): void {
    const dir = dirname(this.lockPath);
    const prefix = `${basename(this.lockPath)}.knobs-`;
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((f) => f.startsWith(prefix));
    } catch {
      return;
    }
    const held = JournalFileLock.holder(this.lockPath)?.text;
    for (const f of names) {
      const m = OWNER.exec(f);
      if (!m || m[2] !== os.hostname() || processAlive(Number(m[1])) || f === held) continue;
      fs.rmSync(join(dir, f), { force: true });
    }
  }

  acquire(): void {
    let wait = 1;
    for (;;) {
      if (this.tryCreate()) return;
      const holder = JournalFileLock.holder(this.lockPath);
      if (holder && this.isStale(holder)) {
        this.breakLock(holder.text);
        continue;
      }
      sleepSync(wait);
      wait = Math.min(wait * 2, 50);
    }
  }

  release(): void {
    // Optuna's release: rename to a unique name, then unlink.
    const aside = `${this.lockPath}${randomUUID()}.rename`;
    try {
      fs.renameSync(this.lockPath, aside);
    } catch {
      this.removeOwner();
      throw new StorageError(`journal: lost the lock ${this.lockPath} while appending`);
    }
    fs.unlinkSync(aside);
    this.removeOwner();
  }
}

/**
 * A {@link JournalBackend} in a file, safe for concurrent processes.
 *
 * @example
 * ```ts
 * const storage = new tune.JournalStorage(new tune.JournalFileBackend('./study.jsonl', { fsync: false }));
 * ```
 */
export class JournalFileBackend implements JournalBackend {
  private readonly lock: JournalFileLock;
  private readonly fsync: boolean;
  private readFd: number | undefined;
  private appendFd: number | undefined;
  /** Records read so far, and the byte offset after them. */
  private readCount = 0;
  private readOffset = 0;

  constructor(
    readonly path: string,
    options: JournalFileOptions = {},
  ) {
    const o = checkOptions('JournalFileBackend', options, ['lock', 'fsync', 'staleLockMs']);
    if (typeof path !== 'string' || path === '') throw new TypeError(`JournalFileBackend: path must be a non-empty string, got ${JSON.stringify(path)}`);
    const lock = o.lock ?? 'symlink';
    if (lock !== 'symlink' && lock !== 'open')
      throw new RangeError(`JournalFileBackend: options.lock must be "symlink" or "open", got ${JSON.stringify(lock)}`);
    this.fsync = o.fsync === undefined ? true : checkBoolean('JournalFileBackend', 'options.fsync', o.fsync);
    const staleMs = o.staleLockMs === undefined ? 10_000 : checkPositive('JournalFileBackend', 'options.staleLockMs', o.staleLockMs);
    this.lock = new JournalFileLock(path, lock, staleMs);
    fs.closeSync(fs.openSync(path, 'a')); // create the file if it does not exist, as Optuna does
    this.lock.removeDeadOwners();
  }

  readLogs(from: number): JournalLog[] {
    if (from !== this.readCount) {
      this.readCount = 0;
      this.readOffset = 0;
      return this.readLogs(0).slice(from);
    }
    this.readFd ??= fs.openSync(this.path, 'r');
    const size = fs.fstatSync(this.readFd).size;
    if (size <= this.readOffset) return [];
    const buf = Buffer.allocUnsafe(size - this.readOffset);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(this.readFd, buf, got, buf.length - got, this.readOffset + got);
      if (n === 0) break;
      got += n;
    }
    let end = buf.lastIndexOf(0x0a, got - 1);
    // A last record without its newline is read when it is complete JSON (a proper prefix of a
    // JSON object never is): a hand-edited file, or a writer killed before its newline. An
    // incomplete one is left until its writer finishes it (or the next writer sets it aside).
    const tail = got > end + 1 ? completeRecord(buf.toString('utf8', end + 1, got)) : undefined;
    if (end < 0 && !tail) return [];
    const logs: JournalLog[] = [];
    let start = 0;
    while (start <= end) {
      const nl = buf.indexOf(0x0a, start);
      const line = buf.toString('utf8', start, nl);
      if (line.trim() !== '') {
        try {
          logs.push(lineToJournalLog(line));
        } catch (e) {
          throw new StorageError(
            `journal ${this.path}: record ${this.readCount + logs.length} (byte ${this.readOffset + start}) is not valid JSON: ${(e as Error).message}`,
          );
        }
      }
      start = nl + 1;
    }
    if (tail) {
      logs.push(tail);
      end = got - 1;
    }
    this.readOffset += end + 1;
    this.readCount += logs.length;
    return logs;
  }

  /**
   * Makes the file end with a newline before appending. Under the lock. A complete last record
   * without its newline gets one and is kept. An incomplete one (a writer killed mid-write) is
   * copied to `<journal>.torn-<uuid>` and then cut off, with a warning naming that copy: left
   * in place it would merge with the next record into one invalid line, and Optuna's reader
   * fails on an invalid line that is not the last.
   * Returns the bytes to write before the records.
   */
  private repairTail(fd: number): string {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return '';
    const rfd = (this.readFd ??= fs.openSync(this.path, 'r'));
    const one = Buffer.alloc(1);
    fs.readSync(rfd, one, 0, 1, size - 1);
    if (one[0] === 0x0a) return '';
    let pos = size;
    const chunk = Buffer.alloc(65536);
    let keep = 0;
    while (pos > 0) {
      const start = Math.max(0, pos - chunk.length);
      const n = fs.readSync(rfd, chunk, 0, pos - start, start);
      const i = chunk.lastIndexOf(0x0a, n - 1);
      if (i >= 0) {
        keep = start + i + 1;
        break;
      }
      pos = start;
    }
    const torn = Buffer.alloc(size - keep);
    fs.readSync(rfd, torn, 0, torn.length, keep);
    if (completeRecord(torn.toString('utf8'))) return '\n';
    const aside = `${this.path}.torn-${randomUUID()}`;
    fs.writeFileSync(aside, torn);
    fs.ftruncateSync(fd, keep);
    if (keep < this.readOffset) {
      this.readOffset = keep; // never read: incomplete records are not read
    }
    process.emitWarning(
      `knobs/tune: removed an incomplete last record from ${this.path} (a writer was killed mid-write); its ${torn.length} bytes are kept in ${aside}`,
    );
    return '';
  }

  appendLogs(logs: JournalLog[]): void {
    if (logs.length === 0) return;
    const text = logs.map(journalLogToLine).join('\n') + '\n';
    this.lock.acquire();
    try {
      this.appendFd ??= fs.openSync(this.path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT);
      const data = Buffer.from(this.repairTail(this.appendFd) + text, 'utf8');
      let off = 0;
      while (off < data.length) off += fs.writeSync(this.appendFd, data, off, data.length - off);
      if (this.fsync) fs.fsyncSync(this.appendFd);
    } finally {
      this.lock.release();
    }
  }

  workerTag(): string {
    return `knobs-${process.pid}@${os.hostname()}`;
  }

  /** The file, for messages. */
  get location(): string {
    return `journal file ${JSON.stringify(this.path)}`;
  }

  isWorkerAlive(workerId: string): boolean | undefined {
    const m = TAG.exec(workerId);
    if (!m || m[2] !== os.hostname()) return undefined;
    return processAlive(Number(m[1]));
  }

  close(): void {
    if (this.readFd !== undefined) fs.closeSync(this.readFd);
    if (this.appendFd !== undefined) fs.closeSync(this.appendFd);
    this.readFd = this.appendFd = undefined;
  }
}

/**
 * A journal storage in a file (what `storage: 'journal:<path>'` resolves to in Node).
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ storage: tune.journalFileStorage('./study.jsonl'), studyName: 'mlp' });
 * ```
 */
export function journalFileStorage(path: string, options: JournalFileOptions = {}): JournalStorage {
  return new JournalStorage(new JournalFileBackend(path, options));
}
