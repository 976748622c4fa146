// The cleaner's key map (src/storage/cleaner/offset-map.ts) against a plain Map: random puts, gets
// and clears, through a full map, give the same newest offset per key, refuse new keys once full
// (keeping known ones updatable), and list the newest offsets ascending.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OFFSET_MAP_ENTRY_BYTES, OffsetMap } from '../../src/storage/cleaner/offset-map.js';

type Operation = { type: 'put'; key: number } | { type: 'get'; key: number } | { type: 'clear' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ type: fc.constant('put' as const), key: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('get' as const), key: fc.integer({ min: 0, max: 80 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('clear' as const) }) },
);

describe('cleaner key map', () => {
  it('matches a Map model through puts, gets, clears and a full map', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }), fc.array(operation, { maxLength: 300 }), (slots, operations) => {
        const map = new OffsetMap(slots * OFFSET_MAP_ENTRY_BYTES);
        const model = new Map<string, number>();
        let offset = 0;
        for (const step of operations) {
          if (step.type === 'clear') {
            map.clear();
            model.clear();
          } else if (step.type === 'put') {
            const key = `key-${step.key}`;
            const accepted = map.put(Buffer.from(key), offset);
            // A known key is always updated; a new one only while the map has room.
            expect(accepted).toBe(model.has(key) || model.size < map.maxEntries);
            if (accepted) model.set(key, offset);
            offset += 1 + (step.key % 3);
          } else {
            const key = `key-${step.key}`;
            expect(map.get(Buffer.from(key))).toBe(model.get(key) ?? -1);
          }
          expect(map.size).toBe(model.size);
        }
        expect([...map.newestOffsets()]).toEqual([...model.values()].sort((a, b) => a - b));
      }),
    );
  });

  it('takes keys from a range of a larger buffer as it takes them whole', () => {
    const map = new OffsetMap(1024);
    const bytes = Buffer.from('xxkey-1yykey-2');
    map.putRange(bytes, 2, 5, 7);
    map.putRange(bytes, 9, 5, 9);
    expect(map.get(Buffer.from('key-1'))).toBe(7);
    expect(map.getRange(bytes, 9, 5)).toBe(9);
    expect(map.get(Buffer.from('key-3'))).toBe(-1);
  });
});
