/**
 * Reads a Java properties file as Kafka's server.properties is written: `key=value`, `key: value`
 * or `key value` per line; `#` and `!` start comments; blank lines are skipped; a line ending in a
 * backslash continues on the next. (Unicode escapes and escaped separators in keys, which Kafka
 * configs do not use, are not supported.) Used by `strata serve --config`.
 */

import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.js';

export function parseProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!.trimStart();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && index + 1 < lines.length) line = line.slice(0, -1) + lines[++index]!.trimStart();
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match === null) properties[line.trim()] = '';
    else properties[match[1]!] = match[2]!.trim();
  }
  return properties;
}

export function readPropertiesFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read config file ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, 'give a Kafka-style properties file: key=value per line');
  }
  return parseProperties(text);
}
