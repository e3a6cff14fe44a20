/**
 * The script of `report.html` and of the dashboard page, bundled with uPlot into one IIFE by
 * build/build.mjs (into build/generated/report-page.ts) and inlined into the page: it reads the
 * report's JSON from the page, draws it, and on a live dashboard polls `data.json` and redraws
 * when the version changes (a reload simply draws the latest state again).
 * @module
 */
import type { ReportData } from './data';
import { renderReport } from './render';

interface Live {
  version: number;
  data: ReportData;
}

const el = document.getElementById('knobs-report')!;
const embedded = document.getElementById('knobs-data');
const view = renderReport(el, JSON.parse(embedded?.textContent ?? '{}') as ReportData);
const w = window as unknown as { knobsReport: typeof view; knobsVersion: number };
w.knobsReport = view;
w.knobsVersion = Number(el.getAttribute('data-version') ?? 0);

if (el.hasAttribute('data-live')) {
  let busy = false;
  const poll = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const r = await fetch(`data.json?since=${w.knobsVersion}`, { cache: 'no-store' });
      if (r.ok) {
        const live = (await r.json()) as Live;
        if (live.version !== w.knobsVersion) {
          w.knobsVersion = live.version;
          el.setAttribute('data-version', String(live.version));
          view.update(live.data);
        }
      }
    } catch {
      // the run ended and its server closed: keep showing the last state
    } finally {
      busy = false;
    }
  };
  setInterval(() => void poll(), 1000);
}
