/**
 * SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka uses them: the server side of the
 * exchange, and the stored form of a password.
 *
 *   client-first  n,,n=<user>,r=<client nonce>
 *   server-first  r=<client nonce><server nonce>,s=<salt, base64>,i=<iterations>
 *   client-final  c=biws,r=<nonce>,p=<proof, base64>
 *   server-final  v=<server signature, base64>
 *
 * The server keeps only StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey =
 * HMAC(SaltedPassword, "Server Key"), SaltedPassword = PBKDF2(password, salt, iterations): the
 * password cannot be recovered from them, yet a client proof can be checked. An unknown user gets a
 * made-up salt and fails at the last step with the same message as a wrong password, so the
 * exchange does not tell which user names exist. Channel binding is not offered (gs2 "n" or "y").
 */

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Kafka's minimum (and default) iteration count. */
export const MIN_SCRAM_ITERATIONS = 4096;
const MAX_SCRAM_ITERATIONS = 16_384_000;
const SALT_BYTES = 32;
const NONCE_BYTES = 24;
/** Longest client message accepted (user names and nonces are short). */
const MAX_MESSAGE_BYTES = 4096;

export interface ScramCredential {
  /** base64 */
  salt: string;
  iterations: number;
  /** base64 of H(ClientKey) */
  storedKey: string;
  /** base64 of HMAC(SaltedPassword, "Server Key") */
  serverKey: string;
}

export class ScramError extends Error {
  override readonly name = 'ScramError';
}

function hashOf(mechanism: ScramMechanism): { name: 'sha256' | 'sha512'; bytes: number } {
  return mechanism === 'SCRAM-SHA-256' ? { name: 'sha256', bytes: 32 } : { name: 'sha512', bytes: 64 };
}

function hmac(mechanism: ScramMechanism, key: Buffer, text: string): Buffer {
  return createHmac(hashOf(mechanism).name, key).update(text, 'utf8').digest();
}

/** The stored form of `password` for `mechanism` (fresh random salt unless one is given). */
export async function makeScramCredential(mechanism: ScramMechanism, password: string, iterations = MIN_SCRAM_ITERATIONS, salt: Buffer = randomBytes(SALT_BYTES)): Promise<ScramCredential> {
  if (!Number.isInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS || iterations > MAX_SCRAM_ITERATIONS) {
    throw new ScramError(`SCRAM iterations must be an integer from ${MIN_SCRAM_ITERATIONS} to ${MAX_SCRAM_ITERATIONS}, got ${iterations}`);
  }
  const { name, bytes } = hashOf(mechanism);
  const saltedPassword = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, bytes, name);
  const clientKey = hmac(mechanism, saltedPassword, 'Client Key');
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: createHash(name).update(clientKey).digest().toString('base64'),
    serverKey: hmac(mechanism, saltedPassword, 'Server Key').toString('base64'),
  };
}

/** `=2C` → `,` and `=3D` → `=` (RFC 5802 saslname); any other `=` is malformed. */
function decodeSaslName(text: string): string {
  if (/=(?!2C|3D)/.test(text)) throw new ScramError('malformed user name');
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** `a=1,b=2` → Map; attributes are single letters. */
function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of text.split(',')) {
    const match = /^([a-zA-Z])=(.*)$/s.exec(part);
    if (match === null) throw new ScramError(`malformed SCRAM attribute ${JSON.stringify(part.slice(0, 40))}`);
    attributes.set(match[1]!, match[2]!);
  }
  return attributes;
}

export type ScramStep = { kind: 'challenge'; message: Buffer } | { kind: 'success'; message: Buffer; user: string };

/**
 * One SCRAM exchange on the server: `step` takes the client's message and returns the server's
 * answer; the second step succeeds (naming the user) or throws ScramError.
 */
