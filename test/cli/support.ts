// Runs the built `strata` command as a user would (a child process), and starts `strata serve` on a
// free port for the remote mode.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const cli = join(root, 'dist', 'src', 'cli', 'main.js');

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
}, 120_000);

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `strata …args` to completion (stdin from `input`), with colours off unless env says. */
export function strata(args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): CliResult {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: 30_000,
    env: { ...process.env, ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The stdout of a run that must succeed (its stderr in the failure message otherwise). */
export function ok(args: readonly string[], options: { input?: string } = {}): string {
  const result = strata(args, options);
  if (result.status !== 0) throw new Error(`strata ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** Stdout as parsed JSON lines. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

const servers: ChildProcess[] = [];

afterEach(async () => {
  for (const child of servers.splice(0)) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

/** Starts `strata serve --port 0` on `dataDir`; resolves with its port once it says where it listens. Stopped after the test. */
export async function startServe(dataDir: string, extraArgs: readonly string[] = []): Promise<{ child: ChildProcess; port: number; bootstrap: string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--data-dir', dataDir, '--port', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${output}`));
    });
  });
  return { child, port, bootstrap: `127.0.0.1:${port}` };
}

/** Stops a server started by startServe (SIGTERM, clean shutdown). */
export async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
