// `npm install` runs this first (postinstall): a fresh Debian/Ubuntu machine with only Node
// gets the system packages the sandbox needs without a manual step. As root with apt it
// installs them and says so in one line; otherwise it prints the one command to run. It never
// fails the install: `agora start` refuses later, with the same command, if the sandbox
// still cannot run. AGORA_SKIP_SYSTEM_DEPS=1 turns it off (machines whose packages are managed
// otherwise).
import { spawnSync } from 'node:child_process';
import { describeMissing, hasApt, howToInstall, isRoot, missingPackages } from './system-deps.js';

function main(): void {
  if (process.platform !== 'linux' || process.env.AGORA_SKIP_SYSTEM_DEPS === '1') return;
  const missing = missingPackages('install');
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name);
  if (!isRoot() || !hasApt()) {
    process.stdout.write(`agora: missing system packages: ${describeMissing(missing)}; ${howToInstall(missing)}\n`);
    return;
  }
  process.stdout.write(`agora: installing system packages the sandbox needs: ${names.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A fresh machine has no package lists yet; apt's own output is shown only if it fails.
  const steps = [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', ...names],
  ];
  for (const args of steps) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) {
      const last = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').pop() ?? result.error?.message ?? '';
      process.stdout.write(`agora: could not install them (apt-get ${args[0]}: ${last}); ${howToInstall(missing)}\n`);
      return;
    }
  }
}

main();
