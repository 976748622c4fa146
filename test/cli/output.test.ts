// The CLI's pure helpers: kcat format tokens, colours only on a TTY without NO_COLOR, Kafka
// properties files.
import { afterEach, describe, expect, it } from 'vitest';
import { coloursFor, formatRecord } from '../../src/cli/output.js';
import { parseProperties } from '../../src/cli/properties-file.js';

const record = { topic: 'orders', partition: 2, offset: 41, timestamp: 1_700_000_000_000, key: Buffer.from('user-1'), value: Buffer.from('{"total":12}'), headers: [{ key: 'source', value: Buffer.from('web') }, { key: 'empty', value: null }] };

describe('formatRecord (kcat tokens)', () => {
  it('replaces every token and escape', () => {
    expect(formatRecord('%t %p %o %k %s %h %T %K %S 100%%\\t|\\n', record)).toBe('orders 2 41 user-1 {"total":12} source=web,empty= 1700000000000 6 12 100%\t|\n');
  });

  it('prints null keys and values as nothing, and their lengths as -1', () => {
    expect(formatRecord('[%k][%s][%K][%S]', { ...record, key: null, value: null, headers: [] })).toBe('[][][-1][-1]');
  });
});

describe('coloursFor', () => {
  const saved = process.env['NO_COLOR'];
  afterEach(() => {
    if (saved === undefined) delete process.env['NO_COLOR'];
    else process.env['NO_COLOR'] = saved;
  });
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;

  it('colours a terminal, never a pipe, and never with NO_COLOR set', () => {
    delete process.env['NO_COLOR'];
    expect(coloursFor(tty).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(coloursFor(pipe).red('x')).toBe('x');
    process.env['NO_COLOR'] = '1';
    expect(coloursFor(tty).red('x')).toBe('x');
  });
});

describe('parseProperties', () => {
  it('reads key=value, key: value and key value lines, comments and continuations', () => {
    expect(parseProperties('# c\n! c\n\na=1\nb : two words \n  c 3\nd=x\\\n   y\ne=\n')).toEqual({ a: '1', b: 'two words', c: '3', d: 'xy', e: '' });
  });
});
