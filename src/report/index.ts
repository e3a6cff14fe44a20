/**
 * The report, the package export `knobs/report` (`import * as report from 'knobs/report'`):
 * {@link reportData} collects a run into JSON, {@link reportHtml} makes the self-contained page,
 * {@link renderReport} draws it into an element (browsers). In Node the subpath adds
 * `write(path, input)` and the live dashboard (`src/report/node.ts`).
 * @module
 */
export {
  reportData,
  perClassRows,
  imageUrl,
  type ReportData,
  type ReportInput,
  type ReportModel,
  type ReportGallery,
  type ReportImage,
  type ClassRow,
} from './data';
export { reportHtml as html } from './html';
export { renderReport as render, ewma, type RenderedReport, type ChartInfo } from './render';
