// Bearer tokens for agents: `agt.<payload>.<hmac>`, signed with the world's signing key.
// Stateless to check, so the CLI can mint one while the world runs; an execution token also
// dies with its execution (the API asks the orchestrator whether the run is still live).
import { z } from 'zod';
import { CallTokenSigner } from './call-tokens.js';
import { openEnvelope, sealEnvelope } from './signed-envelope.js';
import { lazy } from '../base/lazy.js';

const payloadSchema = lazy(() => z.strictObject({
  a: z.string().min(1), // agent id
  x: z.string().min(1).nullable(), // execution id, null for a development token
  e: z.number().int(), // expiry, world time (the kernel's clock), ms since the epoch
}));

export interface TokenClaims {
  agent_id: string;
  execution_id: string | null;
  /** World time (the kernel's clock, virtual under --simulate), never the wall clock. */
  expires_world_ms: number;
}

export class TokenSigner {
  private readonly key: Buffer;
  /** Tokens already verified: an agent sends the same one on every request. Bounded. */
  private readonly verified = new Map<string, TokenClaims>();
  /** Call tokens (artifact calls), with a key of their own derived from this world's key. */
  readonly calls: CallTokenSigner;

  constructor(
    signing_key_hex: string,
    private readonly options: { verified_entries_max: number },
  ) {
    this.key = Buffer.from(signing_key_hex, 'hex');
    if (this.key.length < 16) throw new Error('signing key too short');
    this.calls = new CallTokenSigner(this.key);
  }

  mint(claims: TokenClaims): string {
    return sealEnvelope(this.key, 'agt', { a: claims.agent_id, x: claims.execution_id, e: claims.expires_world_ms });
  }

  /** Returns the claims of a well-signed, unexpired token, else null. */
  verify(token: string, now_world_ms: number): TokenClaims | null {
    const known = this.verified.get(token);
    if (known !== undefined) return known.expires_world_ms > now_world_ms ? known : null;
    const claims = this.verifySignature(token, now_world_ms);
    if (claims !== null) {
      if (this.verified.size >= this.options.verified_entries_max) this.verified.clear();
      this.verified.set(token, claims);
    }
    return claims;
  }

  private verifySignature(token: string, now_world_ms: number): TokenClaims | null {
    const parsed = openEnvelope(this.key, 'agt', payloadSchema(), token, now_world_ms);
    return parsed === null ? null : { agent_id: parsed.a, execution_id: parsed.x, expires_world_ms: parsed.e };
  }
}

export { secretsEqual } from './signed-envelope.js';
