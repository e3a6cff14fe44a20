/**
 * The report as one HTML file: the data as JSON, the renderer and uPlot inlined, no request
 * made, so it opens from `file://` offline with nothing beside it.
 * @module
 */
import { REPORT_PAGE_CSS, REPORT_PAGE_JS } from '../../build/generated/report-page';
import type { ReportData } from './data';
import { REPORT_CSS } from './render';

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
// JSON inside <script>: "</script>" and "<!--" must not appear, so every "<" is escaped
const scriptJson = (v: unknown): string =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
const inlineScript = (js: string): string => js.replace(/<\/script/gi, '<\\/script');

/**
 * The page for `data`. With `live`, the page polls `data.json` next to it (the dashboard).
 *
 * @example
 * ```ts
 * fs.writeFileSync('report.html', report.html(report.reportData({ model, history })));
 * ```
 */
export function reportHtml(data: ReportData, options: { live?: boolean; version?: number } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(data.title)}</title><link rel="icon" href="data:,">
<style>${REPORT_PAGE_CSS}${REPORT_CSS}body{margin:0;background:#f6f8fa}</style>
</head><body>
<div id="knobs-report"${options.live ? ' data-live=""' : ''} data-version="${options.version ?? 0}"></div>
<script type="application/json" id="knobs-data">${scriptJson(data)}</script>
<script>${inlineScript(REPORT_PAGE_JS)}</script>
</body></html>
`;
}
