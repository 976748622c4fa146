/**
 * `strata users add|remove|list`: manages the SASL users file (src/security/credentials-store.ts),
 * which holds salted, iterated hashes only (SCRAM stored and server keys; PBKDF2 for PLAIN). The
 * password comes from --password or, without it, the first line of stdin (keeps it out of shell
 * history and `ps`). A running `strata serve` picks changes up at the next login.
 */

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultCredentialsFile } from '../protocol/security-settings.js';
import { addUser, checkMechanism, readCredentials, removeUser, SASL_MECHANISMS, type SaslMechanism } from '../security/credentials-store.js';

interface UserFlags {
  credentialsFile?: string;
  dataDir: string;
  mechanism: string[];
  password?: string;
  iterations?: string;
}

/** Longest password line read from stdin. */
const MAX_STDIN_BYTES = 64 * 1024;

function credentialsPath(flags: UserFlags): string {
  return resolve(flags.credentialsFile ?? defaultCredentialsFile(resolve(flags.dataDir)));
}

async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const bytes = chunk as Buffer;
    chunks.push(bytes);
    total += bytes.length;
    if (total > MAX_STDIN_BYTES || bytes.includes(0x0a)) break;
  }
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line.length === 0) throw new Error('no password given: pass --password or write it on stdin');
  return line;
}

function mechanismsOf(flags: UserFlags): SaslMechanism[] {
  return flags.mechanism.length === 0 ? [...SASL_MECHANISMS] : [...new Set(flags.mechanism.flatMap((text) => text.split(',')).map((name) => checkMechanism(name.trim())))];
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerUsers(program: Command): void {
  const users = program.command('users').description('manage SASL users (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) in the credentials file');
  const common = (command: Command) =>
    command
      .option('--credentials-file <file>', 'the users file (default <data-dir>/meta/credentials.json)')
      .option('--data-dir <dir>', 'data directory whose default credentials file to use', './data');

  common(users.command('add <name>'))
    .description('add a user or change its password (read from stdin unless --password is given)')
    .option('--mechanism <name>', `${SASL_MECHANISMS.join(', ')}; repeatable (default: all)`, collect, [] as string[])
    .option('--password <password>', 'the password (prefer stdin: flags show up in ps and shell history)')
    .option('--iterations <n>', 'hash iterations (SCRAM default and minimum 4096)')
    .action(async (name: string, flags: UserFlags) => {
      const mechanisms = mechanismsOf(flags);
      const password = flags.password ?? (await readPasswordFromStdin());
      const iterations = flags.iterations === undefined ? undefined : Number(flags.iterations);
      await addUser(credentialsPath(flags), name, password, mechanisms, iterations);
      console.log(`user ${name}: ${mechanisms.join(', ')} in ${credentialsPath(flags)}`);
    });

  common(users.command('remove <name>'))
    .description('remove a user (or only some of its mechanisms)')
    .option('--mechanism <name>', 'remove only this mechanism; repeatable', collect, [] as string[])
    .action(async (name: string, flags: UserFlags) => {
      const removed = await removeUser(credentialsPath(flags), name, flags.mechanism.length === 0 ? undefined : mechanismsOf(flags));
      if (!removed) throw new Error(`no user ${JSON.stringify(name)} in ${credentialsPath(flags)}`);
      console.log(`user ${name}: removed`);
    });

  common(users.command('list'))
    .description('list users and their mechanisms')
    .action(async (flags: UserFlags) => {
      const file = await readCredentials(credentialsPath(flags));
      for (const [name, credentials] of Object.entries(file.users)) console.log(`${name}\t${Object.keys(credentials).join(',')}`);
    });
}
