/**
 * Runs the `strata` program and turns every outcome into an exit code: 0 ok, 1 failure, 2 usage
 * error (commander's own errors: unknown command or option, missing argument). A failure is one
 * line on stderr with a hint; `--debug` adds the stack trace.
 */

import { Command, CommanderError } from 'commander';
import { errorLine, EXIT_USAGE, toCliError } from './cli-error.js';

export const EXIT_CODES_HELP = `
Where: commands reach a running server with --bootstrap HOST:PORT (the default, 127.0.0.1:9092) or
work directly on a data directory no server holds with --data-dir DIR.

Exit codes: 0 ok; 1 failure (an error from the server or the disk, corruption found, a server that
cannot be reached, a locked data directory); 2 usage error (unknown command or flag, a malformed
flag value). Errors are one line with a hint; --debug adds the stack trace. Colours only on a
terminal, never with NO_COLOR set.`;

/** Commander settings every command inherits: usage errors on one line, exit code 2. */
export function configureProgram(program: Command): Command {
  return program
    .option('--debug', 'print stack traces with errors')
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`strata: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (hint: see --help)\n`),
    })
    .addHelpText('after', EXIT_CODES_HELP);
}

export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are exit 0; anything else was already printed by outputError.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    const failure = toCliError(error);
    console.error(errorLine(failure));
    if (argv.includes('--debug')) console.error(failure.cause instanceof Error ? failure.cause.stack : failure.stack);
    process.exitCode = failure.exitCode;
  }
}
