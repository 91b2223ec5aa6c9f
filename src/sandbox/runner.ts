// The runner layer: how the orchestrator starts one agent run and learns how it ended.
// Three runners share this contract: bwrap (default on Linux), docker, and process (no
// isolation, development only). Everything a run consumes is measured by the host, never
// taken from the agent.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import { AgoraError } from '../base/errors.js';

/** A name that is safe as one path component and as a cgroup directory. */
const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only, starting with a letter or digit');

export const runLimitsSchema = z.strictObject({
  memory_mb: z.number().int().min(8).max(1_048_576).describe('Memory the run may hold (cgroup limit; past it the kernel kills it)'),
  cpu_quota_cores: z.number().min(0.01).max(1024).describe('CPU bandwidth in cores (0.5 = half a core)'),
  cpu_ms_max: z.number().int().positive().max(1e10).nullable().describe('Hard CPU-time budget in ms; past it the run is stopped with killed_cpu'),
  pids_max: z.number().int().min(8).max(65_536).describe('Processes plus threads'),
  wall_ms: z.number().int().min(1).max(7 * 24 * 3600 * 1000).describe('Wall-clock lease from start; extend() moves it'),
  grace_ms: z.number().int().min(0).max(600_000).describe('SIGTERM to SIGKILL'),
  log_bytes_max: z.number().int().min(0).max(1 << 30).describe('Bytes of stdout+stderr kept'),
  disk_bytes_max: z.number().int().min(1).max(2 ** 50).describe('Bytes the workspace may hold; a run that grows it to this is stopped with killed_disk'),
  disk_inodes_max: z.number().int().min(1).max(2 ** 31).describe('Files and directories the workspace may hold'),
  disk_sample_interval_ms: z.number().int().min(10).max(600_000).describe('How often the workspace is measured during the run'),
  walk_depth_max: z.number().int().min(1).max(4096).describe('Deepest nesting walked when a plain-directory workspace is measured'),
});

export type RunLimits = z.infer<typeof runLimitsSchema>;

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const runSpecSchema = z.strictObject({
  execution_id: idSchema,
  agent_id: idSchema,
  workspace_dir: z.string().min(1).describe('Host path of the agent workspace; the only writable place, /workspace inside'),
  command: z.array(z.string().min(1).max(4096).refine((s) => !s.includes('\0'), 'no NUL bytes')).min(1).max(256),
  env: z.record(z.string().regex(envName), z.string().max(1 << 16).refine((s) => !s.includes('\0'), 'no NUL bytes')),
  limits: runLimitsSchema,
  api_socket_path: z.string().min(1).nullable().default(null).describe("Host unix socket of this execution's API channel (bwrap, docker)"),
  code_dir: z.string().min(1).nullable().default(null).describe("Host directory shown read-only at /code (an artifact version's code bundle); AGORA_CODE_DIR names it inside"),
  api_url: z.string().url().nullable().default(null).describe('Host URL of the API (process runner only: it has no socket of its own)'),
  log_path: z.string().min(1).describe('Host file receiving the capped stdout+stderr'),
  debug: z.strictObject({ inspect_port: z.number().int().min(1024).max(65535), break_on_start: z.boolean().default(false) }).nullable().default(null),
});

export type RunSpec = z.input<typeof runSpecSchema>;
export type ValidRunSpec = z.infer<typeof runSpecSchema>;

export type RunReason =
  | 'exit' // exited with status 0
  | 'crashed' // non-zero exit, or killed by a signal that was not ours
  | 'killed_timeout' // wall deadline passed
  | 'killed_memory' // the kernel's OOM killer hit the run's memory limit
  | 'killed_cpu' // CPU-time budget spent
  | 'killed_disk' // the workspace grew to its disk allowance
  | 'stopped' // stop() was called
  | 'spawn_failed' // the sandbox or the agent's command never started
  | 'lost'; // remote runs only: no runner host could run it (they died, or its lease ended first); its lease is given back

