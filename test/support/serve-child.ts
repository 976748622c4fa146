// `strata serve` as a child process (the compiled dist/), as a user runs it: used by the CLI
// test, the crash suite and the fuzz suite. Resolves once the child prints where it listens.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Builds dist/ when it is missing or older than src/ (a no-op under `npm test`, which builds first). */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [join(ROOT, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
}

export interface ServeChild {
  child: ChildProcess;
  port: number;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** Resident set size of the child, from /proc (bytes). */
  rssBytes(): number;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

export async function startServe(dataDir: string, settings: Record<string, string | number> = {}, startTimeoutMs = 30_000): Promise<ServeChild> {
  const args = [CLI, 'serve', '--data-dir', dataDir, '--port', '0'];
  for (const [key, value] of Object.entries(settings)) args.push('--set', `${key}=${value}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within ${startTimeoutMs} ms: ${output}`)), startTimeoutMs);
    child.stdout!.on('data', () => {
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code ?? signal}: ${output}`));
    });
  });
  return {
    child,
    port,
    output: () => output,
    rssBytes: () => rssBytesOf(child.pid!),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** VmRSS of a live process, in bytes. */
export function rssBytesOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
