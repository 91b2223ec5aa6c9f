// The docker runner: each run is a container from `sandbox.docker_image`, with the same
// contract as bwrap. No network (NetworkMode none) but the API socket bound in and relayed by
// agora-init on 127.0.0.1:<api_port_inside>; read-only root, the workspace read-write at
// /workspace, a private /tmp, a non-root user, no capabilities, no privilege gain; memory,
// CPU and pids limits by the engine's cgroups, metered from the container's stats stream.
//
// agora-init is the container's entrypoint (pid 1). Without a fd 3 to hand it, its control
// channel is the attached stdin (commands) and stderr (status lines); stdout is the agent's
// capped output.
import { chownSync, createWriteStream, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { AgoraError } from '../base/errors.js';
import { initInside, INSIDE } from './bwrap-args.js';
import { MB } from './cgroups.js';
import { LineSplitter } from './control-protocol.js';
import { resolveHelpers, type SandboxHelpers } from './helpers.js';
import { workspaceWalkLimits } from '../workspace/walk.js';
import { adoptWorkspace } from './host-access.js';
import { type RunHandle, type Runner, type RunSpec } from './runner.js';
import { RunRegistry } from './run-registry.js';
import { sandboxEnv } from './sandbox-env.js';
import { supervise, type FinalUsage, type MeterReading, type ProcessExit, type RunMeter, type SandboxProcess } from './supervisor.js';

const DEFAULT_RUNTIME_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'runtime');

