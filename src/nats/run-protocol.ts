// What the world and its runner hosts say to each other over NATS (docs/deploy.md, "Runner
// hosts"), besides the run queue itself. The runner asks (request/reply on CONTROL.OP); the
// world tells a run (CONTROL.run.EXECUTION_ID) of a lease extension or a stop. A message is a
// JSON head, a newline, then raw bytes (a workspace chunk) when it carries any.
import { z } from 'zod';
import type { DispatchedRun } from './run-queue.js';
import { runLimitsSchema } from '../sandbox/runner.js';

/** The queued run: what a runner host needs to start it (the workspace comes by claim). */
export interface QueuedRun extends DispatchedRun {
  agent_id: string;
  command: string[];
  env: Record<string, string>;
  limits: z.infer<typeof runLimitsSchema>;
  /** The lease's end in the world host's wall clock (ms since the epoch). */
  deadline_wall_ms: number;
}

export const queuedRunSchema = z.strictObject({
  execution_id: z.string().min(1).max(128),
  agent_id: z.string().min(1).max(128),
  command: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()),
  limits: runLimitsSchema,
  deadline_wall_ms: z.number().int(),
});

export type ControlOp = 'claim' | 'fetch' | 'upload' | 'report' | 'refund';

export function controlSubject(prefix: string, op: ControlOp): string {
  return `${prefix}.${op}`;
}

export function runSubject(prefix: string, execution_id: string): string {
  // Execution ids are letters, digits and _ . : - (runner.ts idSchema); a dot would split the subject.
  return `${prefix}.run.${execution_id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export const RUN_REASONS = ['exit', 'crashed', 'killed_timeout', 'killed_memory', 'killed_cpu', 'killed_disk', 'stopped', 'spawn_failed'] as const;

/** A runner host's measured result: checked by the world before anything is journaled. */
export const reportedResultSchema = z.strictObject({
  exit_code: z.number().int().min(-1024).max(1024).nullable(),
  signal: z.string().max(32).nullable(),
  reason: z.enum(RUN_REASONS),
  detail: z.string().max(2000).nullable(),
  cpu_ms: z.number().min(0).max(1e12),
  memory_peak_mb: z.number().min(0).max(1e9),
  metering: z.enum(['cgroup', 'proc_sampling', 'rusage', 'docker_stats']),
  wall_ms: z.number().min(0).max(1e12),
  log_bytes: z.number().int().min(0),
  log_truncated: z.boolean(),
});

export const claimSchema = z.strictObject({ execution_id: z.string(), holder: z.string().min(1).max(128), delivery: z.number().int().min(1) });
export const fetchSchema = z.strictObject({ execution_id: z.string(), holder: z.string(), offset: z.number().int().min(0) });
export const uploadSchema = z.strictObject({ execution_id: z.string(), holder: z.string(), offset: z.number().int().min(0), total: z.number().int().min(0) });
export const reportSchema = z.strictObject({ execution_id: z.string(), holder: z.string(), result: z.unknown(), log_base64: z.string().optional() });
export const refundSchema = z.strictObject({ execution_id: z.string(), holder: z.string(), why: z.string().max(500) });
export const runWordSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('extend'), deadline_wall_ms: z.number().int() }),
  z.strictObject({ op: z.literal('stop'), why: z.string().max(500) }),
]);

export function encode(head: unknown, data?: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(head) + '\n', 'utf8');
  return data === undefined ? json : Buffer.concat([json, data]);
}

export function decode(msg: Uint8Array): { head: unknown; data: Buffer } {
  const buf = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return { head: JSON.parse(buf.toString('utf8')), data: Buffer.alloc(0) };
  return { head: JSON.parse(buf.subarray(0, nl).toString('utf8')), data: buf.subarray(nl + 1) };
}

/** A reply: `ok` with what it says, or an error the requester reports (never a stack). */
export type Reply = { ok: true; [key: string]: unknown } | { ok: false; code: string; message: string };
