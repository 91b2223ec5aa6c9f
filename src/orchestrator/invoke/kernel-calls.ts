// The kernel's artifacts domain, as the invoker calls it (ARTIFACTS-CONTRACT.md, "The seam").
import { AgoraError } from '../../base/errors.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { ArtifactCalls } from './seam.js';

export function kernelArtifactCalls(kernel: Kernel): ArtifactCalls {
  const artifacts = (kernel as unknown as { artifacts?: ArtifactCalls }).artifacts;
  if (artifacts === undefined) throw new AgoraError('UNAVAILABLE', 'this world has no artifacts domain');
  return artifacts;
}
