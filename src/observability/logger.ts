/**
 * Strata's structured log (pino): one JSON object per line — `level` (name), `time` (ISO 8601),
 * `msg`, then the event's fields — or, for a person at a terminal, the same events as readable
 * lines (`05:12:03.114 INFO  topic created topic=orders partitions=3`). Record payloads are never
 * logged: events carry names, offsets, sizes and addresses only.
 */

import { writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  level?: LogLevel;
  /** Default: pretty when the output is a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Where lines go; default stdout (file descriptor 1), written synchronously so none is lost on exit. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const json = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    format === 'pretty' ? prettyStream(options.destination) : json,
  );
}

/** Turns each JSON line into `HH:MM:SS.mmm LEVEL message key=value …`. */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  const write = destination ? (line: string) => destination.write(line) : (line: string) => writeSync(1, line);
  return {
    write(line: string) {
      write(formatPretty(line));
    },
  };
}

export function formatPretty(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, ...fields } = entry;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const details = Object.entries(fields).map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  return `${clock} ${String(level).toUpperCase().padEnd(5)} ${String(msg ?? '')}${details.length > 0 ? ` ${details.join(' ')}` : ''}\n`;
}
