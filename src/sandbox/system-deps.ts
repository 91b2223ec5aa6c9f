// The system packages the sandbox needs, how to tell whether each is there, and the one
// command that installs the missing ones. `npm install` (install-system-deps.ts) installs them
// when it can; `agora start` refuses with the same command when the sandbox cannot run.
import { existsSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { findExecutable } from './bwrap.js';

export interface SystemPackage {
  /** The Debian/Ubuntu package name. */
  name: string;
  /** What it is for, for the operator. */
  why: string;
  present(config: Config | null): boolean;
  /** Needed to run agents in the sandbox at all (else only to build its helpers at install). */
  run_time: boolean;
}

const bwrapName = (config: Config | null) => config?.sandbox.bwrap_path ?? 'bwrap';

export const SANDBOX_PACKAGES: readonly SystemPackage[] = [
  { name: 'bubblewrap', why: 'the sandbox', present: (config) => findExecutable(bwrapName(config)) !== null, run_time: true },
  // The seccomp filter is compiled against libseccomp at install (the native helpers).
  { name: 'libseccomp-dev', why: 'the seccomp filter', present: () => ['/usr/include/seccomp.h', '/usr/local/include/seccomp.h'].some((h) => existsSync(h)), run_time: false },
  { name: 'gcc', why: 'compiling the sandbox helpers', present: () => findExecutable('cc') !== null, run_time: false },
  { name: 'pkg-config', why: 'finding libseccomp', present: () => findExecutable('pkg-config') !== null, run_time: false },
];

/** Missing packages: all of them for an install; for a start, those without which no run can start. */
export function missingPackages(when: 'install' | 'start', config: Config | null = null): SystemPackage[] {
  return SANDBOX_PACKAGES.filter((p) => (when === 'install' || p.run_time) && !p.present(config));
}

export function hasApt(): boolean {
  return findExecutable('apt-get') !== null;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** How to install `packages` here: the one apt command on Debian/Ubuntu, a sentence elsewhere. */
export function howToInstall(packages: readonly SystemPackage[]): string {
  const names = packages.map((p) => p.name).join(' ');
  if (!hasApt()) return `install ${names} (or your distribution's equivalents) with its package manager`;
  return `install them with: ${isRoot() ? '' : 'sudo '}apt-get install -y ${names}`;
}

export function describeMissing(packages: readonly SystemPackage[]): string {
  return packages.map((p) => `${p.name} (${p.why})`).join(', ');
}
