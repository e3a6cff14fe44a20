// The package export 'knobs/report' outside Node (browsers, Deno/Bun web builds, edge hosts):
// reportData, html and render(element, data). A subpath of its own, so that the core bundles do
// not carry uPlot and the report page's script for the users who never draw a report. Bundled by
// build/build.mjs into build/dist/browser/report.js.
export * from '../src/report/index';
