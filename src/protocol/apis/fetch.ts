/**
 * Fetch (1), v4–12: record bytes straight from the log files (whole batches, never decoded), per
 * partition up to its partitionMaxBytes and in all up to maxBytes (the first partition with data
 * always gets at least one batch, as Kafka does). When fewer than minBytes are ready the request
 * waits up to maxWaitMs; a produce to one of its partitions wakes it (long poll, no busy loop).
 * Fetch sessions are declined (session id 0: every fetch is a full one), which clients accept.
 */

import { toBrokerError } from '../../broker/broker-error.js';
import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { defineApi, type RequestContext } from '../api-handler.js';
import { FetchRequest, FetchResponse, type FetchRequestData, type FetchResponsePartitionData } from '../messages/fetch.js';
import type { MessageInput } from '../wire/schema.js';
import { requireTopic } from '../authorization.js';

interface FetchRound {
  responses: { topic: string; partitions: MessageInput<FetchResponsePartitionData>[] }[];
  bytes: number;
  failed: boolean;
}

async function readPartitions(request: FetchRequestData, context: RequestContext): Promise<FetchRound> {
  const { broker } = context;
  let budgetBytes = request.maxBytes;
  let bytes = 0;
  let failed = false;
  const responses: FetchRound['responses'] = [];
  for (const topic of request.topics) {
    const partitions: MessageInput<FetchResponsePartitionData>[] = [];
    for (const partition of topic.partitions) {
      const base = { partitionIndex: partition.partition, abortedTransactions: null, preferredReadReplica: -1 };
      try {
        requireTopic(context, 'Read', topic.topic);
        const maxBytes = Math.min(partition.partitionMaxBytes, budgetBytes);
        const log = broker.topics.partition(topic.topic, partition.partition);
        const result = maxBytes > 0 || bytes === 0 ? await broker.fetch(topic.topic, partition.partition, partition.fetchOffset, Math.max(1, maxBytes)) : { records: Buffer.alloc(0), highWatermark: log.highWatermark, lastStableOffset: log.highWatermark, logStartOffset: log.logStartOffset };
        bytes += result.records.length;
        budgetBytes -= result.records.length;
        partitions.push({ ...base, errorCode: 0, highWatermark: result.highWatermark, lastStableOffset: result.lastStableOffset, logStartOffset: result.logStartOffset, records: result.records });
      } catch (error) {
        failed = true;
        partitions.push({ ...base, errorCode: toBrokerError(error).errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null });
      }
    }
    responses.push({ topic: topic.topic, partitions });
  }
  return { responses, bytes, failed };
}

/** Each requested partition at its current log end (or its fetch offset if unknown): new data wakes a wait on these. */
function positionsAtLogEnd(request: FetchRequestData, context: RequestContext): { topic: string; partition: number; offset: number }[] {
  return request.topics.flatMap((topic) =>
    topic.partitions.map((partition) => {
      let offset = partition.fetchOffset;
      try {
        offset = Math.max(offset, context.broker.topics.partition(topic.topic, partition.partition).logEndOffset);
      } catch {
        // unknown topic or partition: its error is in the response; nothing will wake it
      }
      return { topic: topic.topic, partition: partition.partition, offset };
    }),
  );
}

export const fetch = defineApi({
  request: FetchRequest,
  response: FetchResponse,
  minVersion: 4,
  maxVersion: 12,
  async handle(request, context) {
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    let round = await readPartitions(request, context);
    while (!round.failed && round.bytes < Math.max(1, request.minBytes) && Date.now() < deadline) {
      // Wait for data past what this round saw: waiting for "any data at the fetch offset" would
      // return at once when some is there but less than minBytes, and re-read in a busy loop.
      await context.broker.waitForData(positionsAtLogEnd(request, context), deadline - Date.now());
      round = await readPartitions(request, context);
    }
    const throttleTimeMs = context.security.throttle('fetch', round.bytes);
    return { throttleTimeMs, errorCode: KafkaErrorCode.NONE, sessionId: 0, responses: round.responses };
  },
});
