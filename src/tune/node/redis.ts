/**
 * A journal on a Redis server (Node only): Optuna's `JournalRedisStorage`, which
 * `storage: 'redis://[:password@]host:port[/db][?prefix=NAME]'` (or `rediss://` for TLS)
 * resolves to once `src/tune/node` is imported (the Node entry of knobs does).
 *
 * The layout is Optuna's (3.1 and later), so knobs processes on any number of machines and
 * Python workers with `optuna.storages.JournalStorage(optuna.storages.JournalRedisStorage(url,
 * prefix=NAME))` share one study:
 * - `<prefix>:log_number` counts the records (-1 before the first, as Optuna's `SETNX` leaves
 *   it); record n (from 0) is the JSON string at `<prefix>:log:<n>`, the same JSON as a line
 *   of a journal file;
 * - a record is appended by one Lua script that increments the counter and sets the record,
 *   so no reader ever sees a counter ahead of a record written by knobs, and two writers never
 *   get one number;
 * - knobs never reads or writes `<prefix>:snapshot` (Optuna's pickled replay state: Python
 *   objects that only Python can read); knobs replays the records, which hold everything.
 *
 * knobs adds one hash, `<prefix>:knobs:appends` (writer id -> token of its last append), so
 * that an append retried after the connection dropped mid-command is not written twice;
 * Optuna never looks at it.
 *
 * Reads are incremental: each read is one Lua script that answers the counter and the records
 * after the last one read (the first 256 of them; more, when opening a large study, by MGETs
 * sent at once), so the cost per trial does not grow with the study.
 * The scripts name record keys they compute, as Optuna's own does: a single server (or a
 * primary with replicas), not Redis Cluster.
 *
 * When the server goes away (restarted, network cut), every command is retried with
 * exponential backoff for `retryTimeout` seconds; then the operation rejects with a
 * StorageError naming the server (the running trial fails in this process; with heartbeats,
 * another worker fails and retries it in the study). The connection is made again on the next
 * operation, so work resumes when the server is back.
 * @module
 */
import * as os from 'node:os';
import { StorageError } from '../errors';
import type { JournalBackend, JournalLog } from '../storages/base';
import { journalLogToLine, lineToJournalLog } from '../storages/journal/format';
import { JournalStorage } from '../storages/journal/storage';
import type { ConnectionOptions } from 'node:tls';
import { checkOptions, checkPositive, checkString } from '../validate';
import { randomUUID } from '../../util/uuid';

/** Options of a Redis journal. */
export interface RedisJournalOptions {
  /** Prefix of the keys (Optuna's `prefix`; default `''`, so keys are `:log_number`, `:log:0`...). */
  prefix?: string;
  /** Seconds to keep retrying while the server cannot be reached (default 30). */
  retryTimeout?: number;
  /** Seconds to wait for a connection to open (default 5). */
  connectTimeout?: number;
  /**
   * TLS settings for a `rediss://` server, as Node's `tls.connect` takes them: `ca` to trust a
   * private certificate authority (PEM), `cert` and `key` for servers that ask for a client
   * certificate, `servername`. Without them the system's authorities are trusted (and
   * `NODE_EXTRA_CA_CERTS`, for the command line).
   */
  tls?: RedisTlsOptions;
}

/** What {@link RedisJournalOptions.tls} takes: these fields of Node's `tls.ConnectionOptions`. */
export type RedisTlsOptions = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername'>;

/** The few commands of a node-redis client this backend uses. */
interface Connection {
  get(key: string): Promise<string | null>;
  mGet(keys: string[]): Promise<(string | null)[]>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: 'error' | 'end', listener: (e?: unknown) => void): unknown;
}

/**
 * The append, atomic on one server (one round trip). It refuses a counter key that holds
 * something else than an integer (a prefix used by other data). KEYS: the counter, knobs' hash of last append tokens.
 * ARGV: the prefix, this writer's id, the token of this append, then the records. A token
 * already recorded for this writer means the append went through before the connection
 * dropped: nothing is written again. `SETNX -1` then `INCR` numbers the first record 0, as
 * Optuna's `append_logs` does.
 */