/** Whether a Docker engine answers on the configured socket. */
export async function dockerAnswers(config: Config): Promise<boolean> {
  if (!existsSync(config.sandbox.docker_socket)) return false;
  const docker = new Docker({ socketPath: config.sandbox.docker_socket, timeout: config.sandbox.docker_ping_timeout_ms });
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

export async function createDockerRunner(config: Config, log: Logger): Promise<Runner> {
  if (!(await dockerAnswers(config))) {
    throw new AgoraError('UNAVAILABLE', `no Docker engine answers at ${config.sandbox.docker_socket}: start Docker, or choose another sandbox.runner`);
  }
  const docker = new Docker({ socketPath: config.sandbox.docker_socket });
  const helpers = await resolveHelpers(config, log);
  const image = config.sandbox.docker_image;
  try {
    await docker.getImage(image).inspect();
  } catch {
    log.info({ image }, 'pulling the agent image');
    const stream = await docker.pull(image);
    await new Promise<void>((done, fail) => docker.modem.followProgress(stream, (err: Error | null) => (err ? fail(err) : done())));
  }
  return new DockerRunner(config, log, docker, helpers);
}

class DockerRunner implements Runner {
  readonly kind = 'docker' as const;
  readonly isolation = 'strong' as const;
  private readonly runs: RunRegistry;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly docker: Docker,
    private readonly helpers: SandboxHelpers,
  ) {
    this.runs = new RunRegistry(config);
  }

  channelDir(): string | null {
    return null;
  }

  workspacePathInside(): string {
    return INSIDE.workspace;
  }

  async start(input: RunSpec): Promise<RunHandle> {
    const spec = this.runs.admit(input);
    const s = this.config.sandbox;
    if (spec.debug !== null) this.log.warn({ execution_id: spec.execution_id }, 'debug runs are not supported by the docker runner: running without the inspector');
    const workspace = resolve(spec.workspace_dir);
    // Without user-namespace remapping the container's uid is the host's: it must own the workspace.
    const owner = { uid: s.uid_inside, gid: s.gid_inside };
    if (process.getuid?.() === 0) {
      adoptWorkspace(workspace, owner, workspaceWalkLimits(this.config.workspace));
      if (spec.api_socket_path !== null) chownSync(spec.api_socket_path, owner.uid, owner.gid);
    }
    const runtime = s.runtime_dir !== '' ? resolve(s.runtime_dir) : DEFAULT_RUNTIME_DIR;
    const init_dest = initInside(this.helpers.native);
    const binds = [`${workspace}:${INSIDE.workspace}:rw`, `${this.helpers.init_path}:${init_dest}:ro`];
    if (existsSync(join(runtime, 'node_modules'))) {
      binds.push(`${runtime}:${INSIDE.runtime}:ro`, `${join(runtime, 'node_modules')}:/node_modules:ro`);
    }
    if (spec.api_socket_path !== null) binds.push(`${resolve(spec.api_socket_path)}:${INSIDE.api_socket}`);
    if (spec.code_dir !== null) binds.push(`${resolve(spec.code_dir)}:${INSIDE.code}:ro`);
    const env = sandboxEnv(spec, {
      workspace: INSIDE.workspace,
      api_url: spec.api_socket_path === null ? null : `http://127.0.0.1:${s.api_port_inside}`,
      path_dirs: ['/usr/local/bin', '/usr/bin', '/bin'],
      node_path: existsSync(join(runtime, 'node_modules')) ? `${INSIDE.runtime}/node_modules` : null,
      tmp_dir: INSIDE.tmp,
      code_dir: spec.code_dir === null ? null : INSIDE.code,
    });
    const init = this.helpers.native ? [init_dest] : ['node', init_dest];
    const cmd = [...init, '--control-fd', '0', '--status-fd', '2', '--log-bytes-max', String(spec.limits.log_bytes_max), '--conns-max', String(s.connections_max)];
    if (spec.api_socket_path !== null) cmd.push('--relay', `tcp:127.0.0.1:${s.api_port_inside}=unix:${INSIDE.api_socket}`);
    cmd.push('--', ...spec.command);

    const container = await this.docker.createContainer({
      name: `agora-${spec.execution_id.replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}`,
      Image: s.docker_image,
      Entrypoint: [cmd[0]!],
      Cmd: cmd.slice(1),
      User: `${s.uid_inside}:${s.gid_inside}`,
      WorkingDir: INSIDE.workspace,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Hostname: 'agent',
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: true,
      StdinOnce: false,
      Tty: false,
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Binds: binds,
        Tmpfs: { [INSIDE.tmp]: `rw,nosuid,nodev,size=${s.tmp_mb_max}m` },
        Memory: spec.limits.memory_mb * MB,
        MemorySwap: spec.limits.memory_mb * MB, // equal to Memory: no swap
        NanoCpus: Math.round(spec.limits.cpu_quota_cores * 1e9),
        PidsLimit: spec.limits.pids_max + 1, // + agora-init
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Ulimits: [
          { Name: 'core', Soft: 0, Hard: 0 },
          { Name: 'fsize', Soft: s.file_size_mb_max * MB, Hard: s.file_size_mb_max * MB },
          { Name: 'nofile', Soft: s.open_files_max, Hard: s.open_files_max },
        ],
        LogConfig: { Type: 'none', Config: {} },
        Init: false,
        AutoRemove: false,
      },
    });
    let child: DockerProcess;
    try {
      child = await DockerProcess.start(this.docker, container, spec.log_path, spec.limits.log_bytes_max);
    } catch (err) {
      await container.remove({ force: true }).catch(() => {});
      throw new AgoraError('EXECUTION_ERROR', `cannot start the container: ${(err as Error).message}`);
    }
    const handle = supervise({
      spec,
      log: this.log,
      process: child,
      meter: child.meter,
      meter_interval_ms: s.meter_interval_ms,
      kill_exit_wait_ms: s.kill_exit_wait_ms,
      teardown: async () => {
        await container.remove({ force: true }).catch((err: Error) => this.log.warn({ err: err.message, execution_id: spec.execution_id }, 'could not remove a container'));
      },
      onDone: () => this.runs.release(spec.execution_id),
    });
    this.runs.track(handle);
    return handle;
  }

  async close(): Promise<void> {
    if (!(await this.runs.close())) return;
  }
}

/** A started container seen as the supervisor's SandboxProcess, with its stats as the meter. */
class DockerProcess implements SandboxProcess {
  readonly pid = null;
  exited: Promise<ProcessExit> = Promise.resolve({ code: null, signal: null, error: 'not started' });
  private running = true;
  private readonly listeners: ((line: string) => void)[] = [];

  private constructor(
    private readonly container: Docker.Container,
    private readonly stdio: NodeJS.ReadWriteStream,
    readonly meter: DockerStatsMeter,
  ) {}

