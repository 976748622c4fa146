// An open consumer keeps its process alive while it waits (for its group's first rebalance, for
// records): a script that awaits it must not exit early with an unsettled top-level await.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
}, 120_000);

describe('process lifetime', () => {
  it("the README's embedded example runs to completion in a plain node process", () => {
    const entry = pathToFileURL(join(root, 'dist', 'src', 'index.js')).href;
    const script = `
      import { Broker } from ${JSON.stringify(entry)};
      const broker = await Broker.open({ dataDir: ${JSON.stringify(tempDir())}, groupInitialRebalanceDelayMs: 200 });
      await broker.admin.createTopic('orders', { partitions: 3 });
      const [r] = await broker.producer().send('orders', [{ key: 'user-1', value: '{"total":12}' }]);
      const consumer = broker.consumer({ groupId: 'billing' });
      await consumer.subscribe('orders', { from: 'earliest' });
      for await (const m of consumer) { console.log('got', m.partition === r.partition, m.offset, m.value.toString()); break; }
      await broker.close();
      console.log('closed');`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['got true 0 {"total":12}', 'closed']);
  });
});
