// The package export 'knobs/report' in Node: everything of build/entry.report.ts plus
// write(path, input) and serveDashboard. Bundled by build/build.mjs into build/dist/node/report.js.
export * from '../src/report/node';