export class ScramServerExchange {
  private state: 'first' | 'final' | 'done' = 'first';
  private user = '';
  private credential: ScramCredential | null = null;
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  constructor(
    private readonly mechanism: ScramMechanism,
    /** The user's credential for this mechanism, or null when there is none. */
    private readonly lookup: (user: string) => Promise<ScramCredential | null>,
    /** A server secret from which made-up salts for unknown users are derived. */
    private readonly decoySecret: Buffer,
    /** The server's half of the nonce (random; fixed only to replay RFC test vectors). */
    private readonly makeServerNonce: () => string = () => randomBytes(NONCE_BYTES).toString('base64'),
  ) {}

  async step(clientMessage: Buffer): Promise<ScramStep> {
    if (clientMessage.length > MAX_MESSAGE_BYTES) throw new ScramError('SCRAM message too long');
    const text = clientMessage.toString('utf8');
    if (this.state === 'first') return this.first(text);
    if (this.state === 'final') return this.final(text);
    throw new ScramError('SCRAM exchange already finished');
  }

  private async first(text: string): Promise<ScramStep> {
    // gs2-header: ("n" | "y" | "p=...") "," [ "a=" authzid ] ","
    const match = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(text);
    if (match === null) throw new ScramError(text.startsWith('p=') ? 'channel binding is not supported' : 'malformed SCRAM client-first message');
    this.gs2Header = `${match[1]},${match[2] ?? ''},`;
    this.clientFirstBare = match[3]!;
    const attributes = parseAttributes(this.clientFirstBare);
    const user = attributes.get('n');
    const clientNonce = attributes.get('r');
    if (user === undefined || clientNonce === undefined || clientNonce.length === 0 || /[^\x21-\x2b\x2d-\x7e]/.test(clientNonce)) throw new ScramError('malformed SCRAM client-first message');
    if (attributes.has('m')) throw new ScramError('SCRAM extensions are not supported');
    this.user = decodeSaslName(user);
    const authzid = match[2] === undefined ? '' : decodeSaslName(match[2].slice(2));
    if (authzid !== '' && authzid !== this.user) throw new ScramError('Authentication failed: authorization id must equal the user name');
    this.credential = await this.lookup(this.user);
    const salt = this.credential?.salt ?? hmac(this.mechanism, this.decoySecret, `salt:${this.user}`).toString('base64');
    const iterations = this.credential?.iterations ?? MIN_SCRAM_ITERATIONS;
    this.nonce = clientNonce + this.makeServerNonce().replace(/,/g, '-');
    this.serverFirst = `r=${this.nonce},s=${salt},i=${iterations}`;
    this.state = 'final';
    return { kind: 'challenge', message: Buffer.from(this.serverFirst, 'utf8') };
  }

  private async final(text: string): Promise<ScramStep> {
    this.state = 'done';
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('malformed SCRAM client-final message');
    const withoutProof = text.slice(0, proofAt);
    const attributes = parseAttributes(withoutProof);
    if (attributes.get('c') !== Buffer.from(this.gs2Header, 'utf8').toString('base64')) throw new ScramError('SCRAM channel binding does not match');
    // Kafka accepts a final nonce that ends with the server-first one (librdkafka repeats the client nonce in front).
    if (!(attributes.get('r') ?? '').endsWith(this.nonce)) throw new ScramError('SCRAM nonce does not match');
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    const { name, bytes } = hashOf(this.mechanism);
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const credential = this.credential;
    const storedKey = Buffer.from(credential?.storedKey ?? '', 'base64');
    const failure = new ScramError('Authentication failed during authentication due to invalid credentials with SASL mechanism ' + this.mechanism);
    if (credential === null || proof.length !== bytes || storedKey.length !== bytes) throw failure;
    const clientSignature = hmac(this.mechanism, storedKey, authMessage);
    const clientKey = Buffer.alloc(bytes);
    for (let index = 0; index < bytes; index++) clientKey[index] = proof[index]! ^ clientSignature[index]!;
    if (!timingSafeEqual(createHash(name).update(clientKey).digest(), storedKey)) throw failure;
    const serverSignature = hmac(this.mechanism, Buffer.from(credential.serverKey, 'base64'), authMessage);
    return { kind: 'success', message: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), user: this.user };
  }
}