const APPEND_SCRIPT = `local kind = redis.call('type', KEYS[1]).ok
local count = kind == 'string' and redis.call('get', KEYS[1]) or nil
if (kind ~= 'none' and kind ~= 'string') or (count and not string.match(count, '^%-?%d+$')) then
  return redis.error_reply('NOTJOURNAL the key holds no record counter')
end
if redis.call('hget', KEYS[2], ARGV[2]) == ARGV[3] then return -1 end
redis.call('setnx', KEYS[1], -1)
local n = -1
for j = 4, #ARGV do
  n = redis.call('incr', KEYS[1])
  redis.call('set', string.format('%s:log:%d', ARGV[1], n), ARGV[j])
end
redis.call('hset', KEYS[2], ARGV[2], ARGV[3])
return n`;

/**
 * The read of the counter and of the first few unseen records, in one round trip: ARGV[2]
 * (from) onwards, at most ARGV[3], joined by NUL (which no JSON text contains), a missing
 * record as an empty string. KEYS: the counter; ARGV: the prefix, from, how many. A process
 * that keeps up with a study reads everything new this way; opening a large study reads the
 * rest with MGET, which the server answers faster than a script can join.
 */
const READ_SCRIPT = `local kind = redis.call('type', KEYS[1]).ok
if kind == 'none' then return {-1, ''} end
local count = kind == 'string' and redis.call('get', KEYS[1]) or nil
if not count or not string.match(count, '^%-?%d+$') then
  return redis.error_reply('NOTJOURNAL the key holds no record counter')
end
local last = tonumber(count)
local from = tonumber(ARGV[2])
local to = math.min(last, from + tonumber(ARGV[3]) - 1)
if to < from then return {last, ''} end
local keys = {}
for i = from, to do keys[#keys + 1] = string.format('%s:log:%d', ARGV[1], i) end
local values = redis.call('mget', unpack(keys))
for j = 1, #keys do values[j] = values[j] or '' end
return {last, table.concat(values, '\\0')}`;

/** Records the read script answers at most. */
const FIRST = 256;
/** Records per MGET beyond those (all chunks sent at once: a 10,000-trial study has ~80,000 records). */
const CHUNK = 4000;

/** Server replies worth retrying: the server is starting, busy or failing over. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|READONLY)\b/;
/** Socket errors worth retrying: the server is down, restarting or cut off. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN']);
/** node-redis errors of a lost or failed connection. */
const TRANSIENT_NAMES = new Set([
  'SocketClosedUnexpectedlyError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'ClientClosedError',
  'ClientOfflineError',
  'DisconnectsClientError',
  'ReconnectStrategyError',
  'TimeoutError',
]);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What a storage URL `redis://...?prefix=p&retryTimeout=s` says. */
export function parseRedisUrl(url: string): { clientUrl: string; server: string; options: RedisJournalOptions } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`redis storage: ${JSON.stringify(url)} is not a URL like redis://[:password@]host:port[/db]`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new RangeError(`redis storage: ${JSON.stringify(url)} must start with redis:// or rediss://, got ${JSON.stringify(u.protocol)}`);
  if (!u.hostname) throw new RangeError(`redis storage: ${JSON.stringify(url)} names no host`);
  if (u.pathname && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname))
    throw new RangeError(`redis storage: the database in ${JSON.stringify(url)} must be a number (e.g. /0), got ${JSON.stringify(u.pathname.slice(1))}`);
  const options: RedisJournalOptions = {};
  for (const [k, v] of u.searchParams) {
    if (k === 'prefix') options.prefix = v;
    else if (k === 'retryTimeout' || k === 'connectTimeout') {
      const n = Number(v);
      if (!(n > 0) || !Number.isFinite(n))
        throw new RangeError(`redis storage: ${k} in ${JSON.stringify(redactUrl(url))} must be a positive number of seconds, got ${JSON.stringify(v)}`);
      options[k] = n;
    } else
      throw new RangeError(
        `redis storage: unknown parameter ${JSON.stringify(k)} in ${JSON.stringify(redactUrl(url))}; known: prefix, retryTimeout, connectTimeout`,
      );
  }
  u.search = '';
  const clientUrl = u.toString();
  return { clientUrl, server: redactUrl(clientUrl), options };
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

