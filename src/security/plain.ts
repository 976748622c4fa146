/**
 * SASL/PLAIN (RFC 4616): the client sends `authzid NUL user NUL password` in one message. The
 * password is checked against a salted PBKDF2-HMAC-SHA-512 hash (never stored in clear), compared
 * in constant time. Only use PLAIN over TLS: the password crosses the wire as sent.
 */

import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export const PLAIN_MECHANISM = 'PLAIN';
const HASH_BYTES = 64;
const SALT_BYTES = 32;
export const DEFAULT_PLAIN_ITERATIONS = 10_000;
const MAX_MESSAGE_BYTES = 4096;

export interface PlainCredential {
  /** base64 */
  salt: string;
  iterations: number;
  /** base64 of PBKDF2-HMAC-SHA-512(password, salt, iterations, 64) */
  hash: string;
}

export class PlainError extends Error {
  override readonly name = 'PlainError';
}

export async function makePlainCredential(password: string, iterations = DEFAULT_PLAIN_ITERATIONS): Promise<PlainCredential> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, HASH_BYTES, 'sha512');
  return { salt: salt.toString('base64'), iterations, hash: hash.toString('base64') };
}

export async function verifyPlainPassword(credential: PlainCredential, password: string): Promise<boolean> {
  const expected = Buffer.from(credential.hash, 'base64');
  const actual = await pbkdf2Async(Buffer.from(password, 'utf8'), Buffer.from(credential.salt, 'base64'), credential.iterations, HASH_BYTES, 'sha512');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Splits a PLAIN message; the authorization id must be empty or the user (as Kafka requires). */
export function parsePlainMessage(message: Buffer): { user: string; password: string } {
  if (message.length > MAX_MESSAGE_BYTES) throw new PlainError('PLAIN message too long');
  const parts = message.toString('utf8').split('\u0000');
  if (parts.length !== 3) throw new PlainError('Invalid SASL/PLAIN response: expected 3 tokens');
  const [authzid, user, password] = parts as [string, string, string];
  if (user === '') throw new PlainError('Authentication failed: username not specified');
  if (password === '') throw new PlainError('Authentication failed: password not specified');
  if (authzid !== '' && authzid !== user) throw new PlainError('Authentication failed: Client requested an authorization id that is different from username');
  return { user, password };
}
