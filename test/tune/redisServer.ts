/**
 * A real redis-server for the Redis journal tests: each test starts its own on a free port in
 * a temporary folder (persistence on: an append-only file), and stops it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/** The redis-server binary, or null (Debian's `redis-server` package installs /usr/bin/redis-server). */
export function redisServerBinary(): string | null {
  for (const bin of [process.env.KNOBS_REDIS_SERVER, '/usr/bin/redis-server', 'redis-server'].filter(Boolean) as string[]) {
    if (bin.includes('/') && !existsSync(bin)) continue;
    if (spawnSync(bin, ['--version'], { encoding: 'utf8' }).status === 0) return bin;
  }
  if (process.env.KNOBS_REQUIRE_PYTHON) throw new Error('KNOBS_REQUIRE_PYTHON is set (CI) but redis-server is missing: apt-get install redis-server');
  return null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

/** A redis-server on `port`, its data in `dir`. */
export class RedisServer {
  private proc: ChildProcess | undefined;

  constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    readonly password?: string,
    /** Serve TLS only (rediss://), with this certificate and key (PEM files). */
    readonly tls?: { cert: string; key: string; ca: string },
  ) {}

  static async start(bin: string, dir: string, password?: string, tls?: { cert: string; key: string; ca: string }): Promise<RedisServer> {
    const s = new RedisServer(bin, dir, await freePort(), password, tls);
    await s.start();
    return s;
  }

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://${this.password ? `:${this.password}@` : ''}127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const listen = this.tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(this.port),
          '--tls-cert-file',
          this.tls.cert,
          '--tls-key-file',
          this.tls.key,
          '--tls-ca-cert-file',
          this.tls.ca,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(this.port)];
    const args = [...listen, '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
    if (this.password) args.push('--requirepass', this.password);
    const proc = spawn(this.bin, args, { stdio: 'ignore' });
    this.proc = proc;
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode} on port ${this.port}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`redis-server did not listen on port ${this.port}`);
  }

  /** Stops the server (SIGTERM: it writes its append-only file and exits). */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }

  /** Runs redis-cli-like commands through a short-lived client. */
  async command(...args: string[]): Promise<unknown> {
    const { createClient } = await import('@redis/client');
    const c = createClient({ url: this.url, socket: { reconnectStrategy: false } });
    c.on('error', () => {});
    await c.connect();
    try {
      return await c.sendCommand(args);
    } finally {
      c.destroy();
    }
  }
}
