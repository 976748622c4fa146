/**
 * Flags shared by the commands: where the log is (`--bootstrap` / `--data-dir`), and parsers for
 * flag values that turn a malformed value into one line and exit code 2.
 */

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from './cli-error.js';
import { LocalLogAccess } from './local-log-access.js';
import type { LogAccess } from './log-access.js';
import { RemoteLogAccess } from './remote-log-access.js';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

export interface AccessFlags {
  bootstrap?: string;
  dataDir?: string;
}

/** Adds --bootstrap and --data-dir to a command. */
export function accessOptions(command: Command): Command {
  return command
    .option('-b, --bootstrap <host:port>', `a running server, over the Kafka protocol (default: ${DEFAULT_BOOTSTRAP} unless --data-dir is given)`)
    .option('-d, --data-dir <dir>', 'work directly on a data directory no server holds (takes its lock)');
}

/** Runs `work` against the log the flags name, closing it afterwards. */
export async function withAccess<T>(flags: AccessFlags, work: (access: LogAccess) => Promise<T>): Promise<T> {
  if (flags.bootstrap !== undefined && flags.dataDir !== undefined) throw usageError('give --bootstrap or --data-dir, not both');
  const access: LogAccess = flags.dataDir !== undefined ? await LocalLogAccess.open(resolve(flags.dataDir)) : await RemoteLogAccess.connect(flags.bootstrap ?? DEFAULT_BOOTSTRAP);
  try {
    return await work(access);
  } finally {
    await access.close();
  }
}

/** An integer flag value within [min, max]. */
export function parseInteger(text: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw usageError(`${flag} must be an integer${max === Number.MAX_SAFE_INTEGER ? ` ≥ ${min}` : ` in [${min}, ${max}]`}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A time as milliseconds since the epoch, or an ISO 8601 date/time (`2026-01-31T12:00:00Z`). */
export function parseTime(text: string, flag: string): number {
  if (/^\d+$/.test(text.trim())) return Number(text);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw usageError(`${flag} must be milliseconds since the epoch or an ISO time like 2026-01-31T12:00:00Z, got ${JSON.stringify(text)}`);
  return ms;
}

/** `key=value` pairs (repeatable flags) as a map. */
export function parsePairs(pairs: readonly string[], flag: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw usageError(`${flag} takes key=value, got ${JSON.stringify(pair)}`);
    map[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return map;
}

/** For repeatable options: `.option('--x <v>', '…', collect)` (undefined when never given). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** One of the allowed words. */
export function parseChoice<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw usageError(`${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(text)}`);
  return text as T;
}
