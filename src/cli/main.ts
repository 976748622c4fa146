#!/usr/bin/env node
/**
 * The `strata` command. Each command group lives in its own file (./serve.ts, ./commands/) and
 * registers itself on the program; this file builds the program and runs it (./run.ts turns any
 * failure into one readable line and an exit code).
 */

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerConsume } from './commands/consume.js';
import { registerDumpLog } from './commands/dump-log.js';
import { registerGroups } from './commands/groups.js';
import { registerOffsets } from './commands/offsets.js';
import { registerProduce } from './commands/produce.js';
import { registerTopics } from './commands/topics.js';
import { registerVerify } from './commands/verify.js';
import { configureProgram, runCli } from './run.js';
import { registerServe } from './serve.js';
import { registerAcls } from './acls.js';
import { registerUsers } from './users.js';

function packageVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

export function buildProgram(): Command {
  const program = configureProgram(
    new Command('strata')
      .description('A Kafka-style partitioned append-only log: embedded, over the Kafka wire protocol, or from here.')
      .version(packageVersion()),
  );
  registerServe(program);
  registerTopics(program);
  registerProduce(program);
  registerConsume(program);
  registerGroups(program);
  registerOffsets(program);
  registerDumpLog(program);
  registerVerify(program);
  registerAcls(program);
  registerUsers(program);
  return program;
}

await runCli(buildProgram(), process.argv);
