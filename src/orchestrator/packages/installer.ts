// POST /packages/install's work (docs/packages.md): an npm package installed into the asking
// agent's workspace. npm runs in a fresh bwrap sandbox (the runner and limits of a tool call)
// whose workspace is an empty staging directory and whose only network is the registry proxy;
// install scripts are off unless packages.install_scripts. The staging node_modules is then
// measured and copied into the workspace through SafeDir (regular files and directories only:
// links, .bin among them, are not copied), and the kernel charges the bytes and CPU in the
// same turn (package_installed). Any failure before the copy leaves the workspace as it was.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AgoraError } from '../../base/errors.js';
import type { Kernel } from '../../kernel/kernel.js';
import { INSIDE } from '../../sandbox/bwrap-args.js';
import { runLimits } from '../../sandbox/runner.js';
import type { ToolRunContext } from '../invoke/tool-run.js';
import { failureOf } from '../invoke/tool-run.js';
import { SafeDir, type Owner } from '../../workspace/safe-dir.js';
import { walk, workspaceWalkLimits } from '../../workspace/walk.js';
import { agentOwner, type WorkspaceStore } from '../../workspace/workspace-store.js';
import type { InstallRequest, InstallResult, PackageService } from '../../kernel/packages/service.js';
import { checkNpmSpec } from './npm-spec.js';
import { startRegistryProxy } from './registry-proxy.js';

export class PackageInstaller implements PackageService {
  private installs = 0;

  constructor(
    private readonly deps: { kernel: Kernel; workspaces: WorkspaceStore; sandbox(): ToolRunContext | null },
  ) {}

  async install(request: InstallRequest): Promise<InstallResult> {
    const cfg = this.deps.kernel.core.config.packages;
    if (!cfg.enabled) throw new AgoraError('ACCESS_DENIED', 'this world does not install packages (packages.enabled is off)');
    const spec = checkNpmSpec(request.name, request.version);
    if (cfg.denied.includes(spec.name)) throw new AgoraError('ACCESS_DENIED', `package ${spec.name} is on packages.denied`);
    const agent = this.deps.kernel.agents.get(request.agent_id);
    if (agent === null) throw new AgoraError('NOT_FOUND', `no agent ${request.agent_id}`);
    const ctx = this.deps.sandbox();
    if (ctx === null) throw new AgoraError('UNAVAILABLE', 'packages cannot be installed here: no sandbox runner is attached');
    if (ctx.runner.isolation === 'none') throw new AgoraError('UNAVAILABLE', 'packages are installed only in a sandbox (bwrap or docker); this host runs without isolation');
    // An agent that cannot pay for even the smallest install does not start one.
    this.deps.kernel.packages.assertCanPay(request.agent_id, this.deps.kernel.packages.costUcr(1, 1));

    const id = `pkg-${++this.installs}-${Date.now().toString(36)}`;
    const staging = mkdtempSync(join(ctx.scratch_parent, 'pkg-'));
    const socket_path = join(ctx.socket_dir, `${id}.sock`);
    const proxy = await startRegistryProxy({ socket_path, allowed_hosts: cfg.allowed_hosts, bytes_max: cfg.download_bytes_max });
    try {
      const ca = trustedCas(cfg.ca_file);
      SafeDir.with(staging, (dir) => {
        dir.writeNewFile('package.json', JSON.stringify({ name: 'agora-install', private: true }), { mode: 0o644, owner: null });
        if (ca !== null) dir.writeNewFile(CA_NAME, ca, { mode: 0o644, owner: null });
      });
      const proxy_url = `http://127.0.0.1:${ctx.config.sandbox.api_port_inside}`;
      const handle = await ctx.runner.start({
        execution_id: id,
        agent_id: request.agent_id,
        workspace_dir: staging,
        command: ['npm', 'install', '--no-audit', '--no-fund', '--save-exact', ...(cfg.install_scripts ? [] : ['--ignore-scripts']), `${spec.name}@${spec.version}`],
        env: {
          HOME: INSIDE.workspace,
          npm_config_cache: `${INSIDE.tmp}/npm-cache`,
          npm_config_registry: cfg.npm_registry_url,
          npm_config_https_proxy: proxy_url,
          npm_config_proxy: proxy_url,
          npm_config_ignore_scripts: cfg.install_scripts ? 'false' : 'true',
          npm_config_update_notifier: 'false',
          npm_config_loglevel: 'error',
          // Only this config: the host's global npmrc is visible under /usr and may name files
          // (its cafile) that do not exist in here, which leaves npm retrying a failed TLS.
          npm_config_globalconfig: `${INSIDE.tmp}/no-global-npmrc`,
          ...(ca === null ? {} : { npm_config_cafile: `${INSIDE.workspace}/${CA_NAME}`, NODE_EXTRA_CA_CERTS: `${INSIDE.workspace}/${CA_NAME}` }),
        },
        limits: { ...runLimits(ctx.config, { memory_mb: cfg.install_memory_mb, wall_ms: cfg.install_timeout_ms, cpu_ms_max: cfg.install_cpu_ms_max }), disk_bytes_max: cfg.install_bytes_max * 2 + (1 << 20) },
        api_socket_path: socket_path,
        api_url: null,
        log_path: join(ctx.log_dir, `${id}.log`),
      });
      const result = await handle.done;
      if (result.reason === 'killed_disk') throw new AgoraError('PAYLOAD_TOO_LARGE', `the install wrote more than packages.install_bytes_max (${cfg.install_bytes_max} bytes)`);
      if (result.reason === 'crashed') throw new AgoraError('NOT_FOUND', `npm could not install ${spec.name}@${spec.version} (no such package or version, or the registry refused it)`, { name: spec.name, version: spec.version });
      const failure = failureOf(result);
      if (failure !== null) throw failure;

      const owner = agentOwner(ctx.config.sandbox);
      return SafeDir.with(staging, (dir) => {
        const installed = readLock(dir, spec.name);
        const modules = dir.openDir('node_modules');
        try {
          const measured = measure(modules, ctx.config.workspace);
          if (measured.bytes > cfg.install_bytes_max) throw new AgoraError('PAYLOAD_TOO_LARGE', `the package and its dependencies are ${measured.bytes} bytes, over packages.install_bytes_max (${cfg.install_bytes_max})`);
          const usage = this.deps.workspaces.usage(agent.workspace);
          if (usage.bytes_used + measured.bytes > usage.bytes_max) throw new AgoraError('PAYLOAD_TOO_LARGE', `the install needs ${measured.bytes} bytes; the workspace has ${Math.max(0, usage.bytes_max - usage.bytes_used)} left`);
          const cost_ucr = this.deps.kernel.packages.costUcr(measured.bytes, result.cpu_ms);
          this.deps.kernel.packages.assertCanPay(request.agent_id, cost_ucr);
          SafeDir.with(this.deps.workspaces.dir(agent.workspace), (ws) => {
            const target = ws.ensureDir('node_modules', 0o755, owner);
            try {
              copyTree(modules, target, owner, ctx.config.workspace);
            } finally {
              target.close();
            }
          });
          const record = { agent_id: request.agent_id, execution_id: request.execution_id, ecosystem: 'npm' as const, name: spec.name, version: installed.version, integrity: installed.integrity, packages: installed.packages, bytes: measured.bytes, cpu_ms: Math.ceil(result.cpu_ms) };
          const { cost_ucr: charged } = this.deps.kernel.packages.recordInstall(record, { actor: request.agent_id });
          return { name: spec.name, version: installed.version, integrity: installed.integrity, packages: installed.packages, bytes: measured.bytes, cpu_ms: record.cpu_ms, cost_ucr: charged };
        } finally {
          modules.close();
        }
      });
    } finally {
      await proxy.close();
      rmSync(socket_path, { force: true });
      rmSync(staging, { recursive: true, force: true });
    }
  }
}

