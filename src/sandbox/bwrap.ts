// The default runner on Linux: bubblewrap namespaces, cgroup limits, agora-init inside.
//
//   node ──spawn──▶ agora-launch ──exec──▶ bwrap ──clone(ns)──▶ agora-init (pid 1) ──fork──▶ agent
//   (root)          joins cgroups,         (host uid,            binds 127.0.0.1:8420,
//                   rlimits, stages        unprivileged)         relays to api.sock,
//                   paths, drops uid                             caps the log, reports
//
// See docs/agents.md "Sandbox" for what an agent can and cannot do.
import { spawnSync } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants as fsConstants, existsSync, lstatSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { AgoraError } from '../base/errors.js';
import { bwrapArgs, initInside, INSIDE, type BwrapCommandLine, type BwrapLayout } from './bwrap-args.js';
import { MB, type CgroupDriver, type RunCgroup } from './cgroups.js';
import { detectCgroups } from './cgroup-detect.js';
import { resolveHelpers, resolveSeccomp, type SandboxHelpers } from './helpers.js';
import { workspaceWalkLimits } from '../workspace/walk.js';
import { adoptWorkspace, reachableBy, type HostIds } from './host-access.js';
import { openInspectorBridge, type InspectorBridge } from './inspector-bridge.js';
import { cpuSecondsOfMs } from './cpu-time.js';
import { CgroupMeter, ProcTreeMeter } from './meters.js';
import { treeBounds } from './proc-tree.js';
import { type RunHandle, type Runner, type RunSpec } from './runner.js';
import { RunRegistry } from './run-registry.js';
import { createSandboxDir, type SandboxDir, type StagePoint } from './sandbox-dir.js';
import { sandboxEnv } from './sandbox-env.js';
import { goMessage, LauncherPool } from './launcher-pool.js';
import { killSpawned, spawnSandboxProcess, supervise, watchSandboxProcess, type SandboxProcess } from './supervisor.js';

/** bwrap's --args format: each argument NUL-terminated. */
function bwrapArgsFile(args: string[]): Buffer {
  for (const arg of args) if (arg.includes('\0')) throw new AgoraError('INVALID_ARGS', 'sandbox arguments may not contain NUL');
  return Buffer.from(args.map((a) => `${a}\0`).join(''), 'utf8');
}

/** Processes of the sandbox itself in the run's pids cgroup: bwrap and agora-init. */
const SANDBOX_OWN_PIDS = 2;
const ROOT_LINK_NAMES = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];
const DEFAULT_RUNTIME_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'runtime');

export interface BwrapProbe {
  ok: boolean;
  reason: string;
  bwrap_path: string | null;
}

export function findExecutable(name: string): string | null {
  if (name.includes('/')) return existsSync(name) ? resolve(name) : null;
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return null;
}

function sandboxIds(config: Config): HostIds | null {
  return process.getuid?.() === 0 ? { uid: config.sandbox.host_uid, gid: config.sandbox.host_gid } : null;
}

/** Whether bwrap can build a sandbox here, as the uid it would run as. */
export async function probeBwrap(config: Config): Promise<BwrapProbe> {
  if (process.platform !== 'linux') return { ok: false, reason: `bubblewrap needs Linux (this is ${process.platform})`, bwrap_path: null };
  const bwrap = findExecutable(config.sandbox.bwrap_path);
  if (bwrap === null) return { ok: false, reason: `bubblewrap (${config.sandbox.bwrap_path}) is not installed`, bwrap_path: null };
  const ids = sandboxIds(config);
  const probe = spawnSync(bwrap, ['--unshare-all', '--die-with-parent', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '/usr/bin/true'], {
    encoding: 'utf8',
    timeout: config.sandbox.probe_timeout_ms,
    ...(ids !== null ? { uid: ids.uid, gid: ids.gid } : {}),
  });
  if (probe.status !== 0) {
    return { ok: false, reason: `bubblewrap cannot create namespaces here: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}`, bwrap_path: bwrap };
  }
  return { ok: true, reason: 'ok', bwrap_path: bwrap };
}

interface Installation {
  /** Host directory to make visible. */
  prefix: string;
  /** Directory of the executable, added to PATH inside. */
  bin_dir: string;
}

/** node (this very binary) and python3, when they live outside /usr. */
function installationOutsideUsr(executable: string): Installation | null {
  const real = realpathSync(executable);
  if (real.startsWith('/usr/')) return null;
  const bin_dir = dirname(real);
  return { prefix: dirname(bin_dir), bin_dir };
}

