// Chooses the runner `sandbox.runner` names and prepares it. Apart from runner.ts (the interface
// every runner implements), so that the runners import the interface and nothing imports back.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { AgoraError } from '../base/errors.js';
import type { Runner } from './runner.js';

export type RunnerFactory = (config: Config, log: Logger) => Promise<Runner>;

/**
 * Chooses and prepares the runner named by `sandbox.runner`. `auto` means bwrap on Linux when
 * it works; it never falls back to the unisolated process runner on its own.
 */
export async function createRunner(config: Config, log: Logger): Promise<Runner> {
  const sandboxLog = log.child({ component: 'sandbox' });
  const choice = config.sandbox.runner;
  if (choice === 'process') {
    const { createProcessRunner } = await import('./process.js');
    return createProcessRunner(config, sandboxLog);
  }
  if (choice === 'docker') {
    const { createDockerRunner } = await import('./docker.js');
    return createDockerRunner(config, sandboxLog);
  }
  const { createBwrapRunner, probeBwrap } = await import('./bwrap.js');
  if (choice === 'auto') {
    const probe = await probeBwrap(config);
    if (!probe.ok) {
      throw new AgoraError(
        'UNAVAILABLE',
        `no sandbox available: ${probe.reason}. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) ` +
          `and make sure unprivileged user namespaces are allowed, or set sandbox.runner to 'docker', ` +
          `or to 'process' knowing that agents then run with NO isolation.`,
      );
    }
  }
  return createBwrapRunner(config, sandboxLog);
}
