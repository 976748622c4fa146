#!/usr/bin/env node
/**
 * The `strata` command. Each command group lives in its own file beside this one and registers
 * itself on the program; this file only builds the program and runs it.
 */

import { readFileSync } from 'node:fs';
import { Command } from 'commander';

function packageVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

export function buildProgram(): Command {
  return new Command('strata')
    .description('A Kafka-style partitioned append-only log: embedded, over the Kafka wire protocol, or from here.')
    .version(packageVersion())
    .showHelpAfterError();
}

await buildProgram().parseAsync(process.argv);