/** The python3 sandboxes are given (sandbox.python); the launcher's --debug asks it about debugpy. */
export function findPython(config: Config): string | null {
  const wanted = config.sandbox.python;
  if (wanted !== 'auto') return existsSync(wanted) ? wanted : null;
  if (existsSync('/usr/bin/python3')) return '/usr/bin/python3';
  // A version manager's shim (pyenv) is a script that needs its manager: ask python itself.
  const asked = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: config.sandbox.probe_timeout_ms });
  const path = asked.status === 0 ? asked.stdout.trim() : '';
  return path !== '' && existsSync(path) ? path : null;
}

export async function createBwrapRunner(config: Config, log: Logger): Promise<Runner> {
  const probe = await probeBwrap(config);
  if (!probe.ok || probe.bwrap_path === null) throw new AgoraError('UNAVAILABLE', `the bwrap runner cannot start: ${probe.reason}`);
  const helpers = await resolveHelpers(config, log);
  const seccomp_path = await resolveSeccomp(config, log);
  const ids = sandboxIds(config);
  const cgroups = await detectCgroups(config, log);
  warnUnenforced(cgroups, log);
  const dir = createSandboxDir({ parent: config.sandbox.state_dir, init_binary: helpers.init_path, uid_inside: config.sandbox.uid_inside, gid_inside: config.sandbox.gid_inside, tmpfs_mb: config.sandbox.state_tmpfs_mb, mount_timeout_ms: config.sandbox.mount_timeout_ms });
  try {
    return new BwrapRunner(config, log, probe.bwrap_path, helpers, seccomp_path, ids, cgroups, dir);
  } catch (err) {
    dir.remove();
    throw err;
  }
}

function warnUnenforced(cgroups: CgroupDriver | null, log: Logger): void {
  const a = cgroups?.abilities ?? { memory: false, cpu_quota: false, pids: false, cpu_usage: false };
  const missing = [
    !a.memory && 'memory limit (sampled and killed late instead)',
    !a.cpu_quota && 'CPU quota',
    !a.pids && 'process count limit (a fork bomb is only stopped by the wall deadline)',
    !a.cpu_usage && 'exact CPU metering (rusage and /proc sampling instead)',
  ].filter((m): m is string => m !== false);
  if (missing.length > 0) {
    const message = `SANDBOX LIMITS NOT ENFORCED: ${missing.join('; ')}. Run Agora as root or give it a delegated cgroup (sandbox.cgroup_parent).`;
    log.error({ cgroups: cgroups?.version ?? 'none' }, message);
    process.stderr.write(`agora: ${message}\n`);
  } else {
    log.info({ cgroups: cgroups?.version }, 'sandbox limits enforced by cgroups');
  }
}

