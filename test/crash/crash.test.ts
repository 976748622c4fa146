// The crash suite (issue 8): kafkajs producers (acks=-1) and a committing consumer group against a
// real `strata serve` child killed with SIGKILL at random moments, then a simulated power loss with
// acks=1 and flush.ms. The checks are in ./crash-harness.ts. STRATA_CRASH_KILLS (default 20) sets
// the kills of the SIGKILL mode, STRATA_CRASH_SEED the seed; `npm run test:crash -- --kills 1000`
// runs a long one.
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/serve-child.js';
import { tempDir } from '../support/temp-dir.js';
import { describeTotals, runCrashTrials } from './crash-harness.js';

const KILLS = Number(process.env.STRATA_CRASH_KILLS ?? 20);
const POWER_LOSSES = Number(process.env.STRATA_CRASH_POWER_LOSSES ?? Math.max(5, Math.round(KILLS / 4)));
const SEED = process.env.STRATA_CRASH_SEED === undefined ? undefined : Number(process.env.STRATA_CRASH_SEED);
const VERBOSE = process.env.STRATA_CRASH_VERBOSE === '1';

beforeAll(() => ensureBuilt(), 180_000);

describe('crash suite', () => {
  it(`acks=-1: ${KILLS} SIGKILLs of strata serve lose no acknowledged record or commit`, async () => {
    const totals = await runCrashTrials({ mode: 'sigkill', kills: KILLS, dataDir: tempDir('strata-crash-'), ...(SEED === undefined ? {} : { seed: SEED }), ...(VERBOSE ? { log: console.log } : {}) });
    console.log(describeTotals(totals));
    expect(totals.trials).toBe(KILLS);
    expect(totals.lostRecords).toBe(0);
    expect(totals.ackedRecords).toBeGreaterThan(0);
  }, 60_000 + KILLS * 10_000);

  it(`acks=1 with flush.ms: ${POWER_LOSSES} simulated power losses lose only the unflushed window, as a cut tail`, async () => {
    const totals = await runCrashTrials({ mode: 'power-loss', kills: POWER_LOSSES, dataDir: tempDir('strata-crash-'), flushMs: 100, ...(SEED === undefined ? {} : { seed: SEED }), ...(VERBOSE ? { log: console.log } : {}) });
    console.log(describeTotals(totals));
    expect(totals.trials).toBe(POWER_LOSSES);
    expect(totals.ackedRecords).toBeGreaterThan(0);
  }, 60_000 + POWER_LOSSES * 10_000);
});