function errorText(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length) return e.errors.map(errorText).join('; ');
  if (e instanceof Error) return e.message || (e as NodeJS.ErrnoException).code || e.name;
  return String(e);
}

/**
 * A {@link JournalBackend} on a Redis server, in Optuna's `JournalRedisStorage` layout.
 *
 * @example
 * ```ts
 * const backend = new tune.RedisJournalBackend('redis://localhost:6379', { prefix: 'mnist' });
 * const storage = new tune.JournalStorage(backend);
 * const study = await tune.createStudy({ storage, studyName: 'mlp' }).ready();
 * ```
 */
export class RedisJournalBackend implements JournalBackend {
  /** The server, as messages name it (without the password). */
  readonly server: string;
  readonly prefix: string;
  private readonly clientUrl: string;
  private readonly retryMs: number;
  private readonly connectMs: number;
  private readonly appendsKey: string;
  private readonly counterKey: string;
  private readonly writer = randomUUID();
  private connection: Promise<Connection> | undefined;
  private errorReply: (new (...a: never[]) => Error) | undefined;
  private closed = false;
  private tls: RedisTlsOptions | undefined;
  /** When the server was first found unreachable in the current outage (cleared by a success). */
  private downSince: number | undefined;
  /** A record found missing behind the counter, and since when (a writer died between INCR and SET). */
  private hole: { n: number; since: number } | undefined;

  constructor(url: string, options: RedisJournalOptions = {}) {
    const fn = 'RedisJournalBackend';
    if (typeof url !== 'string') throw new TypeError(`${fn}: url must be a string like "redis://localhost:6379", got ${typeof url}`);
    const parsed = parseRedisUrl(url);
    const o = checkOptions(fn, options, ['prefix', 'retryTimeout', 'connectTimeout', 'tls']);
    const merged = { ...parsed.options, ...(o as RedisJournalOptions) };
    this.prefix = merged.prefix === undefined ? '' : checkString(fn, 'options.prefix', merged.prefix);
    this.retryMs = (merged.retryTimeout === undefined ? 30 : checkPositive(fn, 'options.retryTimeout', merged.retryTimeout)) * 1000;
    this.connectMs = (merged.connectTimeout === undefined ? 5 : checkPositive(fn, 'options.connectTimeout', merged.connectTimeout)) * 1000;
    this.clientUrl = parsed.clientUrl;
    this.server = parsed.server;
    if (o.tls !== undefined) {
      if (!parsed.clientUrl.startsWith('rediss:'))
        throw new RangeError(`${fn}: options.tls is for a TLS server (rediss://), but the URL is ${JSON.stringify(parsed.server)}`);
      const t = checkOptions(`${fn}: options.tls`, o.tls as object, ['ca', 'cert', 'key', 'servername']);
      this.tls = t as RedisTlsOptions;
    }
    this.counterKey = `${this.prefix}:log_number`;
    this.appendsKey = `${this.prefix}:knobs:appends`;
  }

  /** The server and keys, for messages. */
  get location(): string {
    return `Redis ${this.server} (keys ${JSON.stringify(this.counterKey)}, ${JSON.stringify(this.recordKey(0).replace(/0$/, '<n>'))})`;
  }

  /** The key of record `n`. */
  recordKey(n: number): string {
    return `${this.prefix}:log:${n}`;
  }

