/**
 * Child of the comparison's recovery figure: `node recovery-child.js <dataDir> <topic> <records>
 * <valueBytes> <segmentBytes>` opens a broker, produces the records (acks=1) into a topic with
 * segments of segmentBytes, prints "acknowledged <records>" and SIGKILLs itself: an unclean stop
 * after every record was acknowledged, with no close and no clean-shutdown marker.
 */

import { Broker } from '../../src/client/broker.js';
import { makeWorkload } from './workload.js';

const [dataDir, topic, recordsText, valueBytesText, segmentBytesText] = process.argv.slice(2);
if (dataDir === undefined || topic === undefined || segmentBytesText === undefined) throw new Error('usage: recovery-child <dataDir> <topic> <records> <valueBytes> <segmentBytes>');
const workload = makeWorkload(Number(valueBytesText), Number(recordsText));
const broker = await Broker.open({ dataDir });
await broker.admin.createTopic(topic, { partitions: 1, config: { 'segment.bytes': Number(segmentBytesText) } });
const producer = broker.producer({ acks: 1, lingerMs: 0, batchSizeBytes: 1_000_000 });
const chunk = workload.values.map((value) => ({ value }));
const sends: Promise<unknown>[] = [];
for (let sent = 0; sent < workload.records; sent += chunk.length) {
  sends.push(producer.send(topic, chunk));
  if (sends.length >= 8) await sends.shift();
}
await Promise.all(sends);
process.stdout.write(`acknowledged ${workload.records}\n`, () => process.kill(process.pid, 'SIGKILL'));
