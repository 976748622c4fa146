// Regenerates the README's table of every configuration key (between the markers
// <!-- config-table:start --> and <!-- config-table:end -->) from src/broker/config-definitions.ts,
// the source of truth, so the documentation cannot drift from the code.
//
//   node tools/generate-config-table.mjs           rewrite the table in README.md
//   node tools/generate-config-table.mjs --check   exit 1 if README.md's table is out of date
//
// Reads the built definitions (dist/), building first when needed.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readmePath = join(root, 'README.md');
const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

execFileSync(process.execPath, [join(root, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
const { CONFIG_DEFINITIONS } = await import(join(root, 'dist', 'src', 'broker', 'config-definitions.js'));

const UNITS = [
  [24 * 60 * 60 * 1000, 'day'],
  [60 * 60 * 1000, 'hour'],
  [60 * 1000, 'minute'],
  [1000, 'second'],
];
const BYTE_UNITS = [
  [1024 * 1024 * 1024, 'GiB'],
  [1024 * 1024, 'MiB'],
  [1024, 'KiB'],
];

/** A default as a reader wants it: the exact value, and a friendlier one for times and sizes. */
function formatDefault(definition) {
  const value = definition.defaultValue;
  if (value === Infinity) return 'never (Long.MAX_VALUE)';
  if (typeof value !== 'number' || value <= 0) return `\`${value}\``;
  const units = definition.name.endsWith('.ms') ? UNITS : definition.name.endsWith('.bytes') ? BYTE_UNITS : [];
  for (const [size, unit] of units) {
    if (value >= size && value % size === 0) {
      const count = value / size;
      const plural = count !== 1 && !unit.endsWith('iB');
      return `\`${value}\` (${count} ${unit}${plural ? 's' : ''})`;
    }
  }
  return `\`${value}\``;
}

function range(definition) {
  if (definition.oneOf) return definition.oneOf.map((choice) => `\`${choice}\``).join(', ');
  if (definition.type === 'boolean') return '`true`, `false`';
  const min = definition.min ?? '−∞';
  const max = definition.max === undefined ? '∞' : definition.max;
  return `${definition.type} ${min} … ${max}`;
}

export function configTable() {
  const rows = [...CONFIG_DEFINITIONS]
    .sort((a, b) => (a.scope === b.scope ? 0 : a.scope === 'topic' ? -1 : 1))
    .map((definition) => `| \`${definition.name}\` | ${definition.scope} | ${formatDefault(definition)} | ${range(definition)} | ${definition.doc} |`);
  return ['| key | scope | default | values | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

const readme = readFileSync(readmePath, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) {
  console.error(`README.md has no ${START} … ${END} markers`);
  process.exit(1);
}
const updated = `${readme.slice(0, start + START.length)}\n${configTable()}\n${readme.slice(end)}`;
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error('README.md: the configuration table is out of date; run node tools/generate-config-table.mjs');
    process.exit(1);
  }
} else if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log('README.md: configuration table updated');
}
