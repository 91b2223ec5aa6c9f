// What an install request may name, checked before anything runs: an npm package name (the
// registry's own rules: lower case, at most 214 characters, an optional @scope) and a version
// that is an exact version, a dist-tag or a semver range. npm would also take a path, a URL, a
// git or GitHub spec, a tarball or an alias (`npm:`) in the same place; none of them passes
// here, since each fetches from somewhere other than the registry or reads the host's disk.
import { AgoraError } from '../../base/errors.js';

const NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const TAG = /^[a-z][a-z0-9._-]{0,63}$/i;
/** An exact version (1.2.3, 1.2.3-beta.1) or a range of them (^1.2, ~1, >=1 <2, 1.x || 2, *). */
const RANGE = /^[0-9xX*^~<>=|. +a-z-]+$/;
const HAS_NUMBER_OR_STAR = /[0-9*]/;

export function checkNpmSpec(name: string, version: string): { name: string; version: string } {
  if (name.length > 214 || !NAME.test(name) || name.includes('..')) {
    throw new AgoraError('INVALID_ARGS', 'name must be an npm package name (lower case, optional @scope/, no paths, URLs or git specs)', { field: 'name' });
  }
  const v = version.trim();
  const ok = v.length > 0 && v.length <= 100 && !/[/:\\@#]/.test(v) && ((RANGE.test(v) && HAS_NUMBER_OR_STAR.test(v)) || TAG.test(v));
  if (!ok) throw new AgoraError('INVALID_ARGS', 'version must be an exact version, a semver range or a dist-tag (no paths, URLs, git or npm: aliases)', { field: 'version' });
  return { name, version: v };
}
