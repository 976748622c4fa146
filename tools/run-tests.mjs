// `npm test`: type-check the tests, run vitest, and end with one plain line CI can count:
// "N passed, N failed" (", N skipped" when any were). Exits non-zero on any failure, on a type
// error, or when no test ran. Extra arguments go to vitest (e.g. `npm test -- test/codec`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (command, args) => spawnSync(command, args, { stdio: 'inherit', cwd: root }).status ?? 1;

if (run('node', [join(root, 'tools', 'ensure-built.mjs')]) !== 0) process.exit(1);
if (run('npx', ['tsc', '-p', join(root, 'test', 'tsconfig.json'), '--noEmit']) !== 0) {
  console.log('0 passed, 1 failed: the tests do not type-check');
  process.exit(1);
}

const resultsDirectory = mkdtempSync(join(tmpdir(), 'strata-vitest-'));
const resultsFile = join(resultsDirectory, 'results.json');
const vitestStatus = run('npx', [
  'vitest', 'run', '--config', join(root, 'test', 'vitest.config.ts'),
  '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`,
  ...process.argv.slice(2),
]);

let results;
try {
  results = JSON.parse(readFileSync(resultsFile, 'utf8'));
} catch {
  console.log(`0 passed, 1 failed: vitest wrote no results (exit ${vitestStatus})`);
  process.exit(1);
} finally {
  rmSync(resultsDirectory, { recursive: true, force: true });
}

const passed = results.numPassedTests;
// A test file that failed without a failed test (it did not load, or a hook threw) counts as one failure.
const failed = results.numFailedTests + countFilesFailedOutsideTests(results);
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || vitestStatus !== 0 || passed === 0 ? 1 : 0);

function countFilesFailedOutsideTests(json) {
  return json.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed')).length;
}
