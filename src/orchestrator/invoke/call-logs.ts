// Per-call logs (executions/call-<id>.log) are bounded: at most invocation.call_logs_kept stay
// in the world directory, the oldest removed as new calls end, so a busy world's calls cannot
// fill the disk with logs nobody reads. The logs already there when the world opens are found
// once (oldest first by modification time) and counted against the bound.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CALL_LOG = /^call-.+\.log$/;

export class CallLogs {
  /** Oldest first. Null until the first call ends (the directory is scanned then, once). */
  private kept: string[] | null = null;

  constructor(
    private readonly dir: string,
    private readonly keep: number,
  ) {}

  /** A call's log was written: remember it and remove the oldest past the bound. */
  ended(path: string): void {
    const kept = (this.kept ??= this.scan());
    const at = kept.indexOf(path); // a contract check's id can repeat across host restarts
    if (at >= 0) kept.splice(at, 1);
    kept.push(path);
    while (kept.length > this.keep) rmSync(kept.shift()!, { force: true });
  }

  private scan(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => CALL_LOG.test(n));
    } catch {
      return [];
    }
    const aged = names.map((n) => {
      const path = join(this.dir, n);
      try {
        return { path, mtime_ms: statSync(path).mtimeMs };
      } catch {
        return null;
      }
    });
    return aged
      .filter((a): a is { path: string; mtime_ms: number } => a !== null)
      .sort((a, b) => a.mtime_ms - b.mtime_ms || a.path.localeCompare(b.path))
      .map((a) => a.path);
  }
}
