// The package export 'knobs/tune' in Node: everything of build/entry.tune.ts plus journal files
// and Redis journals (the 'journal:', 'redis:' and 'rediss:' storage schemes). Bundled by
// build/build.mjs into build/dist/node/tune.js.
export * from '../src/tune/node/index';
