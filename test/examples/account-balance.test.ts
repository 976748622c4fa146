// Runs the README's event-sourcing example (examples/account-balance.ts) so it cannot rot.
import { describe, expect, it } from 'vitest';
import { runExample } from '../../examples/account-balance.js';
import { tempDir } from '../support/temp-dir.js';

describe('account-balance example', () => {
  it('rebuilds the newest balance of every open account from a compacted topic, reading far fewer records than were written', async () => {
    const { balances, recordsWritten, recordsAfterCompaction } = await runExample(tempDir());
    const total = (100 * 101 * 100) / 2; // sum of day × 100 cents for days 1..100
    expect(balances).toEqual(
      new Map([
        ['alice', total],
        ['bob', total],
        ['dave', 500],
      ]),
    );
    expect(recordsWritten).toBe(302);
    expect(recordsAfterCompaction).toBeLessThan(recordsWritten / 4);
  });
});