/** The CA bundle copied into the staging root (outside node_modules, so never copied to the workspace). */
const CA_NAME = '.agora-ca.pem';
const CA_BYTES_MAX = 4 * 1024 * 1024;

/**
 * The certificate authorities npm is to trust inside the sandbox, which has a generated /etc and
 * so none of the host's: packages.ca_file, else the host's own NODE_EXTRA_CA_CERTS or
 * SSL_CERT_FILE (where an egress proxy re-signs TLS, its CA is there), else null (npm's roots).
 */
function trustedCas(ca_file: string): Buffer | null {
  const path = ca_file !== '' ? ca_file : (process.env.NODE_EXTRA_CA_CERTS ?? process.env.SSL_CERT_FILE ?? '');
  if (path === '') return null;
  try {
    const pem = readFileSync(path);
    if (pem.length > CA_BYTES_MAX) throw new AgoraError('UNAVAILABLE', `the CA file ${path} is over ${CA_BYTES_MAX} bytes`);
    return pem;
  } catch (err) {
    if (err instanceof AgoraError) throw err;
    // A named file that cannot be read is the operator's mistake: say so rather than hang in TLS.
    if (ca_file !== '') throw new AgoraError('UNAVAILABLE', `packages.ca_file ${ca_file} cannot be read`);
    return null;
  }
}

/** The resolved version and integrity of `name`, and how many packages came, from npm's lockfile. */
function readLock(dir: SafeDir, name: string): { version: string; integrity: string; packages: number } {
  const buf = dir.readFile('package-lock.json', 16 * 1024 * 1024);
  if (buf === null) throw new AgoraError('EXECUTION_ERROR', 'npm wrote no lockfile');
  let lock: { packages?: Record<string, { version?: unknown; integrity?: unknown }> };
  try {
    lock = JSON.parse(buf.toString('utf8')) as typeof lock;
  } catch {
    throw new AgoraError('EXECUTION_ERROR', "npm's lockfile is not JSON");
  }
  const entries = Object.keys(lock.packages ?? {}).filter((k) => k.startsWith('node_modules/'));
  const own = lock.packages?.[`node_modules/${name}`];
  if (own === undefined || typeof own.version !== 'string') throw new AgoraError('EXECUTION_ERROR', `npm's lockfile does not list ${name}`);
  return { version: own.version.slice(0, 100), integrity: typeof own.integrity === 'string' ? own.integrity.slice(0, 200) : '', packages: entries.length };
}

function measure(root: SafeDir, limits: { inodes_max: number; depth_max: number }): { bytes: number } {
  let bytes = 0;
  walk(root, workspaceWalkLimits(limits), { nonDir: (_parent, entry) => void (bytes += entry.kind === 'file' ? entry.size_bytes : 0) });
  return { bytes };
}

/** Regular files and directories of `from` into `to`, replacing same-named files; anything else is skipped. */
function copyTree(from: SafeDir, to: SafeDir, owner: Owner | null, limits: { inodes_max: number; depth_max: number }): void {
  const stack: SafeDir[] = [to];
  walk(from, workspaceWalkLimits(limits), {
    dir: (_parent, entry) => {
      stack.push(stack[stack.length - 1]!.ensureDir(entry.name, 0o755, owner));
      return true;
    },
    leaveDir: () => stack.pop()!.close(),
    nonDir: (parent, entry) => {
      if (entry.kind !== 'file') return;
      const data = parent.readFile(entry.name, Number.MAX_SAFE_INTEGER);
      if (data !== null) stack[stack.length - 1]!.writeFileAtomic(entry.name, data, { mode: 0o644, owner });
    },
  });
}
