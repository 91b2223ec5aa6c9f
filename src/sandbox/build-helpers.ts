// `npm install` runs this (postinstall): compiles agora-launch and agora-init with cc. A
// missing compiler is not an install failure: the runner then uses its portable fallbacks
// and says so in the log.
import { buildNativeHelpers, buildSeccompFilter, HELPERS_BUILD_DIR } from './helpers.js';

try {
  const built = await buildNativeHelpers();
  process.stdout.write(`agora: sandbox helpers ready in ${HELPERS_BUILD_DIR} (${Object.keys(built).join(', ')})\n`);
} catch (err) {
  process.stderr.write(`agora: could not compile the sandbox helpers (${(err as Error).message.split('\n')[0]}); the slower portable fallbacks will be used\n`);
}

try {
  const filter = await buildSeccompFilter();
  process.stdout.write(`agora: sandbox system call filter ready (${filter})\n`);
} catch (err) {
  process.stderr.write(
    `agora: could not build the sandbox system call filter (${(err as Error).message.split('\n')[0]}); install libseccomp-dev, or sandboxes run without it (sandbox.seccomp)\n`,
  );
}
