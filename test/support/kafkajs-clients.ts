// Connected kafkajs clients of a test, disconnected (newest first) after it, so a failing test
// never leaves sockets that keep a server from closing.
import type { Admin, Consumer, Producer } from 'kafkajs';

type Client = Admin | Producer | Consumer;

const open: Client[] = [];

/** Connects `client` and remembers it for disconnectAll(). */
export async function connected<T extends Client>(client: T): Promise<T> {
  await client.connect();
  open.push(client);
  return client;
}

/** Disconnects `client` now (a test step, e.g. a member leaving its group). */
export async function disconnect(client: Client): Promise<void> {
  await client.disconnect();
  const index = open.indexOf(client);
  if (index >= 0) open.splice(index, 1);
}

/** Disconnects what is still connected; call it in afterEach before closing servers. */
export async function disconnectAll(): Promise<void> {
  for (const client of open.splice(0).reverse()) await client.disconnect().catch(() => undefined);
}
