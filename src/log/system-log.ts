// One system.log per world for every component (seeds ADR 007). Each line is pino JSON
// tagged with `component`, so `grep '"component":"sandbox"'` isolates one part.
import pino, { type Logger } from 'pino';

export type Component = 'kernel' | 'api' | 'orchestrator' | 'sandbox' | 'llm' | 'cli' | 'agent';

export function createSystemLog(file: string | null, level: string): Logger {
  if (file === null) return pino({ level: 'silent' });
  const destination = pino.destination({ dest: file, mkdir: true, sync: false });
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

export function componentLog(root: Logger, component: Component): Logger {
  return root.child({ component });
}
