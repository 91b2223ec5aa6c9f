// One system.log per world for every component (seeds ADR 007). Each line is pino JSON
// tagged with `component`, so `grep '"component":"sandbox"'` isolates one part.
import { openSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { once } from '../base/once.js';

export type Component = 'kernel' | 'api' | 'orchestrator' | 'sandbox' | 'llm' | 'cli' | 'agent';

export interface SystemLog {
  logger: Logger;
  /** Flushes buffered lines and closes the file; the logger must not be used afterwards. */
  close(): void;
}

// pino is loaded on the first log made, not at import: a short CLI command (agora status) pays
// for it only when it logs (docs/architecture.md, "The CLI's start").
const require = createRequire(import.meta.url);
const loadPino = (): typeof import('pino').default => require('pino') as typeof import('pino').default;

/**
 * What a world opened without a log file (CLI readers, tests) logs to: nothing. A stand-in for
 * pino's silent logger, so such a command never loads pino: Agora's code calls only the level
 * methods and child() on a logger (checked by grep when this was written; add here what it
 * comes to call).
 */
function silentLogger(): Logger {
  const noop = () => undefined;
  const logger = { level: 'silent', trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop, silent: noop, isLevelEnabled: () => false, child: () => logger, flush: noop };
  return logger as unknown as Logger;
}

export function createSystemLog(file: string | null, level: string): SystemLog {
  if (file === null) return { logger: silentLogger(), close() {} };
  const pino = loadPino();
  // The file is opened synchronously so that a world closed right after opening (tests,
  // short CLI commands) never races an asynchronous open.
  const destination = pino.destination({ fd: openSync(file, 'a', 0o600), sync: false, minLength: 4096 });
  const logger = pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return {
    logger,
    close: once(() => {
      destination.flushSync();
      destination.end();
    }),
  };
}

export function componentLog(root: Logger, component: Component): Logger {
  return root.child({ component });
}
