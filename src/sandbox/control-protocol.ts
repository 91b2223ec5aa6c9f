// The line protocol agora-init speaks on its control fd (native/agora-init.c is the source of
// truth). Lines from the sandbox are parsed strictly: anything malformed is ignored, because
// the agent must never be able to steer the host by what it makes agora-init say.

export type InitMessage =
  | { kind: 'ready'; agent_pid: number }
  | { kind: 'spawnfail'; errno: number; message: string }
  | {
      kind: 'exit';
      code: number | null;
      signal: number | null;
      log_bytes: number;
      log_dropped: number;
      /** From wait4() of the agent: its own and its waited-for descendants' CPU. null = unknown. */
      cpu_seconds: number | null;
      maxrss_mb: number | null;
    };

/** Commands to agora-init: one byte each. */
export const INIT_TERMINATE = 't';
export const INIT_KILL = 'k';

/** Not config: agora-init's status lines are short and of its own making; a longer one is not one of them. */
const LINE_BYTES_MAX = 1024;

export function parseInitLine(line: string): InitMessage | null {
  const [word, ...rest] = line.split(' ');
  if (word === 'ready') {
    const pid = Number(rest[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? { kind: 'ready', agent_pid: pid } : null;
  }
  if (word === 'spawnfail') {
    const errno = Number(rest[0]);
    return { kind: 'spawnfail', errno: Number.isFinite(errno) ? errno : 0, message: rest.slice(1).join(' ').slice(0, 500) };
  }
  if (word === 'exit') {
    const fields = new Map<string, number>();
    for (const pair of rest) {
      const [key, value] = pair.split('=');
      const n = Number(value);
      if (key === undefined || value === undefined || !Number.isSafeInteger(n)) return null;
      fields.set(key, n);
    }
    const code = fields.get('code');
    const signal = fields.get('signal');
    const log_bytes = fields.get('log_bytes');
    const log_dropped = fields.get('log_dropped');
    if (code === undefined || signal === undefined || log_bytes === undefined || log_dropped === undefined) return null;
    const utime = fields.get('utime_us') ?? -1;
    const stime = fields.get('stime_us') ?? -1;
    const maxrss = fields.get('maxrss_kb') ?? -1;
    return {
      kind: 'exit',
      code: code >= 0 ? code : null,
      signal: signal > 0 ? signal : null,
      log_bytes,
      log_dropped,
      cpu_seconds: utime >= 0 && stime >= 0 ? (utime + stime) / 1e6 : null,
      maxrss_mb: maxrss >= 0 ? maxrss / 1024 : null,
    };
  }
  return null;
}

/** Splits a byte stream into lines, refusing to buffer more than a line's worth. */
export class LineSplitter {
  private pending = '';

  push(chunk: Buffer, onLine: (line: string) => void): void {
    this.pending += chunk.toString('latin1');
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      onLine(this.pending.slice(0, nl));
      this.pending = this.pending.slice(nl + 1);
    }
    if (this.pending.length > LINE_BYTES_MAX) this.pending = '';
  }
}
