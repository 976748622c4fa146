// The web console end to end in headless Chromium (Debian's, driven by playwright-core): it sees a
// topic the test created, browses to a message the test produced and reads its value (JSON
// pretty-printed, HTML shown as text), produces through its form, and shows a group's lag. A
// screenshot of each page is saved under test-output/ for people to look at.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { connected } from '../support/kafkajs-clients.js';
import { startObservedServer } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = join(root, 'test-output', 'console');
/** Generous: two cores shared with other test files. */
const UI_TIMEOUT_MS = 30_000;

let browser: Browser | null = null;
afterEach(async () => {
  await browser?.close();
  browser = null;
});

async function openPage(url: string): Promise<Page> {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: UI_TIMEOUT_MS,
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    pageErrors.push(`unexpected dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(url);
  Object.assign(page, { pageErrors });
  return page;
}

const pageErrorsOf = (page: Page) => (page as Page & { pageErrors: string[] }).pageErrors;

describe('web console', () => {
  it('shows topics, browses to a produced message, produces from its form, and shows group lag', { timeout: 180_000 }, async () => {
    mkdirSync(screenshots, { recursive: true });
    const { kafka, httpUrl } = await startObservedServer({ console: true });
    const admin = await connected(kafka.admin());
    await admin.createTopics({ topics: [{ topic: 'console-demo', numPartitions: 2 }] });
    const producer = await connected(kafka.producer());
    await producer.send({
      topic: 'console-demo',
      messages: [
        { partition: 0, key: 'first', value: 'plain text' },
        { partition: 0, key: 'order-42', value: '{"hello":"console","items":[1,2]}', headers: { source: 'e2e-test' } },
        { partition: 0, key: 'markup', value: '<img src=x onerror=alert(1)><b>bold</b>' },
        { partition: 0, key: null, value: Buffer.from([0x00, 0xff, 0x10, 0x80]) },
        { partition: 1, value: 'on partition one' },
      ],
    });
    // A group that committed offset 1 on partition 0 (4 records there: lag 3) and nothing on partition 1.
    await admin.setOffsets({ groupId: 'console-group', topic: 'console-demo', partitions: [{ partition: 0, offset: '1' }] });

    const page = await openPage(`${httpUrl}/console/`);
    // Topics list: the test's topic with its 2 partitions and 5 records.
    const topicRow = page.locator('#topics-table tr[data-topic="console-demo"]');
    await topicRow.waitFor();
    expect(await topicRow.locator('td').nth(1).textContent()).toBe('2');
    expect(await topicRow.locator('td').nth(2).textContent()).toBe('5');
    await page.locator('#groups-table tr[data-group="console-group"]').waitFor();
    await page.screenshot({ path: join(screenshots, '1-topics.png'), fullPage: true });

    // Topic page, then partition 0's messages.
    await topicRow.locator('a').click();
    await page.locator('#partitions-table tr[data-partition="0"]').waitFor();
    await page.locator('#partitions-table tr[data-partition="0"] a').click();
    const jsonRow = page.locator('#messages-table tr[data-offset="1"]');
    await jsonRow.waitFor();
    expect(await jsonRow.locator('.message-key').textContent()).toBe('order-42');
    expect(await jsonRow.locator('.message-value').textContent()).toBe('{\n  "hello": "console",\n  "items": [\n    1,\n    2\n  ]\n}');
    expect(await jsonRow.locator('.message-header').textContent()).toContain('source: e2e-test');
    // HTML in a value is text, not markup.
    const markupRow = page.locator('#messages-table tr[data-offset="2"]');
    expect(await markupRow.locator('.message-value').textContent()).toBe('<img src=x onerror=alert(1)><b>bold</b>');
    expect(await page.locator('#messages-table img, #messages-table b').count()).toBe(0);
    // Binary as hex.
    expect(await page.locator('#messages-table tr[data-offset="3"] .message-value').textContent()).toBe('00ff1080');
    await page.screenshot({ path: join(screenshots, '2-messages.png'), fullPage: true });

    // Browse from offset 2 with the form: the page starts there.
    await page.locator('#browse-form input[name="offset"]').fill('2');
    await page.locator('#browse-form button').click();
    await page.locator('#messages-table tr[data-offset="2"]').waitFor();
    await expect.poll(() => page.locator('#messages-table tr[data-offset="1"]').count(), { timeout: UI_TIMEOUT_MS }).toBe(0);

    // Produce a test message from the topic page's form, then follow the link to it.
    await page.goto(`${httpUrl}/console/#/topic/console-demo`);
    await page.locator('#produce-form').waitFor();
    await page.locator('#produce-form select[name="partition"]').selectOption('1');
    await page.locator('#produce-form input[name="key"]').fill('from-the-console');
    await page.locator('#produce-form textarea[name="value"]').fill('{"made":"in chromium"}');
    await page.locator('#produce-form button').click();
    await page.locator('#produce-result a').waitFor();
    expect(await page.locator('#produce-result').textContent()).toContain('partition 1 at offset 1');
    await page.locator('#produce-result a').click();
    const produced = page.locator('#messages-table tr[data-offset="1"] .message-value');
    await produced.waitFor();
    expect(await produced.textContent()).toBe('{\n  "made": "in chromium"\n}');

    // The group's lag per partition.
    await page.goto(`${httpUrl}/console/#/group/console-group`);
    const lagCell = page.locator('#lag-table tr[data-topic="console-demo"][data-partition="0"] .lag');
    await lagCell.waitFor();
    expect(await lagCell.textContent()).toBe('3');
    await page.screenshot({ path: join(screenshots, '3-group.png'), fullPage: true });
    expect(pageErrorsOf(page)).toEqual([]);
  });

  it('the console API refuses cross-origin and non-JSON writes, and unknown topics are 404', async () => {
    const { kafka, httpUrl } = await startObservedServer({ console: true });
    const admin = await connected(kafka.admin());
    await admin.createTopics({ topics: [{ topic: 'guarded', numPartitions: 1 }] });
    const post = (headers: Record<string, string>) => fetch(`${httpUrl}/api/topics/guarded/messages`, { method: 'POST', headers, body: '{"value":"x"}' });
    expect((await post({ 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post({ 'Content-Type': 'application/json', Origin: 'http://evil.example' })).status).toBe(403);
    const accepted = await post({ 'Content-Type': 'application/json', Origin: httpUrl });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ partition: 0, offset: 0 });
    expect((await fetch(`${httpUrl}/api/topics/missing/partitions/0/messages`)).status).toBe(404);
    expect((await fetch(`${httpUrl}/api/topics/guarded/partitions/0/messages?offset=abc`)).status).toBe(400);
    const page = await fetch(`${httpUrl}/console/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
