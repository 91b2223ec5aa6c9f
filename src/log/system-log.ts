// One system.log per world for every component (seeds ADR 007). Each line is pino JSON
// tagged with `component`, so `grep '"component":"sandbox"'` isolates one part.
import { openSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { once } from '../base/once.js';

export type Component = 'kernel' | 'api' | 'orchestrator' | 'sandbox' | 'llm' | 'cli' | 'agent';

export interface SystemLog {
  logger: Logger;
  /** Flushes buffered lines and closes the file; the logger must not be used afterwards. */
  close(): void;
}

export function createSystemLog(file: string | null, level: string): SystemLog {
  if (file === null) return { logger: pino({ level: 'silent' }), close() {} };
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
