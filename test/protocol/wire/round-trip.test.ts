// Every generated message at every valid version: random values encode, decode to the same value,
// and re-encode to the same bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_MESSAGES, RequestHeader, ResponseHeader } from '../../../src/protocol/messages/index.js';
import { decodeMessage, encodeMessage, writeMessage } from '../../../src/protocol/wire/message-codec.js';
import type { MessageSchema } from '../../../src/protocol/wire/schema.js';
import { WireWriter } from '../../../src/protocol/wire/writer.js';
import { messageArbitrary } from './schema-arbitrary.js';

const schemas: MessageSchema[] = [...API_MESSAGES.flatMap((api) => [api.request, api.response]), RequestHeader, ResponseHeader];

function versionsOf(schema: MessageSchema): number[] {
  const [min, max] = schema.validVersions;
  return Array.from({ length: max! - min + 1 }, (_, index) => min + index);
}

describe('round trips of every message at every version', () => {
  it('covers 27 APIs plus the two headers', () => {
    expect(API_MESSAGES).toHaveLength(27);
    expect(schemas).toHaveLength(56);
  });

  for (const schema of schemas) {
    it(`${schema.name} v${versionsOf(schema).join(',')}`, () => {
      for (const version of versionsOf(schema)) {
        fc.assert(
          fc.property(messageArbitrary(schema, version, { unknownTags: true }), (value) => {
            const bytes = encodeMessage(schema, version, value);
            const decoded = decodeMessage(schema, version, bytes);
            expect(decoded).toEqual(value);
            expect(encodeMessage(schema, version, decoded).equals(bytes)).toBe(true);
            // The chunked output, joined, is the same bytes.
            const writer = new WireWriter(16);
            writeMessage(writer, schema, version, value);
            expect(Buffer.concat(writer.toChunks()).equals(bytes)).toBe(true);
          }),
          { numRuns: 15 },
        );
      }
    });
  }
});

describe('fields outside their versions', () => {
  it('are left off the wire and decode to their defaults', () => {
    const fetch = API_MESSAGES.find((api) => api.name === 'Fetch')!.request;
    const minimal = { replicaId: -1, maxWaitMs: 500, minBytes: 1, topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 5, partitionMaxBytes: 100 }] }] };
    const extra = {
      ...minimal,
      clusterId: 'c', // tagged, v12+
      sessionId: 9, // v7+
      rackId: 'r', // v11+
      forgottenTopicsData: [{ topic: 'x', partitions: [1] }], // v7+
      topics: [{ topic: 't', topicId: '0f0e0d0c-0b0a-0908-0706-050403020100', partitions: [{ partition: 0, fetchOffset: 5, partitionMaxBytes: 100, logStartOffset: 3, lastFetchedEpoch: 2 }] }],
    };
    const bytes = encodeMessage(fetch, 4, minimal);
    expect(encodeMessage(fetch, 4, extra).equals(bytes)).toBe(true);
    expect(decodeMessage(fetch, 4, bytes)).toEqual({
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 0x7fffffff,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: 't',
          topicId: '00000000-0000-0000-0000-000000000000',
          partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 5, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 100, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' }],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
  });
});
