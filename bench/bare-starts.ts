// The machine's own limit for starting sandboxes: bare `bwrap` (read-only root, its own
// namespaces) running /usr/bin/true, so many at a time, back to back. bench/throughput sets the
// world loop's rate against it; bench/scale sizes a cycle's runs by it.
import { spawn } from 'node:child_process';

export const TRUE = '/usr/bin/true';

/** `n` starts of `start`, `parallel` at a time, back to back: starts per second. */
export async function rate(n: number, parallel: number, start: () => Promise<void>): Promise<number> {
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < n) await start();
    }),
  );
  return n / ((performance.now() - began) / 1000);
}

export function bareBwrap(bwrap: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bwrap, ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-all', '--die-with-parent', '--new-session', TRUE], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bare bwrap exited ${code}`))));
  });
}
