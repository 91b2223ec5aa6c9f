// The two small programs every sandboxed run goes through: agora-launch on the host side
// (cgroups, rlimits, privilege drop, then bwrap) and agora-init inside (API forwarder, log
// cap, status). Both are C, compiled with `cc` at install time (postinstall) or on first
// use. Without a C compiler the runner falls back to a shell launcher and a node forwarder,
// which work the same but start slower and protect the forwarder less; the log says so.
// A third, agora-seccomp, runs once to write the system call filter bwrap loads into every
// sandbox (it needs libseccomp); without it sandboxes run unfiltered and the log says so
// loudly, or the runner refuses to start (sandbox.seccomp = required).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { AgoraError } from '../base/errors.js';

const run = promisify(execFile);
// src/sandbox/ whether this module runs from src/ (tsx) or from the CLI's bundle in build/cli/
// (the same depth below the installation), so the helpers' sources are found either way.
const here = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'sandbox');

export const NATIVE_SOURCES = {
  init: join(here, 'native', 'agora-init.c'),
  launch: join(here, 'native', 'agora-launch.c'),
  seccomp: join(here, 'native', 'agora-seccomp.c'),
} as const;
export const FALLBACK_SOURCES = { init: join(here, 'fallback', 'agora-init.mjs'), launch: join(here, 'fallback', 'agora-launch.sh') } as const;
/** Generated, ignored by git; rebuilt whenever a source is newer than its binary. */
export const HELPERS_BUILD_DIR = resolve(here, '..', '..', 'build', 'sandbox');

export interface SandboxHelpers {
  native: boolean;
  /** Host path of agora-init (binary, or the .mjs run with node). */
  init_path: string;
  /** argv prefix that runs agora-launch on the host; the launcher options follow. */
  launch_argv: string[];
}

export async function buildNativeHelpers(out_dir = HELPERS_BUILD_DIR): Promise<{ init: string; launch: string }> {
  mkdirSync(out_dir, { recursive: true, mode: 0o755 });
  const init = await compile(NATIVE_SOURCES.init, join(out_dir, 'agora-init'));
  const launch = await compile(NATIVE_SOURCES.launch, join(out_dir, 'agora-launch'));
  return { init, launch };
}

/**
 * Compiles agora-seccomp (needs libseccomp) and runs it to write the filter; returns the
 * filter's path. Both are rebuilt whenever the source is newer.
 */
export async function buildSeccompFilter(out_dir = HELPERS_BUILD_DIR): Promise<string> {
  mkdirSync(out_dir, { recursive: true, mode: 0o755 });
  const generator = await compile(NATIVE_SOURCES.seccomp, join(out_dir, 'agora-seccomp'), ['-lseccomp']);
  const filter = join(out_dir, 'seccomp.bpf');
  if (!existsSync(filter) || statSync(filter).mtimeMs < statSync(generator).mtimeMs) await run(generator, [filter]);
  return filter;
}

async function compile(source: string, binary: string, libs: string[] = []): Promise<string> {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  // Build beside the target and rename: concurrent first uses never see a half-written file.
  const partial = `${binary}.${process.pid}.tmp`;
  const flags = ['-O2', '-Wall', '-Wextra', '-o', partial, source, ...libs];
  try {
    // Static: no dynamic loader at start-up (faster exec) and it runs in any container image.
    await run('cc', ['-static', ...flags]);
  } catch {
    await run('cc', flags);
  }
  renameSync(partial, binary);
  return binary;
}

export async function resolveHelpers(config: Config, log: Logger): Promise<SandboxHelpers> {
  if (config.sandbox.native_helpers === 'auto') {
    try {
      const built = await buildNativeHelpers();
      return { native: true, init_path: built.init, launch_argv: [built.launch] };
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        'SANDBOX HELPERS NOT COMPILED (is `cc` installed?): using the shell launcher and the node forwarder instead. ' +
          'Runs start about 40 ms slower, and an agent could reach the node forwarder\'s file descriptors.',
      );
    }
  } else {
    log.warn('sandbox.native_helpers is off: using the shell launcher and the node forwarder (slower start, weaker forwarder)');
  }
  return { native: false, init_path: FALLBACK_SOURCES.init, launch_argv: ['/bin/sh', FALLBACK_SOURCES.launch] };
}

/**
 * The BPF filter bwrap loads into every sandbox, per sandbox.seccomp (null = none): required
 * refuses to go on without one, auto warns loudly.
 */
export async function resolveSeccomp(config: Config, log: Logger, build: () => Promise<string> = buildSeccompFilter): Promise<string | null> {
  const mode = config.sandbox.seccomp;
  if (mode === 'off') {
    log.warn('sandbox.seccomp is off: sandboxes run without a system call filter');
    return null;
  }
  try {
    const filter = await build();
    log.info({ filter }, 'sandbox system call filter ready');
    return filter;
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    if (mode === 'required') {
      throw new AgoraError('UNAVAILABLE', `sandbox.seccomp is required but the system call filter could not be built (install libseccomp-dev and a C compiler): ${why}`);
    }
    const message =
      'SANDBOX SYSCALL FILTER NOT ENFORCED: the seccomp filter could not be built (install libseccomp-dev and a C compiler), ' +
      'so agents can reach io_uring, bpf, keyrings, perf, userfaultfd, ptrace and new namespaces. Set sandbox.seccomp to required to refuse to start instead.';
    log.error({ err: why }, message);
    process.stderr.write(`agora: ${message}\n`);
    return null;
  }
}
