/**
 * Replacing a small file crash-safely: the new bytes go to `<path>.tmp`, are fsynced, renamed over
 * `path`, and the directory is fsynced. A crash at any instant leaves the old file or the new one,
 * never a mix or nothing. Callers must not write the same path concurrently (one temp file).
 */

import { dirname } from 'node:path';
import type { FileIO } from './file-io.js';

export async function writeFileAtomically(io: FileIO, path: string, bytes: Buffer): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await io.open(temporary, { create: true });
  try {
    await file.truncate(0);
    await file.write([bytes], 0);
    await file.datasync();
  } finally {
    await file.close();
  }
  await io.rename(temporary, path);
  await io.syncDirectory(dirname(path));
}
