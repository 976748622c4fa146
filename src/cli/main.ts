#!/usr/bin/env node
/**
 * The `strata` command. Each command group lives in its own file beside this one and registers
 * itself on the program; this file builds the program, runs it, and turns any failure into one
 * readable line and a non-zero exit.
 */

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerServe } from './serve.js';
import { registerAcls } from './acls.js';
import { registerUsers } from './users.js';

function packageVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

export function buildProgram(): Command {
  const program = new Command('strata')
    .description('A Kafka-style partitioned append-only log: embedded, over the Kafka wire protocol, or from here.')
    .version(packageVersion())
    .showHelpAfterError();
  registerServe(program);
  registerAcls(program);
  registerUsers(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  console.error(`strata: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
