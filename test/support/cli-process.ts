// A `hubsync` command run as a real child process (sources through tsx, no build): its output,
// its exit, and waits that fail early when the process dies. Used by the process tests and by
// the multi-process benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Cli {
  child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  stdout: () => string;
  exited: Promise<number | null>;
}

/** Starts `hubsync <args>` with the environment on top of this process's (logs silent, no built-in sandbox). */
export function runCli(args: readonly string[], env: Record<string, string>): Cli {
  const entry = `const { main } = await import(${JSON.stringify(join(ROOT, 'src', 'cli', 'main.ts'))}); await main(['node', 'hubsync', ...${JSON.stringify(args)}]);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry], {
    env: { ...process.env, HUBSYNC_LOG_LEVEL: 'silent', HUBSYNC_SANDBOX: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += String(chunk)));
  child.stderr!.on('data', (chunk: Buffer) => (out += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, exited };
}

/** Polls until the condition holds; throws as soon as one of the given processes has exited instead. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, cli?: Cli | readonly Cli[]): Promise<void> {
  const watched = cli === undefined ? [] : Array.isArray(cli) ? cli : [cli as Cli];
  for (;;) {
    if (await condition()) return;
    const dead = watched.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
    if (dead) throw new Error(`a process exited (${dead.child.exitCode ?? dead.child.signalCode}) before ${what}: ${dead.stdout().slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once `hubsync worker` (or `serve`) announced that it takes jobs. */
export const takingJobs = (cli: Cli): Promise<void> => until(() => cli.stdout().includes('is taking jobs'), 'taking jobs', cli);

/** Resolves with the URL `hubsync serve` announced (`hubsync is running at …`) once it listens. */
export async function servingAt(cli: Cli): Promise<string> {
  const announced = (): RegExpExecArray | null => /hubsync is running at (\S+)/.exec(cli.stdout());
  await until(() => announced() !== null, 'serving HTTP', cli);
  return announced()![1]!;
}
