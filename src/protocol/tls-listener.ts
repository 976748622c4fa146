/**
 * TLS for `strata serve` (node:tls): the certificate chain and key (PEM files), optionally a CA
 * bundle that client certificates must chain to, and how client certificates are treated
 * (Kafka's `ssl.client.auth`): `none` (not asked for), `requested` (asked for, checked when
 * given), `required` (a client without a valid one is refused during the handshake). With a
 * verified client certificate and no SASL, the client's principal is `User:<subject CN>`.
 */

import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { TLSSocket, type TlsOptions } from 'node:tls';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsSettings {
  certFile: string;
  keyFile: string;
  caFile?: string;
  clientAuth?: ClientAuth;
}

export function checkClientAuth(text: string): ClientAuth {
  if (text === 'none' || text === 'requested' || text === 'required') return text;
  throw new Error(`ssl.client.auth must be none, requested or required, got ${JSON.stringify(text)}`);
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read the TLS ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Options for tls.createServer, with the files read (errors name the file). */
export function tlsServerOptions(settings: TlsSettings): TlsOptions {
  const clientAuth = settings.clientAuth ?? 'none';
  if (clientAuth !== 'none' && settings.caFile === undefined) throw new Error(`ssl.client.auth=${clientAuth} needs a CA file to check client certificates against (--tls-ca)`);
  return {
    cert: readPem(settings.certFile, 'certificate'),
    key: readPem(settings.keyFile, 'key'),
    ...(settings.caFile === undefined ? {} : { ca: readPem(settings.caFile, 'CA file') }),
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'required',
    minVersion: 'TLSv1.2',
  };
}

/** The subject CN of a verified client certificate, or null (plain TCP, none sent, or not trusted). */
export function verifiedPeerCommonName(socket: Socket): string | null {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return null;
  const subject = socket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
  const commonName = subject?.CN;
  if (typeof commonName === 'string' && commonName.length > 0) return commonName;
  return null;
}
