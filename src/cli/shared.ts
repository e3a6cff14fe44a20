/**
 * What the commands share: where they print, and the live dashboard.
 * @module
 */
import * as report from '../../build/entry.report.node';
import { CliError } from './args';

/** Where a command prints: results to `log` (stdout), messages to `err` (stderr). */
export interface Out {
  log(s: string): void;
  err(s: string): void;
}

/** A dashboard for a command, started before the work so that a port in use fails at once. */
export interface CliDashboard {
  update(data: report.ReportData): void;
  close(): Promise<void>;
}

/** Starts the dashboard on 127.0.0.1 (a free port unless given) and prints its address to stderr. */
export async function startDashboard(title: string, port: number | undefined, out: Out): Promise<CliDashboard> {
  const initial = report.reportData({ title, status: 'running', notes: ['starting'] });
  let d: report.Dashboard;
  try {
    d = await report.serveDashboard(initial, port === undefined ? {} : { port });
  } catch (e) {
    throw new CliError(`dashboard: ${(e as Error).message}`);
  }
  out.err(`dashboard: ${d.url}`);
  return {
    update: (data) => d.update(data),
    async close() {
      // let open pages fetch the final state (they poll every second) before the server goes
      await new Promise((r) => setTimeout(r, 1500));
      await d.close();
    },
  };
}
