/**
 * Server processes the comparison starts (redis-server, nats-server, `strata serve`): spawned on
 * 127.0.0.1, ready once a line of their output matches, stopped by pid (SIGTERM, then SIGKILL after
 * a grace period). Every process started here is also killed (and registered temporary
 * directories removed) when this process exits or is interrupted (Ctrl-C, SIGTERM), so a failed or
 * aborted bench never leaves one behind.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';

const STOP_GRACE_MS = 10_000;
const running = new Set<ChildProcess>();
/** Temporary directories to remove should this process exit or be interrupted before their owner does. */
const directories = new Set<string>();
let handlersInstalled = false;

function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      console.error(`bench: ${signal}, peer processes stopped`);
      process.exit(130);
    });
  }
}

/** Removes `directory` if this process exits or is interrupted first; the returned function forgets it (after the owner removed it). */
export function removeOnExit(directory: string): () => void {
  installHandlers();
  directories.add(directory);
  return () => void directories.delete(directory);
}

/** Kills `child` too if this process exits or is interrupted before it ends (short-lived helpers: kcat). */
export function trackChild(child: ChildProcess): void {
  installHandlers();
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** A free TCP port on 127.0.0.1 (bound then released; the peer binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The executable to run: an absolute path that exists, or a bare name found on PATH; null if neither. */
export function findExecutable(command: string): string | null {
  if (command.includes('/')) return existsSync(command) ? command : null;
  for (const directory of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (directory !== '' && existsSync(`${directory}/${command}`)) return `${directory}/${command}`;
  }
  return null;
}

export interface PeerProcess {
  pid: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, wait for exit (SIGKILL after the grace period); resolves to the exit code or signal. */
  stop(): Promise<string>;
  /** SIGKILL now (an unclean stop); resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * Starts `command args` and resolves once its output matches `ready` (within `timeoutMs`); rejects
 * (and kills it) if it exits first or takes longer.
 */
export async function startPeer(command: string, args: readonly string[], ready: RegExp, timeoutMs = 20_000): Promise<PeerProcess> {
  installHandlers();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const exited = new Promise<string>((resolveExit) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolveExit(String(code ?? signal));
    }),
  );
  const onData = (chunk: Buffer): void => void (output += chunk.toString());
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const stop = async (signal: NodeJS.Signals): Promise<string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([exited, new Promise<null>((resolveTimeout) => (timer = setTimeout(() => resolveTimeout(null), STOP_GRACE_MS)))]);
    clearTimeout(timer);
    if (outcome !== null) return outcome;
    child.kill('SIGKILL');
    return `killed after ${STOP_GRACE_MS} ms: ${await exited}`;
  };
  try {
    await new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command} not ready within ${timeoutMs} ms: ${output}`)), timeoutMs);
      const check = (): void => {
        if (!ready.test(output)) return;
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolveReady();
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${command}: ${error.message}`));
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${command} exited (${code}) before it was ready: ${output}`));
      });
    });
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
  return { pid: child.pid!, output: () => output, stop: () => stop('SIGTERM'), kill: async () => void (await stop('SIGKILL')) };
}

/** Runs `body` with a started peer and stops it afterwards, also when `body` throws. */
export async function withPeer<T>(start: () => Promise<PeerProcess>, body: (peer: PeerProcess) => Promise<T>): Promise<T> {
  const peer = await start();
  try {
    return await body(peer);
  } finally {
    await peer.stop();
  }
}
