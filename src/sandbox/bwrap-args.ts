// The bubblewrap command line of one run. Pure: everything host-specific arrives in `layout`,
// so the whole filesystem view of a sandbox can be read (and tested) in one place.
//
// What an agent sees: / is an empty read-only tmpfs holding /usr (read-only), the merged-/usr
// symlinks, a generated /etc, a fresh /proc of its own pid namespace, a minimal /dev, a private
// /tmp, /workspace (its own workspace, the only writable host path), /opt/agora (agora-init and
// the runtime packages, read-only) and /run/agora/api.sock. Nothing else of the host exists.

export interface BwrapLayout {
  uid_inside: number;
  gid_inside: number;
  /** Host /bin, /lib, ... : symlinks into /usr are mirrored, real directories bound read-only. */
  root_links: { name: string; target: string | null }[];
  etc_dir: string;
  init_binary: string;
  /** Where agora-init is inside (initInside()). */
  init_dest: string;
  /** argv that starts agora-init inside (a node path prefix for the fallback). */
  init_argv_inside: string[];
  runtime_dir: string | null;
  /** Host installations outside /usr made visible read-only at the same path (node, python). */
  extra_ro: { source: string; dest: string }[];
  tmp_bytes: number;
  disable_userns: boolean;
}

export interface BwrapRun {
  workspace_source: string;
  api_socket_source: string | null;
  /** Bound read-only at INSIDE.code (an artifact's code bundle), or null. */
  code_source?: string | null;
  debug_dir_source: string | null;
  env: Record<string, string>;
  command: string[];
  api_port_inside: number;
  inspect_port: number | null;
  log_bytes_max: number;
  connections_max: number;
}

export const INSIDE = {
  workspace: '/workspace',
  code: '/code',
  api_socket: '/run/agora/api.sock',
  debug_dir: '/run/agora/debug',
  init: '/opt/agora/bin/agora-init',
  runtime: '/opt/agora/runtime',
  tmp: '/tmp',
} as const;

/** The node fallback keeps its .mjs name inside: node decides ESM from the extension. */
export function initInside(native: boolean): string {
  return native ? INSIDE.init : `${INSIDE.init}.mjs`;
}

/**
 * bwrap's options, and the command it runs (from its `--`). The options hold the run's
 * environment, its API token among it: they reach bwrap through a file descriptor (--args),
 * never a command line (see agora-launch.c). bwrap reads only options that way, so the
 * command stays on its argv; it holds nothing secret.
 */
export interface BwrapCommandLine {
  options: string[];
  command: string[];
}

export function bwrapArgs(layout: BwrapLayout, run: BwrapRun): BwrapCommandLine {
  const args = [
    '--unshare-all', // user, pid, mount, net, ipc, uts, cgroup
    '--unshare-user', // explicit: --unshare-all only tries it, and --disable-userns needs it
    '--die-with-parent',
    '--new-session', // no controlling terminal: no TIOCSTI into the host's tty
    '--as-pid-1', // agora-init is pid 1: when it exits the kernel kills everything left
    '--uid', String(layout.uid_inside),
    '--gid', String(layout.gid_inside),
    '--hostname', 'agent',
    '--cap-drop', 'ALL',
  ];
  if (layout.disable_userns) args.push('--disable-userns');
  args.push('--ro-bind', '/usr', '/usr');
  for (const link of layout.root_links) {
    if (link.target !== null) args.push('--symlink', link.target, `/${link.name}`);
    else args.push('--ro-bind', `/${link.name}`, `/${link.name}`);
  }
  args.push('--ro-bind', layout.etc_dir, '/etc', '--proc', '/proc', '--dev', '/dev');
  args.push('--size', String(layout.tmp_bytes), '--perms', '1777', '--tmpfs', INSIDE.tmp);
  args.push('--ro-bind', layout.init_binary, layout.init_dest);
  if (layout.runtime_dir !== null) {
    args.push('--ro-bind', layout.runtime_dir, INSIDE.runtime);
    // ESM `import 'openai'` ignores NODE_PATH but walks up to /node_modules: point that at the runtime.
    args.push('--symlink', `${INSIDE.runtime}/node_modules`, '/node_modules');
  }
  for (const extra of layout.extra_ro) args.push('--ro-bind', extra.source, extra.dest);
  args.push('--bind', run.workspace_source, INSIDE.workspace);
  if (run.code_source !== undefined && run.code_source !== null) args.push('--ro-bind', run.code_source, INSIDE.code);
  if (run.api_socket_source !== null) args.push('--ro-bind', run.api_socket_source, INSIDE.api_socket);
  if (run.debug_dir_source !== null) args.push('--bind', run.debug_dir_source, INSIDE.debug_dir);
  args.push('--chdir', INSIDE.workspace, '--remount-ro', '/');
  args.push('--clearenv');
  for (const [key, value] of Object.entries(run.env)) args.push('--setenv', key, value);

  const init = [...layout.init_argv_inside, '--control-fd', '3', '--log-bytes-max', String(run.log_bytes_max), '--conns-max', String(run.connections_max)];
  if (run.api_socket_source !== null) init.push('--relay', `tcp:127.0.0.1:${run.api_port_inside}=unix:${INSIDE.api_socket}`);
  if (run.inspect_port !== null && run.debug_dir_source !== null) {
    init.push('--relay', `unix:${INSIDE.debug_dir}/inspector.sock=tcp:127.0.0.1:${run.inspect_port}`);
  }
  return { options: args, command: ['--', ...init, '--', ...run.command] };
}