  private connect(): Promise<Connection> {
    if (this.closed) return Promise.reject(new StorageError(`${this.server}: this Redis journal is closed`));
    if (this.connection) return this.connection;
    const p = (async () => {
      let mod: typeof import('@redis/client');
      try {
        mod = await import('@redis/client');
      } catch (e) {
        throw new StorageError(`${this.server}: the Redis client is missing (npm install @redis/client): ${errorText(e)}`);
      }
      this.errorReply = mod.ErrorReply as unknown as new (...a: never[]) => Error;
      // No reconnection and no offline queue in the client: a dropped connection fails its
      // commands at once, and this backend reconnects and retries them under its own deadline
      // (and knows which append to deduplicate).
      const client = mod.createClient({
        url: this.clientUrl,
        socket: { reconnectStrategy: false, connectTimeout: this.connectMs, ...(this.tls ? { tls: true as const, ...this.tls } : {}) },
        disableOfflineQueue: true,
      }) as unknown as Connection;
      client.on('error', () => {}); // every error also rejects the command or connect() that met it
      client.on('end', () => {
        if (this.connection === p) this.connection = undefined;
      });
      try {
        await client.connect();
      } catch (e) {
        client.destroy();
        throw e;
      }
      return client;
    })();
    this.connection = p;
    p.catch(() => {
      if (this.connection === p) this.connection = undefined;
    });
    return p;
  }

  private drop(): void {
    const p = this.connection;
    this.connection = undefined;
    p?.then(
      (c) => {
        try {
          c.destroy();
        } catch {
          /* closed already */
        }
      },
      () => {},
    );
  }

  private isReply(e: unknown): boolean {
    return this.errorReply !== undefined && e instanceof this.errorReply;
  }

  /** Whether retrying may help: a connection problem or a server that is starting. Anything else (a bug, a refused command) fails at once. */
  private transient(e: unknown): boolean {
    if (e instanceof AggregateError) return e.errors.length > 0 && e.errors.every((x) => this.transient(x));
    if (this.isReply(e)) return TRANSIENT_REPLY.test(errorText(e));
    if (!(e instanceof Error)) return false;
    const code = (e as NodeJS.ErrnoException).code;
    return (code !== undefined && TRANSIENT_CODES.has(code)) || TRANSIENT_NAMES.has(e.constructor.name) || TRANSIENT_NAMES.has(e.name);
  }

  /** A clear error for a reply that retrying cannot fix. */
  private refused(e: unknown, key: string): StorageError {
    const text = errorText(e);
    if ((e as NodeJS.ErrnoException).code === 'ENOTFOUND')
      return new StorageError(`cannot reach Redis ${this.server} (key ${JSON.stringify(key)}): no such host (${text})`);
    let hint = '';
    if (/^(WRONGPASS|NOAUTH)/.test(text)) hint = ': check the password in the storage URL (redis://:password@host:port)';
    else if (/NOTJOURNAL|WRONGTYPE/.test(text))
      hint = `: key ${JSON.stringify(key)} holds data that is not an Optuna journal; use another prefix (?prefix=NAME)`;
    if (!this.isReply(e)) return new StorageError(`Redis ${this.server} (key ${JSON.stringify(key)}): ${text}`);
    return new StorageError(`Redis ${this.server} refused a command on key ${JSON.stringify(key)}: ${text}${hint}`);
  }

  /** Runs `f` on a connection; retries with backoff while the server cannot be reached. */
  private async retrying<T>(what: string, key: string, f: (c: Connection) => Promise<T>): Promise<T> {
    let wait = 50;
    for (;;) {
      try {
        const result = await f(await this.connect());
        this.downSince = undefined;
        return result;
      } catch (e) {
        if (e instanceof StorageError) throw e;
        if (!this.transient(e)) {
          if (!this.isReply(e)) this.drop();
          throw this.refused(e, key);
        }
        this.drop();
        // One deadline per outage, not per command: writes queued behind a failed one fail
        // fast instead of each waiting retryTimeout again.
        const now = Date.now();
        this.downSince ??= now;
        const elapsed = now - this.downSince;
        if (this.closed || elapsed + wait > this.retryMs) {
          throw new StorageError(
            `cannot reach Redis ${this.server} to ${what} (key ${JSON.stringify(key)}): ${errorText(e)}; gave up after ${(elapsed / 1000).toFixed(1)} s (retryTimeout ${this.retryMs / 1000} s)`,
          );
        }
        await sleep(wait);
        wait = Math.min(wait * 2, 2000);
      }
    }
  }

