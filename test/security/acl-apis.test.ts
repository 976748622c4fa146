// Kafka's CreateAcls / DescribeAcls / DeleteAcls through kafkajs's admin client: super users only,
// stored in the same file as `strata acls`, applied at once.
import { join } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { StrataServer } from '../../src/protocol/serve.js';
import { aclFilePath, readAcls } from '../../src/security/acl-store.js';
import { addUser } from '../../src/security/credentials-store.js';
import { connected, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';

const servers: StrataServer[] = [];
afterEach(async () => {
  await disconnectAll();
  for (const server of servers.splice(0)) await server.close();
});

describe('the Kafka ACL APIs', () => {
  it('let a super user create, describe and delete bindings that take effect at once; others are refused', async () => {
    const dataDir = tempDir();
    const credentialsFile = join(dataDir, 'users.json');
    for (const user of ['admin', 'bob']) await addUser(credentialsFile, user, `${user}-pw`, ['SCRAM-SHA-256']);
    const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir }, security: { sasl: { mechanisms: ['SCRAM-SHA-256'], credentialsFile }, acls: { superUsers: ['User:admin'] } } });
    servers.push(server);
    const client = (user: string) => new Kafka({ clientId: user, brokers: [`127.0.0.1:${server.port}`], sasl: { mechanism: 'scram-sha-256', username: user, password: `${user}-pw` }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const binding = { resourceType: AclResourceTypes.TOPIC, resourceName: 'ledger', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY };

    const admin = await connected(client('admin').admin());
    await admin.createAcls({ acl: [binding] });
    expect(await readAcls(aclFilePath(dataDir))).toEqual([{ principal: 'User:bob', host: '*', operation: 'Write', permission: 'DENY', resourceType: 'Topic', patternType: 'LITERAL', name: 'ledger' }]);
    const described = await admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
    expect(described.resources).toEqual([{ resourceType: AclResourceTypes.TOPIC, resourceName: 'ledger', resourcePatternType: ResourcePatternTypes.LITERAL, acls: [{ principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY }] }]);

    const bob = client('bob');
    const producer = await connected(bob.producer());
    const refused = await producer.send({ topic: 'ledger', messages: [{ value: 'x' }] }).then(() => null, (error: { type?: string; cause?: { type?: string } }) => error.type ?? error.cause?.type);
    expect(refused).toBe('TOPIC_AUTHORIZATION_FAILED');
    const bobAdmin = await connected(bob.admin());
    await expect(bobAdmin.createAcls({ acl: [{ ...binding, principal: 'User:mallory' }] })).rejects.toThrow();
    await expect(bobAdmin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY })).rejects.toThrow();

    const deleted = await admin.deleteAcls({ filters: [{ resourceType: AclResourceTypes.TOPIC, resourceName: 'ledger', resourcePatternType: ResourcePatternTypes.MATCH, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }] });
    expect(deleted.filterResponses[0]!.matchingAcls).toHaveLength(1);
    expect(await readAcls(aclFilePath(dataDir))).toEqual([]);
    await producer.send({ topic: 'ledger', messages: [{ value: 'now allowed' }] });
  });
});
