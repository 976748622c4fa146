// Bad input gives one clear line on stderr (with a hint) and the documented exit code:
// 1 for failures (unknown topic, missing or locked data directory, unreachable server),
// 2 for usage errors (invalid topic name, malformed flag values, unknown commands and flags).
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { ok, startServe, strata, type CliResult } from './support.js';

function expectOneLine(result: CliResult, status: number, pattern: RegExp): void {
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status, stderr: expect.stringMatching(pattern) });
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('strata bad input', () => {
  it('unknown topic: one line and exit 1, on a data directory and on a server', async () => {
    const dataDir = tempDir('strata-cli-');
    expectOneLine(strata(['consume', 'nope', '--data-dir', dataDir]), 1, /^strata: topic "nope" does not exist \(hint: .*strata topics list.*\)\n$/);
    expectOneLine(strata(['produce', 'nope', '--data-dir', dataDir], { input: 'x\n' }), 1, /^strata: topic "nope" does not exist/);
    const { bootstrap } = await startServe(tempDir('strata-cli-'));
    expectOneLine(strata(['consume', 'nope', '--bootstrap', bootstrap]), 1, /^strata: topic "nope" does not exist \(hint: /);
    expectOneLine(strata(['topics', 'describe', 'nope', '--bootstrap', bootstrap]), 1, /^strata: .*nope.* \(hint: /);
    expectOneLine(strata(['offsets', 'nope', '--bootstrap', bootstrap]), 1, /^strata: topic "nope" does not exist/);
  });

  it('invalid topic names and malformed flag values: one line and exit 2', () => {
    const dataDir = tempDir('strata-cli-');
    expectOneLine(strata(['topics', 'create', 'bad name!', '--data-dir', dataDir]), 2, /^strata: invalid topic name "bad name!".*\(hint: /);
    expectOneLine(strata(['topics', 'create', 'a'.repeat(250), '--data-dir', dataDir]), 2, /^strata: invalid topic name/);
    expectOneLine(strata(['topics', 'create', 'orders', '--partitions', 'many', '--data-dir', dataDir]), 2, /^strata: --partitions must be an integer in \[1, 100000\], got "many"\n$/);
    expectOneLine(strata(['topics', 'create', 'orders', '--config', 'retention.ms', '--data-dir', dataDir]), 2, /^strata: --config takes key=value, got "retention.ms"\n$/);
    expectOneLine(strata(['consume', 'orders', '--max-messages', '0', '--data-dir', dataDir]), 2, /^strata: --max-messages must be an integer ≥ 1, got "0"\n$/);
    expectOneLine(strata(['consume', 'orders', '--from-time', 'yesterday', '--data-dir', dataDir]), 2, /^strata: --from-time must be milliseconds since the epoch or an ISO time/);
    expectOneLine(strata(['consume', 'orders', '--offset', '3', '--from-beginning', '--data-dir', dataDir]), 2, /^strata: give one of --from-beginning, --offset, --from-time\n$/);
    expectOneLine(strata(['produce', 'orders', '--acks', 'some', '--data-dir', dataDir]), 2, /^strata: --acks must be one of all, -1, 1, 0, got "some"\n$/);
    expectOneLine(strata(['produce', 'orders', '--compression', 'zstd', '--data-dir', dataDir]), 2, /^strata: --compression must be one of none, gzip, lz4, got "zstd"\n$/);
    expectOneLine(strata(['topics', 'list', '--bootstrap', 'localhost']), 2, /^strata: --bootstrap must be host:port, got "localhost" \(hint: /);
    expectOneLine(strata(['topics', 'list', '--bootstrap', '127.0.0.1:1', '--data-dir', dataDir]), 2, /^strata: give --bootstrap or --data-dir, not both\n$/);
    expectOneLine(strata(['topics', 'list', '--no-such-flag']), 2, /^strata: unknown option '--no-such-flag' \(hint: see --help\)\n$/);
    expectOneLine(strata(['nonsense']), 2, /^strata: unknown command 'nonsense'/);
    expectOneLine(strata(['topics', 'create']), 2, /^strata: missing required argument 'topic'/);
  });

  it('a bad setting or bad input data: one line and exit 1', () => {
    const dataDir = tempDir('strata-cli-');
    ok(['topics', 'create', 'orders', '--data-dir', dataDir]);
    expectOneLine(strata(['topics', 'alter', 'orders', '--set', 'retention.ms=soon', '--data-dir', dataDir]), 1, /^strata: config retention.ms: expected an integer, got "soon" \(hint: /);
    expectOneLine(strata(['topics', 'create', 'other', '--config', 'no.such.key=1', '--data-dir', dataDir]), 1, /^strata: config no.such.key: unknown key/);
    expectOneLine(strata(['produce', 'orders', '--key-separator', ':', '--data-dir', dataDir], { input: 'a:1\nno separator here\n' }), 1, /^strata: line 2 has no key separator ":" \(hint: /);
    expectOneLine(strata(['produce', 'orders', '--json', '--data-dir', dataDir], { input: '{"value":"ok"}\n{not json\n' }), 1, /^strata: line 2 is not JSON: /);
    expectOneLine(strata(['produce', 'orders', '--file', join(dataDir, 'missing.txt'), '--data-dir', dataDir]), 1, /^strata: cannot read .*missing\.txt: no such file\n$/);
  });

  it('missing and locked data directories, and an unreachable server: one line and exit 1', async () => {
    const missing = join(tempDir(), 'not-here');
    expectOneLine(strata(['topics', 'list', '--data-dir', missing]), 1, /^strata: data directory .*not-here does not exist \(hint: /);

    const dataDir = tempDir('strata-cli-');
    await startServe(dataDir);
    expectOneLine(strata(['topics', 'list', '--data-dir', dataDir]), 1, new RegExp(`^strata: data directory ${dataDir} is in use .*\\(hint: is \`strata serve\` running on it\\?`));
    expectOneLine(strata(['verify', '--data-dir', dataDir]), 1, new RegExp(`^strata: data directory ${dataDir} is in use`));

    const port = await closedPort();
    expectOneLine(strata(['topics', 'list', '--bootstrap', `127.0.0.1:${port}`]), 1, new RegExp(`^strata: cannot connect to 127\\.0\\.0\\.1:${port}: connection refused \\(hint: is \`strata serve\` running there\\?`));
    const debug = strata(['topics', 'list', '--bootstrap', `127.0.0.1:${port}`, '--debug']);
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /); // --debug adds the stack trace
  });
});

describe('strata serve --config', () => {
  it('reads Kafka properties from a file; --set wins over it', async () => {
    const dataDir = tempDir('strata-cli-');
    const properties = join(tempDir(), 'strata.properties');
    writeFileSync(properties, '# broker settings\nnum.partitions = 4\nretention.ms: 123456\n\nauto.create.topics.enable \\\n  false\n');
    const { bootstrap } = await startServe(dataDir, ['--config', properties, '--set', 'num.partitions=2']);
    expect(ok(['topics', 'create', 'defaults', '--bootstrap', bootstrap])).toBe('created topic defaults with 2 partitions\n');
    const described = JSON.parse(ok(['topics', 'describe', 'defaults', '--json', '--bootstrap', bootstrap])) as { config: { name: string; value: string; source: string }[] };
    expect(described.config.find((entry) => entry.name === 'retention.ms')).toEqual({ name: 'retention.ms', value: '123456', source: 'broker' });

    const bad = join(tempDir(), 'bad.properties');
    writeFileSync(bad, 'log.dirs=/tmp/kafka\n');
    expectOneLine(strata(['serve', '--data-dir', tempDir(), '--port', '0', '--config', bad]), 1, /^strata: config log.dirs: unknown key/);
  });
});
