/**
 * An offset checkpoint file, in Kafka's text format (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint):
 *
 *   0                  version
 *   2                  number of entries
 *   orders 0 1204      <topic> <partition> <offset>, one line per partition
 *   orders 1 977
 *
 * Entries are keyed here by the partition's directory name (`<topic>-<partition>`), split at its
 * last '-'. Written crash-safely: a temp file is written and fsynced, renamed over the old one,
 * and the directory fsynced (./atomic-file.ts), so a crash leaves the old file or the new one.
 * A missing or malformed file reads as empty (every partition then recovers from offset 0).
 */

import { writeFileAtomically } from './atomic-file.js';
import type { FileIO } from './file-io.js';

const VERSION = 0;

export async function readCheckpoint(io: FileIO, path: string): Promise<Map<string, number>> {
  const offsets = new Map<string, number>();
  if (!(await io.exists(path))) return offsets;
  const lines = (await io.readFile(path)).toString('utf8').split('\n').filter((line) => line.length > 0);
  if (lines[0] !== String(VERSION) || Number(lines[1]) !== lines.length - 2) return new Map();
  for (const line of lines.slice(2)) {
    const [topic, partition, offset] = line.split(' ');
    if (topic === undefined || !/^\d+$/.test(partition ?? '') || !/^\d+$/.test(offset ?? '')) return new Map();
    offsets.set(`${topic}-${partition}`, Number(offset));
  }
  return offsets;
}

export async function writeCheckpoint(io: FileIO, path: string, offsets: ReadonlyMap<string, number>): Promise<void> {
  const lines = [String(VERSION), String(offsets.size)];
  for (const [name, offset] of offsets) {
    const dash = name.lastIndexOf('-');
    lines.push(`${name.slice(0, dash)} ${name.slice(dash + 1)} ${offset}`);
  }
  await writeFileAtomically(io, path, Buffer.from(`${lines.join('\n')}\n`));
}
