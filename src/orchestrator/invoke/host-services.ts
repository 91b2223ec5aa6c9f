// Agora's own services as artifacts (gap 15): the ledger, discovery, escrow and the event log,
// each a genesis artifact with an interface like any tool's, called through the same invoke
// path. They are served by the host, in-process, not by a sandbox: they are Agora's code, not an
// agent's, and they answer from the kernel's reads. Each answers for the call's payer only
// (what the payer may read), never for whoever the args name.
import type { CallClaims } from '../../identity/call-tokens.js';
import type { ResolvedVersion } from '../../kernel/artifacts/commands.js';

export interface HostServices {
  /** The service a resolved version is, or null: it is an agent's code and runs in a sandbox. */
  serviceOf(resolved: ResolvedVersion): string | null;
  call(service: string, tool: string, args: unknown, claims: CallClaims): Promise<unknown>;
}

/** Until the artifacts domain lands: no host services. */
export function createHostServices(_kernel: unknown): HostServices | null {
  return null;
}
