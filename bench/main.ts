/**
 * `npm run bench [-- <suite …>] [--quick] [--json <file>] [--records <n>]`: runs the named
 * benchmark suites (all by default) and prints one table. Figures are throughput on this machine,
 * with each suite's baseline measured in the same run so the ratios stay meaningful on a noisy
 * machine.
 *
 * Suites are listed below, one line each, and loaded on demand: a suite whose module is not in this
 * build (another branch adds it) or a name nobody knows is skipped with one line on stderr, and the
 * others still run. A suite that fails prints its error; the rest run and the exit code is 1.
 */

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { printTable, type BenchResult } from './measure.js';

export interface SuiteOptions {
  quick: boolean;
  /** --records: records per workload, for the suites that take it (compare); undefined = the suite's own. */
  records?: number;
}

type Suite = (options: SuiteOptions) => BenchResult[] | Promise<BenchResult[]>;

/** name, module (relative to this file), exported function. Adding a suite is one line here. */
const suites: readonly (readonly [name: string, module: string, run: string])[] = [
  ['codec', './codec.js', 'runCodecBench'],
  ['storage', './storage.js', 'runStorageBench'],
  ['embedded', './embedded.js', 'runEmbeddedBench'],
  ['wire', './wire.js', 'runWireBench'],
  ['compaction', './compaction.js', 'runCompactionBench'],
  ['observability', './observability.js', 'runObservabilityBench'],
  ['compare', './compare/compare.js', 'runCompareBench'],
];

async function loadSuite(name: string): Promise<Suite | string> {
  const entry = suites.find(([known]) => known === name);
  if (entry === undefined) return `unknown suite "${name}" (known: ${suites.map(([known]) => known).join(', ')})`;
  const [, module, run] = entry;
  const url = new URL(module, import.meta.url);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url.href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(url.pathname)) return `suite "${name}" is not in this build (${module} missing)`;
    throw error;
  }
  const suite = loaded[run];
  if (typeof suite !== 'function') return `suite "${name}": ${module} does not export ${run}()`;
  return suite as Suite;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' }, records: { type: 'string' } },
});

const records = values.records === undefined ? undefined : Number(values.records);
if (records !== undefined && !(Number.isSafeInteger(records) && records >= 1000 && records % 1000 === 0)) {
  console.error(`strata bench: --records must be a positive multiple of 1000, got "${values.records}"`);
  process.exit(2);
}

const selected = positionals.length > 0 ? positionals : suites.map(([name]) => name);
const results: BenchResult[] = [];
let failed = false;
const started = performance.now();
for (const name of selected) {
  const suite = await loadSuite(name);
  if (typeof suite === 'string') {
    console.error(`skipping: ${suite}`);
    continue;
  }
  console.error(`running ${name}${values.quick ? ' (quick)' : ''} …`);
  const suiteStarted = performance.now();
  try {
    const rows = await suite({ quick: values.quick, ...(records === undefined ? {} : { records }) });
    results.push(...rows);
    console.error(`${name}: ${rows.length} rows in ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s`);
  } catch (error) {
    failed = true;
    console.error(`suite ${name} failed: ${(error as Error).stack ?? String(error)}`);
  }
}
printTable(results);
console.error(`bench: ${results.length} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