class BwrapRunner implements Runner {
  readonly kind = 'bwrap' as const;
  readonly isolation = 'strong' as const;
  private readonly layout: BwrapLayout;
  private readonly path_dirs: string[];
  /** Installations the sandbox uid cannot reach by name: staged per run like the workspace. */
  private readonly staged_static: { point: StagePoint; source: string; dest: string }[] = [];
  private readonly runs: RunRegistry;
  /** Teardowns still removing cgroups and staging dirs of ended runs. */
  private readonly tearing_down = new Set<Promise<void>>();
  private readonly pool: LauncherPool | null;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly bwrap_path: string,
    private readonly helpers: SandboxHelpers,
    private readonly seccomp_path: string | null,
    private readonly ids: HostIds | null,
    private readonly cgroups: CgroupDriver | null,
    private readonly dir: SandboxDir,
  ) {
    this.runs = new RunRegistry(config);
    const s = config.sandbox;
    const extra_ro: BwrapLayout['extra_ro'] = [];
    const path_dirs = ['/usr/local/bin', '/usr/bin', '/bin'];
    const expose = (install: Installation | null, point: StagePoint) => {
      if (install === null) return;
      path_dirs.unshift(install.bin_dir);
      this.exposeReadOnly(install.prefix, install.prefix, point, extra_ro);
    };
    const node = installationOutsideUsr(process.execPath);
    expose(node, 'node');
    const python = findPython(config);
    if (python === null) log.warn('no python3 found: python agents will not start');
    else expose(installationOutsideUsr(python), 'python');

    let runtime_dir: string | null = s.runtime_dir !== '' ? resolve(s.runtime_dir) : DEFAULT_RUNTIME_DIR;
    if (!existsSync(join(runtime_dir, 'node_modules'))) {
      log.warn({ runtime_dir }, 'agent runtime not installed (run `npm install`): agents get no preinstalled libraries');
      runtime_dir = null;
    } else if (this.dir.own_fs) {
      // A copy on the state tmpfs: the sandbox's mountinfo then names no installation path.
      runtime_dir = this.dir.copyIn('runtime', runtime_dir);
    } else if (this.ids !== null && !reachableBy(runtime_dir, this.ids)) {
      this.staged_static.push({ point: 'runtime', source: runtime_dir, dest: INSIDE.runtime });
      runtime_dir = this.dir.stagePoint('runtime');
    }

    const nodeInside = node === null ? realpathSync(process.execPath) : join(node.bin_dir, 'node');
    this.layout = {
      uid_inside: s.uid_inside,
      gid_inside: s.gid_inside,
      root_links: ROOT_LINK_NAMES.filter((name) => existsSync(`/${name}`)).map((name) => {
        const st = lstatSync(`/${name}`);
        return { name, target: st.isSymbolicLink() ? readlinkSync(`/${name}`) : null };
      }),
      etc_dir: dir.etc,
      init_binary: dir.init_path,
      init_dest: initInside(helpers.native),
      init_argv_inside: helpers.native ? [INSIDE.init] : [nodeInside, initInside(false)],
      runtime_dir,
      extra_ro,
      tmp_bytes: s.tmp_mb_max * MB,
      disable_userns: true,
    };
    this.path_dirs = path_dirs;
    const launch_path = helpers.launch_argv[0]!;
    this.pool = helpers.native && s.launchers_prestarted > 0 ? new LauncherPool(s.launchers_prestarted, launch_path, cgroups, log) : null;
    log.info(
      { bwrap: bwrap_path, native_helpers: helpers.native, seccomp: seccomp_path !== null, cgroups: cgroups?.version ?? 'none', host_uid: ids?.uid ?? process.getuid?.(), state_dir: dir.root },
      'bwrap runner ready',
    );
  }

  /** Binds `source` read-only at `dest`, through a stage point if the sandbox uid cannot reach it. */
  private exposeReadOnly(source: string, dest: string, point: StagePoint, extra_ro: BwrapLayout['extra_ro']): void {
    if (this.ids !== null && !reachableBy(source, this.ids)) {
      this.staged_static.push({ point, source, dest });
      extra_ro.push({ source: this.dir.stagePoint(point), dest });
    } else {
      extra_ro.push({ source, dest });
    }
  }

  channelDir(): string | null {
    return this.dir.channelDir();
  }

  workspacePathInside(): string {
    return INSIDE.workspace;
  }

  async start(input: RunSpec): Promise<RunHandle> {
    const spec = this.runs.admit(input);
    const s = this.config.sandbox;
    if (spec.api_socket_path !== null && !existsSync(spec.api_socket_path)) {
      throw new AgoraError('EXECUTION_ERROR', `API socket ${spec.api_socket_path} does not exist: open the execution channel first`);
    }
    for (const path of [spec.workspace_dir, spec.api_socket_path ?? '', spec.code_dir ?? '']) {
      // The portable launcher passes stage paths one per line.
      if (path.includes('\n')) throw new AgoraError('INVALID_ARGS', 'host paths of a run may not contain newlines');
    }
    const workspace = resolve(spec.workspace_dir);
    const stages: { source: string; point: string }[] = this.staged_static.map((st) => ({ source: st.source, point: this.dir.stagePoint(st.point) }));
    let workspace_source = workspace;
    let api_socket_source = spec.api_socket_path === null ? null : resolve(spec.api_socket_path);
    let code_source = spec.code_dir === null ? null : resolve(spec.code_dir);
    if (this.ids !== null && code_source !== null && !reachableBy(code_source, this.ids)) {
      // Read-only inside whatever its host modes: bwrap binds it --ro-bind.
      stages.push({ source: code_source, point: this.dir.stagePoint('code') });
      code_source = this.dir.stagePoint('code');
    }
    if (this.ids !== null) {
      adoptWorkspace(workspace, this.ids, workspaceWalkLimits(this.config.workspace));
      if (!reachableBy(workspace, this.ids)) {
        stages.push({ source: workspace, point: this.dir.stagePoint('workspace') });
        workspace_source = this.dir.stagePoint('workspace');
      }
      if (api_socket_source !== null) {
        // The socket is 0600 (see src/api/channel.ts): hand it to the sandbox uid.
        chownSync(api_socket_source, this.ids.uid, this.ids.gid);
        if (!reachableBy(api_socket_source, this.ids)) {
          stages.push({ source: api_socket_source, point: this.dir.stagePoint('api_socket') });
          api_socket_source = this.dir.stagePoint('api_socket');
        }
      }
    }

    let debug_dir: string | null = null;
    let bridge: InspectorBridge | null = null;
    if (spec.debug !== null) {
      debug_dir = this.dir.makeRunDir(spec.execution_id, this.ids);
      try {
        bridge = await openInspectorBridge(spec.debug.inspect_port, join(debug_dir, 'inspector.sock'), this.log);
      } catch (err) {
        this.dir.removeRunDir(spec.execution_id);
        throw err;
      }
    }

    const cgroup_limits = { memory_mb: spec.limits.memory_mb, cpu_quota_cores: spec.limits.cpu_quota_cores, pids_max: spec.limits.pids_max + SANDBOX_OWN_PIDS };
    let pooled = this.pool?.take() ?? null;
    if (pooled !== null) {
      try {
        pooled.cgroup?.applyLimits(cgroup_limits);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, launcher: pooled.name }, 'a pooled launcher could not take the run\'s limits: starting a fresh one');
        killSpawned(pooled.child);
        void pooled.cgroup?.remove();
        pooled = null;
      }
    }
    let cgroup: RunCgroup | null = pooled?.cgroup ?? null;
    if (pooled === null && this.cgroups !== null) {
      try {
        cgroup = this.cgroups.create(`run-${spec.execution_id}`, cgroup_limits);
      } catch (err) {
        await bridge?.close();
        if (debug_dir !== null) this.dir.removeRunDir(spec.execution_id);
        throw new AgoraError('EXECUTION_ERROR', `cannot create the run's cgroup: ${(err as Error).message}`);
      }
    }

    const env = sandboxEnv(spec, {
      workspace: INSIDE.workspace,
      api_url: spec.api_socket_path === null ? null : `http://127.0.0.1:${s.api_port_inside}`,
      path_dirs: this.path_dirs,
      node_path: this.layout.runtime_dir === null ? null : `${INSIDE.runtime}/node_modules`,
      tmp_dir: INSIDE.tmp,
      code_dir: code_source === null ? null : INSIDE.code,
    });
    const bwrap = bwrapArgs(this.layout, {
      workspace_source,
      api_socket_source,
      code_source,
      debug_dir_source: debug_dir,
      env,
      command: spec.command,
      api_port_inside: s.api_port_inside,
      inspect_port: spec.debug?.inspect_port ?? null,
      log_bytes_max: spec.limits.log_bytes_max,
      connections_max: s.connections_max,
    });
    const abilities = this.cgroups?.abilities;
    let child: SandboxProcess;
    try {
      // The run's arguments (bwrap's hold its environment, and so its API token) never go on
      // a command line: the launcher gets them over its control socket, bwrap over an fd.
      const run_args = this.runLaunchArgs(stages, spec.limits.cpu_ms_max, spec.limits.grace_ms);
      if (pooled !== null) {
        const control = pooled.child.stdio[3] as Duplex;
        control.write(goMessage(['--log', spec.log_path, ...run_args, '--args-fd', String(bwrap.options.length), '--', this.bwrap_path, ...bwrap.options, ...bwrap.command]));
        child = watchSandboxProcess(pooled.child, this.config.sandbox.control_drain_wait_ms);
        this.log.debug({ execution_id: spec.execution_id, launcher: pooled.name }, 'run started on a pooled launcher');
      } else {
        child = this.spawnLauncher(cgroup, run_args, stages, spec.limits.cpu_ms_max, spec.limits.grace_ms, bwrap, spec.log_path);
      }
    } catch (err) {
      // Nothing started: undo what was prepared for it.
      if (pooled !== null) killSpawned(pooled.child);
      await cgroup?.killAll();
      await cgroup?.remove();
      await bridge?.close();
      if (debug_dir !== null) this.dir.removeRunDir(spec.execution_id);
      throw new AgoraError('EXECUTION_ERROR', `cannot start the sandbox: ${(err as Error).message}`);
    }
    const handle = supervise({
      spec,
      log: this.log,
      process: child,
      meter:
        cgroup !== null
          ? new CgroupMeter(cgroup, abilities?.memory ?? false, abilities?.cpu_usage ? null : (child.pid ?? -1), child.alive, this.config.sandbox.proc_tree_nodes_max)
          : new ProcTreeMeter(child.pid ?? -1, child.alive, treeBounds(this.config)),
      meter_interval_ms: s.meter_interval_ms,
      kill_exit_wait_ms: s.kill_exit_wait_ms,
      teardown: () =>
        this.track(async () => {
          await cgroup?.remove();
          await bridge?.close();
          if (debug_dir !== null) this.dir.removeRunDir(spec.execution_id);
        }),
      onDone: () => this.runs.release(spec.execution_id),
    });
    this.runs.track(handle);
    return handle;
  }

  /** The launcher options that belong to one run (native syntax): rlimits, stages, uid, filter. */
  private runLaunchArgs(stages: { source: string; point: string }[], cpu_ms_max: number | null, grace_ms: number): string[] {
    const args: string[] = [];
    for (const [name, value] of this.rlimits(cpu_ms_max, grace_ms)) args.push('--rlimit', `${name}=${value}:${value}`);
    for (const stage of stages) args.push('--stage', `${stage.source}=${stage.point}`);
    if (this.ids !== null) args.push('--uid', String(this.ids.uid), '--gid', String(this.ids.gid));
    if (this.seccomp_path !== null) args.push('--seccomp', this.seccomp_path);
    return args;
  }

  private rlimits(cpu_ms_max: number | null, grace_ms: number): [string, number][] {
    const s = this.config.sandbox;
    const rlimits: [string, number][] = [
      ['core', 0],
      ['fsize', s.file_size_mb_max * MB],
      ['nofile', s.open_files_max],
    ];
    // Per-process backstop only; the budget itself is enforced on the whole run by the meter.
    if (cpu_ms_max !== null) rlimits.push(['cpu', Math.ceil(cpuSecondsOfMs(cpu_ms_max) + grace_ms / 1000) + 1]);
    return rlimits;
  }

  /**
   * A launcher started for this run alone. The native one gets the same go message as a
   * pooled one (its argv is only `--await-go 3`); the portable one gets its options in its
   * environment and hands bwrap its arguments on fd 4 (`--args 4`) and the filter on fd 5.
   */
  private spawnLauncher(
    cgroup: RunCgroup | null,
    run_args: string[],
    stages: { source: string; point: string }[],
    cpu_ms_max: number | null,
    grace_ms: number,
    bwrap: BwrapCommandLine,
    log_path: string,
  ): SandboxProcess {
    const procs = cgroup?.procs_files ?? [];
    if (this.helpers.native) {
      const go = procs.flatMap((file) => ['--cgroup-procs', file]);
      return spawnSandboxProcess({
        argv: [...this.helpers.launch_argv, '--await-go', '3'],
        env: {},
        log_path,
        control_drain_wait_ms: this.config.sandbox.control_drain_wait_ms,
        go_message: goMessage([...go, ...run_args, '--args-fd', String(bwrap.options.length), '--', this.bwrap_path, ...bwrap.options, ...bwrap.command]),
      });
    }
    const seccomp_fd = this.seccomp_path === null ? null : openSync(this.seccomp_path, 'r');
    try {
      const options = seccomp_fd === null ? bwrap.options : ['--seccomp', '5', ...bwrap.options];
      return spawnSandboxProcess({
        argv: [...this.helpers.launch_argv, '--', this.bwrap_path, '--args', '4', ...bwrap.command],
        env: this.portableLaunchEnv(procs, stages, cpu_ms_max, grace_ms),
        log_path,
        control_drain_wait_ms: this.config.sandbox.control_drain_wait_ms,
        extra_fds: [bwrapArgsFile(options), ...(seccomp_fd === null ? [] : [seccomp_fd])],
      });
    } finally {
      if (seccomp_fd !== null) closeSync(seccomp_fd); // the child holds its own copy
    }
  }

  /** The portable launcher's options (see fallback/agora-launch.sh). */
  private portableLaunchEnv(procs: string[], stages: { source: string; point: string }[], cpu_ms_max: number | null, grace_ms: number): Record<string, string> {
    const env: Record<string, string> = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      AGORA_CGROUP_PROCS: procs.join('\n'),
      AGORA_RLIMITS: this.rlimits(cpu_ms_max, grace_ms)
        .map(([name, value]) => `--${name}=${value}:${value}`)
        .join(' '),
      AGORA_STAGES: stages.map((st) => `${st.source}\n${st.point}`).join('\n'),
    };
    if (this.ids !== null) {
      env.AGORA_UID = String(this.ids.uid);
      env.AGORA_GID = String(this.ids.gid);
    }
    return env;
  }

  async close(): Promise<void> {
    if (!(await this.runs.close())) return;
    await this.pool?.close();
    await Promise.all(this.tearing_down);
    await this.cgroups?.close();
    this.dir.remove();
  }

  private track(work: () => Promise<void>): Promise<void> {
    const promise = work().finally(() => this.tearing_down.delete(promise));
    this.tearing_down.add(promise);
    return promise;
  }
}
