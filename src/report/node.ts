/**
 * The report in Node (`import * as report from 'knobs/report'`): `write(path, input)` writes the self-contained `report.html`, and
 * {@link serveDashboard} serves the same page live on 127.0.0.1 while a run goes on.
 * @module
 */
import { createServer, type Server } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe } from '../errors';
import { reportData, setBase64Encoder, type ReportData, type ReportInput } from './data';
import { reportHtml } from './html';

export * from './index';

setBase64Encoder((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'));

/**
 * Writes the report of a run as one HTML file that opens offline from `file://`; returns the
 * data it shows.
 *
 * @example
 * ```ts
 * await report.write('runs/mlp/report.html', { model, history, diagnosis, analysis, study });
 * ```
 */
export async function write(path: string, input: ReportInput | ReportData): Promise<ReportData> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`report.write: path must be a file path, got ${describe(path)}`);
  const data = isReportData(input) ? input : reportData(input);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, reportHtml(data));
  return data;
}

function isReportData(x: unknown): x is ReportData {
  return x !== null && typeof x === 'object' && (x as ReportData).version === 1 && typeof (x as ReportData).createdAt === 'string';
}

/** Options of {@link serveDashboard}. */
export interface DashboardOptions {
  /** Default 0: a free port chosen by the OS. */
  port?: number;
  /** Default '127.0.0.1': only this machine can see the page. */
  host?: string;
}

/** A running dashboard. */
export interface Dashboard {
  url: string;
  port: number;
  /** Publishes new content; open pages redraw within a second. */
  update(data: ReportData): void;
  /** The number of updates published. */
  readonly version: number;
  close(): Promise<void>;
}

/**
 * Serves the report page live: `GET /` is the page with the latest content, `GET /data.json`
 * the latest content and its version, which the page polls. A reload draws the latest state.
 * Rejects with a message naming the port when it is in use.
 *
 * @example
 * ```ts
 * const dash = await report.serveDashboard();
 * console.log(dash.url); // http://127.0.0.1:41234/
 * dash.update(report.reportData({ history }));
 * ```
 */
export async function serveDashboard(initial: ReportData, options: DashboardOptions = {}): Promise<Dashboard> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`serveDashboard: options.port must be an integer in [0, 65535], got ${describe(port)}`);
  const host = options.host ?? '127.0.0.1';
  let data = initial;
  let version = 1;
  let json = JSON.stringify({ version, data });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers = { 'Cache-Control': 'no-store' };
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
      res.end(reportHtml(data, { live: true, version }));
    } else if (url.pathname === '/data.json') {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.end(json);
    } else {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is in use: choose another, or leave the port out for a free one`)
          : e.code === 'EACCES'
            ? new Error(`port ${port} on ${host} needs privileges: choose a port above 1023`)
            : e,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${actual}/`,
    port: actual,
    update(d: ReportData) {
      data = d;
      version++;
      json = JSON.stringify({ version, data });
    },
    get version() {
      return version;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
