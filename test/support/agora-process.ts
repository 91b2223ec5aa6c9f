// `agora start` as a user runs it: a real process, waited on until it has printed where it
// serves. Tests and benches that need a running world as its own process start it here.
import { spawn, type ChildProcess } from 'node:child_process';

export interface AgoraProcess {
  child: ChildProcess;
  /** The dashboard/API URL `agora start` printed. */
  url: string;
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startAgora(args: string[], options: { env?: Record<string, string>; timeout_ms?: number } = {}): Promise<AgoraProcess> {
  const child = spawn(process.execPath, ['bin/agora.js', 'start', '--port', '0', ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agora start printed no URL: ${out}`)), options.timeout_ms ?? 30_000);
    const check = () => {
      const match = /dashboard:\s+(http:\/\/\S+)\//.exec(out);
      if (match && /operator token: [0-9a-f]{64}/.test(out)) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agora start exited (${code}) before printing its URL: ${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs one `agora` command as a process and resolves when it exits (never blocks the test's event loop). */
export function runAgora(
  args: string[],
  options: { env?: Record<string, string>; /** e.g. the test's t.signal: a command still running when the test ends is killed */ signal?: AbortSignal } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/agora.js', ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal, killSignal: 'SIGKILL' });
  child.on('error', () => {}); // an abort is reported through 'close'
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