  static async start(docker: Docker, container: Docker.Container, log_path: string, log_bytes_max: number): Promise<DockerProcess> {
    const stdio = await container.attach({ stream: true, hijack: true, stdin: true, stdout: true, stderr: true });
    const child = new DockerProcess(container, stdio, new DockerStatsMeter(container));
    const out = new PassThrough();
    const err = new PassThrough();
    docker.modem.demuxStream(stdio, out, err);
    // agora-init caps the output already; this second cap holds even if it were subverted.
    const log = createWriteStream(log_path, { mode: 0o640 });
    let logged = 0;
    out.on('data', (chunk: Buffer) => {
      const keep = Math.max(0, Math.min(chunk.length, log_bytes_max - logged));
      if (keep > 0) log.write(chunk.subarray(0, keep));
      logged += keep;
    });
    const splitter = new LineSplitter();
    err.on('data', (chunk: Buffer) => splitter.push(chunk, (line) => child.listeners.forEach((l) => l(line))));
    await container.start();
    await child.meter.open();
    child.exited = container
      .wait()
      .then(async (status: { StatusCode?: number }) => {
        child.running = false;
        await new Promise<void>((resolve) => log.end(resolve));
        return { code: typeof status.StatusCode === 'number' ? status.StatusCode : null, signal: null, error: null };
      })
      .catch((e: Error) => ({ code: null, signal: null, error: `container wait failed: ${e.message}` }));
    return child;
  }

  onStatusLine(listener: (line: string) => void): void {
    this.listeners.push(listener);
  }

  command(byte: string): void {
    try {
      this.stdio.write(byte);
    } catch {
      /* the container is gone */
    }
  }

  kill(): void {
    void this.container.kill({ signal: 'SIGKILL' }).catch(() => {});
  }

  alive(): boolean {
    return this.running;
  }
}

interface DockerStatsSample {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; max_usage?: number };
}

/** Reads the container's stats stream: CPU ns used and memory, kept by the engine's cgroup. */
class DockerStatsMeter implements RunMeter {
  readonly kind = 'docker_stats' as const;
  readonly memory_enforced = true;
  private cpu_seconds: number | null = null;
  private memory_mb: number | null = null;
  private peak_mb = 0;
  private stream: NodeJS.ReadableStream | null = null;

  constructor(private readonly container: Docker.Container) {}

  async open(): Promise<void> {
    this.stream = await this.container.stats({ stream: true });
    const splitter = new LineSplitter();
    this.stream.on('data', (chunk: Buffer) =>
      splitter.push(chunk, (line) => {
        try {
          this.take(JSON.parse(line) as DockerStatsSample);
        } catch {
          /* a partial line */
        }
      }),
    );
    this.stream.on('error', () => {});
  }

  private take(sample: DockerStatsSample): void {
    const ns = sample.cpu_stats?.cpu_usage?.total_usage;
    if (typeof ns === 'number' && ns > 0) this.cpu_seconds = Math.max(this.cpu_seconds ?? 0, ns / 1e9);
    const usage = sample.memory_stats?.usage;
    if (typeof usage === 'number') {
      this.memory_mb = usage / MB;
      this.peak_mb = Math.max(this.peak_mb, this.memory_mb);
    }
    const max = sample.memory_stats?.max_usage; // cgroup v1 engines only
    if (typeof max === 'number') this.peak_mb = Math.max(this.peak_mb, max / MB);
  }

  sample(): MeterReading {
    return { cpu_seconds: this.cpu_seconds, memory_mb: this.memory_mb };
  }

  async final(): Promise<FinalUsage> {
    (this.stream as unknown as { destroy?: () => void } | null)?.destroy?.();
    const state = (await this.container.inspect()).State as { OOMKilled?: boolean };
    return { cpu_seconds: this.cpu_seconds, memory_peak_mb: this.peak_mb > 0 ? this.peak_mb : null, oom_kills: state.OOMKilled === true ? 1 : 0 };
  }

  async killAll(): Promise<void> {
    await this.container.kill({ signal: 'SIGKILL' }).catch(() => {});
  }
}
