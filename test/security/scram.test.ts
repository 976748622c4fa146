// The SCRAM server against RFC 7677's SCRAM-SHA-256 example exchange, and its refusals.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeScramCredential, ScramServerExchange } from '../../src/security/scram.js';

// RFC 7677 section 3: user "user", password "pencil".
const CLIENT_FIRST = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO';
const SERVER_NONCE = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const SALT = 'W22ZaJ0SNY7soEsUEjb6gQ==';
const SERVER_FIRST = `r=rOprNGfwEbeRWgbNEkqO${SERVER_NONCE},s=${SALT},i=4096`;
const CLIENT_FINAL = `c=biws,r=rOprNGfwEbeRWgbNEkqO${SERVER_NONCE},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`;
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

async function exchange(password: string) {
  const credential = await makeScramCredential('SCRAM-SHA-256', password, 4096, Buffer.from(SALT, 'base64'));
  return new ScramServerExchange('SCRAM-SHA-256', async (user) => (user === 'user' ? credential : null), randomBytes(32), () => SERVER_NONCE);
}

describe('SCRAM-SHA-256 server', () => {
  it("replays RFC 7677's example exchange byte for byte", async () => {
    const server = await exchange('pencil');
    expect((await server.step(Buffer.from(CLIENT_FIRST))).message.toString()).toBe(SERVER_FIRST);
    const final = await server.step(Buffer.from(CLIENT_FINAL));
    expect(final).toMatchObject({ kind: 'success', user: 'user' });
    expect(final.message.toString()).toBe(SERVER_FINAL);
  });

  it('refuses a proof made with another password, a changed nonce, channel binding, and a third message', async () => {
    const wrong = await exchange('pencils');
    await wrong.step(Buffer.from(CLIENT_FIRST));
    await expect(wrong.step(Buffer.from(CLIENT_FINAL))).rejects.toThrow(/invalid credentials/);
    const nonce = await exchange('pencil');
    await nonce.step(Buffer.from(CLIENT_FIRST));
    await expect(nonce.step(Buffer.from(CLIENT_FINAL.replace('hNlF', 'hNlG')))).rejects.toThrow(/nonce/);
    await expect((await exchange('pencil')).step(Buffer.from('p=tls-unique,,n=user,r=abc'))).rejects.toThrow(/channel binding/);
    const done = await exchange('pencil');
    await done.step(Buffer.from(CLIENT_FIRST));
    await done.step(Buffer.from(CLIENT_FINAL));
    await expect(done.step(Buffer.from(CLIENT_FINAL))).rejects.toThrow(/already finished/);
  });

  it('gives an unknown user a made-up salt and fails at the proof, like a wrong password', async () => {
    const server = await exchange('pencil');
    const first = (await server.step(Buffer.from('n,,n=nobody,r=abcdef'))).message.toString();
    expect(first).toMatch(/^r=abcdef.+,s=[A-Za-z0-9+/]+=*,i=4096$/);
    await expect(server.step(Buffer.from('c=biws,r=' + first.slice(2, first.indexOf(',')) + ',p=' + Buffer.alloc(32).toString('base64')))).rejects.toThrow(/invalid credentials/);
  });
});
