/**
 * How the CLI prints: colours only when the stream is a terminal and NO_COLOR is not set
 * (https://no-color.org), aligned tables, kcat-style record formats, and writes to stdout that
 * respect backpressure (a consumer piped into a slow reader does not buffer without bound) and end
 * quietly when the reader goes away (`strata consume … | head`).
 */

import type { RecordHeader } from '../codec/record.js';

type Style = (text: string) => string;

export interface Colours {
  bold: Style;
  dim: Style;
  red: Style;
  green: Style;
  yellow: Style;
}

function ansi(open: number, close: number): Style {
  return (text) => `\u001b[${open}m${text}\u001b[${close}m`;
}

const plain: Style = (text) => text;

export function colourEnabled(stream: NodeJS.WriteStream): boolean {
  const noColor = process.env['NO_COLOR'];
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}

export function coloursFor(stream: NodeJS.WriteStream): Colours {
  if (!colourEnabled(stream)) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
  return { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39) };
}

/** Rows as aligned columns under a header (the header bold on a terminal). */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], colours: Colours = coloursFor(process.stdout)): string {
  const cells = rows.map((row) => row.map(String));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return [colours.bold(line(headers)), ...cells.map(line)].join('\n') + '\n';
}

export function isoTime(timestampMs: number): string {
  return timestampMs >= 0 && timestampMs <= 8.64e15 ? new Date(timestampMs).toISOString() : String(timestampMs);
}

export interface PrintableRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/**
 * kcat's -f tokens: %t topic, %p partition, %o offset, %k key, %s value, %h headers
 * (key=value,…), %T timestamp (ms), %K / %S key / value length (-1 for null), %% a percent sign;
 * \n, \t and \\ escapes. Null keys and values print as nothing.
 */
export function formatRecord(format: string, record: PrintableRecord): string {
  return format.replace(/%[tpokshTKS%]|\\[nt\\]/g, (token) => {
    switch (token) {
      case '%t': return record.topic;
      case '%p': return String(record.partition);
      case '%o': return String(record.offset);
      case '%k': return record.key?.toString('utf8') ?? '';
      case '%s': return record.value?.toString('utf8') ?? '';
      case '%h': return record.headers.map((header) => `${header.key}=${header.value?.toString('utf8') ?? ''}`).join(',');
      case '%T': return String(record.timestamp);
      case '%K': return String(record.key?.length ?? -1);
      case '%S': return String(record.value?.length ?? -1);
      case '%%': return '%';
      case '\\n': return '\n';
      case '\\t': return '\t';
      default: return '\\';
    }
  });
}

/** One record as a JSON line: key, value and header values as UTF-8 text (null stays null). */
export function recordJson(record: PrintableRecord): string {
  return JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key?.toString('utf8') ?? null,
    value: record.value?.toString('utf8') ?? null,
    headers: record.headers.map((header) => ({ key: header.key, value: header.value?.toString('utf8') ?? null })),
  });
}

let readerGone = false;

/** Ends the process quietly (exit 0) when stdout's reader goes away (EPIPE), as `cat` does. */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
    process.exit(0);
  });
}

/** Writes to stdout, waiting for it to drain when its buffer is full. */
export async function writeOut(text: string): Promise<void> {
  if (readerGone) return;
  if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}
