/**
 * ListOffsets (2), v1–5: per partition the log end (-1), the log start (-2), or the first offset
 * whose record is at or after a timestamp (offset -1 when none is). Last stable offset = log end:
 * no transactions.
 */

import { toBrokerError } from '../../broker/broker-error.js';
import { defineApi } from '../api-handler.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../messages/list-offsets.js';
import { requireTopic } from '../authorization.js';

export const listOffsets = defineApi({
  request: ListOffsetsRequest,
  response: ListOffsetsResponse,
  minVersion: 1,
  maxVersion: 5,
  async handle(request, context) {
    const { broker } = context;
    const topics = await Promise.all(
      request.topics.map(async (topic) => ({
        name: topic.name,
        partitions: await Promise.all(
          topic.partitions.map(async (partition) => {
            try {
              requireTopic(context, 'Describe', topic.name);
              const found = await broker.listOffset(topic.name, partition.partitionIndex, partition.timestamp);
              return { partitionIndex: partition.partitionIndex, errorCode: 0, timestamp: found.timestamp, offset: found.offset, leaderEpoch: 0 };
            } catch (error) {
              return { partitionIndex: partition.partitionIndex, errorCode: toBrokerError(error).errorCode, timestamp: -1, offset: -1, leaderEpoch: -1 };
            }
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
});
