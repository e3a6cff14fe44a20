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
 * - readers stop at the last newline, so a record being written is read when complete;
 * - a writer killed in the middle of a write (its record is then missing its newline) is
 *   repaired by the next writer, which truncates the incomplete record under the lock before
 *   appending;
 * - a lock left by a killed process is broken: at once when it names a process of this
 *   machine that no longer runs, else after `staleLockMs` (appends hold it for microseconds).
 * @module
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { StorageError } from '../errors';
import type { JournalBackend, JournalLog } from '../storages/base';
import { journalLogToLine, lineToJournalLog } from '../storages/journal/format';
import { JournalStorage } from '../storages/journal/storage';
import { checkBoolean, checkOptions, checkPositive } from '../validate';

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

/** The lock around appends, compatible with Optuna's file locks (same path, same protocol). */
class JournalFileLock {
  private readonly lockPath: string;
  private readonly tag = `knobs-lock:${process.pid}@${os.hostname()}`;

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
        fs.symlinkSync(this.tag, this.lockPath);
      } else {
        const fd = fs.openSync(this.lockPath, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY);
        try {
          fs.writeSync(fd, this.tag);
        } finally {
          fs.closeSync(fd);
        }
      }
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  /** Whether the existing lock was left by a writer that is gone. */
  private isStale(): boolean {
    let owner = '';
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(this.lockPath);
      owner = stat.isSymbolicLink() ? fs.readlinkSync(this.lockPath) : fs.readFileSync(this.lockPath, 'utf8');
    } catch {
      return false; // released meanwhile
    }
    const m = /^knobs-lock:(\d+)@(.*)$/.exec(owner);
    if (m && m[2] === os.hostname()) return !processAlive(Number(m[1]));
    return Date.now() - stat.mtimeMs > this.staleMs;
  }

  acquire(): void {
    let wait = 1;
    for (;;) {
      if (this.tryCreate()) return;
      if (this.isStale()) {
        // Rename first: of several writers breaking the same lock, one succeeds.
        const aside = `${this.lockPath}${randomUUID()}.stale`;
        try {
          fs.renameSync(this.lockPath, aside);
          fs.unlinkSync(aside);
          process.emitWarning(`knobs.tune: broke a stale journal lock ${this.lockPath} (its writer is gone)`);
        } catch {
          // another writer broke or released it first
        }
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
      throw new StorageError(`journal: lost the lock ${this.lockPath} while appending`);
    }
    fs.unlinkSync(aside);
  }
}

/**
 * A {@link JournalBackend} in a file, safe for concurrent processes.
 *
 * @example
 * ```ts
 * const storage = new knobs.tune.JournalStorage(new knobs.tune.JournalFileBackend('./study.jsonl', { fsync: false }));
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
    const end = buf.lastIndexOf(0x0a, got - 1);
    if (end < 0) return []; // only an incomplete record so far
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
    this.readOffset += end + 1;
    this.readCount += logs.length;
    return logs;
  }

  /** Truncates an incomplete last record left by a writer killed mid-write. Under the lock. */
  private repairTail(fd: number): void {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return;
    const rfd = (this.readFd ??= fs.openSync(this.path, 'r'));
    const one = Buffer.alloc(1);
    fs.readSync(rfd, one, 0, 1, size - 1);
    if (one[0] === 0x0a) return;
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
    fs.ftruncateSync(fd, keep);
    process.emitWarning(`knobs.tune: removed an incomplete last record from ${this.path} (a writer was killed mid-write)`);
  }

  appendLogs(logs: JournalLog[]): void {
    if (logs.length === 0) return;
    const data = Buffer.from(logs.map(journalLogToLine).join('\n') + '\n', 'utf8');
    this.lock.acquire();
    try {
      this.appendFd ??= fs.openSync(this.path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT);
      this.repairTail(this.appendFd);
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
 * const study = knobs.tune.createStudy({ storage: knobs.tune.journalFileStorage('./study.jsonl'), studyName: 'mlp' });
 * ```
 */
export function journalFileStorage(path: string, options: JournalFileOptions = {}): JournalStorage {
  return new JournalStorage(new JournalFileBackend(path, options));
}
