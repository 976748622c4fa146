/**
 * A minimal Redis client for the comparison: RESP2 over one socket, commands pipelined, replies
 * matched in order. The reply parser is resumable (a stack of open arrays), so a 10 MB XRANGE reply
 * arriving in 64 KiB chunks is parsed once, not again from its start on every chunk. Bulk strings
 * come back as Buffers that share the received chunk (no copy, no string decoding).
 */

import { connect, type Socket } from 'node:net';

export type RespValue = Buffer | string | number | null | RespValue[];

export class RespError extends Error {}

const CR = 13;
/** The longest array reply accepted (a bound on what a corrupt length can make us allocate). */
const MAX_ARRAY_LENGTH = 100_000_000;

/** `*n $len arg …` for one command. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

const INCOMPLETE = Symbol('incomplete');
/** element() opened an array: its items follow. */
const OPENED = Symbol('opened');

class ReplyParser {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  private readonly open: { items: RespValue[]; remaining: number }[] = [];

  push(chunk: Buffer): void {
    this.buffer = this.offset < this.buffer.length ? Buffer.concat([this.buffer.subarray(this.offset), chunk]) : chunk;
    this.offset = 0;
  }

  /** The next complete reply, or INCOMPLETE until more bytes arrive. */
  next(): RespValue | RespError | typeof INCOMPLETE {
    for (;;) {
      const element = this.element();
      if (element === INCOMPLETE) return INCOMPLETE;
      if (element === OPENED) continue;
      let value: RespValue | RespError | typeof OPENED = element;
      while (this.open.length > 0) {
        const top = this.open[this.open.length - 1]!;
        top.items.push(value as RespValue);
        if (--top.remaining > 0) {
          value = OPENED;
          break;
        }
        this.open.pop();
        value = top.items;
      }
      if (value !== OPENED) return value;
    }
  }

  /** One element at offset: a scalar, or OPENED after pushing an array of n > 0 onto `open`. */
  private element(): RespValue | RespError | typeof INCOMPLETE | typeof OPENED {
    const buffer = this.buffer;
    const start = this.offset;
    const lineEnd = buffer.indexOf(CR, start);
    if (lineEnd < 0 || lineEnd + 1 >= buffer.length) return INCOMPLETE;
    const type = buffer[start];
    const line = buffer.toString('latin1', start + 1, lineEnd);
    const afterLine = lineEnd + 2;
    switch (type) {
      case 0x2b /* + */:
        this.offset = afterLine;
        return line;
      case 0x2d /* - */:
        this.offset = afterLine;
        return new RespError(line);
      case 0x3a /* : */:
        this.offset = afterLine;
        return Number(line);
      case 0x24 /* $ */: {
        const length = Number(line);
        if (length < 0) {
          this.offset = afterLine;
          return null;
        }
        if (afterLine + length + 2 > buffer.length) return INCOMPLETE;
        this.offset = afterLine + length + 2;
        return buffer.subarray(afterLine, afterLine + length);
      }
      case 0x2a /* * */: {
        const length = Number(line);
        this.offset = afterLine;
        if (length < 0) return null;
        if (length > MAX_ARRAY_LENGTH) throw new Error(`RESP array of ${length} elements`);
        if (length === 0) return [];
        this.open.push({ items: [], remaining: length });
        return OPENED;
      }
      default:
        throw new Error(`RESP: unexpected type byte ${type} at ${start}`);
    }
  }
}

interface Waiter {
  replies: RespValue[];
  remaining: number;
  resolve: (replies: RespValue[]) => void;
  reject: (error: Error) => void;
}

export class RespConnection {
  private readonly parser = new ReplyParser();
  private readonly waiters: Waiter[] = [];
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('redis connection closed')));
  }

  static connect(port: number): Promise<RespConnection> {
    return new Promise((resolveConnection, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.off('error', reject);
        resolveConnection(new RespConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends `encoded` (one or more commands) and resolves with its `replyCount` replies; a Redis error reply rejects. */
  pipeline(encoded: Buffer, replyCount: number): Promise<RespValue[]> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ replies: [], remaining: replyCount, resolve, reject });
      this.socket.write(encoded);
    });
  }

  async command(...args: (string | Buffer)[]): Promise<RespValue> {
    return (await this.pipeline(encodeCommand(args), 1))[0]!;
  }

  close(): void {
    this.socket.end();
  }

  private receive(chunk: Buffer): void {
    this.parser.push(chunk);
    try {
      for (let reply = this.parser.next(); reply !== INCOMPLETE; reply = this.parser.next()) {
        const waiter = this.waiters[0];
        if (waiter === undefined) throw new Error('a Redis reply nobody waited for');
        if (reply instanceof RespError) {
          this.waiters.shift();
          waiter.reject(reply);
          continue;
        }
        waiter.replies.push(reply);
        if (--waiter.remaining === 0) {
          this.waiters.shift();
          waiter.resolve(waiter.replies);
        }
      }
    } catch (error) {
      this.fail(error as Error);
      this.socket.destroy();
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
