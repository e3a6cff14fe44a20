/**
 * The `knobs` command (package.json "bin", bundled to build/dist/cli.js):
 *
 *   knobs train DATA --label COLUMN ...     train, diagnose, write the run folder and report.html
 *   knobs evaluate MODEL DATA               loss, metrics, per-class report
 *   knobs predict MODEL DATA > out.csv      predictions as CSV
 *   knobs diagnose RUN                      the diagnosis of a run
 *   knobs tune SEARCH.{js,json} ...         a hyperparameter study in a journal file
 *   knobs report RUN                        (re)write and print the path of report.html
 *
 * Errors are one line on stderr (the stack with --verbose). Exit codes: 0 success, 1 the work
 * failed, 2 a usage mistake.
 * @module
 */
import * as knobs from '../../build/entry.node';
import { closest, CliError, EXIT, helpText, parseCommand, requirePositionals, UsageError, type CommandSpec, type Parsed } from './args';
import { DIAGNOSE, diagnoseRun, EVALUATE, evaluate, PREDICT, predict, REPORT, reportRun } from './commands';
import type { Out } from './shared';
import { train, TRAIN } from './train';
import { TUNE, tune } from './tune';

const COMMANDS: [CommandSpec, (p: Parsed, out: Out) => Promise<number>][] = [
  [TRAIN, train],
  [EVALUATE, evaluate],
  [PREDICT, predict],
  [DIAGNOSE, diagnoseRun],
  [TUNE, tune],
  [REPORT, reportRun],
];

const VERSION = '0.1.0';

function mainHelp(): string {
  return [
    'usage: knobs COMMAND [arguments] [flags]',
    '',
    'Train, diagnose and tune neural networks on plain CPUs.',
    '',
    'commands:',
    ...COMMANDS.map(([c]) => `  ${c.name.padEnd(10)} ${c.summary.split(/(?<=\.)\s/)[0]}`),
    '',
    'Run `knobs COMMAND --help` for the arguments and flags of a command.',
    'flags: -h, --help   this help;  --version   the version;  --verbose   stack traces of errors',
    'exit codes: 0 success, 1 the work failed (bad data, missing file, port in use), 2 a usage mistake.',
    '',
  ].join('\n');
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function run(argv: string[], out: Out): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const target = first === 'help' ? COMMANDS.find(([c]) => c.name === rest[0]) : undefined;
      out.log(target ? helpText(target[0]) : mainHelp());
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === '--version' || first === '-v') {
      out.log(VERSION);
      return EXIT.ok;
    }
    const found = COMMANDS.find(([c]) => c.name === first);
    if (!found) {
      const hint = closest(
        first,
        COMMANDS.map(([c]) => c.name),
      );
      throw new UsageError(
        `unknown command ${JSON.stringify(first)}${hint ? ` (did you mean ${hint}?)` : ''}; commands: ${COMMANDS.map(([c]) => c.name).join(', ')}`,
      );
    }
    const [spec, fn] = found;
    const parsed = parseCommand(spec, rest);
    if (parsed.flags.help) {
      out.log(helpText(spec));
      return EXIT.ok;
    }
    requirePositionals(spec, parsed);
    return await fn(parsed, out);
  } catch (e) {
    const usage = e instanceof UsageError;
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    out.err(`knobs: ${usage ? '' : 'error: '}${msg}`);
    if (verbose && e instanceof Error && e.stack) out.err(e.stack);
    else if (!(e instanceof CliError) && !usage) out.err('(run with --verbose for the stack trace)');
    return usage ? EXIT.usage : EXIT.failure;
  }
}

// `knobs predict ... | head`: the reader left; stop quietly, as Unix tools do
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  throw e;
});
const out: Out = { log: (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n'), err: (s) => process.stderr.write(s + '\n') };
const code = await run(process.argv.slice(2), out);
await knobs.shutdown();
// stdout may be a pipe still draining (predict > file): set the code and let Node exit on its own
process.exitCode = code;
