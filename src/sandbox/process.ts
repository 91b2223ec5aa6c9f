// The unsafe runner: the agent is a plain child process of Agora, with Agora's own user and
// every file and network address that user can reach. For development on hosts without
// bubblewrap, and only when chosen explicitly (sandbox.runner: process).
//
// What still holds: the wall deadline and lease extension, SIGTERM-grace-SIGKILL of the
// agent's process group, the log cap (agora-init drains the rest), a clean environment (no
// secret of the Agora process leaks into the agent), CPU metered from wait4() rusage and
// /proc sampling, the CPU budget, and a memory limit enforced late from sampled RSS.
// What does not: isolation of any kind, process count, CPU quota. The API is reached over
// TCP at the host's URL, so the agent is identified by its execution token alone.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { AgoraError } from '../base/errors.js';
import { resolveHelpers, type SandboxHelpers } from './helpers.js';
import { ProcTreeMeter } from './meters.js';
import { treeBounds } from './proc-tree.js';
import { type RunHandle, type Runner, type RunSpec } from './runner.js';
import { RunRegistry } from './run-registry.js';
import { sandboxEnv } from './sandbox-env.js';
import { spawnSandboxProcess, supervise } from './supervisor.js';

const DEFAULT_RUNTIME_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'runtime');
const WARNING =
  'PROCESS RUNNER: agents run as plain processes with NO ISOLATION. They can read and write every file Agora can ' +
  '(other workspaces, the world database, secrets), reach the network, and fork without limit. Development only.';

export async function createProcessRunner(config: Config, log: Logger): Promise<Runner> {
  const helpers = await resolveHelpers(config, log);
  log.error(WARNING);
  process.stderr.write(`\nagora: ${WARNING}\n\n`);
  return new ProcessRunner(config, log, helpers);
}

class ProcessRunner implements Runner {
  readonly kind = 'process' as const;
  readonly isolation = 'none' as const;
  private readonly runs: RunRegistry;
  private readonly runtime_modules: string | null;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly helpers: SandboxHelpers,
  ) {
    this.runs = new RunRegistry(config);
    const runtime = config.sandbox.runtime_dir !== '' ? resolve(config.sandbox.runtime_dir) : DEFAULT_RUNTIME_DIR;
    this.runtime_modules = existsSync(join(runtime, 'node_modules')) ? join(runtime, 'node_modules') : null;
  }

  channelDir(): string | null {
    return null;
  }

  workspacePathInside(spec: Pick<RunSpec, 'workspace_dir'>): string {
    return resolve(spec.workspace_dir);
  }

  async start(input: RunSpec): Promise<RunHandle> {
    const spec = this.runs.admit(input);
    if (spec.api_url === null) throw new AgoraError('INVALID_ARGS', 'the process runner needs api_url: it has no sandbox to carry a socket');
    this.log.warn({ execution_id: spec.execution_id, agent_id: spec.agent_id }, 'starting an agent WITHOUT isolation (process runner)');
    const workspace = realpathSync(spec.workspace_dir);
    const env = sandboxEnv(spec, {
      workspace,
      api_url: spec.api_url,
      path_dirs: [dirname(process.execPath), ...(process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')],
      node_path: this.runtime_modules,
      tmp_dir: process.env.TMPDIR ?? '/tmp',
      // No isolation: the code directory is the host's own (nothing makes it read-only here).
      code_dir: spec.code_dir === null ? null : resolve(spec.code_dir),
    });
    const init = this.helpers.native ? [this.helpers.init_path] : [process.execPath, this.helpers.init_path];
    const child = spawnSandboxProcess({
      argv: [...init, '--control-fd', '3', '--log-bytes-max', String(spec.limits.log_bytes_max), '--', ...spec.command],
      env,
      cwd: workspace,
      log_path: spec.log_path,
      control_drain_wait_ms: this.config.sandbox.control_drain_wait_ms,
    });
    const handle = supervise({
      spec,
      log: this.log,
      process: child,
      meter: new ProcTreeMeter(child.pid ?? -1, child.alive, treeBounds(this.config)),
      meter_interval_ms: this.config.sandbox.meter_interval_ms,
      kill_exit_wait_ms: this.config.sandbox.kill_exit_wait_ms,
      teardown: async () => {},
      onDone: () => this.runs.release(spec.execution_id),
    });
    this.runs.track(handle);
    return handle;
  }

  async close(): Promise<void> {
    if (!(await this.runs.close())) return;
  }
}
