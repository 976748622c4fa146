// The README documents what the code does: its configuration table is the one generated from
// src/broker/config-definitions.ts, and its CLI reference names every command `strata --help` lists.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ok } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The command names in the "Commands:" block of a help text. */
function commandsIn(help: string): string[] {
  const block = help.split('Commands:\n')[1]!.split('\n\n')[0]!;
  return [...block.matchAll(/^  ([a-z][a-z-]*) /gm)].map((match) => match[1]!).filter((name) => name !== 'help');
}

describe('README', () => {
  it('has the configuration table generated from the definitions', () => {
    const check = spawnSync(process.execPath, [join(root, 'tools', 'generate-config-table.mjs'), '--check'], { encoding: 'utf8', timeout: 120_000 });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('documents every command and subcommand, and the exit codes', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const commands = commandsIn(ok(['--help']));
    expect(commands).toEqual(expect.arrayContaining(['serve', 'topics', 'produce', 'consume', 'groups', 'offsets', 'dump-log', 'verify']));
    for (const command of commands) expect(readme).toContain(`strata ${command}`);
    for (const group of ['topics', 'groups']) {
      const subcommands = commandsIn(ok([group, '--help']));
      expect(subcommands.length).toBeGreaterThan(3);
      for (const sub of subcommands) expect(readme).toContain(`strata ${group} ${sub}`);
    }
    expect(ok(['--help'])).toContain('Exit codes: 0 ok; 1 failure');
    expect(readme).toMatch(/\| exit code \| meaning \|/);
  });
});
