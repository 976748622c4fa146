/**
 * Event sourcing with a compacted topic: an account-balance projection rebuilt at start-up.
 *
 * Every change to an account is written as the account's new state, keyed by the account id; a
 * closed account gets a tombstone (null value). Compaction keeps only the newest record per key,
 * so replaying the topic from the start stays short however long the history grows. At start-up
 * the service reads the topic to its current end (`readToEnd`), then serves.
 *
 * Run it: `npm run build && node dist/examples/account-balance.js [data-dir]`
 * (test/examples/account-balance.test.ts runs it on every `npm test`).
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Broker } from '../src/index.js';

const TOPIC = 'account-balances';

interface AccountState {
  balanceCents: number;
}

/** Reads the whole topic once, to the end offsets it has now, into account → balance. */
export async function rebuildBalances(broker: Broker): Promise<Map<string, number>> {
  const consumer = broker.consumer({ readToEnd: true });
  await consumer.subscribe(TOPIC, { from: 'earliest' });
  const balances = new Map<string, number>();
  for await (const message of consumer) {
    const account = message.key!.toString();
    if (message.value === null) balances.delete(account); // closed account
    else balances.set(account, (JSON.parse(message.value.toString()) as AccountState).balanceCents);
  }
  await consumer.close();
  return balances;
}

/** Writes a history of deposits and a closure, compacts, and rebuilds the projection. */
export async function runExample(dataDir: string): Promise<{ balances: Map<string, number>; recordsWritten: number; recordsAfterCompaction: number }> {
  const broker = await Broker.open({ dataDir });
  try {
    await broker.admin.createTopic(TOPIC, { partitions: 2, config: { 'cleanup.policy': 'compact', 'segment.bytes': 4096, 'min.cleanable.dirty.ratio': 0.1 } });
    const producer = broker.producer({ acks: -1 });
    const balances = new Map<string, number>();
    let recordsWritten = 0;
    for (let day = 1; day <= 100; day++) {
      for (const account of ['alice', 'bob', 'carol']) {
        const balanceCents = (balances.get(account) ?? 0) + day * 100;
        balances.set(account, balanceCents);
        await producer.send(TOPIC, [{ key: account, value: JSON.stringify({ balanceCents } satisfies AccountState) }]);
        recordsWritten++;
      }
    }
    await producer.send(TOPIC, [{ key: 'carol', value: null }]); // carol closes her account
    recordsWritten++;
    await producer.send(TOPIC, [{ key: 'dave', value: JSON.stringify({ balanceCents: 500 }) }]);
    recordsWritten++;
    // The background cleaner would get there on its own (log.cleaner.backoff.ms); here, now.
    for (const log of broker.core.topics.partitionLogs(TOPIC)) await broker.core.cleaner.clean(log);
    const rebuilt = await rebuildBalances(broker);
    let recordsAfterCompaction = 0;
    const counter = broker.consumer({ readToEnd: true });
    await counter.subscribe(TOPIC, { from: 'earliest' });
    for await (const _message of counter) recordsAfterCompaction++;
    await counter.close();
    return { balances: rebuilt, recordsWritten, recordsAfterCompaction };
  } finally {
    await broker.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dataDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'strata-account-balance-'));
  const { balances, recordsWritten, recordsAfterCompaction } = await runExample(dataDir);
  console.log(`wrote ${recordsWritten} records; replay after compaction read ${recordsAfterCompaction}`);
  for (const [account, balanceCents] of [...balances].sort()) console.log(`${account}: ${(balanceCents / 100).toFixed(2)}`);
}
