// TLS listeners: kcat (librdkafka) over SASL_SSL with SCRAM and over SSL with a client
// certificate; client certificates required, and their subject CN as the principal ACLs see.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { StrataServer } from '../../src/protocol/serve.js';
import { aclFilePath, addAcls, checkAclEntry } from '../../src/security/acl-store.js';
import { addUser } from '../../src/security/credentials-store.js';
import { connected, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';
import { useTestCerts } from './certs.js';

const testCerts = useTestCerts();
const PASSWORD = 'kcat-secret-9';

const servers: StrataServer[] = [];
afterEach(async () => {
  await disconnectAll();
  for (const server of servers.splice(0)) await server.close();
});

function kcat(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', (error) => reject(new Error(`kcat could not run (${error.message}): install it with tools/install-system-deps.sh`)));
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

describe('kcat over TLS', () => {
  it('produces and consumes with SASL_SSL and SCRAM-SHA-256 / SCRAM-SHA-512; a wrong password fails', async () => {
    const dataDir = tempDir();
    const credentialsFile = join(dataDir, 'users.json');
    await addUser(credentialsFile, 'alice', PASSWORD, ['SCRAM-SHA-256', 'SCRAM-SHA-512']);
    const certs = testCerts();
    const server = await StrataServer.start({
      host: '127.0.0.1',
      port: 0,
      broker: { dataDir },
      security: { tls: { certFile: certs.serverCert, keyFile: certs.serverKey }, sasl: { mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'], credentialsFile } },
    });
    servers.push(server);
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      const common = ['-b', `127.0.0.1:${server.port}`, '-X', 'security.protocol=SASL_SSL', '-X', `sasl.mechanisms=${mechanism}`, '-X', 'sasl.username=alice', '-X', `sasl.password=${PASSWORD}`, '-X', `ssl.ca.location=${certs.caFile}`];
      const topic = `kcat-${mechanism.toLowerCase()}`;
      const produced = await kcat([...common, '-P', '-t', topic], 'a\nb\nc\n');
      expect(produced.status, produced.stderr).toBe(0);
      const consumed = await kcat([...common, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%s@%o\\n']);
      expect(consumed.status, consumed.stderr).toBe(0);
      expect(consumed.stdout.trim().split('\n')).toEqual(['a@0', 'b@1', 'c@2']);
    }
    const wrong = await kcat(['-b', `127.0.0.1:${server.port}`, '-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=alice', '-X', 'sasl.password=nope', '-X', `ssl.ca.location=${certs.caFile}`, '-L', '-m', '5']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed|SASL authentication error/i);
  });
});

describe('client certificates', () => {
  it('required: no certificate, no connection; the certificate CN is the principal ACLs apply to', async () => {
    const dataDir = tempDir();
    const certs = testCerts();
    await addAcls(aclFilePath(dataDir), [
      checkAclEntry({ principal: 'User:alice', permission: 'ALLOW', operation: 'All', resourceType: 'Topic', patternType: 'LITERAL', name: 'payroll', host: '*' }),
    ]);
    const server = await StrataServer.start({
      host: '127.0.0.1',
      port: 0,
      broker: { dataDir },
      security: { tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.caFile, clientAuth: 'required' } },
    });
    servers.push(server);
    const ca = readFileSync(certs.caFile);
    const client = (name: string | null) => {
      const pair = name === null ? null : certs.client(name);
      return new Kafka({
        clientId: `cert-${name}`,
        brokers: [`127.0.0.1:${server.port}`],
        ssl: { ca: [ca], servername: 'localhost', ...(pair === null ? {} : { cert: readFileSync(pair.cert), key: readFileSync(pair.key) }) },
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      });
    };
    const anonymous = client(null).admin();
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow();
    await anonymous.disconnect();

    const alice = await connected(client('alice').producer());
    await alice.send({ topic: 'payroll', messages: [{ value: 'salary' }] });
    const bob = await connected(client('bob').producer());
    const refused = await bob.send({ topic: 'payroll', messages: [{ value: 'raise' }] }).then(() => null, (error: Error & { type?: string; cause?: unknown }) => error);
    expect(refused?.type ?? (refused?.cause as { type?: string } | undefined)?.type).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect((await server.broker.listOffset('payroll', 0, -1)).offset).toBe(1);

    const pair = certs.client('alice');
    const viaKcat = await kcat(['-b', `127.0.0.1:${server.port}`, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs.caFile}`, '-X', `ssl.certificate.location=${pair.cert}`, '-X', `ssl.key.location=${pair.key}`, '-C', '-t', 'payroll', '-o', 'beginning', '-e', '-f', '%s\\n']);
    expect(viaKcat.status, viaKcat.stderr).toBe(0);
    expect(viaKcat.stdout.trim()).toBe('salary');
  });
});
