// `npm run test:crash -- --kills N [--seed S]` and `npm run test:fuzz -- --frames N [--seed S]`:
// the CI suites of test/crash and test/fuzz, run longer. Flags become the environment variables
// the suites read; the run goes through tools/run-tests.mjs (build, type-check, vitest, summary).
import { spawnSync } from 'node:child_process';

const SUITES = {
  crash: { directory: 'test/crash', flags: { '--kills': 'STRATA_CRASH_KILLS', '--power-losses': 'STRATA_CRASH_POWER_LOSSES', '--seed': 'STRATA_CRASH_SEED' } },
  fuzz: { directory: 'test/fuzz', flags: { '--frames': 'STRATA_FUZZ_FRAMES', '--seed': 'STRATA_FUZZ_SEED' } },
};

const [suiteName, ...args] = process.argv.slice(2);
const suite = SUITES[suiteName];
if (suite === undefined) {
  console.error(`usage: run-long-suite.mjs ${Object.keys(SUITES).join('|')} [--flag value …]`);
  process.exit(1);
}
const env = { ...process.env };
for (let index = 0; index < args.length; index += 2) {
  const variable = suite.flags[args[index]];
  const value = args[index + 1];
  if (variable === undefined || value === undefined || !/^\d+$/.test(value)) {
    console.error(`${suiteName}: unknown flag or missing number: ${args.slice(index, index + 2).join(' ')} (flags: ${Object.keys(suite.flags).join(', ')})`);
    process.exit(1);
  }
  env[variable] = value;
}
const root = new URL('..', import.meta.url).pathname;
const result = spawnSync(process.execPath, [`${root}tools/run-tests.mjs`, suite.directory], { stdio: 'inherit', env, cwd: root });
process.exit(result.status ?? 1);