/** Where cpu_ms and memory_peak_mb came from; all of them are host-side measurements. */
export type Metering = 'cgroup' | 'proc_sampling' | 'rusage' | 'docker_stats';

export interface RunResult {
  exit_code: number | null;
  signal: string | null;
  reason: RunReason;
  /** Human-readable why, for the journal and the operator (null for a clean exit). */
  detail: string | null;
  /** CPU time the run used, integer ms (the meters' seconds converted once, in cpu-time.ts). */
  cpu_ms: number;
  memory_peak_mb: number;
  metering: Metering;
  wall_ms: number;
  log_bytes: number;
  log_truncated: boolean;
}

export interface RunHandle {
  readonly execution_id: string;
  /** Host pid of the run's outermost process (bwrap, or agora-init for the process runner); null for docker. */
  readonly pid: number | null;
  /** Resolves once the run has ended and everything it started is gone; never rejects. */
  readonly done: Promise<RunResult>;
  /** Absolute wall deadline, ms since the epoch (wall time: the sandbox knows no world clock). */
  readonly deadline_wall_ms: number;
  /** Lease renewal: moves the deadline (wall ms since the epoch). False if the run already ended or is being stopped. */
  extend(new_deadline_wall_ms: number): boolean;
  /** SIGTERM, grace_ms, SIGKILL; the result's reason is `stopped`. `why` goes to the log. */
  stop(why: string): Promise<RunResult>;
}

/** remote: runs go to runner hosts through the NATS run queue (src/nats/remote-runner.ts). */
export type RunnerKind = 'bwrap' | 'docker' | 'process' | 'remote';

export interface Runner {
  readonly kind: RunnerKind;
  /** strong = namespaces + cgroups; none = a plain process with the host's rights. */
  readonly isolation: 'strong' | 'none';
  /** Path of the workspace as the agent sees it. */
  workspacePathInside(spec: Pick<RunSpec, 'workspace_dir'>): string;
  /**
   * Where the per-execution API sockets should be made so that nothing of the host's layout
   * shows inside a sandbox (a filesystem of the runner's own), or null: any private directory.
   */
  channelDir(): string | null;
  /** Throws AgoraError('EXECUTION_ERROR' | 'INVALID_ARGS') only for a spec the caller got wrong. */
  start(spec: RunSpec): Promise<RunHandle>;
  /** Stops every run still going and removes the runner's private state. */
  close(): Promise<void>;
}

/** Limits for one run: what it bought (memory, CPU budget, time) plus the sandbox defaults. */
export function runLimits(config: Config, bought: { memory_mb: number; wall_ms: number; cpu_ms_max: number | null }): RunLimits {
  return runLimitsSchema.parse({
    memory_mb: bought.memory_mb,
    cpu_quota_cores: config.sandbox.cpu_quota_cores,
    cpu_ms_max: bought.cpu_ms_max,
    pids_max: config.sandbox.pids_max,
    wall_ms: bought.wall_ms,
    grace_ms: config.sandbox.grace_ms,
    log_bytes_max: config.sandbox.log_bytes_max,
    disk_bytes_max: config.workspace.bytes_max,
    disk_inodes_max: config.workspace.inodes_max,
    disk_sample_interval_ms: config.workspace.disk_sample_interval_ms,
    walk_depth_max: config.workspace.depth_max,
  });
}

export function parseRunSpec(spec: RunSpec, config: Config): ValidRunSpec {
  const parsed = runSpecSchema.safeParse(spec);
  if (!parsed.success) {
    throw new AgoraError('INVALID_ARGS', `invalid run spec: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const env_bytes = Object.entries(parsed.data.env).reduce((sum, [k, v]) => sum + k.length + v.length + 2, 0);
  if (env_bytes > config.sandbox.env_bytes_max) {
    throw new AgoraError('INVALID_ARGS', `run environment is ${env_bytes} bytes, over sandbox.env_bytes_max (${config.sandbox.env_bytes_max})`);
  }
  return parsed.data;
}
