// Where the agents' workspaces live and how they are made: on an image of their own (see
// disk-image.ts) when the host can, else as plain directories measured by walking them. The
// world asks here for a workspace's path before anything touches it, so an image is mounted
// on first use and unmounted when the world closes.
import { existsSync, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { AgoraError, invariant } from '../base/errors.js';
import { createImage, mountImage, probeImages, unmountImage, type ImageTools } from './disk-image.js';
import { SafeDir, type Owner } from './safe-dir.js';
import { isOwnFilesystem, measureUsage, type DiskLimits, type DiskUsage } from './usage.js';

export type Backing = 'auto' | 'image' | 'directory';

/** Who an agent is on the host: the sandbox uid when Agora runs as root, else Agora's own user (null). */
export function agentOwner(sandbox: { host_uid: number; host_gid: number }): Owner | null {
  return process.getuid?.() === 0 ? { uid: sandbox.host_uid, gid: sandbox.host_gid } : null;
}

export interface WorkspaceStoreOptions {
  world_dir: string;
  /** Where images are kept: host-only, never inside a workspace. */
  disks_dir: string;
  backing: Backing;
  limits: DiskLimits;
  /** Who the agent is on the host (the sandbox uid when Agora runs as root). */
  owner: Owner | null;
  log: Logger;
  /** How long one image tool (mkfs.ext4, mount...) may take. */
  tool_timeout_ms: number;
  /** Entries a failed spawn's half-made workspace may hold when it is removed. */
  remove_entries_max: number;
}

const WORKSPACES = 'workspaces';

/** Everything still mounted by a store of this process, unmounted if the process exits without closing. */
const mountedByProcess = new Map<string, ImageTools>();
let exitHookInstalled = false;

export class WorkspaceStore {
  private resolved: 'image' | 'directory' | null = null;
  private readonly mounted = new Set<string>();

  constructor(private readonly options: WorkspaceStoreOptions) {}

  /** Decided on first use, so a reader that never touches a workspace never probes. */
  get backing(): 'image' | 'directory' {
    if (this.resolved !== null) return this.resolved;
    const options = this.options;
    mkdirSync(join(options.world_dir, WORKSPACES), { recursive: true, mode: 0o755 });
    if (options.backing === 'directory') return (this.resolved = 'directory');
    mkdirSync(options.disks_dir, { recursive: true, mode: 0o700 });
    const probe = probeImages(options, options.disks_dir);
    if (!probe.ok && options.backing === 'image') throw new AgoraError('UNAVAILABLE', `workspace.backing is image, but ${probe.reason}`);
    if (!probe.ok) options.log.warn({ reason: probe.reason }, 'workspaces are plain directories: their disk allowance is measured, not enforced by the kernel');
    return (this.resolved = probe.ok ? 'image' : 'directory');
  }

  /** Who owns what the host writes for the agent (null: Agora's own user). */
  get owner(): Owner | null {
    return this.options.owner;
  }

  get limits(): DiskLimits {
    return this.options.limits;
  }

  /** The relative path recorded for an agent's workspace. */
  static relativePath(agent_id: string): string {
    return join(WORKSPACES, agent_id);
  }

  private imageOf(workspace: string): string {
    return join(this.options.disks_dir, `${basename(workspace)}.img`);
  }

  /** Whether a workspace (or its image) exists under this relative path. */
  exists(workspace: string): boolean {
    return existsSync(join(this.options.world_dir, workspace)) || existsSync(this.imageOf(workspace));
  }

  /** Makes a new, empty workspace for an agent; returns its relative path. */
  create(agent_id: string): string {
    const workspace = WorkspaceStore.relativePath(agent_id);
    invariant(!this.exists(workspace), `workspace ${workspace} is new`);
    const dir = join(this.options.world_dir, workspace);
    if (this.backing === 'image') {
      createImage(this.options, this.imageOf(workspace), this.options.limits, this.options.owner);
      try {
        this.mount(workspace);
      } catch (err) {
        rmSync(this.imageOf(workspace), { force: true });
        throw err;
      }
    } else {
      mkdirSync(dir, { mode: 0o755 });
    }
    return workspace;
  }

  /**
   * The host path of a workspace, ready to use: its image mounted if it has one. A
   * workspace without an image (made before images, or by hand) is a plain directory.
   */
  dir(workspace: string): string {
    const dir = join(this.options.world_dir, workspace);
    if (this.mounted.has(dir) || !existsSync(this.imageOf(workspace))) return dir;
    // Mounted already: by a run of this world that crashed (one process owns a world), so ours now.
    if (isOwnFilesystem(dir)) this.track(dir);
    else this.mount(workspace);
    return dir;
  }

  usage(workspace: string): DiskUsage {
    return measureUsage(this.dir(workspace), this.options.limits);
  }

  /** Removes a workspace that no agent has (a spawn that failed after making it). */
  remove(workspace: string): void {
    const dir = join(this.options.world_dir, workspace);
    if (this.mounted.has(dir)) {
      unmountImage(this.options, dir);
      this.untrack(dir);
    }
    rmSync(this.imageOf(workspace), { force: true });
    if (!existsSync(dir)) return;
    SafeDir.with(join(this.options.world_dir, WORKSPACES), (parent) => parent.removeTree(basename(workspace), this.options.remove_entries_max));
    invariant(!existsSync(dir), `workspace ${workspace} is gone`);
  }

  close(): void {
    for (const dir of [...this.mounted]) {
      unmountImage(this.options, dir);
      this.untrack(dir);
      try {
        rmdirSync(dir); // the empty mount point: the workspace lives in its image
      } catch {
        /* something was written beneath the mount point before it was mounted: leave it */
      }
    }
  }

  private mount(workspace: string): void {
    const dir = join(this.options.world_dir, workspace);
    mountImage(this.options, this.imageOf(workspace), dir);
    this.track(dir);
  }

  private track(dir: string): void {
    this.mounted.add(dir);
    mountedByProcess.set(dir, this.options);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const [point, tools] of mountedByProcess) unmountImage(tools, point);
      });
    }
  }

  private untrack(dir: string): void {
    this.mounted.delete(dir);
    mountedByProcess.delete(dir);
  }
}
