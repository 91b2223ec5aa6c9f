// What a call token says (src/identity/call-tokens.ts mints and checks it; the kernel's
// invocation service acts on it). Here, in base, because both sides need the one shape and
// the layer rules keep identity and kernel from importing each other.

/** "Artifact call X of artifact A@v, on behalf of payer P, at depth d, with this much budget left." */
export interface CallClaims {
  call_id: string;
  /** Who pays, at every depth: the agent whose execution made the outermost call. */
  payer_id: string;
  /** 1 for a call an execution made, parent's depth + 1 for a nested one. */
  depth: number;
  /** What this call's escrow still holds for nested calls when the token was minted, µcr. */
  budget_ucr: number;
  /** The artifact and version whose code holds the token. */
  artifact_id: string;
  version: number;
}
