// Test certificates made at test time with openssl: a CA, a server certificate for 127.0.0.1 /
// localhost, and client certificates (subject CN = the principal name), all signed by the CA.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface TestCerts {
  dir: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  client(name: string): { cert: string; key: string };
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-sha256', '-extfile', `${name}.ext`]);
}

/** Makes the CA and server certificate in `dir`; client certificates on demand. */
export function makeTestCerts(dir: string): TestCerts {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Strata Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  signed(dir, 'server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    client(name: string) {
      signed(dir, `client-${name}`, `/CN=${name}`, 'extendedKeyUsage=clientAuth\n');
      return { cert: join(dir, `client-${name}.pem`), key: join(dir, `client-${name}.key`) };
    },
  };
}

/** Certificates for the whole test file (made before its first test, removed after its last). */
export function useTestCerts(): () => TestCerts {
  let certs: TestCerts | undefined;
  beforeAll(() => {
    certs = makeTestCerts(mkdtempSync(join(tmpdir(), 'strata-certs-')));
  }, 60_000);
  afterAll(() => {
    if (certs !== undefined) rmSync(certs.dir, { recursive: true, force: true });
  });
  return () => {
    if (certs === undefined) throw new Error('test certificates are made in beforeAll');
    return certs;
  };
}
