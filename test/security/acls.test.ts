// ACLs: the authorizer's rules (deny wins, literal / `*` / prefixed patterns, implied Describe,
// super users, the no-ACL default), and what kafkajs sees over the wire when refused.
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../src/protocol/messages/offset-commit.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../src/protocol/messages/offset-fetch.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { aclFilePath, addAcls, checkAclEntry, readAcls, removeAcls, type AclEntry } from '../../src/security/acl-store.js';
import { Authorizer } from '../../src/security/authorizer.js';
import { addUser } from '../../src/security/credentials-store.js';
import { connected, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';
import { RawClient } from './raw-client.js';

const servers: StrataServer[] = [];
const authorizers: Authorizer[] = [];
afterEach(async () => {
  await disconnectAll();
  for (const authorizer of authorizers.splice(0)) authorizer.close();
  for (const server of servers.splice(0)) await server.close();
});

function acl(permission: string, principal: string, operation: string, resource: string, patternType = 'LITERAL'): AclEntry {
  const [resourceType, name] = resource.split(':') as [string, string];
  return checkAclEntry({ permission, principal, operation, resourceType, name, patternType, host: '*' });
}

async function authorizerWith(entries: AclEntry[], options: { superUsers?: string[]; allowEveryoneIfNoAclFound?: boolean } = {}): Promise<Authorizer> {
  const file = aclFilePath(tempDir());
  await addAcls(file, entries);
  const authorizer = await Authorizer.open({ aclFile: file, ...options });
  authorizers.push(authorizer);
  return authorizer;
}

describe('the authorizer', () => {
  it('lets a DENY win over any ALLOW, for the principal and for User:*', async () => {
    const authorizer = await authorizerWith([acl('ALLOW', 'User:*', 'All', 'Topic:orders'), acl('DENY', 'User:bob', 'Write', 'Topic:orders'), acl('ALLOW', 'User:bob', 'Write', 'Topic:orders')]);
    expect(authorizer.authorize('User:alice', '127.0.0.1', 'Write', 'Topic', 'orders')).toBe(true);
    expect(authorizer.authorize('User:bob', '127.0.0.1', 'Write', 'Topic', 'orders')).toBe(false);
    expect(authorizer.authorize('User:bob', '127.0.0.1', 'Read', 'Topic', 'orders')).toBe(true);
  });

  it('matches literal names, the literal *, and prefixes; Read/Write imply Describe', async () => {
    const authorizer = await authorizerWith([
      acl('ALLOW', 'User:alice', 'Read', 'Topic:team-a.', 'PREFIXED'),
      acl('DENY', 'User:alice', 'Read', 'Topic:team-a.secret', 'PREFIXED'),
      acl('ALLOW', 'User:carol', 'Write', 'Topic:*'),
      acl('ALLOW', 'User:alice', 'Read', 'Group:billing'),
    ]);
    expect(authorizer.authorize('User:alice', 'h', 'Read', 'Topic', 'team-a.orders')).toBe(true);
    expect(authorizer.authorize('User:alice', 'h', 'Describe', 'Topic', 'team-a.orders')).toBe(true);
    expect(authorizer.authorize('User:alice', 'h', 'Write', 'Topic', 'team-a.orders')).toBe(false);
    expect(authorizer.authorize('User:alice', 'h', 'Read', 'Topic', 'team-a.secret-plans')).toBe(false);
    expect(authorizer.authorize('User:alice', 'h', 'Read', 'Topic', 'team-b.orders')).toBe(false); // `*` applies to every topic, so the default no longer does
    expect(authorizer.authorize('User:carol', 'h', 'Write', 'Topic', 'anything')).toBe(true);
    expect(authorizer.authorize('User:alice', 'h', 'Read', 'Group', 'billing')).toBe(true);
    expect(authorizer.authorize('User:bob', 'h', 'Read', 'Group', 'billing')).toBe(false);
    expect(authorizer.authorize('User:bob', 'h', 'Read', 'Group', 'other')).toBe(true); // no ACL names it
  });

  it('allows a resource no ACL names unless allow.everyone.if.no.acl.found is off; super users pass anyway', async () => {
    const open = await authorizerWith([]);
    expect(open.authorize('User:ANONYMOUS', 'h', 'Delete', 'Topic', 'x')).toBe(true);
    const closed = await authorizerWith([], { allowEveryoneIfNoAclFound: false, superUsers: ['User:admin'] });
    expect(closed.authorize('User:ANONYMOUS', 'h', 'Describe', 'Topic', 'x')).toBe(false);
    expect(closed.authorize('User:admin', 'h', 'Delete', 'Topic', 'x')).toBe(true);
  });

  it('stores entries once, removes exactly what is named, and rejects malformed entries', async () => {
    const file = aclFilePath(tempDir());
    expect(await addAcls(file, [acl('ALLOW', 'User:a', 'Read', 'Topic:t'), acl('ALLOW', 'User:a', 'Read', 'Topic:t')])).toBe(1);
    expect(await addAcls(file, [acl('DENY', 'User:b', 'Write', 'Group:g')])).toBe(1);
    expect(await removeAcls(file, [acl('ALLOW', 'User:a', 'Read', 'Topic:t')])).toBe(1);
    expect((await readAcls(file)).map((entry) => `${entry.permission} ${entry.principal} ${entry.operation} ${entry.resourceType}:${entry.name}`)).toEqual(['DENY User:b Write Group:g']);
    expect(() => acl('ALLOW', 'alice', 'Read', 'Topic:t')).toThrow(/User:<name>/);
    expect(() => acl('ALLOW', 'User:a', 'Fly', 'Topic:t')).toThrow(/unknown operation/);
    expect(() => acl('ALLOW', 'User:a', 'Read', 'Cluster:t')).toThrow(/unknown resource type/);
  });
});

describe('ACLs over the wire (kafkajs, SASL/PLAIN users)', () => {
  async function serve(entries: AclEntry[]): Promise<{ server: StrataServer; client: (user: string) => Kafka }> {
    const dataDir = tempDir();
    const credentialsFile = join(dataDir, 'users.json');
    for (const user of ['alice', 'bob']) await addUser(credentialsFile, user, `${user}-pw`, ['PLAIN']);
    await addAcls(aclFilePath(dataDir), entries);
    const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir, groupInitialRebalanceDelayMs: 0 }, security: { sasl: { mechanisms: ['PLAIN'], credentialsFile } } });
    servers.push(server);
    const client = (user: string) => new Kafka({ clientId: user, brokers: [`127.0.0.1:${server.port}`], sasl: { mechanism: 'plain', username: user, password: `${user}-pw` }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    return { server, client };
  }

  const typeOf = (error: unknown) => (error as { type?: string }).type ?? ((error as { cause?: { type?: string } }).cause?.type);

  it('gives TOPIC_AUTHORIZATION_FAILED to a denied producer and a denied Describe, with prefixed grants; listings hide denied topics', async () => {
    const { server, client } = await serve([
      acl('ALLOW', 'User:alice', 'All', 'Topic:team-a.', 'PREFIXED'),
      acl('ALLOW', 'User:bob', 'Read', 'Topic:team-a.', 'PREFIXED'),
      acl('DENY', 'User:bob', 'Describe', 'Topic:team-a.private'),
    ]);
    const alice = await connected(client('alice').producer());
    await alice.send({ topic: 'team-a.orders', messages: [{ value: 'o1' }] });
    await alice.send({ topic: 'team-a.private', messages: [{ value: 'p1' }] });

    const bob = client('bob');
    const bobProducer = await connected(bob.producer());
    const writeRefused = await bobProducer.send({ topic: 'team-a.orders', messages: [{ value: 'forged' }] }).then(() => null, (error: unknown) => error);
    expect(typeOf(writeRefused)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect((await server.broker.listOffset('team-a.orders', 0, -1)).offset).toBe(1);

    const admin = await connected(bob.admin());
    expect(await admin.fetchTopicOffsets('team-a.orders')).toEqual([expect.objectContaining({ partition: 0, offset: '1' })]);
    const describeRefused = await admin.fetchTopicOffsets('team-a.private').then(() => null, (error: unknown) => error);
    expect(typeOf(describeRefused)).toBe('TOPIC_AUTHORIZATION_FAILED');
    // Listing every topic shows only what bob may describe.
    expect((await admin.fetchTopicMetadata()).topics.map((topic) => topic.name)).toEqual(['team-a.orders']);
  });

  it('checks AlterConfigs on the topic for AlterConfigs and IncrementalAlterConfigs (kafkajs admin.alterConfigs)', async () => {
    const { server, client } = await serve([acl('ALLOW', 'User:alice', 'All', 'Topic:configs'), acl('ALLOW', 'User:bob', 'Describe', 'Topic:configs')]);
    await server.broker.topics.create('configs');
    const change = { validateOnly: false, resources: [{ type: 2, name: 'configs', configEntries: [{ name: 'retention.ms', value: '60000' }] }] };
    const bob = await connected(client('bob').admin());
    const refused = await bob.alterConfigs(change).then(() => null, (error: unknown) => error);
    expect(typeOf(refused)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(server.broker.topics.get('configs').config['retention.ms']).toBeUndefined();
    const alice = await connected(client('alice').admin());
    await alice.alterConfigs(change);
    expect(server.broker.topics.get('configs').config['retention.ms']).toBe(60000);
  });

  it('gives GROUP_AUTHORIZATION_FAILED to a consumer in a group it may not use', async () => {
    const { client } = await serve([acl('ALLOW', 'User:*', 'All', 'Group:billing'), acl('DENY', 'User:bob', 'Read', 'Group:billing'), acl('ALLOW', 'User:*', 'All', 'Topic:*')]);
    const consumer = client('bob').consumer({ groupId: 'billing', retry: { retries: 0 } });
    await consumer.connect();
    await consumer.subscribe({ topics: ['invoices'] });
    const failure = await new Promise<unknown>((resolve) => {
      consumer.on(consumer.events.CRASH, (event) => resolve(event.payload.error));
      void consumer.run({ eachMessage: async () => undefined }).catch(resolve);
    });
    expect(typeOf(failure)).toBe('GROUP_AUTHORIZATION_FAILED');
    await consumer.disconnect();
    // alice is not denied: the same group works for her.
    const ok = await connected(client('alice').consumer({ groupId: 'billing' }));
    await ok.subscribe({ topics: ['invoices'] });
  });

  it('checks topics in OffsetCommit (Read) and OffsetFetch (Describe): refused per partition, left out of "all topics"', async () => {
    const { server } = await serve([acl('ALLOW', 'User:*', 'All', 'Group:ledger'), acl('ALLOW', 'User:*', 'All', 'Topic:*'), acl('DENY', 'User:bob', 'Read', 'Topic:secret'), acl('DENY', 'User:bob', 'Describe', 'Topic:secret')]);
    const commit = (raw: RawClient) => raw.request(OffsetCommitRequest, OffsetCommitResponse, 8, { groupId: 'ledger', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: ['open', 'secret'].map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] })) });
    for (const topic of ['open', 'secret']) await server.broker.topics.create(topic);
    const alice = await RawClient.connect(server.port);
    const bob = await RawClient.connect(server.port);
    try {
      await alice.loginPlain('alice', 'alice-pw');
      await bob.loginPlain('bob', 'bob-pw');
      expect((await commit(alice)).topics.map((topic) => [topic.name, topic.partitions[0]!.errorCode])).toEqual([['open', 0], ['secret', 0]]);
      expect((await commit(bob)).topics.map((topic) => [topic.name, topic.partitions[0]!.errorCode])).toEqual([['open', 0], ['secret', 29]]);
      const all = await bob.request(OffsetFetchRequest, OffsetFetchResponse, 7, { groupId: 'ledger', topics: null, requireStable: false });
      expect(all.topics.map((topic) => topic.name)).toEqual(['open']);
      const named = await bob.request(OffsetFetchRequest, OffsetFetchResponse, 7, { groupId: 'ledger', topics: [{ name: 'secret', partitionIndexes: [0] }], requireStable: false });
      expect(named.topics[0]!.partitions[0]).toMatchObject({ errorCode: 29, committedOffset: -1 });
      const mine = await alice.request(OffsetFetchRequest, OffsetFetchResponse, 7, { groupId: 'ledger', topics: [{ name: 'secret', partitionIndexes: [0] }], requireStable: false });
      expect(mine.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, committedOffset: 5 });
    } finally {
      alice.close();
      bob.close();
    }
  });
});
