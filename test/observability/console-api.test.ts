// The console's API over a real broker: browsing from a time, paging limits, how bytes are shown.
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/client/broker.js';
import { ConsoleApi, DISPLAY_MAX_BYTES, renderBytes } from '../../src/observability/console-api.js';
import { ObservabilityHttpServer } from '../../src/observability/http-server.js';
import { tempDir } from '../support/temp-dir.js';

const brokers: Broker[] = [];
afterEach(async () => {
  for (const broker of brokers.splice(0)) await broker.close();
});

async function openBroker(): Promise<Broker> {
  const broker = await Broker.open({ dataDir: tempDir() });
  brokers.push(broker);
  return broker;
}

describe('console API', () => {
  it('browses from an offset or from a time, a page at a time', async () => {
    const broker = await openBroker();
    await broker.admin.createTopic('timed', { partitions: 1 });
    const producer = broker.producer();
    for (let i = 0; i < 30; i++) await producer.send('timed', [{ value: `v${i}`, timestamp: 1_000_000 + i * 1000 }]);
    const api = new ConsoleApi(broker.core);

    const fromTime = await api.messages('timed', 0, { timestamp: 1_010_500 }, 5);
    expect(fromTime.startOffset).toBe(11);
    expect(fromTime.messages.map((m) => m.value.text)).toEqual(['v11', 'v12', 'v13', 'v14', 'v15']);
    expect(fromTime.messages[0]!.timestamp).toBe(1_011_000);

    const fromOffset = await api.messages('timed', 0, { offset: 28 }, 100);
    expect(fromOffset.messages.map((m) => m.offset)).toEqual([28, 29]);
    expect((await api.messages('timed', 0, { timestamp: 9_000_000 }, 5)).messages).toEqual([]);
    await expect(api.messages('timed', 0, { offset: 0 }, 101)).rejects.toThrow(/limit/);
    await expect(api.messages('timed', 3, { offset: 0 })).rejects.toThrow(/does not exist/);

    const sent = await api.produce('timed', { key: 'k', value: 'from the console', headers: [{ key: 'h', value: 'v' }] });
    expect(sent).toEqual({ partition: 0, offset: 30 });
    const [readBack] = (await api.messages('timed', 0, { offset: 30 })).messages;
    expect(readBack).toMatchObject({ key: { kind: 'text', text: 'k' }, value: { kind: 'text', text: 'from the console' }, headers: [{ key: 'h', value: { kind: 'text', text: 'v' } }] });
    await expect(api.produce('absent', { value: 'x' })).rejects.toThrow(/does not exist/);
  });

  it('shows JSON pretty, text as is, binary and invalid UTF-8 as hex, and cuts large values', () => {
    expect(renderBytes(null)).toEqual({ kind: 'null', text: '', sizeBytes: 0, truncated: false });
    expect(renderBytes(Buffer.from('[1,{"a":"b"}]'))).toMatchObject({ kind: 'json', text: '[\n  1,\n  {\n    "a": "b"\n  }\n]' });
    expect(renderBytes(Buffer.from('{not json'))).toMatchObject({ kind: 'text', text: '{not json' });
    expect(renderBytes(Buffer.from('line one\nline two\tand tab'))).toMatchObject({ kind: 'text' });
    expect(renderBytes(Buffer.from([0xc3, 0x28]))).toMatchObject({ kind: 'binary', text: 'c328' });
    expect(renderBytes(Buffer.from('bell\u0007'))).toMatchObject({ kind: 'binary' });
    const large = renderBytes(Buffer.alloc(DISPLAY_MAX_BYTES + 10, 'a'));
    expect(large).toMatchObject({ kind: 'text', sizeBytes: DISPLAY_MAX_BYTES + 10, truncated: true });
    expect(large.text).toHaveLength(DISPLAY_MAX_BYTES);
  });

  it('with an authenticate hook (SASL on), the console and its API need credentials; health and metrics do not', async () => {
    const broker = await openBroker();
    const checked: string[] = [];
    const http = await ObservabilityHttpServer.listen({
      host: '127.0.0.1',
      port: 0,
      console: true,
      authenticate: async ({ username, password }) => {
        checked.push(username);
        return username === 'alice' && password === 'secret:with:colons';
      },
    });
    try {
      http.attachConsole(new ConsoleApi(broker.core));
      http.markReady();
      const url = `http://127.0.0.1:${http.port}`;
      const basic = (credentials: string) => ({ Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });
      const anonymous = await fetch(`${url}/api/topics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect((await fetch(`${url}/console/`)).status).toBe(401);
      expect((await fetch(`${url}/api/topics`, { headers: basic('alice:wrong') })).status).toBe(401);
      expect((await fetch(`${url}/api/topics`, { headers: basic('alice:secret:with:colons') })).status).toBe(200);
      expect((await fetch(`${url}/console/app.js`, { headers: basic('alice:secret:with:colons') })).status).toBe(200);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(checked).toEqual(['alice', 'alice', 'alice']);
    } finally {
      await http.close();
    }
  });
});
