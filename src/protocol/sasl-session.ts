/**
 * One connection's SASL state, as Kafka runs it: SaslHandshake names a mechanism (v1: the tokens
 * then come in SaslAuthenticate requests; v0: as raw size-prefixed frames without a Kafka header),
 * then one (PLAIN) or two (SCRAM) client messages authenticate the connection for its lifetime.
 *
 *   start ──handshake──▶ handshaken ──token…──▶ authenticated
 *                                        └──bad token──▶ failed (the connection is closed)
 *
 * Re-authentication (KIP-368) is not offered: sessionLifetimeMs is 0.
 */

import { randomBytes } from 'node:crypto';
import { KafkaErrorCode } from '../broker/kafka-error-codes.js';
import type { CredentialsStore, SaslMechanism } from '../security/credentials-store.js';
import { parsePlainMessage, PlainError, verifyPlainPassword } from '../security/plain.js';
import { ScramError, ScramServerExchange } from '../security/scram.js';

export interface SaslConfig {
  mechanisms: readonly SaslMechanism[];
  credentials: CredentialsStore;
}

export type SaslTokenResult = { ok: true; authBytes: Buffer } | { ok: false; errorCode: number; errorMessage: string };

/** Made-up salts for unknown users derive from this, so the same name always gets the same salt. */
const decoySecret = randomBytes(32);

export class SaslSession {
  private state: 'start' | 'handshaken' | 'authenticated' | 'failed' = 'start';
  private mechanism: SaslMechanism | null = null;
  private scram: ScramServerExchange | null = null;
  private user: string | null = null;
  /** Handshake v0: the next frames are raw SASL tokens, not Kafka requests. */
  private raw = false;

  constructor(private readonly config: SaslConfig) {}

  get authenticated(): boolean {
    return this.state === 'authenticated';
  }

  get rawTokenExpected(): boolean {
    return this.raw && this.state === 'handshaken';
  }

  /** `User:<name>` once authenticated, else null. */
  get principal(): string | null {
    return this.user === null ? null : `User:${this.user}`;
  }

  handshake(mechanism: string, apiVersion: number): { errorCode: number; mechanisms: string[] } {
    const mechanisms = [...this.config.mechanisms];
    if (this.state !== 'start') return { errorCode: KafkaErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    const chosen = this.config.mechanisms.find((candidate) => candidate === mechanism);
    if (chosen === undefined) return { errorCode: KafkaErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    this.mechanism = chosen;
    this.raw = apiVersion === 0;
    if (chosen !== 'PLAIN') this.scram = new ScramServerExchange(chosen, (user) => this.config.credentials.scram(user, chosen), decoySecret);
    this.state = 'handshaken';
    return { errorCode: 0, mechanisms };
  }

  /** One client token; a failure leaves the session failed (the caller closes the connection). */
  async authenticate(token: Buffer): Promise<SaslTokenResult> {
    if (this.state !== 'handshaken' || this.mechanism === null) {
      const errorMessage = this.state === 'start' ? 'SaslAuthenticate before SaslHandshake' : 'unexpected SaslAuthenticate request';
      this.state = 'failed';
      return { ok: false, errorCode: KafkaErrorCode.ILLEGAL_SASL_STATE, errorMessage };
    }
    try {
      if (this.scram === null) return await this.authenticatePlain(token);
      const step = await this.scram.step(token);
      if (step.kind === 'success') {
        this.user = step.user;
        this.state = 'authenticated';
      }
      return { ok: true, authBytes: step.message };
    } catch (error) {
      this.state = 'failed';
      if (error instanceof ScramError || error instanceof PlainError) return { ok: false, errorCode: KafkaErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: error.message };
      throw error;
    }
  }

  private async authenticatePlain(token: Buffer): Promise<SaslTokenResult> {
    const { user, password } = parsePlainMessage(token);
    const credential = await this.config.credentials.plain(user);
    if (credential === null || !(await verifyPlainPassword(credential, password))) throw new PlainError('Authentication failed: Invalid username or password');
    this.user = user;
    this.state = 'authenticated';
    return { ok: true, authBytes: Buffer.alloc(0) };
  }
}
