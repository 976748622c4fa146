/**
 * `npm run bench [-- <suite …>] [--quick] [--json <file>]`: runs the named benchmark suites (all
 * by default) and prints one table. Figures are throughput on this machine, with each suite's
 * baseline measured in the same run so the ratios stay meaningful on a noisy machine.
 */

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCodecBench } from './codec.js';
import { runCompactionBench } from './compaction.js';
import { runEmbeddedBench } from './embedded.js';
import { printTable, type BenchResult } from './measure.js';
import { runObservabilityBench } from './observability.js';
import { runStorageBench } from './storage.js';
import { runWireBench } from './wire.js';

type Suite = (options: { quick: boolean }) => BenchResult[] | Promise<BenchResult[]>;

const suites: Record<string, Suite> = {
  codec: runCodecBench,
  compaction: runCompactionBench,
  embedded: runEmbeddedBench,
  observability: runObservabilityBench,
  storage: runStorageBench,
  wire: runWireBench,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } },
});

const selected = positionals.length > 0 ? positionals : Object.keys(suites);
const unknown = selected.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(`strata bench: unknown suite ${unknown.join(', ')} (known: ${Object.keys(suites).join(', ')})`);
  process.exit(2);
}

const results: BenchResult[] = [];
for (const name of selected) {
  console.error(`running ${name}${values.quick ? ' (quick)' : ''} …`);
  results.push(...(await suites[name]!({ quick: values.quick })));
}
printTable(results);
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
