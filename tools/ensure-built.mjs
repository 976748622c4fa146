// Builds dist/ with tsc when it is missing or older than any source file, so `npm start` and
// `npm run bench` work right after a clone without a separate build step.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', 'src', 'index.js');

function newestMtimeMs(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    const mtimeMs = entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs;
    if (mtimeMs > newest) newest = mtimeMs;
  }
  return newest;
}

const sourcesMtimeMs = Math.max(newestMtimeMs(join(root, 'src')), newestMtimeMs(join(root, 'bench')));
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sourcesMtimeMs) {
  execFileSync('npx', ['tsc', '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
}
execFileSync(process.execPath, [join(root, 'tools', 'copy-console.mjs')], { stdio: 'inherit' });
