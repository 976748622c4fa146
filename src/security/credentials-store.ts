/**
 * The SASL users file (`sasl.credentials.file`, `--credentials-file`). JSON, replaced atomically
 * (storage/atomic-file.ts) with mode 0600, never holding a password in clear:
 *
 *   { "version": 1,
 *     "users": { "alice": { "SCRAM-SHA-256": { "salt", "iterations", "storedKey", "serverKey" },
 *                           "SCRAM-SHA-512": { … },
 *                           "PLAIN": { "salt", "iterations", "hash" } } } }
 *
 * The server reads the file when a client authenticates, so `strata users add|remove` takes effect
 * for the next login without a restart. A user may have any subset of the mechanisms.
 */

import { timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { nodeFileIO } from '../storage/file-io.js';
import { DEFAULT_PLAIN_ITERATIONS, makePlainCredential, PLAIN_MECHANISM, verifyPlainPassword, type PlainCredential } from './plain.js';
import { makeScramCredential, MIN_SCRAM_ITERATIONS, SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from './scram.js';

export type SaslMechanism = ScramMechanism | 'PLAIN';
export const SASL_MECHANISMS: readonly SaslMechanism[] = [...SCRAM_MECHANISMS, PLAIN_MECHANISM];

export interface UserCredentials {
  'SCRAM-SHA-256'?: ScramCredential;
  'SCRAM-SHA-512'?: ScramCredential;
  PLAIN?: PlainCredential;
}

export interface CredentialsFile {
  version: 1;
  users: Record<string, UserCredentials>;
}

const MAX_USER_NAME_LENGTH = 255;

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

export function checkMechanism(name: string): SaslMechanism {
  const mechanism = SASL_MECHANISMS.find((candidate) => candidate === name.toUpperCase());
  if (mechanism === undefined) throw new CredentialsError(`unknown SASL mechanism ${JSON.stringify(name)}: use ${SASL_MECHANISMS.join(', ')}`);
  return mechanism;
}

export function checkUserName(name: string): string {
  if (name.length === 0 || name.length > MAX_USER_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new CredentialsError(`invalid user name ${JSON.stringify(name)}: 1–${MAX_USER_NAME_LENGTH} printable characters`);
  }
  return name;
}

/** Reads the file; a missing file is an empty one. */
export async function readCredentials(path: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, users: {} };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CredentialsError(`credentials file ${path} is not valid JSON`);
  }
  const file = parsed as Partial<CredentialsFile>;
  if (file === null || typeof file !== 'object' || file.version !== 1 || typeof file.users !== 'object' || file.users === null) {
    throw new CredentialsError(`credentials file ${path} is not a Strata credentials file (version 1)`);
  }
  return { version: 1, users: file.users };
}

async function writeCredentials(path: string, file: CredentialsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // The temp file is created 0600 before the atomic replace writes into it, so no reader ever sees a wider mode.
  await writeFile(`${path}.tmp`, '', { mode: 0o600 });
  await chmod(`${path}.tmp`, 0o600);
  await writeFileAtomically(nodeFileIO, path, Buffer.from(`${JSON.stringify(file, null, 2)}\n`, 'utf8'));
}

/** Adds or replaces `user`'s credentials for each mechanism (others the user has are kept). */
export async function addUser(path: string, user: string, password: string, mechanisms: readonly SaslMechanism[], iterations?: number): Promise<void> {
  checkUserName(user);
  if (password.length === 0) throw new CredentialsError('the password is empty');
  if (mechanisms.length === 0) throw new CredentialsError('no SASL mechanism given');
  if (iterations !== undefined && (!Number.isInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS)) throw new CredentialsError(`iterations must be an integer of at least ${MIN_SCRAM_ITERATIONS}, got ${iterations}`);
  const file = await readCredentials(path);
  const credentials: UserCredentials = { ...(file.users[user] ?? {}) };
  for (const mechanism of mechanisms) {
    if (mechanism === PLAIN_MECHANISM) credentials.PLAIN = await makePlainCredential(password, Math.max(iterations ?? DEFAULT_PLAIN_ITERATIONS, DEFAULT_PLAIN_ITERATIONS));
    else credentials[mechanism] = await makeScramCredential(mechanism, password, iterations ?? MIN_SCRAM_ITERATIONS);
  }
  file.users[user] = credentials;
  await writeCredentials(path, file);
}

/** Removes the user (all mechanisms, or just `mechanisms`); false when there was nothing to remove. */
export async function removeUser(path: string, user: string, mechanisms?: readonly SaslMechanism[]): Promise<boolean> {
  const file = await readCredentials(path);
  const credentials = file.users[user];
  if (credentials === undefined) return false;
  if (mechanisms === undefined) delete file.users[user];
  else {
    for (const mechanism of mechanisms) delete credentials[mechanism];
    if (Object.keys(credentials).length === 0) delete file.users[user];
  }
  await writeCredentials(path, file);
  return true;
}

/** What the server asks when a client authenticates: one user's credential for one mechanism. */
export class CredentialsStore {
  constructor(readonly path: string) {}

  async scram(user: string, mechanism: ScramMechanism): Promise<ScramCredential | null> {
    const file = await readCredentials(this.path);
    return Object.hasOwn(file.users, user) ? (file.users[user]![mechanism] ?? null) : null;
  }

  async plain(user: string): Promise<PlainCredential | null> {
    const file = await readCredentials(this.path);
    return Object.hasOwn(file.users, user) ? (file.users[user]!.PLAIN ?? null) : null;
  }

  /**
   * Whether `password` is the user's, checked against whichever stored form the user has (PLAIN's
   * salted hash, else a SCRAM stored key re-derived from the password): for logins outside Kafka's
   * SASL exchange, such as the web console's HTTP Basic credentials.
   */
  async verifyPassword(user: string, password: string): Promise<boolean> {
    const file = await readCredentials(this.path);
    if (!Object.hasOwn(file.users, user)) return false;
    const credentials = file.users[user]!;
    if (credentials.PLAIN !== undefined) return verifyPlainPassword(credentials.PLAIN, password);
    for (const mechanism of SCRAM_MECHANISMS) {
      const stored = credentials[mechanism];
      if (stored === undefined) continue;
      const derived = await makeScramCredential(mechanism, password, stored.iterations, Buffer.from(stored.salt, 'base64'));
      const expected = Buffer.from(stored.storedKey, 'base64');
      const actual = Buffer.from(derived.storedKey, 'base64');
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    }
    return false;
  }
}