  async readLogs(from: number): Promise<JournalLog[]> {
    const reply = (await this.retrying('read the journal', this.counterKey, (c) =>
      c.eval(READ_SCRIPT, { keys: [this.counterKey], arguments: [this.prefix, String(from), String(FIRST)] }),
    )) as [number, string];
    const last = Number(reply[0]);
    const first = Math.max(0, Math.min(last, from + FIRST - 1) - from + 1);
    const texts: (string | null)[] = first > 0 ? reply[1].split('\0') : [];
    if (last >= from + FIRST) {
      const lo = from + FIRST;
      const chunks: string[][] = [];
      for (let n = lo; n <= last; n += CHUNK) chunks.push(Array.from({ length: Math.min(CHUNK, last - n + 1) }, (_, i) => this.recordKey(n + i)));
      const rest = await this.retrying('read the journal', this.recordKey(lo), (c) => Promise.all(chunks.map((keys) => c.mGet(keys))));
      for (const values of rest) for (const v of values) texts.push(v);
    }
    const logs: JournalLog[] = [];
    for (let i = 0; i < texts.length; i++) {
      const n = from + i;
      const text = texts[i];
      if (!text) {
        // Counted but not written: a writer that increments and sets in two commands
        // (Optuna with use_cluster=True) is between them, or died there. Read up to it now.
        if (this.hole?.n !== n) this.hole = { n, since: Date.now() };
        else if (Date.now() - this.hole.since > this.retryMs)
          throw new StorageError(
            `Redis ${this.server}: record ${JSON.stringify(this.recordKey(n))} is missing although ${JSON.stringify(this.counterKey)} is ${last} (a writer died between counting and writing it, ${((Date.now() - this.hole.since) / 1000).toFixed(0)} s ago); the study was not changed`,
          );
        return logs;
      }
      try {
        logs.push(lineToJournalLog(text));
      } catch (e) {
        throw new StorageError(
          `Redis ${this.server}: record ${JSON.stringify(this.recordKey(n))} is not a journal record (${errorText(e)}; it starts ${JSON.stringify(text.slice(0, 60))}): a writer crashed mid-way or the prefix ${JSON.stringify(this.prefix)} holds other data; the study was not changed`,
        );
      }
    }
    this.hole = undefined;
    return logs;
  }

  async appendLogs(logs: JournalLog[]): Promise<void> {
    if (logs.length === 0) return;
    const args = [this.prefix, this.writer, randomUUID(), ...logs.map(journalLogToLine)];
    await this.retrying('append to the journal', this.counterKey, (c) => c.eval(APPEND_SCRIPT, { keys: [this.counterKey, this.appendsKey], arguments: args }));
  }

  workerTag(): string {
    return `knobs-${process.pid}@${os.hostname()}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    const p = this.connection;
    this.connection = undefined;
    if (!p) return;
    try {
      await (await p).close();
    } catch {
      /* never connected, or gone already */
    }
  }
}

/**
 * A journal storage on Redis (what `storage: 'redis://host:port'` resolves to in Node).
 * Resolve `ready()` (or a study's `ready()`) before synchronous reads.
 *
 * @example
 * ```ts
 * const storage = tune.redisStorage('redis://:secret@tuning.lan:6379/0', { prefix: 'mnist', retryTimeout: 120 });
 * const study = await tune.createStudy({ storage, studyName: 'mlp', heartbeatInterval: 10 }).ready();
 * await study.optimize(objective, { callbacks: [tune.maxTrialsCallback(200)] });
 * ```
 */
export function redisStorage(url: string, options: RedisJournalOptions = {}): JournalStorage {
  return new JournalStorage(new RedisJournalBackend(url, options));
}
